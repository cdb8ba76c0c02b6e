"""The scorecard under a graded answer: tier badge, each move with the phrases that earned it,
red flags, keep / start / stop, and a better alternative (shown only after the answer)."""

from __future__ import annotations

import streamlit as st

from closergym.grading import MOVE_LABELS, RUBRIC, TIER_RULES, Grade
from components.text import literal

TIER_STYLE = {"weak": ("red", "🟥"), "strong": ("orange", "🟧"), "elite": ("green", "🟩")}


def tier_badge(tier: str, score: int | None = None) -> None:
    color, icon = TIER_STYLE[tier]
    label = f"{tier.upper()}" + (f" · {score}/100" if score is not None else "")
    st.badge(label, icon=icon, color=color)


def render(grade: Grade, *, key: str, expanded: bool = True) -> None:
    tier_badge(grade.tier, grade.score)
    for mark in grade.moves:
        dots = "●" * mark.points + "○" * (2 - mark.points)
        quoted = " · ".join(f"“{literal(p)}”" for p in mark.phrases)
        st.markdown(f"**{mark.label}** {dots}  \n{literal(mark.note)}" + (f"  \n:gray[{quoted}]" if quoted else ""))
    for flag in grade.red_flags:
        quoted = ", ".join(f"“{literal(p)}”" for p in flag.phrases)
        st.markdown(f"🚩 **{flag.label}** (caps the grade at {flag.cap}): {quoted}")
    for note in grade.notes:
        st.caption(note)
    with st.expander("Keep · start · stop, and a better line", expanded=expanded):
        fb = grade.feedback
        for title, items in (("Keep", fb.keep), ("Start", fb.start), ("Stop", fb.stop)):
            if items:
                st.markdown(f"**{title}**  \n" + "  \n".join(f"- {literal(item)}" for item in items))
        st.markdown("**A better alternative**")
        st.info(literal(fb.better), icon="💡")
        st.caption(literal(fb.better_why))


def rubric() -> None:
    """The rubric, visible before the first answer."""
    st.markdown("\n".join(f"- **{MOVE_LABELS[move]}** (0-2): {text}" for move, text in RUBRIC.items()))
    st.markdown("\n".join(f"- {TIER_STYLE[tier][1]} **{tier.capitalize()}**: {text}" for tier, text in TIER_RULES.items()))
