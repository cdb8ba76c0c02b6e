"""The scorecard under a graded answer: tier badge, each move with the phrases that earned it,
red flags, keep / start / stop, and a better alternative (shown only after the answer).

One Markdown element: every element costs the browser time to redraw, and a sparring transcript
redraws up to three scorecards after every answer.
"""

from __future__ import annotations

import streamlit as st

from closergym.grading import MOVE_LABELS, RUBRIC, TIER_RULES, Grade
from components.text import literal

TIER_STYLE = {"weak": ("red", "🟥"), "strong": ("orange", "🟧"), "elite": ("green", "🟩")}


def badge_markdown(tier: str, score: int | None = None) -> str:
    color, icon = TIER_STYLE[tier]
    label = tier.upper() + (f" · {score}/100" if score is not None else "")
    return f":{color}-badge[{icon} {label}]"


def moves_markdown(grade: Grade) -> str:
    lines = []
    for mark in grade.moves:
        dots = "●" * mark.points + "○" * (2 - mark.points)
        quoted = " · ".join(f"“{literal(p)}”" for p in mark.phrases)
        lines.append(f"- **{mark.label}** {dots} {literal(mark.note)}" + (f"  \n  :gray[{quoted}]" if quoted else ""))
    for flag in grade.red_flags:
        quoted = ", ".join(f"“{literal(p)}”" for p in flag.phrases)
        lines.append(f"- 🚩 **{flag.label}**" + (f": {quoted}" if quoted else "") + f" · caps the grade at {flag.cap}")
    return "\n".join(lines)


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def feedback_markdown(grade: Grade, *, rebuttal: str | None = None) -> str:
    fb = grade.feedback
    parts = []
    for title, items in (("Keep", fb.keep), ("Start", fb.start), ("Stop", fb.stop)):
        if items:
            parts.append(f"**{title}**\n" + "\n".join(f"- {literal(item)}" for item in items))
    if rebuttal is not None and _same_words(rebuttal, fb.better):
        parts.append(":gray[That is the library's model answer, word for word: try it in your own words next.]")
    else:
        title = "Another elite line, to compare" if grade.tier == "elite" else "A better alternative"
        parts.append(f"**{title}**\n\n> 💡 {literal(fb.better)}\n\n:gray[{literal(fb.better_why)}]")
    return "\n\n".join(parts)


def render(grade: Grade, *, rebuttal: str | None = None, feedback: bool = True) -> None:
    """The scorecard as one Markdown element; with `rebuttal`, the answer itself above it. `feedback`
    adds keep / start / stop and the better line (a transcript shows them under its newest answer only:
    an expander per answer cost the browser ~15 ms per answer to redraw)."""
    said = f"{literal(rebuttal)}\n\n" if rebuttal is not None else ""
    notes = "".join(f"\n\n:gray[{literal(note)}]" for note in grade.notes)
    advice = f"\n\n---\n\n{feedback_markdown(grade, rebuttal=rebuttal)}" if feedback else ""
    st.markdown(f"{said}{badge_markdown(grade.tier, grade.score)}\n\n{moves_markdown(grade)}{notes}{advice}")


def rubric() -> None:
    """The rubric, visible before the first answer."""
    st.markdown("\n".join(f"- **{MOVE_LABELS[move]}** (0-2): {text}" for move, text in RUBRIC.items())
                + "\n\n" + "\n".join(f"- {TIER_STYLE[tier][1]} **{tier.capitalize()}**: {text}"
                                     for tier, text in TIER_RULES.items()))
