"""Grade a call at its limit: time and peak memory of `calls.grade_call` on transcripts just under the 1 MB
limit (`calls.MAX_CALL_BYTES`), from the common case to the worst ones, and the refusal of one just over it.

Goal: any transcript the page or the command line takes is graded, or refused with a message, in a second or
two and a few tens of MB. Figures only, no asserts.

    .venv/bin/python bench/call_bounds.py
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym import calls  # noqa: E402
from closergym.content import library  # noqa: E402

OBJECTING = ("Prospect: Honestly it's too expensive for us and I need to talk to my partner first.\n"
             "Rep: That's fair. What part of the price worries you most, and could the three of us take 15 minutes "
             "Thursday at 2?\n")
SMALL_TALK = "Prospect: Good, the weather's been lovely and the kids are back at school.\nRep: Glad to hear it.\n"


def filled(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size - 64]


SHAPES = {
    "objections on every line": lambda size: filled(OBJECTING, size),
    "small talk, nothing to grade": lambda size: filled(SMALL_TALK, size),
    "one speaker's monologue per turn": lambda size: f"Prospect: {'lorem ipsum dolor sit amet ' * (size // 60)}\n"
                                                     f"Rep: {'consectetur adipiscing elit ' * (size // 60)}\n",
    "WebVTT cues with voices": lambda size: "WEBVTT\n\n" + "".join(
        f"00:{i // 60 % 60:02d}:{i % 60:02d}.000 --> 00:{i // 60 % 60:02d}:{i % 60:02d}.900\n"
        f"<v {'Prospect' if i % 2 else 'Rep'}>It's too expensive for us right now, honestly.\n\n"
        for i in range(size // 110)),
    "markup on every line": lambda size: filled("Prospect: <b>It's</b> <img src=x> too expensive.\nRep: Why?\n", size),
}


def measure(name: str, text: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        report = calls.grade_call(text, lib=library())
        outcome = f"{len(report.exchanges)} answers graded"
    except calls.CallError as error:
        outcome = f"refused: {str(error)[:60]}"
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{name:<34} {len(text.encode()) / 1024 / 1024:5.2f} MB  {elapsed:6.2f} s  peak {peak / 1e6:5.0f} MB  "
          f"{outcome}")


def main() -> None:
    library()  # loaded once, as a running server has it
    limit = calls.MAX_CALL_BYTES
    print(f"grade_call at its limit ({calls.MAX_CALL}), traced Python memory")
    for name, make in SHAPES.items():
        text = make(limit)
        measure(name, text[:limit - 1] if len(text.encode()) >= limit else text)
    measure("just over the limit", filled(OBJECTING, limit + 10_000))


if __name__ == "__main__":
    main()
