"""PDF build time: one lesson and the whole Objection Sparring Playbook, from the shipped library.

Prints, for each, the median wall and CPU time of a few builds after one warm-up, and the size. The
CPU figure is the steadier one on a busy machine. Most of the time is fpdf2 breaking lines (its line
breaker measures a line again for each character it adds); the playbook also lays out each answer box
and each pair of columns twice, once on a scratch page to keep it on one page. Goal: a lesson under
0.5 s and the playbook under 2 s of CPU (both are built when their download button is clicked).
Figures only, no asserts.

    .venv/bin/python bench/pdf_build.py [--runs 5] [--lesson handling-stalls]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym.content import library  # noqa: E402
from closergym.pdf import lesson_pdf, playbook_pdf  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lesson", default="handling-stalls")
    args = parser.parse_args()
    lib = library()
    builds = {f"lesson {args.lesson}": lambda: lesson_pdf(lib.lessons[args.lesson], lib),
              "playbook": lambda: playbook_pdf(lib)}
    for name, build in builds.items():
        build()  # warm-up: imports, font files, caches
        wall, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            data = build()
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(f"{name}: median {statistics.median(wall) * 1000:.0f} ms wall, "
              f"{statistics.median(cpu) * 1000:.0f} ms CPU, {len(data) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
