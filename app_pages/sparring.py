import random
import sqlite3

import streamlit as st

from closergym import conversation, schedule, sessions, store, web
from closergym.content import library
from closergym.sparring import DIFFICULTIES, RULES, RoutineState
from components import context, practice, scorecard, trainee, transcript
from components import conversation as conversation_box
from components.text import literal

st.title("🥊 Sparring")
me = trainee.require()
db, lib = context.db(), library()
SPECIAL = {"next_due": "⏭️ Next due", "random": "🎲 Random objection",
           "second_call": "📞 Second call (six-step structure)"}
SESSION_KEY = "sparring_session_id"
PASS_KEY = "sparring_pass"  # this page's pass to the turn endpoint
REPLY_KEY = "sparring_reply"  # what became of an answer sent through Streamlit, for the browser


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
        try:
            start(wanted if wanted in lib.objections or wanted == "second_call" else None, level, custom)
        except sessions.StartError as error:  # ?custom= with nothing to read in it
            st.warning(str(error), icon="✍️")
    else:
        st.warning(f"There is no drill called “{literal(wanted)}”. Pick one below.", icon="🔎")
    for key in ("objection", "custom", "difficulty"):
        params.pop(key, None)

session_id = st.session_state.get(SESSION_KEY)
session = store.get_session(db, session_id, trainee_id=me["id"]) if session_id else None
if session is None or session["status"] == "abandoned":
    session = sessions.open_session(db, me["id"])  # a reload resumes the unfinished session
if session is not None:
    st.session_state[SESSION_KEY] = session["id"]

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


def take_answer() -> None:
    """An answer the browser sent through Streamlit (the page has no turn endpoint, or its pass went stale):
    taken here, before the conversation redraws; what became of it goes back to the browser."""
    sent = conversation_box.sent()
    if sent.get("saved") is True:  # saved through the endpoint, whose reply was cut off: just redraw
        st.session_state[REPLY_KEY] = {"nonce": sent.get("nonce"), "notices": [conversation.CUT_OFF], "error": None,
                                       "kept": False}
        return
    round_number = sent.get("round") if isinstance(sent.get("round"), int) else None
    try:
        if not trainee.holds(me["id"]):  # a new access code shut this session out: take nothing
            last = {"type": "error", "message": context.LET_GO}
        else:
            *_, last = conversation.answer(context.db(), trainee_id=me["id"], session_id=st.session_state.get(SESSION_KEY),
                                           text=str(sent.get("text") or ""), round_number=round_number,
                                           llm=context.llm_client(), lib=lib)
    except (sqlite3.Error, store.StorageError) as error:
        last = conversation.not_saved(error, context.config().db_path)
        if last is None:
            raise
    st.session_state[REPLY_KEY] = {"nonce": sent.get("nonce"), "notices": last.get("notices", []),
                                   "error": last["message"] if last["type"] == "error" else None,
                                   "kept": bool(last.get("kept"))}


@st.fragment
@context.storage_guard()  # a fragment rerun does not pass through app.py's guard
def talk(session_id: int) -> None:
    """The conversation: the transcript, the answer box, the report and what to do next."""
    trainee.recheck(me["id"])
    database = context.db()
    session = store.get_session(database, session_id, trainee_id=me["id"])
    llm = context.llm_client()
    token = None
    if web.served():  # the fast path: answers go straight to the turn endpoint
        token = web.issue_pass(trainee_id=me["id"], code=trainee.known()[me["id"]][1], session_id=session_id,
                               db_path=context.config().db_path,
                               llm=llm.settings if llm else None, token=st.session_state.get(PASS_KEY))
        st.session_state[PASS_KEY] = token
    result = conversation_box.show(conversation.view(database, session, lib), token=token, llm=llm,
                                   reply=st.session_state.pop(REPLY_KEY, None), on_answer=take_answer)
    if result.action == "again":
        second_call = session["kind"] == "second_call"
        custom = None if second_call else session["custom_objection"]
        start("second_call" if second_call else session["objection_slug"] or (None if custom else "random"),
              session["difficulty"], custom)
        st.rerun()
    elif result.action in ("other", "end"):
        leave()
        st.rerun()  # the whole page: back to choosing a drill


transcript.header(session, lib.objection(session["objection_slug"]))
with st.expander("The rubric", expanded=not RoutineState.from_dict(session["state"]).tiers):
    scorecard.rubric()
talk(session["id"])
