"""What the presenter view reveals of a class answer: the tier, the score, each move with the words that
earned it, and one line saying why, short enough to read from the back of a room.

The line reads the grade (its points, red flags and tier) and adds no judgement of its own: the grader
decided, this says which of its findings decided it.
"""

from __future__ import annotations

from closergym.grading import ELITE_POINTS, MOVE_LABELS, Grade

MAX_PHRASE = 60  # characters of a quoted phrase on the projector
MAX_REASON = 140  # characters of what a red flag says, after its name
CUES = {"acknowledge": "show you heard it", "clarify": "ask what is behind it", "respond": "a number, an example",
        "advance": "a small next step"}  # the rubric (grading.RUBRIC) in a few words, for the room
MOVE_NAMES = {"acknowledge": "an acknowledgement", "clarify": "a real question", "respond": "specifics",
              "advance": "a small next step"}


def _short(phrase: str) -> str:
    phrase = " ".join(phrase.split())
    return phrase if len(phrase) <= MAX_PHRASE else phrase[:MAX_PHRASE - 1].rstrip() + "…"


def _names(moves: list[str]) -> str:
    names = [MOVE_NAMES[move] for move in moves]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def why(grade: Grade) -> str:
    """One line: the red flag that held the answer down, else what earned its tier and what it lacked."""
    counted = [mark for mark in grade.moves if mark.counted]
    points = sum(mark.points for mark in counted)
    full = [mark.move for mark in counted if mark.points == 2 and mark.move in MOVE_NAMES]
    missing = [mark.move for mark in counted if mark.points == 0 and mark.move in MOVE_NAMES]
    capping = [flag for flag in grade.red_flags if flag.cap == grade.tier]
    if capping:  # what the flag says is under it (`reveal`'s "reasons")
        return f"Held at {grade.tier} by a red flag: {capping[0].label.split(' (')[0].lower()}."
    if grade.tier == "elite":
        return f"{points} of 8 points: " + (f"{_names(full)}, done well." if full else "every move touched.")
    if grade.tier == "strong":
        earned = f"{points} of 8 points" + (f", from {_names(full)}" if full else "")
        lacking = f"; add {_names(missing)} to reach elite." if missing else f"; elite takes {ELITE_POINTS} of 8."
        return earned + lacking
    if missing:
        return f"Nothing moves the conversation on: no {_names(missing)}."
    return f"{points} of 8 points: nothing yet moves the conversation on."


def reason(label: str) -> str:
    """What a red flag says after its name ("they said they already have someone; your answer never ..."),
    short enough for the projector."""
    said = " ".join(label.partition(" (")[2].removesuffix(")").split())
    said = said if len(said) <= MAX_REASON else said[:MAX_REASON - 1].rstrip() + "…"
    return said[:1].upper() + said[1:]


def reveal(grade: Grade) -> dict:
    """The revealed grade as the presenter view draws it."""
    return {
        "tier": grade.tier,
        "score": grade.score,
        "moves": [{"label": mark.label if mark.title else MOVE_LABELS.get(mark.move, mark.label),
                   "points": mark.points, "phrases": [_short(p) for p in mark.phrases[:2]]}
                  for mark in grade.moves if mark.counted],
        "flags": [flag.label.split(" (")[0] for flag in grade.red_flags],
        "reasons": [reason(flag.label) for flag in grade.red_flags if " (" in flag.label],
        "why": why(grade),
    }
