"""Grader accuracy: the built-in grader against tiers we did not assign.

Prints, for the sales trainers' calibration set (../shared/calibration/rebuttals-dev.jsonl, or --file)
and for the library's own model rebuttals: exact and within-one-tier agreement, the confusion matrix,
weak/elite swaps, and the time per grade.

    .venv/bin/python bench/grader_accuracy.py [--file PATH] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym.content import library  # noqa: E402
from closergym.grading import TIERS, grade_rebuttal  # noqa: E402

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared" / "calibration" / "rebuttals-dev.jsonl"


def report(name: str, rows: list[dict], *, show_misses: bool) -> None:
    confusion = {label: dict.fromkeys(TIERS, 0) for label in TIERS}
    exact = near = swaps = 0
    timings = []
    misses = []
    for row in rows:
        started = time.perf_counter()
        grade = grade_rebuttal(row["objection"], row["rebuttal"], context=row.get("context", ""),
                               objection_slug=row.get("slug"))
        timings.append((time.perf_counter() - started) * 1000)
        confusion[row["label"]][grade.tier] += 1
        distance = abs(TIERS.index(row["label"]) - TIERS.index(grade.tier))
        exact += distance == 0
        near += distance <= 1
        swaps += distance == 2
        if distance:
            misses.append((row, grade))
    n = len(rows)
    print(f"\n== {name}: {n} rebuttals")
    print(f"exact tier agreement     {exact}/{n} = {exact / n:.0%}")
    print(f"within one tier          {near}/{n} = {near / n:.0%}")
    print(f"weak<->elite swaps       {swaps}")
    print(f"grade time               median {statistics.median(timings):.2f} ms, max {max(timings):.2f} ms")
    print("confusion (rows: expected, columns: graded)")
    print("           " + "".join(f"{t:>8}" for t in TIERS))
    for label in TIERS:
        print(f"  {label:<9}" + "".join(f"{confusion[label][t]:>8}" for t in TIERS))
    if show_misses:
        for row, grade in misses:
            points = " ".join(f"{m.move[:3]}={m.points}" for m in grade.moves)
            flags = ",".join(f.code for f in grade.red_flags)
            print(f"  MISS {row.get('id', '')} expected {row['label']} got {grade.tier} [{points}] {flags}")
            print(f"       {row['rebuttal'][:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    if args.file.exists():
        rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
        report(f"calibration set {args.file.name}", rows, show_misses=args.show_misses)
    else:
        print(f"(no calibration file at {args.file})")
    lib = library()
    model = [
        {"id": f"{slug}/{tier}", "objection": o.title, "slug": slug, "rebuttal": o.rebuttal(tier).text, "label": tier}
        for slug, o in lib.objections.items() for tier in TIERS
    ]
    report("library model rebuttals", model, show_misses=args.show_misses)


if __name__ == "__main__":
    main()
