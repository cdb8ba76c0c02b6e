"""The learned calibration: the rubric's move points, read the way real trainers grade, into a tier.

The rules find the moves and the red flags; a small ordinal logistic regression, fitted on the real-world
rebuttals of the shared calibration set (`bench/fit_calibration.py`), turns the move points and the
shape of the answer into one score and two thresholds: below the first weak, below the second strong,
else elite. Its weights are never negative, so more of any move (or a longer honest answer) never lowers
the tier, and taking text away never raises it. The weights ship as a readable JSON file
(`data/grader_calibration.json`): grading needs no training and no scikit-learn, and stays deterministic.
The red flags still cap whatever the score says (see `grading.decide_tier`).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "data" / "grader_calibration.json"
FEATURES = ("acknowledge", "clarify", "respond", "advance", "moves_present", "log_words", "questions",
            "rules_strong", "rules_elite")
WORDS_COUNTED = 90  # past a minute of speech more words earn nothing (and the monologue flag takes over)


def features(points: dict[str, int], words: int, questions: int, rules_tier: str) -> list[float]:
    """The model's inputs, in the order of FEATURES: each move's points, how many moves are there, the
    length of what is said (log of its words, up to WORDS_COUNTED), how many questions it asks (at most
    three count), and whether the rules alone grade it strong or better, and elite."""
    return [float(points["acknowledge"]), float(points["clarify"]), float(points["respond"]), float(points["advance"]),
            float(sum(1 for value in points.values() if value)), math.log1p(min(words, WORDS_COUNTED)),
            float(min(questions, 3)), float(rules_tier in ("strong", "elite")), float(rules_tier == "elite")]


@functools.lru_cache(maxsize=1)
def load_model(path: Path = CALIBRATION_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def score(values: list[float], model: dict | None = None) -> float:
    model = model or load_model()
    return sum(w * x for w, x in zip(model["weights"], values, strict=True))


def predict(values: list[float], model: dict | None = None) -> str:
    """Weak below the first threshold, strong below the second, elite at or above it."""
    model = model or load_model()
    value = score(values, model)
    strong_from, elite_from = model["thresholds"]
    return "weak" if value < strong_from else "strong" if value < elite_from else "elite"
