"""The issue's accuracy goal, kept: on rebuttals graded by people who never saw the grader, at least 80 %
exact tier agreement and no weak answer graded elite or elite answer graded weak."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closergym.grading import TIERS, grade_rebuttal

DATA = Path(__file__).parent / "data"
HELD_OUT = sorted(DATA.glob("heldout*_rebuttals.jsonl"))


@pytest.mark.parametrize("path", HELD_OUT, ids=lambda path: path.stem)
def test_held_out_rebuttals_get_their_tier(path):
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    graded = [(row, grade_rebuttal(row["objection"], row["rebuttal"], context=row.get("context", ""))) for row in rows]
    exact = sum(grade.tier == row["label"] for row, grade in graded)
    swaps = [row["id"] for row, grade in graded
             if abs(TIERS.index(grade.tier) - TIERS.index(row["label"])) == 2]
    assert len(rows) >= 90
    assert exact >= 0.8 * len(rows), f"{exact}/{len(rows)}"
    assert not swaps
