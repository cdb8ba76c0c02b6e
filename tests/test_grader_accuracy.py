"""The grader's accuracy, kept.

On real text: the real-world calibration set (../shared/calibration, rebuttals graded by the trainers who
published them), cross-validated the way bench/grader_accuracy.py does it (the calibration refitted on
each fold, scored on the fold it never saw), held to a floor we reach. On our own text: the sets we wrote
are regression tests only (written in our style, never evidence of accuracy): each keeps 80 % exact and no
weak answer graded elite or elite answer graded weak.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from closergym.grading import TIERS, calibrated_tier, grade_rebuttal

DATA = Path(__file__).parent / "data"
REGRESSION = sorted(DATA.glob("regression*_rebuttals.jsonl"))
BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("path", REGRESSION, ids=lambda path: path.stem)
def test_regression_rebuttals_keep_their_tier(path):
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    graded = [(row, grade_rebuttal(row["objection"], row["rebuttal"], context=row.get("context", ""))) for row in rows]
    exact = sum(grade.tier == row["label"] for row, grade in graded)
    swaps = [row["id"] for row, grade in graded
             if abs(TIERS.index(grade.tier) - TIERS.index(row["label"])) == 2]
    assert len(rows) >= 90
    assert exact >= 0.8 * len(rows), f"{exact}/{len(rows)}"
    assert not swaps


def test_real_world_cross_validated_agreement_holds_its_floor():
    """Floors under what the shipped recipe reaches (this 5-fold run: 81.3 % exact, 78.3 % elite recall, no swap): a change that
    makes the grader read real text worse fails here, however well it does on our own sets."""
    pytest.importorskip("sklearn", reason="scikit-learn (requirements-dev.txt) fits the calibration per fold")
    sys.path.insert(0, str(BENCH))
    from fit_calibration import CALIBRATION_DIR, CALIBRATION_FILES, fit, load_rows, read_rows
    from sklearn.model_selection import StratifiedKFold

    from closergym.calibration import predict

    if not all((CALIBRATION_DIR / name).exists() for name in CALIBRATION_FILES):
        pytest.skip(f"the shared calibration set is not at {CALIBRATION_DIR}")
    rows = load_rows()
    labels = [row["label"] for row in rows]
    reads = read_rows(rows)
    graded = [""] * len(rows)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(reads, labels):
        model = fit([reads[i][0] for i in train], [labels[i] for i in train])
        for i in test:
            features, rules, caps, points = reads[i]
            graded[i] = calibrated_tier(predict(features, model), rules, caps, points)
    exact = sum(a == b for a, b in zip(labels, graded, strict=True)) / len(rows)
    elite = [b for a, b in zip(labels, graded, strict=True) if a == "elite"]
    swaps = sum(abs(TIERS.index(a) - TIERS.index(b)) == 2 for a, b in zip(labels, graded, strict=True))
    assert len(rows) >= 130
    assert exact >= 0.79, f"{exact:.1%} exact"
    assert sum(b == "elite" for b in elite) / len(elite) >= 0.73
    assert swaps == 0
