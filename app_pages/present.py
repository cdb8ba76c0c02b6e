import random

import streamlit as st

from closergym import presenter, sessions
from closergym.content import library
from closergym.grading import RUBRIC, Grade, grade_rebuttal
from closergym.sparring import DIFFICULTIES, ROUNDS, RoutineState, start_state
from components.scorecard import TIER_COLORS
from components.text import literal

# Presenter view (?present=1): large type for a projector (laid out at 1280x720, scaled to the screen), wide,
# no personal data. The class answers together; the round lives in this browser session only, so nothing
# lands in any trainee's history. A round goes: the prospect's line -> the class's answer (graded, hidden) ->
# guess -> reveal -> the prospect's next line, each step on a click or the → key (a clicker sends it too).
lib = library()
KEY = "present_round"
NEXT_KEY = "Right"  # one key moves the class on: reveal, then the prospect's next line
LONG_LINE = 90  # characters: a longer line of the prospect's is drawn a size smaller, to stay on one screen

# Everything on the page is sized in rem: the root font grows with the screen, so a 1920x1080 projector shows
# the same layout as 1280x720, only larger (and a 4:3 one at 1024x768, a little smaller).
st.html("<style>html { font-size: clamp(14px, min(100vw / 80, 100vh / 45), 40px); }</style>")
top = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
top[0].markdown("## :material/sports_mma: Class sparring")
slug = top[1].selectbox("Objection", sorted(lib.objections), key="present_objection",
                        format_func=lambda s: lib.objections[s].short)
level = top[2].selectbox("Difficulty", DIFFICULTIES, index=1, key="present_difficulty")
game = st.session_state.get(KEY)
if top[3].button("New round", icon=":material/refresh:", width="stretch") or not game or game["slug"] != slug \
        or game["level"] != level:
    seed = random.randrange(10**6)
    game = {"slug": slug, "level": level, "seed": seed, "state": start_state(level).to_dict(),
            "grades": [], "stage": "answer"}
    game["state"]["prompts"] = [random.Random(seed).choice(lib.objections[slug].lines)]
    st.session_state[KEY] = game

objection = lib.objections[slug]
state = RoutineState.from_dict(game["state"])
stage = game["stage"]  # "answer", "guess" (graded, hidden), "revealed" (the next line waits for a key)
left, right = st.columns([3, 2], gap="large")

if stage == "answer":
    with left:
        st.caption(f"Round {min(state.round, ROUNDS)} of {ROUNDS} · the prospect says:")
        line = state.prompts[-1] if not state.finished else state.closing or ""
        (st.header if len(line) <= LONG_LINE else st.subheader)(f"“{literal(line)}”", anchor=False)
        if state.finished:
            st.subheader(f"Outcome: {state.outcome}.", anchor=False)
            st.markdown("#### Start a new round when the class is ready.")
        else:
            with st.form("present_answer", border=False, clear_on_submit=True):
                answer = st.text_area("Class answer", key="present_text", height=110,
                                      placeholder="Type what the room suggests…")
                if st.form_submit_button("Grade it (hidden until you reveal)", type="primary"):
                    if answer.strip():
                        grade = grade_rebuttal(state.prompts[-1], answer, objection_slug=slug, lib=lib)
                        game["grades"].append({**grade.to_dict(), "answer": answer.strip()})
                        game["stage"] = "guess"
                        st.rerun()
                    st.warning("Type the class answer first.")
    with right:  # while the room thinks: what earns points
        st.subheader("What earns points", anchor=False)
        for move in RUBRIC:
            st.markdown(f"#### {move.capitalize()} :gray[· {presenter.CUES[move]}]")
else:
    grade = Grade.from_dict(game["grades"][-1])
    shown = presenter.reveal(grade)
    with left:
        st.caption(f"Round {len(game['grades'])} of {ROUNDS} · the prospect said: “{literal(state.prompts[len(game['grades']) - 1])}” "
                   "· the class answered:")
        st.subheader(f"“{literal(game['grades'][-1]['answer'])}”", anchor=False)
        if stage == "revealed":  # each move with the words that earned it
            for move in shown["moves"]:
                dots = "●" * move["points"] + "○" * (2 - move["points"])
                words = " · ".join(f"“{literal(p)}”" for p in move["phrases"])
                st.markdown(f"#### {dots} {move['label']}" + (f" :gray[· {words}]" if words else ""))
    with right:
        if stage == "guess":
            st.markdown("## Guess first: weak, strong or elite?")
            if st.button("Reveal the grade", icon=":material/visibility:", type="primary", shortcut=NEXT_KEY):
                game["stage"] = "revealed"
                sessions.advance(state, grade, kind="sparring", rebuttal=game["grades"][-1]["answer"],
                                 objection=objection, difficulty=level, rng=random.Random(game["seed"] + state.round))
                game["state"] = state.to_dict()
                st.rerun()
        else:
            st.title(f":{TIER_COLORS[grade.tier]}[{grade.tier.upper()}] · {grade.score}/100", anchor=False)
            st.subheader(shown["why"], anchor=False)
            if shown["flags"]:
                st.markdown("#### " + " · ".join(f":material/flag: {flag}" for flag in shown["flags"]))
                for said in shown["reasons"]:  # what the flag says: what the room needs to hear
                    st.markdown(literal(said))
            go_on, better = st.columns([3, 2])
            # no arrow icon: Streamlit already draws the shortcut's key (→) on the button
            if go_on.button("The prospect answers" if not state.finished else "How it ended", type="primary",
                            icon=":material/record_voice_over:" if not state.finished else ":material/flag:",
                            shortcut=NEXT_KEY):
                game["stage"] = "answer"
                st.rerun()
            with better.popover("A better line"):
                st.write(literal(grade.feedback.better))
