import streamlit as st

import runtime
from closergym import calls, store
from components import call_view, trainee
from components.text import literal

st.title(":material/call: Grade a call")
st.write("Paste the transcript of a real call, or upload the file your video-call tool exported (.txt, .vtt or "
         ".srt). Closer Gym finds each objection the prospect raised and the rep's answer to it, and grades every "
         "answer with the same rubric as your sparring. The transcript stays on this server, kept with your "
         "profile until you delete it.")
me = trainee.require()
db, lib = runtime.db(), runtime.library_for(me["id"])  # with the team's own objections and product facts
CALL_KEY = "calls_call_id"
NOTICE_KEY = "calls_notice"
UPLOADS_KEY = "calls_uploads"  # how many files were read: the upload box's key, so a read file leaves it
LIMIT = calls.MAX_CALL
EXAMPLE = "Sam: How is the team finding the current setup?\nJordan: Honestly, it's too expensive for us right now.\n…"


def answers(count: int, noun: str = "answer") -> str:
    """'1 answer', '3 answers'."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def upload_key() -> str:
    return f"calls_upload_{st.session_state.get(UPLOADS_KEY, 0)}"


def read_call() -> None:
    """The form's callback: check the transcript and keep it (nothing is kept when it cannot be graded)."""
    if not trainee.holds(me["id"]):  # callbacks run before app.py's check: the profile must still be this session's
        return
    upload, pasted = st.session_state.get(upload_key()), st.session_state.get("calls_text", "")
    try:
        text = pasted if pasted.strip() or not upload else calls.decode(upload.getvalue(), name=upload.name)
        transcript = calls.parse(text)
        calls.check_speakers(transcript)
    except calls.CallError as error:
        st.session_state[NOTICE_KEY] = str(error)
        return
    rep = calls.default_rep(transcript)
    call = store.save_call(runtime.db(), trainee_id=me["id"], title=calls.title_for(transcript, rep),
                           format=transcript.format, transcript=text, rep=rep)
    st.session_state[CALL_KEY] = call["id"]
    if not call["new"]:
        st.session_state[NOTICE_KEY] = f"You saved this call before ({call['created_at'][:16]}): here it is."
    st.session_state["calls_text"] = ""
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1  # a fresh, empty upload box


def pick_rep(call: dict) -> None:
    if not trainee.holds(me["id"]):
        return
    rep = st.session_state[f"calls_rep_{call['id']}"]
    store.set_call_rep(runtime.db(), call["id"], trainee_id=me["id"], rep=rep,
                       title=calls.title_for(calls.parse(call["transcript"]), rep))


def save_answers(call_id: int, rows: dict[int, dict]) -> None:
    if not trainee.holds(me["id"]):
        return
    added = store.save_call_turns(runtime.db(), call_id, trainee_id=me["id"], turns=rows)
    st.session_state[NOTICE_KEY] = f"Saved {answers(added, 'graded answer')} to your progress."


def delete(call_id: int) -> None:
    if not trainee.holds(me["id"]):
        return
    removed = store.delete_call(runtime.db(), call_id, trainee_id=me["id"])
    st.session_state.pop(CALL_KEY, None)
    st.session_state[NOTICE_KEY] = "The call was deleted" + (f", with the {answers(removed)} saved from it."
                                                            if removed else ".")


with st.form("calls_form"):
    # No max_chars: the browser would drop a longer paste without a word; `calls.parse` says what the limit is.
    st.text_area("Transcript", key="calls_text", height=220, placeholder=EXAMPLE,
                 help="One turn per line, starting with who is talking (“Sam: …”). WebVTT and SRT files as "
                      "Zoom, Teams or Meet export them work as they are.")
    # the box refuses a larger file itself; a pasted one gets `calls.parse`'s message
    st.file_uploader(f"…or upload a transcript file (.txt, .vtt or .srt, up to {LIMIT})",
                     type=["txt", "vtt", "srt"], key=upload_key(), max_upload_size=calls.MAX_CALL_MB,
                     help=f"Closer Gym grades a call of up to {LIMIT} of text (about six hours of talk). For a "
                          "longer call, upload the part with the objections.")
    st.form_submit_button("Grade this call", type="primary", icon=":material/grading:", on_click=read_call)

notice = st.session_state.pop(NOTICE_KEY, None)
if notice:
    (st.success if notice.startswith(("Saved", "The call was deleted")) else
     st.info if notice.startswith("You saved this call before") else st.warning)(notice, icon=":material/info:")

saved_calls = store.list_calls(db, me["id"])
if not saved_calls:
    st.stop()
ids = [row["id"] for row in saved_calls]
if st.session_state.get(CALL_KEY) not in ids:
    st.session_state[CALL_KEY] = ids[0]  # the latest
titles = {row["id"]: f"{row['title']} · {row['created_at'][:16]}" for row in saved_calls}
call_id = st.selectbox("Your calls", ids, key=CALL_KEY, format_func=titles.get)
call = store.get_call(db, call_id, trainee_id=me["id"])  # this trainee's own, checked on every run
if call is None:
    st.stop()

try:
    report = calls.grade_call(call["transcript"], rep=call["rep"], lib=lib)
except calls.CallError as error:  # stored before a rule changed: say why, offer to delete it
    st.warning(str(error), icon=":material/info:")
    report = None
saved = store.call_turns_saved(db, call_id, trainee_id=me["id"])
if report:
    speakers = [name for name in report.transcript.speakers if name]
    st.selectbox("Who is the rep?", speakers, index=speakers.index(report.rep), key=f"calls_rep_{call_id}",
                 on_change=pick_rep, args=(call,), disabled=bool(saved),
                 help="The answers graded are this speaker's. Closer Gym guessed the one who asks the most "
                      "questions." + (" Saved answers keep their rep: delete the call to grade it again." if saved else ""))
    for note in report.notes:
        st.info(note, icon=":material/translate:" if "English" in note else ":material/info:")
    answered = report.graded
    found, left, average = st.columns(3)
    found.metric("Objections found", len(report.exchanges))
    left.metric("Not answered", len(report.exchanges) - len(answered))
    average.metric("Average score", f"{sum(e.grade.score for e in answered) / len(answered):.0f}/100" if answered else "–")
    if not report.exchanges:
        st.info("No objection found in this call: nothing the prospect said pushed back on price, timing, who "
                "decides, what they have now or the like. If there was one, check who is the rep above.",
                icon=":material/search_off:")
    call_view.timeline(report, lib)
    call_view.transcript(report)

keep, drop = st.columns(2)
if report and report.graded:
    if saved:
        keep.caption(f":material/check_circle: {answers(saved)} from this call "
                     f"{'is' if saved == 1 else 'are'} in your progress.")
    else:
        keep.button(f"Save {answers(len(report.graded), 'graded answer')} to my progress", icon=":material/save:",
                    on_click=save_answers, args=(call_id, calls.turn_rows(report)), key="calls_save")
with drop.popover("Delete this call", icon=":material/delete:"):
    st.write("The transcript is deleted from this server" + (
        f", and the {answers(saved)} saved from it {'leaves' if saved == 1 else 'leave'} your progress." if saved
        else "."))
    st.button("Delete for good", type="primary", on_click=delete, args=(call_id,), key="calls_delete")
st.caption(f"Kept on this server since {literal(call['created_at'][:16])} UTC. Nothing is sent anywhere to grade it.")
