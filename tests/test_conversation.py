"""The conversation as data (closergym.conversation): the view the browser draws, and a live LLM reply."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from closergym import conversation, sessions, store
from closergym.grading import grade_rebuttal
from closergym.llm import LLMError
from closergym.sparring import RoutineState

STRONG = "That makes sense. What part of it is still on your mind?"


def test_a_new_session_shows_the_opening_line_and_nothing_graded(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="bad-timing", seed=2)
    view = conversation.view(db, session)
    opening = RoutineState.from_dict(session["state"]).prompts[0]
    assert view["messages"] == [{"id": "p1", "who": "prospect", "label": "Round 1 of 3 · the objection", "text": opening}]
    assert view["active"] and view["round"] == 1 and view["report"] is None


def test_the_second_calls_rounds_are_named_for_what_they_are(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], second_call=True)
    for _ in range(3):
        sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=STRONG)
    view = conversation.view(db, store.get_session(db, session["id"], trainee_id=trainee["id"]))
    labels = [m["label"] for m in view["messages"] if m["who"] == "prospect" and m["label"]]
    assert labels == ["Round 1 of 3 · the callback", "Round 2 of 3 · the stall", "Round 3 of 3 · the next steps"]
    assert [step["label"] for step in view["report"]["steps"]] == list(sessions.STEP_LABELS.values())


def test_an_answer_for_a_round_already_answered_changes_nothing(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="bad-timing")
    first = list(conversation.answer(db, trainee_id=trainee["id"], session_id=session["id"], text=STRONG, round_number=1))
    retry = list(conversation.answer(db, trainee_id=trainee["id"], session_id=session["id"], text=f" {STRONG} ",
                                     round_number=1))
    assert retry == [{"type": "done", "view": first[-1]["view"], "notices": []}]  # the same answer, sent again
    other_tab = list(conversation.answer(db, trainee_id=trainee["id"], session_id=session["id"], text="Something else?",
                                         round_number=1))
    assert other_tab[0]["view"] == first[-1]["view"] and other_tab[0]["unsent"]  # the page shows the text
    assert "already answered, in another tab" in other_tab[0]["notices"][0]
    assert [row["rebuttal"] for row in db.query("SELECT rebuttal FROM turns")] == [STRONG]


def chunks(*pieces, fail: bool = False):
    yield from pieces
    if fail:
        raise LLMError("timeout", "The AI took too long.")


@pytest.mark.parametrize(("stream", "text", "from_llm", "notice"), [
    (chunks("Fair. ", "Send it over."), "Fair. Send it over.", True, None),
    (chunks("Fair. ", fail=True), "The built-in line.", False, "The AI prospect dropped out: The AI took too long."),
    (chunks(" ", "\u200b"), "The built-in line.", False, "The AI prospect dropped out: It sent an empty reply."),
])
def test_a_live_reply_keeps_the_models_words_or_says_why_it_did_not(stream, text, from_llm, notice):
    live = conversation.LiveReply(stream, "The built-in line.")
    streamed = list(live)
    assert streamed and (live.text, live.from_llm) == (text, from_llm)
    assert (live.notice or "").startswith(notice or "") and (live.notice is None) == (notice is None)


def test_only_a_storage_failure_is_reported_as_one(tmp_path):
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"
    event = conversation.not_saved(full, tmp_path / "gym.db")
    assert event["type"] == "error" and "is full" in event["message"] and "not saved" in event["message"]
    after = conversation.not_saved(full, tmp_path / "gym.db", answer_saved=True)  # the reply, not the answer, failed
    assert after["saved"] and after["message"].startswith("Your answer was saved, but its reply could not be finished")
    assert conversation.not_saved(sqlite3.OperationalError("near SELEC: syntax error"), tmp_path / "gym.db") is None
    assert conversation.not_saved(ValueError("a bug"), tmp_path / "gym.db") is None


def test_answers_racing_for_one_round_save_one_and_tell_the_others(isolated_db, db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="bad-timing")
    start = threading.Barrier(6)
    last: list[dict] = []

    def send(number: int) -> None:
        connection = store.open_db(isolated_db)
        try:
            start.wait()
            *_, event = conversation.answer(connection, trainee_id=trainee["id"], session_id=session["id"],
                                            text=f"Answer {number}: what part of it is on your mind?", round_number=1)
            last.append(event)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    saved = [row["rebuttal"] for row in db.query("SELECT rebuttal FROM turns")]
    assert len(saved) == 1 and len(last) == 6
    taken = [event for event in last if event["type"] == "done" and not event.get("unsent")]
    assert len(taken) == 1  # one answer took the round
    for event in last:  # the others are told to wait, or that the round is answered, and keep their text
        assert event is taken[0] or event.get("message") == conversation.STILL_GRADING or event.get("unsent")
    assert all(event["view"]["messages"][1]["text"] == saved[0] for event in last if event["type"] == "done")
    state = RoutineState.from_dict(store.get_session(db, session["id"], trainee_id=trainee["id"])["state"])
    assert len(state.prompts) == 2 and state.tiers == [taken[0]["view"]["messages"][1]["card"]["tier"]]


def test_an_answer_to_a_session_ended_elsewhere_is_refused_and_says_why(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="bad-timing")
    sessions.abandon_open_sessions(db, trainee["id"])  # "End this session", in another tab
    events = list(conversation.answer(db, trainee_id=trainee["id"], session_id=session["id"], text=STRONG, round_number=1))
    assert events == [{"type": "error", "message": conversation.ENDED_ELSEWHERE, "saved": False}]
    assert db["turns"].count == 0


def test_a_flags_cap_is_said_only_where_it_held_the_grade():
    """'caps the grade at strong' under a weak grade reads as a contradiction."""
    from closergym.grading import grade_rebuttal

    capped = grade_rebuttal("I need to think about it.", "That makes sense. " + "We do a great many things. " * 30 +
                            "What is on your mind?", objection_slug="need-to-think")
    assert capped.tier == "strong"
    assert [flag["cap"] for flag in conversation.card(capped)["flags"]] == ["caps the grade at strong"]
    gave_up = grade_rebuttal("I need to think about it.", "Whatever, your loss. Let me know!", objection_slug="need-to-think")
    assert gave_up.tier == "weak" and {flag.cap for flag in gave_up.red_flags} == {"weak", "strong"}
    assert sorted(flag["cap"] for flag in conversation.card(gave_up)["flags"]) == ["", "caps the grade at weak"]


def test_the_card_quotes_a_move_as_said_not_in_fragments():
    text = ("I'd be happy to send that to you. Let's set up a time to go over it together. What does your calendar "
            "look like? Could we pencil in Thursday at 3 for a quick call to hear where you landed and what you decided?")
    assert conversation.quoted(text, ("Let's set", "set up a time")) == ["Let's set up a time to go over it together"]
    assert conversation.quoted(text, ("What does your calendar",)) == ["What does your calendar look like?"]
    assert conversation.quoted(text, ("Could we", "Thursday")) == ["Could we pencil in Thursday"]  # over 18 words: the span
    assert conversation.quoted(text, ("not in it",)) == ["not in it"]
    assert conversation.quoted(None, ("Could we", "Could we")) == ["Could we"]


def test_the_card_keeps_specifics_as_the_grader_found_them():
    text = "Totally fair. Teams your size usually cut about 6 hours a week, roughly $1,200 a month. Could we look Friday at 2?"
    card = conversation.card(grade_rebuttal("It's too expensive.", text), rebuttal=text, feedback=False)
    moves = {move["label"]: move["phrases"] for move in card["moves"]}
    assert "$1,200" in " ".join(moves["Respond with specifics"]) and "a week, roughly" not in " ".join(moves["Respond with specifics"])
    assert moves["Advance with a small ask"] == ["Could we look Friday at 2?"]
    said = "Makes sense. Most teams like yours break even within four months, and it shows."
    assert conversation.quoted(said, ("four months", "Most teams", "break even"), whole=False) == [
        "Most teams like yours break even within four months"]


def test_a_quote_cut_at_four_words_does_not_end_on_a_number_or_an_article():
    """Found by a tester: "can we book 20" (of "can we book 20 minutes with you and Tom on Thursday...")."""
    long = ("If that looks right, can we book 20 minutes with you and Tom on Thursday at 2pm to sign off on a start "
            "date and get the team trained?")
    assert conversation.quoted(long, ("can we",)) == ["can we book 20 minutes"]
    assert conversation.quoted("Could we take a look at it together with your team on Thursday at two or at three "
                               "in the afternoon?", ("Could we",)) == ["Could we take a look"]


def test_the_next_steps_quote_is_the_steps_own_time_not_the_line_before():
    text = ("I'll put a one-page summary in writing right now. If that looks right, can we book 20 minutes with you "
            "and Tom on Thursday at 2pm?")
    advance = grade_rebuttal("Send me something and I'll look at it.", text).mark("advance")
    assert advance.points == 2 and "right now" not in advance.phrases
