"""The authoring forms of the team page: the product's facts and an objection's fields, as text boxes.

They draw and return what was typed; `closergym.team` turns it into models and validates it. A box's key is
`team_f_<field>` (objection) or `team_p_<field>` (product), so a page can fill the form before drawing it.
"""

from __future__ import annotations

import streamlit as st

from closergym.content import FAMILIES, MOVES, TIERS
from closergym.team import LABELS, PLACEHOLDERS, Preview, hint
from components.text import literal
from components.transcript import AVATARS

TOKENS = ", ".join(f"{{{key}}}" for key in PLACEHOLDERS)


def label(field: str) -> str:
    """A box's label as the refusals name it, with what a list box needs said up front."""
    return f"{LABELS[field]} · {hint(field)}" if field in LIST_BOXES else LABELS[field]


LIST_BOXES = {"lines", "aliases", "personas", "hidden_facts", "exit_lines", "curveballs", "curveball_answers",
              "follow_up_questions", "avoid", "proof_points", "customers", "competitors", "buyers",
              *(f"pushback.{tier}" for tier in TIERS)}


def refused(lead: str, message: str) -> None:
    """A refusal: each problem on its own line, as typed text."""
    problems = [line for line in message.splitlines() if line.strip()]
    if len(problems) == 1:
        st.error(f"{lead}: {literal(problems[0])}", icon=":material/error:")
    else:
        st.error(f"{lead}:\n\n" + "\n".join(f"- {literal(line)}" for line in problems), icon=":material/error:")


def fill_form(prefix: str, fields: dict[str, object]) -> None:
    """Put values into the form's boxes (call before the form is drawn, e.g. in a callback)."""
    for key, value in fields.items():
        st.session_state[f"{prefix}{key}"] = value


def product_form() -> dict[str, str] | None:
    """The product's facts; the boxes' values when "Save the product" was pressed."""
    with st.form("team_product"):
        box = {}
        left, right = st.columns(2)
        box["name"] = left.text_input(label("name"), key="team_p_name", placeholder="e.g. Ledgerly")
        box["price"] = right.text_input(label("price"), key="team_p_price", placeholder="e.g. $400 a month")
        box["what"] = st.text_area(label("what"), key="team_p_what", height=70,
                                   placeholder="e.g. automates month-end bookkeeping for small firms")
        box["terms"] = st.text_input(label("terms"), key="team_p_terms", placeholder="e.g. monthly, cancel any month")
        box["proof_points"] = st.text_area(label("proof_points"), key="team_p_proof_points", height=80,
                                           help="Only what you can stand behind: the prospect and the "
                                           "better lines quote these and nothing else.")
        box["customers"] = st.text_area(label("customers"), key="team_p_customers", height=68)
        box["competitors"] = st.text_area(label("competitors"), key="team_p_competitors", height=68,
                                          placeholder="e.g. QuickBooks: we reconcile every account automatically")
        box["buyers"] = st.text_area(label("buyers"), key="team_p_buyers", height=68)
        saved = st.form_submit_button("Save the product", type="primary", icon=":material/save:")
    return box if saved else None


def objection_form() -> tuple[dict[str, object], str] | None:
    """An objection's every field; (the boxes' values, the sample answer) when "Preview" was pressed."""
    with st.form("team_objection"):
        box: dict[str, object] = {}
        left, right = st.columns(2)
        box["title"] = left.text_input(label("title"), key="team_f_title")
        box["slug"] = right.text_input(label("slug"), key="team_f_slug")
        left, mid, right = st.columns([2, 1, 2])
        box["short"] = left.text_input(label("short"), key="team_f_short")
        box["emoji"] = mid.text_input(label("emoji"), key="team_f_emoji")
        box["category"] = right.selectbox(label("category"), list(FAMILIES), key="team_f_category",
                                          format_func=lambda f: f"{f.replace('_', ' ')}: {FAMILIES[f]}")
        st.caption(f"In any line you may write {TOKENS}: your product's facts go there (a fact you did not give "
                   "shows as a placeholder in brackets).")
        box["lines"] = st.text_area(label("lines"), key="team_f_lines")
        box["aliases"] = st.text_area(label("aliases"), key="team_f_aliases")
        box["real_concern"] = st.text_area(label("real_concern"), key="team_f_real_concern", height=70)
        box["personas"] = st.text_area(label("personas"), key="team_f_personas")
        box["hidden_facts"] = st.text_area(label("hidden_facts"), key="team_f_hidden_facts")
        for tier in TIERS:
            box[f"pushback_{tier}"] = st.text_area(label(f"pushback.{tier}"), key=f"team_f_pushback_{tier}",
                                                   height=68)
        box["exit_door"] = st.text_area(label("exit_door"), key="team_f_exit_door", height=68)
        box["exit_lines"] = st.text_area(label("exit_lines"), key="team_f_exit_lines", height=68)
        box["curveballs"] = st.text_area(label("curveballs"), key="team_f_curveballs", height=68)
        box["curveball_answers"] = st.text_area(label("curveball_answers"), height=68,
                                                key="team_f_curveball_answers")
        for tier in TIERS:
            st.markdown(f"**Model answer: {tier}**")
            box[f"rebuttal_{tier}"] = st.text_area("Answer", key=f"team_f_rebuttal_{tier}", height=68)
            left, right = st.columns([3, 2])
            box[f"why_{tier}"] = left.text_input(label(f"rebuttals.{tier}.why"), key=f"team_f_why_{tier}")
            box[f"moves_{tier}"] = right.multiselect("Moves", MOVES, key=f"team_f_moves_{tier}")
        box["follow_up_questions"] = st.text_area(label("follow_up_questions"), key="team_f_follow_up_questions",
                                                  height=68)
        box["avoid"] = st.text_area(label("avoid"), key="team_f_avoid", height=68)
        sample = st.text_area("A sample answer for the preview (empty: the strong model answer)", key="team_f_sample")
        pressed = st.form_submit_button("Preview as a sparring session", type="primary", icon=":material/visibility:")
    return (box, str(sample or "")) if pressed else None


def preview(shown: Preview) -> None:
    """The start of a sparring session on the draft: the opening, the sample answer, its grade and the reply."""
    with st.container(border=True):
        st.markdown("**Preview** (nothing saved yet)")
        with st.chat_message("assistant", avatar=AVATARS["prospect"]):
            st.markdown(literal(shown.opening))
        with st.chat_message("user", avatar=AVATARS["rep"]):
            st.markdown(literal(shown.sample))
            st.caption(f"Graded **{shown.tier}**. Better line: {literal(shown.better)}")
        with st.chat_message("assistant", avatar=AVATARS["prospect"]):
            st.markdown(literal(shown.reply))
