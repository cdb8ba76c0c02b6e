"""Import at its limits: time and peak memory of `python -m closergym import FILE`, each in a fresh child
process, for a real export close to the 20 MB limit and for hostile files of the same size.

Goal (issue 20): any file of up to 20 MB is refused or imported in seconds and under ~200 MB.
Figures only, no asserts.

    .venv/bin/python bench/import_bounds.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from closergym import sessions, store, transfer  # noqa: E402
from tests.test_import_bounds import MEASURED  # noqa: E402 - the CLI run that reports its own peak memory

HEADER = {"format": transfer.FORMAT, "version": transfer.VERSION, "exported_at": "2026-01-02 03:04:05",
          "trainee": {"name": "Mallory"}, "sessions": [], "lesson_progress": [], "generator_runs": []}
ANSWERS = ["That makes sense. What part of it is still on your mind: the cost or the timing?",
           "I hear you. What budget did you set aside? Teams like yours saved $4,000 a month in the first quarter. "
           "Could we look at it together Tuesday at 10?", "No problem, let me know!"]


def real_export(folder: Path, limit: int) -> bytes:
    """A real trainee's export, grown by whole sessions until the next one would pass `limit` bytes."""
    db = store.open_db(folder / "source.db")
    trainee = store.create_trainee(db, "Sam")
    turn = 0
    while True:
        session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="too-expensive", seed=turn)
        for _ in range(3):
            result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"],
                                        rebuttal=ANSWERS[turn % 3])
            turn += 1
            if result.state.finished:
                break
        if turn % 300 < 3:
            raw = transfer.export_json(db, trainee["id"])
            if len(raw) > limit * 0.97:
                db.close()
                return raw


def hostile(turns: str) -> bytes:
    return json.dumps(HEADER)[:-1].encode() + b', "turns": ' + turns.encode() + b"}"


def measure(name: str, raw: bytes, folder: Path) -> None:
    path = folder / f"{name}.json"
    path.write_bytes(raw)
    db_path = folder / f"{name}.db"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURED, str(path)], capture_output=True, text=True, cwd=ROOT,
                          env={"CLOSERGYM_DB": str(db_path), "PATH": "/usr/bin:/bin"}, timeout=600)
    seconds = time.perf_counter() - started
    peak = int(done.stderr.rsplit("peak-kb ", 1)[1]) // 1024
    said = (done.stdout.strip() or done.stderr.split("peak-kb")[0].strip()).splitlines()[-1][:90]
    print(f"{name:<28} {len(raw) / 1024**2:6.1f} MB  exit {done.returncode}  {seconds:5.1f} s  {peak:4d} MB  {said}")


def main() -> None:
    limit = transfer.MAX_IMPORT_BYTES
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("file                           size  exit   time   peak  what it said")
        real = real_export(folder, limit)
        values = transfer.count_values(real.decode())
        print(f"(a real export of {len(real) / 1024**2:.1f} MB holds {values:,} JSON values; the limit is "
              f"{transfer.MAX_JSON_VALUES:,})")
        measure("real export", real, folder)
        measure("350,000 empty rows (1 MB)", hostile("[" + ",".join(["{}"] * 350_000) + "]"), folder)
        count = (limit - 200) // 3
        measure("20 MB of empty rows", hostile("[" + ",".join(["{}"] * count) + "]"), folder)
        measure("20 MB of numbers", hostile("[" + ",".join(["0"] * ((limit - 200) // 2)) + "]"), folder)
        rows = ",".join(['{"uid": 1}'] * 49_000)
        measure("49,000 bad rows", hostile(f"[{rows}]"), folder)
        measure("one 20 MB string", hostile(json.dumps(["x" * (limit - 300)])), folder)
        measure("deep nesting", hostile("[" * 500_000 + "]" * 500_000), folder)


if __name__ == "__main__":
    main()
