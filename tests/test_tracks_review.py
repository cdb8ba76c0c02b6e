"""Round-2 review of the closing and psychology tracks: the better line under every round passes its own rubric,
a courtesy after the prospect's apology is not giving up, pre-frames in real words are recognised, evidence is the
rep's words that earned it (a clock time, not 'by 5 hours'; the question, never a bare '?'), the four-move heatmap
leaves the scenarios out, and 'Choose another drill' returns to the track the session came from."""

import json

import pyarrow as pa
import pytest

from closergym import analytics, closing, sessions, tracks
from closergym.content import library
from closergym.grading import WHEN
from closergym.second_call import grade_second_call
from closergym.sparring import SECOND_CALL_PROMPTS, SECOND_CALL_STALLS, SECOND_CALL_STEPS
from tests.conftest import app_for, pressed, said, say
from tests.test_tracks import run_scenario

LIB = library()
SCENARIOS = tracks.scenarios()
PRE_FRAME = SECOND_CALL_STEPS["pre_frame"][1]


def rounds():
    for key, scenario in SCENARIOS.items():
        for number, _ in enumerate(scenario.rounds, start=1):
            stalls = list(SECOND_CALL_STALLS) if scenario.engine == "second_call" and number == 2 else [None]
            for stall in stalls:
                yield pytest.param(key, number, stall, id=f"{key}-r{number}-{stall or ''}")


@pytest.mark.parametrize(("key", "number", "stall"), list(rounds()))
def test_the_better_line_under_every_round_grades_elite_on_that_rounds_rubric(key, number, stall):
    scenario = SCENARIOS[key]
    prompt = closing.prompt_for(scenario, number, SECOND_CALL_STALLS.get(stall or ""))
    offered = closing.grade_round(scenario, number, prompt, "Okay.", stall=stall).feedback.better
    graded = closing.grade_round(scenario, number, prompt, offered, stall=stall)
    assert graded.tier == "elite" and not graded.red_flags, [(f.code, f.phrases) for f in graded.red_flags]


def opening(text: str):
    return grade_second_call(1, SECOND_CALL_PROMPTS[0], text, lib=LIB)


def test_no_problem_after_the_prospects_apology_is_a_courtesy_not_giving_up():
    # the reviewer's kind of answer: the courtesy the better line itself opens with, a callback, a figure
    text = ("No problem at all, Priya, I know how hectic it gets. Last time you told me the month-end reporting was "
            "eating your Fridays, and that late invoicing holds up about twelve thousand a month.")
    graded = opening(text)
    assert not [f for f in graded.red_flags if f.code == "giving_up"]
    assert graded.tier == "strong"
    assert graded.feedback.better.startswith("No problem at all")  # the courtesy the app itself offers


@pytest.mark.parametrize(("text", "flagged"), [
    ("No problem at all, take your time and let me know.", "take your time"),
    ("No worries. Let me know when you're ready.", "Let me know"),
])
def test_the_courtesy_excuses_only_itself(text, flagged):
    graded = opening(text)
    flag = next(f for f in graded.red_flags if f.code == "giving_up")
    assert graded.tier == "weak" and flagged in flag.phrases


def test_no_problem_to_a_stall_is_still_accepting_it():
    graded = grade_second_call(2, SECOND_CALL_STALLS["partner-decides"], "No problem, talk to Tom.",
                               stall=LIB.objections["partner-decides"], lib=LIB)
    assert graded.tier == "weak" and any(f.code == "giving_up" for f in graded.red_flags)


@pytest.mark.parametrize("text", [
    "agree that at the end it's a yes or a no either way",
    "At the end of this call we decide together whether it goes ahead.",
    "Can we agree up front how this ends?",
    "If it's a no, that's fine, just tell me.",
    "It's okay to say no.",
    "If anything doesn't fit, tell me now.",
    "I'd like a clear yes or no by the end of it.",
])
def test_a_pre_frame_in_real_words_is_recognised(text):
    assert PRE_FRAME.search(text)


@pytest.mark.parametrize("text", [
    "At the end of the day it's your call.",
    "Let me know either way.",
    "I will send the agreement at the end of the week.",
    "If it doesn't work we refund you.",
    "Is that a yes?",
])
def test_words_that_are_no_pre_frame_are_not_taken_for_one(text):
    assert not PRE_FRAME.search(text)


def test_the_reviewers_pre_frame_earns_the_step():
    text = ("That makes sense, comparing is smart. Which vendors, and what would one of them have to do better for "
            "you to pick them? Before you decide, could we book 20 minutes next Tuesday at 10 with you and Tom, and "
            "agree that at the end it's a yes or a no either way?")
    graded = grade_second_call(2, SECOND_CALL_STALLS["comparing-vendors"], text,
                               stall=LIB.objections["comparing-vendors"], lib=LIB)
    step = next(m for m in graded.moves if m.counted and m.label == "Pre-frame the close")
    assert step.points == 2 and all(p in text for p in step.phrases)


@pytest.mark.parametrize(("text", "time"), [
    ("We'd cut that by 5 hours a week.", None), ("We'd do a check-in at 30 days.", None),
    ("Sales grew by 20 percent.", None), ("We can start at 10 people.", None),
    ("Could you send it by 5pm?", "by 5pm"), ("Shall we talk at 3:30?", "at 3:30"),
    ("Can we get it signed by Friday?", "Friday"), ("next Tuesday at 10 with you and Tom", "next Tuesday"),
])
def test_a_time_is_a_clock_time_or_a_day_not_an_amount(text, time):
    found = WHEN.search(text)
    assert (found.group().strip() if found else None) == time


def test_small_ask_evidence_never_quotes_an_amount_as_a_time():
    scenario = SCENARIOS["closing:small-ask"]
    for text in ("Makes sense. Let's start small: we cut it by 5 hours a week in the pilot.",
                 "Makes sense. Let's start small, with a check-in at 30 days to see."):
        graded = closing.grade_round(scenario, 1, scenario.rounds[0].prompt, text)
        quoted = [p for m in graded.moves if m.counted for p in m.phrases]
        assert not any(p in ("by 5", "at 30") for p in quoted), quoted


def test_a_cost_youre_comfortable_carrying_is_the_cost_of_waiting_and_quoted_whole():
    scenario = SCENARIOS["psychology:cost-of-inaction"]
    question = "Is that a cost you're comfortable carrying until next quarter?"
    graded = closing.grade_round(scenario, 1, scenario.rounds[0].prompt,
                                 f"Fair enough. You said invoicing takes about 30 hours a month. {question}")
    cost = next(m for m in graded.moves if m.counted and m.label == "Ask what waiting costs")
    assert cost.points == 2 and cost.phrases and all(p in question for p in cost.phrases)
    assert graded.tier == "elite"


@pytest.mark.parametrize(("key", "text"), [
    ("psychology:cost-of-inaction", "Fair enough. How is the team doing?"),
    ("psychology:say-the-number", "Fair enough. Is that right?"),
    ("psychology:labelling", "I understand. Okay?"),
])
def test_evidence_is_never_a_bare_question_mark(key, text):
    scenario = SCENARIOS[key]
    graded = closing.grade_round(scenario, 1, scenario.rounds[0].prompt, text)
    quoted = [p for m in graded.moves if m.counted for p in m.phrases]
    assert quoted and all(len(p.strip("?!. ")) >= 3 and p in text for p in quoted), quoted


# -- Progress: the four-move heatmap is the objections' own ----------------------------------------------


def test_the_move_heatmap_leaves_the_scenarios_out(db, trainee):
    run_scenario(db, trainee, tracks.SECOND_CALL_KEY, "strong")
    run_scenario(db, trainee, "psychology:labelling", "strong")
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="too-expensive")
    sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"],
                       rebuttal="That makes sense. What part of it worries you?")
    slugs = {row["objection_slug"] for row in analytics.move_heatmap(db, trainee["id"])}
    assert slugs == {"too-expensive"}
    # the scenarios still count elsewhere on Progress, under their own labels
    assert {tracks.SECOND_CALL_KEY, "psychology:labelling"} <= {r["objection_slug"]
                                                               for r in analytics.first_vs_best(db, trainee["id"])}

    at = app_for(trainee, "app_pages/progress.py")
    assert not at.exception
    chart = next(c.proto for c in at.get("vega_lite_chart")
                 if json.loads(c.proto.spec).get("title") == "Points per move (0-2) by objection")
    cells = pa.ipc.open_stream(next(d.data.data for d in chart.datasets if d.name == "cells")).read_all().to_pylist()
    assert cells and {cell["objection_slug"] for cell in cells} == {"too-expensive"}


def test_with_only_scenarios_there_is_no_heatmap_of_moves_never_graded(db, trainee):
    run_scenario(db, trainee, "psychology:labelling", "strong")
    at = app_for(trainee, "app_pages/progress.py")
    assert not at.exception
    titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    assert "Points per move (0-2) by objection" not in titles
    assert "First try vs best, per objection" in titles


# -- Sparring: "Choose another drill" stays on the track -----------------------------------------------


@pytest.mark.parametrize(("track", "key", "answer"), [
    ("psychology", "psychology:labelling", "It sounds like the last agency burned you. What happened?"),
    ("closing", "closing:trial-close", "How does that sound so far?"),
])
def test_choose_another_drill_returns_to_the_same_tracks_picker(db, trainee, track, key, answer):
    at = app_for(trainee, "app_pages/sparring.py")
    at.segmented_control(key="sparring_track").set_value(track).run()
    at.selectbox(key=f"sparring_{track}_pick").set_value(key).run()
    at.button(key=f"sparring_{track}_start").click().run()
    while not [m for m in at.main.markdown if m.value.startswith("### Session report")]:
        say(at, answer)
    assert said(at)
    pressed(at, "Choose another drill")
    assert not at.exception
    assert at.segmented_control(key="sparring_track").value == track
    assert at.selectbox(key=f"sparring_{track}_pick")  # the track's own picker, not the objection form
    assert not [f for f in at.get("form") if getattr(f.proto, "form_id", "") == "sparring_setup"]


def test_choose_another_drill_after_an_objection_returns_to_the_objections(db, trainee):
    at = app_for(trainee, "app_pages/sparring.py")
    at.segmented_control(key="sparring_track").set_value("objections").run()
    pressed(at, "Start sparring")
    while not [m for m in at.main.markdown if m.value.startswith("### Session report")]:
        say(at, "That makes sense. What part of it worries you?")
    pressed(at, "Choose another drill")
    assert not at.exception and at.segmented_control(key="sparring_track").value == "objections"
    assert any(b.label == "Start sparring" for b in at.button)
