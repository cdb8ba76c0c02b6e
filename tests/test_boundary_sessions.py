"""Sparring on a closed door ("take me off your list", a loss): every round is graded knowing the door is closed,
a respectful answer ends the call well, pushing on hardens the prospect, and the report reads right."""

from __future__ import annotations

import pytest

from closergym import conversation, sessions, store
from closergym.content import library
from closergym.grading import FLAG_ADVICE

MODEL_ANSWER = library().objections["take-me-off-your-list"].rebuttal("elite").text
PUSHY = "Sure, but before I do, can I just ask what you're using at the moment? It'll only take two minutes."
MEETING = "I hear you. Could we do a quick 10 minute call on Thursday at 10 instead?"
PLAIN = "No problem at all, I completely understand. You're off the list. Take care."
HONEST = "That's fine. Your number is removed and nobody here will call you again."
BOOKS_A_CALL = "I'm so sorry for your loss. Could we talk next Tuesday at 10 instead, once things are calmer?"
CONDOLENCES = "I'm so sorry for your loss. Please take all the time you need; I won't call you again."


def play(db, trainee, slug: str, answers: list[str], *, difficulty: str = "normal", seed: int = 1):
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug=slug, difficulty=difficulty,
                                     seed=seed)
    results = []
    for answer in answers:
        result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=answer)
        results.append(result)
        if result.state.finished:
            break
    saved = store.get_session(db, session["id"], trainee_id=trainee["id"])
    return results, saved, conversation.report(sessions.session_report(db, saved))


def advice(result) -> str:
    fb = result.grade.feedback
    return " ".join((*fb.keep, *fb.start, *fb.stop, fb.better, fb.better_why))


@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_model_answer_ends_the_call_well_in_round_one(db, trainee, difficulty, seed):
    results, saved, report = play(db, trainee, "take-me-off-your-list", [MODEL_ANSWER, PLAIN, HONEST],
                                  difficulty=difficulty, seed=seed)
    assert len(results) == 1 and results[0].grade.tier == "elite"
    assert results[0].state.finished and saved["status"] == "complete"
    assert saved["outcome"] == "respected"
    closing = saved["state"]["closing"]
    assert closing in library().objections["take-me-off-your-list"].exit_lines  # thanks and goodbye
    assert "better reason" not in closing and "think it over" not in closing
    assert report["outcome"] == ":green[:material/handshake:] Respected"
    assert "Stalled" not in report["outcome"] and "still open" not in report["meaning"]
    assert not report["work_on"] and "Clarify" not in (report["advice"] or "")


def test_a_plain_compliance_also_ends_the_call_respected(db, trainee):
    results, saved, report = play(db, trainee, "take-me-off-your-list", ["Okay, I'll take you off our list."])
    assert len(results) == 1 and results[0].grade.tier == "strong"
    assert saved["outcome"] == "respected"
    assert "Clarify" not in (report["work_on"] or "") and "list" in report["work_on"]


@pytest.mark.parametrize("later", [PLAIN, HONEST])
def test_a_later_round_is_graded_knowing_the_door_is_closed(db, trainee, later):
    results, saved, report = play(db, trainee, "take-me-off-your-list", [PUSHY, later])
    assert results[0].grade.tier == "weak" and not results[0].state.finished  # pushing on hardens them
    second = results[1].grade
    assert second.tier != "weak", (later, second.tier, [f.label for f in second.red_flags])
    assert not any(flag.code == "giving_up" for flag in second.red_flags)
    assert "what's behind it" not in advice(results[1])
    assert saved["outcome"] == "respected"
    assert "Clarify" not in (report["work_on"] or "")


def test_pushing_on_hardens_and_is_lost_never_stalled(db, trainee):
    results, saved, report = play(db, trainee, "take-me-off-your-list", [PUSHY, MEETING, PUSHY], difficulty="easy")
    assert [r.grade.tier for r in results] == ["weak"] * len(results)
    assert all(any(f.code == "ignores" for f in r.grade.red_flags) for r in results)
    prompts = saved["state"]["prompts"]
    assert any(line in prompts for line in library().objections["take-me-off-your-list"].pushback.weak)
    assert saved["outcome"] == "lost"
    assert "Lost" in report["outcome"]
    assert report["work_on"] and "Clarify" not in report["work_on"] and "off the list" in report["work_on"]


def test_the_stop_tip_for_a_do_not_call_request_does_not_offer_condolences(db, trainee):
    results, _, _ = play(db, trainee, "take-me-off-your-list", [PUSHY])
    stop = " ".join(results[0].grade.feedback.stop)
    assert "condolences" not in stop.lower()
    assert "off the list" in stop
    assert "condolences" not in FLAG_ADVICE["ignores"]


def test_a_bereavement_session_ends_kindly_once_the_rep_steps_back(db, trainee):
    results, saved, report = play(db, trainee, "personal-emergency", [BOOKS_A_CALL, CONDOLENCES])
    assert results[0].grade.tier == "weak" and "condolences" in " ".join(results[0].grade.feedback.stop)
    assert results[1].grade.tier != "weak"
    assert saved["outcome"] == "respected"
    assert saved["state"]["closing"] in library().objections["personal-emergency"].exit_lines
    assert report["work_on"] and "condolences" in report["work_on"] and "Clarify" not in report["work_on"]


def test_the_curveball_round_shows_the_libraries_answer_to_the_curveball(db, trainee):
    objection = library().objections["take-me-off-your-list"]
    for seed in range(1, 12):
        results, saved, _ = play(db, trainee, "take-me-off-your-list", [PUSHY, MEETING, HONEST], seed=seed,
                                 difficulty="easy")
        state = saved["state"]
        if len(results) == 3 and state["curveball"] is not None:
            assert results[2].grade.feedback.better == objection.curveball_answers[state["curveball"]].text
            assert saved["outcome"] == "respected"
            return
    pytest.skip("no seed raised a curveball")


def test_the_librarys_curveball_answers_are_respectful_at_the_closed_door(db, trainee):
    from closergym.grading import grade_rebuttal
    objection = library().objections["take-me-off-your-list"]
    for line, answer in zip(objection.curveballs, objection.curveball_answers, strict=True):
        grade = grade_rebuttal(line, answer.text, objection_slug=objection.slug, closed_door="do_not_call")
        assert grade.tier != "weak" and not grade.red_flags, (line, grade.tier)


def test_an_open_door_session_is_unchanged(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="too-expensive", seed=1)
    assert sessions.session_closed_door(session) is None
    result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=MODEL_ANSWER)
    assert result.state.outcome != "respected"


def test_a_custom_request_to_stop_is_a_closed_door(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], custom_objection="Please stop calling me.", seed=2)
    assert sessions.session_closed_door(session) == "do_not_call"
    result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=MODEL_ANSWER)
    assert result.state.finished and result.state.outcome == "respected"


def test_the_ai_prospect_is_steered_to_say_goodbye_not_to_agree_to_a_next_step(db, trainee):
    import random

    from closergym.prospect import persona_prompt
    results, _, _ = play(db, trainee, "take-me-off-your-list", [MODEL_ANSWER])
    result = results[0]
    assert result.beat is not None and result.beat.action == "goodbye"
    prompt = persona_prompt(result.scene, result.beat, random.Random(1))
    direction = prompt.split("Direction for your next reply")[1]
    assert "goodbye" in direction and "next step" not in direction
    assert any(line in direction for line in library().objections["take-me-off-your-list"].exit_lines)
