"""Fit the grader's learned calibration on the real-world rebuttals and write data/grader_calibration.json.

An ordinal logistic regression (one score, two thresholds, weights kept non-negative) from the rubric's
move points and the shape of the answer (closergym.calibration.FEATURES) to the trainers' tiers, fitted
by maximum likelihood with a small ridge penalty (scipy, a dev dependency through scikit-learn). The runtime
reads the weights and needs no training. `bench/grader_accuracy.py` measures the same recipe, and a plain
multinomial LogisticRegression for comparison, by refitting on each cross-validation fold.

    .venv/bin/python bench/fit_calibration.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym.calibration import CALIBRATION_FILE, FEATURES  # noqa: E402
from closergym.grading import TIERS, grade_features  # noqa: E402

CALIBRATION_DIR = Path(__file__).resolve().parents[2] / "shared" / "calibration"
CALIBRATION_FILES = ("rebuttals-dev.jsonl", "rebuttals-realworld.jsonl")
RIDGE = 0.1  # the penalty chosen by cross-validation (bench/README.md)


def load_rows(directory: Path = CALIBRATION_DIR) -> list[dict]:
    rows = []
    for name in CALIBRATION_FILES:
        rows += [json.loads(line) for line in (directory / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def read_rows(rows: list[dict]) -> list[tuple[list[float], str, tuple[str, ...], int]]:
    """Per row: the model's features, the rules' tier, the caps of its red flags, its total move points."""
    return [grade_features(row["objection"], row["rebuttal"], context=row.get("context", "")) for row in rows]


def fit(features: list[list[float]], labels: list[str], *, ridge: float = RIDGE) -> dict:
    """Ordinal logistic regression: P(tier >= strong) = sigmoid(w.x - t1), P(elite) = sigmoid(w.x - t2), w >= 0."""
    import numpy as np
    from scipy.optimize import minimize

    x = np.asarray(features, dtype=float)
    y = np.asarray([TIERS.index(label) for label in labels])
    d = x.shape[1]

    def loss(params):
        w, t1, gap = params[:d], params[d], params[d + 1]
        s = x @ w
        at_least_strong = 1 / (1 + np.exp(-(s - t1)))
        elite = 1 / (1 + np.exp(-(s - t1 - gap)))
        p = np.where(y == 0, 1 - at_least_strong, np.where(y == 1, at_least_strong - elite, elite))
        return -np.sum(np.log(np.clip(p, 1e-12, None))) + ridge * np.sum(w * w)

    start = np.r_[np.full(d, 0.5), 3.0, 2.0]
    bounds = [(0, None)] * d + [(None, None), (1e-3, None)]
    params = minimize(loss, start, bounds=bounds, method="L-BFGS-B").x
    return {
        "about": "Grader calibration: ordinal logistic regression (non-negative weights, two thresholds) on the "
                 "rubric's move points and the answer's shape, fitted on the real-world calibration rebuttals "
                 "by bench/fit_calibration.py.",
        "features": list(FEATURES),
        "weights": [round(float(w), 4) for w in params[:d]],
        "thresholds": [round(float(params[d]), 4), round(float(params[d] + params[d + 1]), 4)],
        "trained_on": len(labels),
        "ridge": ridge,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the shipped file differs from a refit")
    args = parser.parse_args()
    rows = load_rows()
    model = fit([read[0] for read in read_rows(rows)], [row["label"] for row in rows])
    text = json.dumps(model, indent=2) + "\n"
    if args.check:
        same = CALIBRATION_FILE.exists() and CALIBRATION_FILE.read_text(encoding="utf-8") == text
        print("up to date" if same else "differs: rerun without --check")
        sys.exit(0 if same else 1)
    CALIBRATION_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {CALIBRATION_FILE} from {len(rows)} rebuttals")


if __name__ == "__main__":
    main()
