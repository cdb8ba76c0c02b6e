"""Drawing a graded call: the timeline (each objection, the rep's answer, its grade with the moves and the
phrases that earned them, the better line, a link to drill it again) and the whole transcript."""

from __future__ import annotations

import streamlit as st

from closergym import conversation
from closergym.calls import CallReport, Exchange, better_line, clock
from closergym.content import Library
from components import pages
from components.scorecard import badge_markdown, moves_markdown
from components.text import literal

TRANSCRIPT_SHOWN = 400  # turns drawn in the whole-transcript expander


def drill_params(exchange: Exchange, lib: Library) -> dict:
    """Sparring's deep link for this objection: the library's drill, or the prospect's own words."""
    return {"objection": exchange.slug} if exchange.slug in lib.objections else {"custom": exchange.objection[:300]}


def exchange_card(exchange: Exchange, rep: str, lib: Library) -> None:
    with st.container(border=True, key=f"calls_exchange_{exchange.index}"):
        when = f" · {clock(exchange.time)}" if exchange.time is not None else ""
        st.markdown(f"**{exchange.index}. {literal(exchange.title)}**{when}")
        # the sparring conversation's icons: the prospect a headset, the rep a person
        st.markdown(f":material/support_agent: **{literal(exchange.speaker)}**: {literal(exchange.objection)}")
        if exchange.grade is None:
            said = f"{literal(rep)} said only “{literal(exchange.nod)}” and" if exchange.nod else "The rep"
            st.markdown(f":gray-badge[:material/voice_over_off: No answer] {said} moved on without answering "
                        "this objection.")
        else:
            card = conversation.card(exchange.grade, rebuttal=exchange.answer)
            st.markdown(f":material/person: **{literal(rep)}**: {literal(exchange.answer)}")
            notes = "".join(f"\n\n:gray[{literal(note)}]" for note in card["notes"])
            st.markdown(f"{badge_markdown(card['tier'], card['score'])}\n\n{moves_markdown(card)}{notes}")
        line = better_line(exchange, lib)
        if line and not (exchange.answer and " ".join(line.split()) == " ".join(exchange.answer.split())):
            st.markdown(f"**A better line**\n\n> :material/lightbulb: {literal(line)}")
        st.page_link(pages.SPARRING, label="Drill this objection", icon=":material/sports_mma:",
                     query_params=drill_params(exchange, lib))


def timeline(report: CallReport, lib: Library) -> None:
    for exchange in report.exchanges:
        exchange_card(exchange, report.rep, lib)


def transcript(report: CallReport) -> None:
    turns = report.transcript.turns
    with st.expander(f"The whole call ({len(turns):,} turns)"):
        lines = []
        for turn in turns[:TRANSCRIPT_SHOWN]:
            when = f":gray[{clock(turn.time)}] " if turn.time is not None else ""
            lines.append(f"{when}**{literal(turn.speaker or '(no name)')}**: {literal(turn.text)}")
        st.markdown("\n\n".join(lines))
        if len(turns) > TRANSCRIPT_SHOWN:
            st.caption(f"The first {TRANSCRIPT_SHOWN:,} turns are shown.")
