"""The sparring transcript and the session report."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from closergym.content import Objection
from closergym.grading import MOVE_LABELS, Grade
from closergym.sessions import STEP_LABELS, Report
from closergym.sparring import ROUNDS, RoutineState
from components import scorecard
from components.text import literal

PROSPECT_AVATAR = "🧑‍💼"
REP_AVATAR = "🥊"
OUTCOMES = {
    "advanced": ("✅", "Advanced", "The prospect agreed to a next step."),
    "stalled": ("⏸️", "Stalled", "No next step agreed: the deal is still open, but drifting."),
    "lost": ("❌", "Lost", "The prospect ran out of patience and ended the call."),
}


ROUND_NAMES = {1: "the objection", 2: "the pushback", 3: "the curveball"}
SECOND_CALL_ROUND_NAMES = {1: "the callback", 2: "the stall", 3: "the next steps"}

# Every element in the conversation costs the browser time on every answer (the fragment redraws all of
# it), so each message is one Markdown element, and the report is a heading and one Markdown element.


def header(session: dict, objection: Objection | None) -> None:
    """Who the prospect is: drawn once per page run, outside the conversation's fragment."""
    if session["kind"] == "second_call":
        st.subheader("📞 The second call")
        st.caption("A stalled deal picks up the phone. Run the six-step second-call structure. "
                   f"Difficulty **{session['difficulty']}**")
    elif objection:
        st.subheader(f"{objection.emoji} {objection.title}")
        persona = objection.personas[min(session["persona"], len(objection.personas) - 1)]
        st.caption(f"{literal(persona.name)} · {literal(persona.role)}, {literal(persona.industry)} · "
                   f"{literal(persona.mood)} · difficulty **{session['difficulty']}**")
    else:
        st.subheader("✍️ Your objection")
        st.caption(f"difficulty **{session['difficulty']}**")


def round_label(number: int, *, second_call: bool = False) -> str:
    name = (SECOND_CALL_ROUND_NAMES if second_call else ROUND_NAMES).get(number, "the next line")
    return f":gray[Round {number} of {ROUNDS} · {name}]"


def rounds(state: RoutineState, turns: list[dict], *, live: Callable[[str], None] | None = None,
           second_call: bool = False) -> None:
    """The conversation; `live(fallback)` draws the newest prospect line itself (an LLM stream)."""
    by_round = {turn["round"]: turn for turn in turns}
    newest = len(state.prompts) if not state.finished else None
    for number, prompt in enumerate(state.prompts, start=1):
        with st.chat_message("assistant", avatar=PROSPECT_AVATAR):
            if live and number == newest and number > 1:
                st.markdown(round_label(number, second_call=second_call))
                live(prompt)
            else:
                st.markdown(f"{round_label(number, second_call=second_call)}  \n{literal(prompt)}")
        turn = by_round.get(number)
        if turn:
            with st.chat_message("user", avatar=REP_AVATAR):
                scorecard.render(Grade.from_dict(turn["grade"]), rebuttal=turn["rebuttal"],
                                 feedback=number == len(turns))
    if state.finished and state.closing:
        with st.chat_message("assistant", avatar=PROSPECT_AVATAR):
            if live:
                live(state.closing)
            else:
                st.markdown(literal(state.closing))


def report(result: Report) -> None:
    st.subheader("Session report")
    icon, label, meaning = OUTCOMES.get(result.outcome or "stalled")
    parts = [f"**Outcome: {icon} {label}**. {meaning} The outcome is kept apart from your grades: "
             "a strong answer can still stall a tough prospect.",
             "**Rounds:** " + " ".join(f"{number}.\u00a0{scorecard.badge_markdown(tier, score)}" for number, (tier, score)
                                       in enumerate(zip(result.tiers, result.scores), start=1))]
    if result.best_line:
        parts.append(f"**Your best line** ({result.best_tier}):\n\n> ⭐ {literal(result.best_line)}")
    elif result.tiers:
        parts.append("**No line reached strong yet.** The better alternative under your last answer shows one that would.")
    if result.weakest_move:
        parts.append(f"**Work on next:** {MOVE_LABELS[result.weakest_move]}, the move that earned you the fewest "
                     "points.")
    elif result.tiers:
        parts.append("**Every move earned full marks in every round.** " + (
            "Try another objection, or the second call." if result.difficulty == "hard"
            else "Try a harder difficulty or another objection."))
    if result.steps is not None:
        parts.append("**The six steps of a second call**\n\n" + "\n".join(
            f"- {'✅' if shown else '⬜'} {STEP_LABELS[step]}" for step, shown in result.steps.items()))
    st.markdown("\n\n".join(parts))
