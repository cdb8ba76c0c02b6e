"""Around the sparring conversation: who the prospect is, and a finished session's report as Markdown
(the conversation itself is drawn by `components.conversation`)."""

from __future__ import annotations

import streamlit as st

from closergym import conversation
from closergym.content import Objection
from closergym.sessions import Report
from components.scorecard import badge_markdown
from components.text import literal


def header(session: dict, objection: Objection | None) -> None:
    """Who the prospect is: drawn once per page run, outside the conversation's fragment."""
    if session["kind"] == "second_call":
        st.subheader("📞 The second call")
        st.caption("A stalled deal picks up the phone. Run the six-step second-call structure. "
                   f"Difficulty **{literal(session['difficulty'])}**")
    elif objection:
        st.subheader(f"{objection.emoji} {objection.title}")
        persona = objection.personas[min(session["persona"], len(objection.personas) - 1)]
        st.caption(f"{literal(persona.name)} · {literal(persona.role)}, {literal(persona.industry)} · "
                   f"{literal(persona.mood)} · difficulty **{literal(session['difficulty'])}**")
    else:
        st.subheader("✍️ Your objection")
        st.caption(f"difficulty **{literal(session['difficulty'])}**")


def report(result: Report) -> None:
    """A session report, worded as the conversation words it (`conversation.report`)."""
    shown, labels = conversation.report(result), conversation.LABELS
    st.subheader(labels["report"])
    parts = [f"**{labels['outcome']}: {shown['outcome']}**. {shown['meaning']}",
             f"**{labels['rounds']}:** " + " ".join(f"{r['number']}.\u00a0{badge_markdown(r['tier'], r['score'])}"
                                                   for r in shown["rounds"])]
    if shown["best"]:
        parts.append(f"**{labels['best']}** ({shown['best']['tier']}):\n\n> ⭐ {literal(shown['best']['line'])}")
    if shown["work_on"]:
        parts.append(f"**{labels['work_on']}:** {shown['work_on']}")
    if shown["advice"]:
        parts.append(shown["advice"])
    if shown["steps"]:
        parts.append(f"**{labels['steps']}**\n\n" + "\n".join(
            f"- {'✅' if step['shown'] else '⬜'} {step['label']}" for step in shown["steps"]))
    st.markdown("\n\n".join(parts))
