"""The second call graded on its own six steps, round by round, and the app's own lines graded by it."""

import pytest

from closergym.content import MOVES, library
from closergym.grading import TIER_BANDS, TIERS, Grade, grade_rebuttal
from closergym.second_call import (
    BETTER,
    ROUND_STEPS,
    STALL_BETTER,
    STEP_LABELS,
    grade_second_call,
    rubric_lines,
)
from closergym.sparring import SECOND_CALL_PROMPTS, SECOND_CALL_STALLS

LIB = library()


def prompt_for(round_number: int, stall: str | None = None) -> str:
    return SECOND_CALL_STALLS[stall] if round_number == 2 else SECOND_CALL_PROMPTS[round_number - 1]


def grade(round_number: int, text: str, stall: str | None = None) -> Grade:
    return grade_second_call(round_number, prompt_for(round_number, stall), text,
                             stall=LIB.objections[stall] if stall else None, lib=LIB)


def better_lines():
    yield from ((number, None, text) for number, (text, _) in BETTER.items())
    yield from ((2, slug, text) for slug, (text, _) in STALL_BETTER.items())


def test_every_stall_has_its_own_better_line():
    assert set(STALL_BETTER) == set(SECOND_CALL_STALLS)


@pytest.mark.parametrize(("round_number", "stall", "text"), list(better_lines()))
def test_every_better_line_the_app_offers_grades_elite_on_its_rounds_steps(round_number, stall, text):
    graded = grade(round_number, text, stall)
    assert graded.tier == "elite" and not graded.red_flags
    assert graded.feedback.better == text  # and it is the line offered under that round


# (round, stall, an answer doing fewer of the round's steps)
FEWER_STEPS = [
    (1, None, "Last time you said the month-end reporting was eating your Fridays. How are things going?"),
    (1, None, "No worries at all. What's changed since we spoke?"),
    (2, "partner-decides", library().objections["partner-decides"].rebuttal("elite").text),  # no pre-frame
    (2, "comparing-vendors", library().objections["comparing-vendors"].rebuttal("elite").text),
    (2, "too-expensive", library().objections["too-expensive"].rebuttal("elite").text),
    (3, None, "Great. So do you want to go ahead?"),
    (3, None, "Would a Tuesday or a Thursday kickoff suit you better?"),  # the ask without the recap
]


@pytest.mark.parametrize(("round_number", "stall", "text"), FEWER_STEPS)
def test_an_answer_doing_fewer_steps_never_outscores_the_apps_line(round_number, stall, text):
    ours = grade(round_number, (STALL_BETTER[stall] if stall else BETTER[round_number])[0], stall)
    theirs = grade(round_number, text, stall)
    assert theirs.score < ours.score and TIERS.index(theirs.tier) < TIERS.index(ours.tier)


def test_the_objection_rubric_would_have_graded_the_callback_otherwise():
    """The reason for its own rubric: the objection rubric reads a perfect opening as a partial one."""
    opening = BETTER[1][0]
    assert grade_rebuttal(SECOND_CALL_PROMPTS[0], opening).tier != "elite"
    assert grade(1, opening).tier == "elite"


@pytest.mark.parametrize("round_number", [1, 2, 3])
def test_each_round_is_marked_on_its_own_steps_with_quoted_evidence(round_number):
    stall = "partner-decides" if round_number == 2 else None
    graded = grade(round_number, (STALL_BETTER[stall] if stall else BETTER[round_number])[0], stall)
    shown = [mark for mark in graded.moves if mark.counted]
    assert [mark.label for mark in shown] == [STEP_LABELS[step] for step in ROUND_STEPS[round_number]]
    text = (STALL_BETTER[stall] if stall else BETTER[round_number])[0]
    assert all(mark.points == 2 and mark.phrases and all(p in text for p in mark.phrases) for mark in shown)
    assert sorted(mark.move for mark in graded.moves) == sorted(MOVES)  # every column of a turn is filled
    assert Grade.from_dict(graded.to_dict()) == graded


def test_a_missing_step_is_named_in_what_to_start():
    graded = grade(1, "Last time you mentioned the month-end reporting was eating your Fridays. What's changed since?")
    assert graded.tier == "strong"
    assert any(item.startswith("Re-anchor the cost of inaction") for item in graded.feedback.start)


@pytest.mark.parametrize(("round_number", "text", "flag"), [
    (3, "I've just sent the agreement to your inbox. This price is only good until 5pm today, so would a Tuesday "
        "or Thursday kickoff suit you?", "pressure"),
    (1, "Last time you said reporting ate your Fridays. What's changed since we spoke, or is that just a lazy "
        "excuse? If nothing changes, what does that cost you?", "insult"),
    (3, "No problem, take your time. I'll just follow up next week to check in.", "giving_up"),
])
def test_red_flags_still_cap_a_second_call_answer(round_number, text, flag):
    graded = grade(round_number, text)
    assert flag in {f.code for f in graded.red_flags}
    assert graded.tier == "weak" and TIER_BANDS["weak"][0] <= graded.score <= TIER_BANDS["weak"][1]


def test_words_quoted_from_the_prospect_earn_no_step():
    graded = grade(1, 'Prospect: last time you mentioned what changed since we spoke, if nothing changes.')
    assert all(not mark.points for mark in graded.moves)


def test_the_rubric_names_every_step_of_every_round():
    assert [label for _, label, _ in rubric_lines()] == [STEP_LABELS[s] for steps in ROUND_STEPS.values() for s in steps]


PRE_FRAME = ("That makes sense. What would your partner want to know first? Let's go through the offer once more, and if "
             "it still fits, we decide today on a start date. If something doesn't fit, tell me now and we'll deal with it first.")


def test_the_lessons_pre_frame_is_not_taken_for_a_fake_deadline():
    graded = grade(2, PRE_FRAME, "partner-decides")
    assert graded.tier == "elite" and not graded.red_flags


@pytest.mark.parametrize(("text", "quoted"), [
    ("What would your partner want to know first? You need to decide today, this price won't last.", "decide today"),
    ("What would your partner want to know first? If everything still makes sense, we decide today, and the price "
     "is only good until 5pm today.", "price is only good until 5pm today"),
])
def test_a_deadline_beside_the_pre_frame_is_still_pressure(text, quoted):
    graded = grade(2, text, "partner-decides")
    assert graded.tier == "weak" and quoted in next(f for f in graded.red_flags if f.code == "pressure").phrases


def test_a_slot_the_round_does_not_ask_for_keeps_the_objection_rubrics_reading_unshown():
    text = STALL_BETTER["too-expensive"][0]
    graded, rubric = grade(2, text, "too-expensive"), grade_rebuttal(prompt_for(2, "too-expensive"), text,
                                                                      objection_slug="too-expensive")
    unshown = [mark for mark in graded.moves if not mark.counted]
    assert {mark.move for mark in unshown} == {"acknowledge", "respond"}
    assert all(mark.points == rubric.mark(mark.move).points for mark in unshown)


@pytest.mark.parametrize("seed", range(6))
def test_the_second_calls_yes_takes_up_the_reps_close_and_nothing_the_rep_never_offered(db, trainee, seed):
    from closergym import sessions
    from closergym.offers import mentions, offers_in

    answers = ["No worries, Priya. Last time you told me month-end reporting eats your Fridays. What's changed since we spoke?",
               "Makes sense. What matters most to you here? My goal for this call: if everything still makes sense, we "
               "agree a start date today, and if something doesn't fit, tell me now.",
               "Simple. I've just sent the agreement to your inbox, let's go through it line by line. Would a Monday "
               "or a Wednesday start suit you better?"]
    session = sessions.start_session(db, trainee_id=trainee["id"], second_call=True, seed=seed)
    for number, answer in enumerate(answers, start=1):
        result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=answer,
                                    turn_uid=f"{session['uid']}-{number}")
    assert result.state.outcome == "advanced"
    made = set().union(*(set(offers_in(answer)) for answer in answers))
    assert mentions(result.reply) <= made and "Monday" in result.reply


def test_their_number_said_back_re_anchors_the_cost_of_inaction():
    """The rubric says "ask for their number again, or say it back": saying it back earns the step."""
    graded = grade(1, "Good to hear from you. Last time you mentioned the late reports cost about twelve thousand a "
                      "month in delayed invoicing. What's changed since we spoke?")
    step = next(mark for mark in graded.moves if mark.label == STEP_LABELS["cost_of_inaction"])
    assert step.points == 2 and step.phrases == ("cost about twelve thousand a month",)
