import random
import sqlite3
from contextlib import nullcontext

import streamlit as st

import runtime
from closergym import conversation, schedule, sessions, store, tracks
from closergym.sparring import DIFFICULTIES, RULES, RoutineState
from components import practice, scorecard, scroll, tracks_view, trainee, transcript
from components.text import literal

# A fixed anchor: without one the browser works the heading's link out from its text again on every redraw, which
# is several times per answer.
st.title(":material/sports_mma: Sparring", anchor="sparring")
me = trainee.require()
db, lib = runtime.db(), runtime.library_for(me["id"])  # shipped + the team's own
SPECIAL = {"next_due": "Next up", "random": "Random objection"}
TRACKS = {"objections": ":material/sports_mma: Objections", **{track: f"{tracks.TRACK_ICONS[track]} {label}"
                                                              for track, label in tracks.TRACKS.items()}}
SESSION_KEY = "sparring_session_id"
ROUND_KEY = "sparring_round"  # the round this browser last showed: an answer is to that round
RESEND_KEY = "sparring_resend"  # "Send it again", under an answer the server stopped grading
TRACK_KEY = "sparring_track"  # the track whose picker shows when no session is open


def start(pick: str | None, difficulty: str, custom: str | None = None, prospect: dict | None = None,
          persona: int | None = None) -> None:
    """`pick`: an objection slug, "random", "next_due", "second_call" or a scenario's key ("closing:pre-frame");
    None with `custom`, the rep's own objection (`prospect`: its context, the prospect's role and the product).
    `persona`: which of the objection's prospects (a lesson's drill card names one), else the seed picks."""
    database = runtime.db()  # this thread's connection: a fragment rerun may run on another thread
    if tracks.scenario(pick):
        session = sessions.start_session(database, trainee_id=me["id"], scenario=pick, difficulty=difficulty)
        st.session_state[SESSION_KEY] = session["id"]
        return
    if pick == "next_due":
        pick = schedule.next_drill(database, me["id"], lib=lib) or "random"
    slug = random.choice(sorted(lib.objections)) if pick == "random" else pick
    session = sessions.start_session(database, trainee_id=me["id"], objection_slug=None if pick == "second_call" else slug,
                                     second_call=pick == "second_call", difficulty=difficulty, custom_objection=custom,
                                     lib=lib, prospect=prospect, persona=persona if slug in lib.objections else None)
    st.session_state[SESSION_KEY] = session["id"]


def leave() -> None:
    sessions.abandon_open_sessions(runtime.db(), me["id"])
    st.session_state.pop(SESSION_KEY, None)


def drill_title(session: dict) -> str:
    objection, scenario = lib.objection(session["objection_slug"]), sessions.session_scenario(session)
    return scenario.title if scenario else objection.title if objection else "your objection"


# A deep link (?objection=slug&difficulty=hard, ?scenario=closing:pre-frame from a lesson, or ?custom=text from
# the generator) starts that drill once.
params = st.query_params
missing = None  # a linked drill that does not exist: said once the page knows what it shows instead
set_aside = None  # the drill of a session in progress that a link replaced
if "objection" in params or "custom" in params or "scenario" in params:
    wanted, custom, level = params.get("objection") or params.get("scenario", ""), params.get("custom"), \
        params.get("difficulty", "normal")
    level = level if level in DIFFICULTIES else "normal"
    known = wanted in lib.objections or wanted == "second_call" or tracks.scenario(wanted)
    persona = params.get("persona", "")
    if known or custom:
        was = sessions.open_session(db, me["id"])  # a session in progress gives way to the linked drill: say so
        try:
            start(wanted if known else None, level, custom,
                  {key: params.get(key, "") for key in ("role", "product")},  # the generator's context
                  int(persona) if persona.isdigit() and len(persona) < 3 else None)  # a lesson's drill card
            if was and store.session_turns(db, was["id"], trainee_id=me["id"]):
                set_aside = drill_title(was)
        except sessions.StartError as error:  # ?custom= with nothing to read in it
            st.warning(str(error), icon=":material/edit:")
    else:
        missing = wanted
    for key in ("objection", "scenario", "custom", "difficulty", "role", "product", "persona"):
        params.pop(key, None)

session_id = st.session_state.get(SESSION_KEY)
session = store.get_session(db, session_id, trainee_id=me["id"]) if session_id else None
if session is None or session["status"] == "abandoned":
    session = sessions.open_session(db, me["id"])  # a reload resumes the unfinished session, and says so
    if session is not None and session_id is None and store.session_turns(db, session["id"], trainee_id=me["id"]):
        st.toast(f"Picking up your unfinished session on “{literal(drill_title(session))}” where you left it.",
                 icon=":material/history:")
if session is not None:
    st.session_state[SESSION_KEY] = session["id"]
if set_aside is not None and session is not None:
    st.info(f"Your unfinished session on “{literal(set_aside)}” was set aside for this drill: it is kept in your "
            "history as incomplete.", icon=":material/swap_horiz:")
if missing is not None:
    st.warning(f"There is no drill called “{literal(missing if len(missing) <= 60 else missing[:57] + '…')}”. "
               + ("Your session in progress is below." if session else "Pick one below."), icon=":material/search:")

scroll.top_on_change(f"session-{session['id']}" if session else "pick")  # "Choose another drill" opens at the top
scroll.follow_answers(f"session-{session['id']}" if session else "pick")  # a new answer's grade comes up on screen
if session is None:
    st.session_state.setdefault(TRACK_KEY, "objections")  # "Choose another drill" sets the track it came from
    track = st.segmented_control("Track", list(TRACKS), format_func=TRACKS.get, required=True,
                                 key=TRACK_KEY) or "objections"
    if track != "objections":
        if chosen := tracks_view.picker(track, me["id"], db):
            start(*chosen)
            st.rerun()
        st.stop()
    st.write("Pick an objection and a difficulty. The prospect raises it, pushes back on your answer, "
             "then throws a curveball. Every answer is graded against the rubric below.")
    next_slug = practice.panel(me["id"], drill_button=False, lib=lib)
    labels = dict(SPECIAL)
    if next_slug:
        labels["next_due"] = f"Next up: {lib.objections[next_slug].title}"
    with st.form("sparring_setup"):
        by_title = sorted(lib.objections, key=lambda s: lib.objections[s].title.lower().strip("“”\"'"))
        pick = st.selectbox("Objection", [*labels, *by_title],
                            format_func=lambda s: labels.get(s) or lib.objections[s].title,
                            help="“Next up” is the objection spaced repetition picks for you: one due today if any "
                                 "(favouring your weak answers), else one you have not tried yet.")
        difficulty = st.segmented_control("Difficulty", DIFFICULTIES, default="normal", required=True)
        st.caption("  \n".join(f"**{name}**: {rules.label}" for name, rules in RULES.items()))
        if st.form_submit_button("Start sparring", type="primary", icon=":material/sports_mma:"):
            start(pick, difficulty or "normal")
            st.rerun()
    with st.expander("The rubric"):
        scorecard.rubric()
    if last := sessions.last_finished(db, me["id"]):  # a reload after the last answer: its report is not lost
        with st.expander(f"Your last session: {literal(drill_title(last))}"):
            transcript.report(sessions.session_report(db, last, lib))
    st.stop()


def replies(events, last: list[dict]):
    """The prospect's line as an LLM says it, piece by piece (as text, never Markdown); the event that
    ends it goes into `last`."""
    for event in events:
        if event["type"] != "chunk":
            last.append(event)
            return
        yield literal(event["text"])


def send(text: str, llm) -> dict | None:
    """Take an answer: graded, saved, and the prospect's reply; returns the first event (see
    `conversation.answer`) with the rest of the trip in `"events"`, or a storage problem as an error event."""
    events = conversation.answer(runtime.db(), trainee_id=me["id"], session_id=st.session_state[SESSION_KEY],
                                 text=text, round_number=st.session_state.get(ROUND_KEY), llm=llm, lib=lib)
    try:
        with st.spinner(transcript.WORDS["judging"].format(engine=literal(llm.settings.label))) if llm else nullcontext():
            first = next(events)
    except (sqlite3.Error, store.StorageError) as error:
        problem = conversation.not_saved(error, runtime.config().db_path)
        if problem is None:
            raise
        return problem
    if first["type"] != "graded":
        events.close()  # nothing more to come: let the session take its next answer
    return {**first, "events": events}


def asking_to_end(key: str, asking: bool) -> None:
    """"End this session" asks once more, in place; "Keep going" takes the question back."""
    st.session_state[key] = asking


@runtime.fragment
def talk(session_id: int) -> None:
    """The conversation: what was said, the answer box, and the report once the session is over."""
    answer_key = f"sparring_answer_{session_id}"
    text = st.session_state.get(answer_key)  # sent in this run (the box is drawn last, under the conversation)
    try:
        trainee.recheck(me["id"])  # a new access code elsewhere lets the profile go, on every run
        database = runtime.db()
        where = conversation.standing(store.get_session(database, session_id, trainee_id=me["id"]))
    except (sqlite3.Error, store.StorageError):
        if text:
            transcript.unsent(None, text)
        raise  # the storage guard says what happened to the database
    text = text if where["active"] else None
    if where["cut_off"] and st.session_state.get(RESEND_KEY):  # "Send it again"
        text = where["cut_off"]
    llm = runtime.llm_client()
    sent = send(text, llm) if text else None
    # the conversation as the answer left it, or (nothing sent, or refused) as it stands
    shown = sent["view"] if sent and sent["type"] in ("graded", "done") else \
        conversation.view(database, store.get_session(database, session_id, trainee_id=me["id"]), lib)
    if sent and sent["type"] == "graded":  # the answer is graded and saved; an LLM is saying the reply
        # The line still being said streams in as Streamlit streams text; once saved, the conversation draws it
        # (drawn again under another key for each piece, the conversation would blink as each piece came).
        *said, saying = shown["messages"]
        transcript.conversation_view(said, key=f"conversation_{session_id}")
        last: list[dict] = []
        with st.chat_message("assistant", avatar=transcript.AVATARS["prospect"]):
            st.markdown(f":small[:gray[{saying['label']}]]")
            slot = st.empty()
            with slot.container():
                streamed = st.write_stream(replies(sent["events"], last))
        done = last[0] if last else {"type": "done", "view": shown, "notices": []}
        shown = done.get("view", shown)
        final = shown["messages"][-1]["text"] if shown["messages"] else ""
        if final and final != streamed:  # the model dropped out: its part-reply gives way to the built-in line
            slot.markdown(literal(final))
        notices = done.get("notices", [])
    else:
        transcript.conversation_view(shown["messages"], key=f"conversation_{session_id}")
        notices = sent.get("notices", []) if sent else []
        if sent and sent["type"] == "error":
            transcript.unsent(sent["message"], text)
        elif sent and sent.get("unsent"):  # another tab answered that round first: the notice below says so
            transcript.unsent(None, text)
    for notice in notices:
        st.info(literal(notice), icon=":material/info:")
    if shown["cut_off"] and not sent:
        transcript.unsent(transcript.WORDS["cut_off"], shown["cut_off"])
        st.button(transcript.WORDS["resend"], key=RESEND_KEY, icon=":material/send:", type="primary")
    st.session_state[ROUND_KEY] = shown["round"]
    if shown["active"]:
        # No max_chars: the browser drops a longer paste without a word; the engine says what the limit is, and
        # the answer comes back to copy.
        st.chat_input(transcript.WORDS["placeholder"], key=answer_key, submit_mode="disable")
        ending = f"sparring_ending_{session_id}"  # "End this session" asks once more, in place
        if not st.session_state.get(ending) or sent:
            st.session_state.pop(ending, None)
            st.button(transcript.WORDS["end"], icon=":material/stop_circle:", type="tertiary",
                      on_click=asking_to_end, args=(ending, True))
            return
        st.caption(transcript.WORDS["end_why"])
        with st.container(horizontal=True):
            if st.button(transcript.WORDS["end_confirm"], key="sparring_end", icon=":material/stop_circle:"):
                leave()
                st.rerun()
            st.button(transcript.WORDS["keep_going"], on_click=asking_to_end, args=(ending, False))
        return
    transcript.show_report(shown["report"])
    row = st.container(horizontal=True)
    if row.button(transcript.WORDS["again"], icon=":material/replay:", width="stretch", type="primary"):
        session = store.get_session(database, session_id, trainee_id=me["id"])
        scenario = sessions.session_scenario(session)
        custom = None if scenario else session["custom_objection"]
        start(scenario.key if scenario else session["objection_slug"] or (None if custom else "random"),
              session["difficulty"], custom, RoutineState.from_dict(session["state"]).prospect or None)
        st.rerun()
    if row.button(transcript.WORDS["other"], icon=":material/target:", width="stretch"):
        scenario = sessions.session_scenario(store.get_session(database, session_id, trainee_id=me["id"]))
        st.session_state[TRACK_KEY] = scenario.track if scenario else "objections"  # back to this track's picker
        leave()
        st.rerun()  # the whole page: back to choosing a drill


scenario = sessions.session_scenario(session)
if scenario and session["kind"] != "second_call":
    settings = runtime.llm_settings()
    tracks_view.header(session, scenario, engine=settings.label if settings else None)
else:
    transcript.header(session, lib.objection(session["objection_slug"]), built=sessions.custom_prospect(session))
    if scenario:  # the second call: the notes from call one, one click away
        tracks_view.notes(scenario.call_one, folded=True)
with st.expander("The rubric"):
    if scenario and session["kind"] != "second_call":
        tracks_view.rubric(scenario)
    else:
        scorecard.rubric(second_call_session=session["kind"] == "second_call")
talk(session["id"])
