import random

import streamlit as st

from closergym import sessions
from closergym.content import library
from closergym.grading import Grade, grade_rebuttal
from closergym.sparring import DIFFICULTIES, ROUNDS, RoutineState, start_state
from components.scorecard import badge_markdown
from components.text import literal

# Presenter view (?present=1): large type, wide, no personal data. The class answers together; the
# round lives in this browser session only, so nothing lands in any trainee's history.
lib = library()
KEY = "present_round"

top = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
top[0].markdown("## 🥊 Class sparring")
slug = top[1].selectbox("Objection", sorted(lib.objections), key="present_objection",
                        format_func=lambda s: f"{lib.objections[s].emoji} {lib.objections[s].short}")
level = top[2].selectbox("Difficulty", DIFFICULTIES, index=1, key="present_difficulty")
game = st.session_state.get(KEY)
if top[3].button("New round", icon="🔁", width="stretch") or not game or game["slug"] != slug or game["level"] != level:
    seed = random.randrange(10**6)
    game = {"slug": slug, "level": level, "seed": seed, "state": start_state(level).to_dict(),
            "grades": [], "revealed": False}
    game["state"]["prompts"] = [random.Random(seed).choice(lib.objections[slug].lines)]
    st.session_state[KEY] = game

objection = lib.objections[slug]
state = RoutineState.from_dict(game["state"])
left, right = st.columns([3, 2], gap="large")
with left:
    st.caption(f"Round {min(state.round, ROUNDS)} of {ROUNDS} · the prospect says:")
    st.subheader(f"“{literal(state.prompts[-1] if not state.finished else state.closing or '')}”", anchor=False)
    if not state.finished and not (game["grades"] and not game["revealed"]):
        with st.form("present_answer", border=False):
            answer = st.text_area("Class answer", key="present_text", height=110,
                                  placeholder="Type what the room suggests…")
            if st.form_submit_button("Grade it (hidden until you reveal)", type="primary"):
                if answer.strip():
                    grade = grade_rebuttal(state.prompts[-1], answer, objection_slug=slug, lib=lib)
                    game["grades"].append({**grade.to_dict(), "answer": answer.strip()})
                    game["revealed"] = False
                    st.rerun()
                st.warning("Type the class answer first.")
    elif state.finished:
        st.markdown(f"**Outcome: {state.outcome}.** Start a new round when the class is ready.")
with right:
    if game["grades"]:
        grade = Grade.from_dict(game["grades"][-1])
        st.caption("The class answered:")
        st.markdown(f"> {literal(game['grades'][-1]['answer'])}")
        if not game["revealed"]:
            st.markdown("#### Guess first: weak, strong or elite?")
            if st.button("Reveal the grade", icon="🎭", type="primary"):
                game["revealed"] = True
                sessions.advance(state, grade, kind="sparring", rebuttal=game["grades"][-1]["answer"],
                                 objection=objection, difficulty=level, rng=random.Random(game["seed"] + state.round))
                game["state"] = state.to_dict()
                st.rerun()
        else:
            st.header(badge_markdown(grade.tier, grade.score), anchor=False)
            # the moves on one line and each red flag by its name: the round stays on one projector screen
            st.markdown(" · ".join(f"**{m.label}**\u00a0{'●' * m.points}{'○' * (2 - m.points)}" for m in grade.moves))
            if grade.red_flags:
                st.markdown("\n".join(f"- :material/flag: {literal(flag.label.split(' (')[0])}" for flag in grade.red_flags))
            with st.popover("A better line"):
                st.write(literal(grade.feedback.better))
