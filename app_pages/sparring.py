import random
from contextlib import nullcontext

import streamlit as st

from closergym import schedule, sessions, store
from closergym.content import library
from closergym.grading import MAX_REBUTTAL
from closergym.prospect import LLMProspect
from closergym.sparring import DIFFICULTIES, RULES, RoutineState
from components import context, practice, scorecard, scroll, trainee, transcript
from components.live import stream_reply
from components.text import literal

st.title("🥊 Sparring")
me = trainee.require()
db, lib = context.db(), library()
SPECIAL = {"next_due": "⏭️ Next due", "random": "🎲 Random objection",
           "second_call": "📞 Second call (six-step structure)"}
SESSION_KEY = "sparring_session_id"


def start(pick: str | None, difficulty: str, custom: str | None = None) -> None:
    """`pick`: an objection slug, "random", "next_due" or "second_call"; None with `custom`, the rep's own objection."""
    database = context.db()  # this thread's connection: a fragment rerun may run on another thread
    if pick == "next_due":
        pick = schedule.next_drill(database, me["id"], lib=lib) or "random"
    slug = random.choice(sorted(lib.objections)) if pick == "random" else pick
    session = sessions.start_session(database, trainee_id=me["id"], objection_slug=None if pick == "second_call" else slug,
                                     second_call=pick == "second_call", difficulty=difficulty, custom_objection=custom)
    st.session_state[SESSION_KEY] = session["id"]


def leave() -> None:
    sessions.abandon_open_sessions(context.db(), me["id"])
    st.session_state.pop(SESSION_KEY, None)


# A deep link (?objection=slug&difficulty=hard, or ?custom=text from the generator) starts that drill once.
params = st.query_params
if "objection" in params or "custom" in params:
    wanted, custom, level = params.get("objection", ""), params.get("custom"), params.get("difficulty", "normal")
    level = level if level in DIFFICULTIES else "normal"
    if wanted in lib.objections or wanted == "second_call" or custom:
        start(wanted if wanted in lib.objections or wanted == "second_call" else None, level, custom)
    else:
        st.warning(f"There is no drill called “{literal(wanted)}”. Pick one below.", icon="🔎")
    for key in ("objection", "custom", "difficulty"):
        params.pop(key, None)

session_id = st.session_state.get(SESSION_KEY)
session = store.get_session(db, session_id, trainee_id=me["id"]) if session_id else None
if session is None or session["status"] == "abandoned":
    session = sessions.open_session(db, me["id"])  # a reload resumes the unfinished session

if session is None:
    st.write("Pick an objection and a difficulty. The prospect raises it, pushes back on your answer, "
             "then throws a curveball. Every answer is graded against the rubric below.")
    next_slug = practice.panel(me["id"], drill_button=False)
    labels = dict(SPECIAL)
    if next_slug:
        labels["next_due"] = f"⏭️ Next due: {lib.objections[next_slug].title}"
    with st.form("sparring_setup"):
        by_title = sorted(lib.objections, key=lambda s: lib.objections[s].title.lower().strip("“”\"'"))
        pick = st.selectbox("Objection", [*labels, *by_title],
                            format_func=lambda s: labels.get(s) or f"{lib.objections[s].emoji} {lib.objections[s].title}",
                            help="“Next due” is the objection spaced repetition picks for you: one you have not "
                                 "tried yet, or one that is due, favouring your weak answers.")
        difficulty = st.segmented_control("Difficulty", DIFFICULTIES, default="normal", required=True)
        st.caption("  \n".join(f"**{name}**: {rules.label}" for name, rules in RULES.items()))
        if st.form_submit_button("Start sparring", type="primary", icon="🥊"):
            start(pick, difficulty or "normal")
            st.rerun()
    with st.expander("The rubric", expanded=True):
        scorecard.rubric()
    if last := sessions.last_finished(db, me["id"]):  # a reload after the last answer: its report is not lost
        objection = lib.objection(last["objection_slug"])
        title = "the second call" if last["kind"] == "second_call" else objection.title if objection else "your objection"
        with st.expander(f"Your last session: {literal(title)}"):
            transcript.report(sessions.session_report(db, last, lib))
    st.stop()


def live_reply(result: sessions.TurnResult, prospect: LLMProspect, session: dict):
    """Draws the LLM prospect's reply as it streams, then keeps it in place of the built-in one."""

    def draw(fallback: str) -> None:
        rng = random.Random(session["seed"] * 31 + len(result.state.tiers) + 1000)
        remaining = result.deadline.remaining() if result.deadline else None
        text, from_llm = stream_reply(prospect.stream(result.scene, result.beat, rng, deadline=remaining), fallback)
        if from_llm:
            sessions.replace_reply(context.db(), trainee_id=me["id"], session_id=session["id"],
                                   turn_id=result.turn_id, reply=text)

    return draw


@st.fragment
@context.storage_guard()  # a fragment rerun does not pass through app.py's guard
def conversation(session_id: int) -> None:
    """The transcript and the answer box: an answer reruns only this part of the page."""
    database = context.db()
    session = store.get_session(database, session_id, trainee_id=me["id"])
    shown = st.container()
    box = st.empty()  # emptied when this answer ends the session: no answer box under the report
    # No max_chars: the browser silently drops a paste past it; the length is checked here, with a message.
    # submit_mode="disable": no second answer before the prospect's reply to the first one is on screen.
    answer = box.chat_input("Your answer to the prospect…", submit_mode="disable") if session["status"] == "active" else None
    problem, kept, live, notices = None, None, None, ()
    if answer is not None:
        round_number = RoutineState.from_dict(session["state"]).round
        llm = context.llm_client()
        try:
            with st.spinner(f"The AI judge is reading your answer ({llm.settings.label})…") if llm else nullcontext():
                result = sessions.take_turn(database, trainee_id=me["id"], session_id=session_id, rebuttal=answer,
                                            turn_uid=f"{session['uid']}-r{round_number}", llm=llm)
            notices = result.notices
            if llm and result.beat:
                live = live_reply(result, LLMProspect(llm, who=me["id"]), session)
        except sessions.TurnError as error:
            problem, kept = str(error), answer if len(answer) > MAX_REBUTTAL else None
        session = store.get_session(database, session_id, trainee_id=me["id"])
    state = RoutineState.from_dict(session["state"])
    if state.finished:
        box.empty()
    with shown:
        turns = store.session_turns(database, session_id, trainee_id=me["id"])
        transcript.rounds(state, turns, live=live, second_call=session["kind"] == "second_call")
        for notice in notices:
            st.caption(f"⚠️ {notice}")
        if problem:
            st.warning(problem, icon="✋")
        if kept:  # the answer box has emptied itself: keep the text, to trim and send again
            st.caption("Your answer, to copy and trim (the copy button is at the box's top right; on a phone, "
                       "tap the box first):")
            st.code(kept, language=None, wrap_lines=True, height=160)
    if state.finished:
        transcript.report(sessions.session_report(database, session, lib))
        with st.container(horizontal=True):
            if st.button("Drill it again", icon="🔁", width="stretch", key="sparring_again"):
                second_call = session["kind"] == "second_call"
                custom = None if second_call else session["custom_objection"]
                start("second_call" if second_call else session["objection_slug"] or (None if custom else "random"),
                      session["difficulty"], custom)
                st.rerun()
            if st.button("Choose another drill", icon="🎯", width="stretch", key="sparring_other"):
                leave()
                st.rerun()
    elif st.button("End this session", icon="⏹️", type="tertiary"):
        leave()
        st.rerun()  # the whole page: back to choosing a drill


transcript.header(session, lib.objection(session["objection_slug"]))
with st.expander("The rubric", expanded=not RoutineState.from_dict(session["state"]).tiers):
    scorecard.rubric()
scroll.follow_answers()  # the grade just earned at the top of the screen (on a phone it was left above it)
conversation(session["id"])
