"""Drawing a generator result: the match, the framework response, the graded variants."""

from __future__ import annotations

import streamlit as st

from closergym.content import FAMILIES, Library
from closergym.generator import Result
from closergym.grading import MOVE_LABELS
from components import pages
from components.icons import objection_icon
from components.scorecard import badge_markdown
from components.text import literal


def result(result: Result, lib: Library, *, key: str) -> None:
    matched = lib.objections.get(result.matched or "")
    also = [lib.objections[slug] for slug in result.also if slug in lib.objections]
    if matched:
        more = "".join(f" and {objection_icon(o)} **{literal(o.title)}**" for o in also)
        st.success(f"Matched: {objection_icon(matched)} **{literal(matched.title)}**{more} · {result.confidence:.0%} sure",
                   icon=":material/target:")
    else:
        st.info("A new objection: not in our library yet, so this is built from what kind of objection it is.",
                icon=":material/fiber_new:")
    if result.families:
        st.caption("What kind of objection: " + "; ".join(literal(FAMILIES[f]) for f in result.families if f in FAMILIES))

    st.subheader("What's probably really going on")
    st.write(literal(result.real_concern))

    st.subheader("A response built on the 4-step framework")
    st.markdown("\n".join(f"- **{MOVE_LABELS[move]}**: {literal(text)}" for move, text in result.framework.items()))
    st.code(result.response, language=None, wrap_lines=True)

    st.subheader("Weak, strong, elite")
    st.caption("Each variant is graded by the app's own rubric; the label is the grade it got.")
    for variant in result.variants:
        with st.container(border=True):
            st.markdown(f"{badge_markdown(variant.grade.tier, variant.grade.score)} "
                        f"{literal(variant.why)}")
            st.code(variant.text, language=None, wrap_lines=True)

    questions, avoid = st.columns(2)
    questions.markdown("**Follow-up questions to ask**\n" + "\n".join(f"- {literal(q)}" for q in result.follow_up_questions))
    avoid.markdown("**What not to say**\n" + "\n".join(f"- {literal(a)}" for a in result.avoid))

    # One library objection, and no context of the rep's own: drill that one with its prospects. With a role
    # or a product given, the prospect is built in that context (a tester met a solar-lease homeowner after
    # asking about payroll software).
    own = any(result.context.get(key) for key in ("role", "product"))
    whole = matched and result.confidence >= 0.6 and not also and not own
    params = {"objection": result.matched} if whole else {
        "custom": result.objection[:300],  # the prospect is built in the context given: its role, the product
        **{key: result.context[key][:80] for key in ("role", "product") if result.context.get(key)}}
    st.page_link(pages.SPARRING, label="Drill this in sparring", icon=":material/sports_mma:", query_params=params)
