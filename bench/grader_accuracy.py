"""Grader accuracy: the built-in grader against tiers we did not assign, cross-validated.

On the real-world calibration set (../shared/calibration, 134 rebuttals graded by the trainers who
published them) it prints, per approach, stratified k-fold cross-validated exact agreement, within-one-tier
agreement, elite recall, weak/elite swaps and the confusion matrix:

- rules: the rubric's own tier (closergym.grading.tier_for), nothing fitted;
- multinomial: scikit-learn's LogisticRegression on the calibration features, refitted per fold;
- ordinal (shipped): the ordinal logistic regression of bench/fit_calibration.py, refitted per fold.

Every learned figure is the mean over repeated 5-fold splits, each fold scored by a model that never saw
it, and goes through `calibrated_tier` as at runtime: the rules' tier as the floor, the red-flag caps and
the elite minimum after the model. Then, apart from
those, the shipped grader on our own regression sets (tests/data) and the library's model rebuttals, and
the time per grade.

    .venv/bin/python bench/grader_accuracy.py [--folds 5] [--repeats 5] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_calibration import fit, load_rows, read_rows  # noqa: E402

from closergym.calibration import predict  # noqa: E402
from closergym.content import library  # noqa: E402
from closergym.grading import TIERS, calibrated_tier, grade_rebuttal  # noqa: E402

REGRESSION = sorted((Path(__file__).resolve().parent.parent / "tests" / "data").glob("*rebuttals.jsonl"))


def figures(labels: list[str], graded: list[str]) -> dict:
    distance = [abs(TIERS.index(a) - TIERS.index(b)) for a, b in zip(labels, graded, strict=True)]
    elite = [g for a, g in zip(labels, graded, strict=True) if a == "elite"]
    confusion = {a: {b: 0 for b in TIERS} for a in TIERS}
    for a, b in zip(labels, graded, strict=True):
        confusion[a][b] += 1
    return {"n": len(labels), "exact": sum(d == 0 for d in distance) / len(labels),
            "near": sum(d <= 1 for d in distance) / len(labels), "swaps": sum(d == 2 for d in distance),
            "elite_recall": sum(g == "elite" for g in elite) / max(1, len(elite)), "confusion": confusion}


def show(name: str, runs: list[dict]) -> None:
    mean = {key: statistics.mean(run[key] for run in runs) for key in ("exact", "near", "swaps", "elite_recall")}
    print(f"\n== {name}" + (f" (mean of {len(runs)} cross-validation runs)" if len(runs) > 1 else ""))
    print(f"exact tier agreement     {mean['exact']:.1%}")
    print(f"within one tier          {mean['near']:.1%}")
    print(f"elite recall             {mean['elite_recall']:.1%}")
    print(f"weak<->elite swaps       {mean['swaps']:.1f}")
    print("confusion, summed over runs (rows: expected, columns: graded)")
    print("           " + "".join(f"{t:>8}" for t in TIERS))
    for label in TIERS:
        print(f"  {label:<9}" + "".join(f"{sum(run['confusion'][label][t] for run in runs):>8}" for t in TIERS))


def multinomial(features, labels):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=5000).fit(features, labels)
    return lambda x: str(model.predict([x])[0])


def ordinal(features, labels):
    model = fit(features, labels)
    return lambda x: predict(x, model)


def cross_validated(reads, labels, recipe, *, folds: int, repeats: int) -> list[dict]:
    from sklearn.model_selection import StratifiedKFold

    runs = []
    for seed in range(repeats):
        graded = [""] * len(labels)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(reads, labels):
            model = recipe([reads[i][0] for i in train], [labels[i] for i in train])
            for i in test:
                features, rules, caps, points = reads[i]
                graded[i] = calibrated_tier(model(features), rules, caps, points)
        runs.append(figures(labels, graded))
    return runs


def shipped(name: str, rows: list[dict], *, show_misses: bool, timings: list[float]) -> None:
    graded = []
    for row in rows:
        started = time.perf_counter()
        grade = grade_rebuttal(row["objection"], row["rebuttal"], context=row.get("context", ""),
                               objection_slug=row.get("slug"))
        timings.append((time.perf_counter() - started) * 1000)
        graded.append(grade.tier)
        if show_misses and grade.tier != row["label"]:
            points = " ".join(f"{m.move[:3]}={m.points}" for m in grade.moves)
            flags = ",".join(f.code for f in grade.red_flags)
            print(f"  MISS {row.get('id', '')} expected {row['label']} got {grade.tier} [{points}] {flags}")
            print(f"       {row['rebuttal'][:160]}")
    result = figures([row["label"] for row in rows], graded)
    print(f"{name:<34} {result['n']:>4}  exact {result['exact']:>4.0%}  within one {result['near']:>4.0%}  "
          f"swaps {result['swaps']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    timings: list[float] = []
    try:
        rows = load_rows()
    except FileNotFoundError as error:
        rows = []
        print(f"(no calibration set: {error})")
    if rows:
        labels = [row["label"] for row in rows]
        reads = read_rows(rows)
        print(f"REAL-WORLD calibration set: {len(rows)} rebuttals graded by their sources")
        show("rules as they are (nothing fitted)", [figures(labels, [read[1] for read in reads])])
        try:
            show("multinomial LogisticRegression, refitted per fold",
                 cross_validated(reads, labels, multinomial, folds=args.folds, repeats=args.repeats))
            show("ordinal calibration (shipped recipe), refitted per fold",
                 cross_validated(reads, labels, ordinal, folds=args.folds, repeats=args.repeats))
        except ImportError:
            print("(scikit-learn is not installed: pip install -r requirements-dev.txt for the cross-validated figures)")
        print("\nThe shipped grader on the set it was fitted on (not a measure of accuracy):")
        shipped("real-world calibration set", rows, show_misses=args.show_misses, timings=timings)
    print("\nOUR OWN TEXT, regression only (written in our style; never evidence of accuracy):")
    for path in REGRESSION:
        own = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        shipped(path.stem, own, show_misses=args.show_misses, timings=timings)
    lib = library()
    model = [{"id": f"{slug}/{tier}", "objection": o.title, "slug": slug, "rebuttal": o.rebuttal(tier).text,
              "label": tier} for slug, o in lib.objections.items() for tier in TIERS]
    shipped("library model rebuttals", model, show_misses=args.show_misses, timings=timings)
    timings.sort()
    print(f"\ngrade time over {len(timings)} grades: median {statistics.median(timings):.2f} ms, "
          f"p95 {timings[int(0.95 * (len(timings) - 1))]:.2f} ms, max {timings[-1]:.2f} ms")


if __name__ == "__main__":
    main()
