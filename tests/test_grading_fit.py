"""Fit, not form: a move counts where it answers this objection; red flags that hold; evidence that is the
rep's own words in the right move; the learned calibration that turns the rubric's reading into a tier."""

from __future__ import annotations

import json

import pytest

from closergym import calibration
from closergym.content import library
from closergym.grading import TIERS, Grade, grade_rebuttal

TEMPLATE = ("I understand. Can I ask what's really behind that? Our clients typically save 20% in the first 90 days. "
            "How about a 15-minute call Tuesday at 10?")


def codes(grade: Grade) -> set[str]:
    return {flag.code for flag in grade.red_flags}


def flag(grade: Grade, code: str):
    return next(f for f in grade.red_flags if f.code == code)


# -- fit ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("objection", ["Take me off your list", "My mother passed away last week",
                                       "I need to run this by my wife"])
def test_a_template_reused_across_objections_is_never_elite(objection):
    assert grade_rebuttal(objection, TEMPLATE).tier != "elite"


@pytest.mark.parametrize(("objection", "said"), [
    ("Take me off your list.", "taken off your list"),
    ("Please stop calling me.", "taken off your list"),
    ("My mother passed away last week.", "a loss"),
    ("We signed elsewhere last week.", "signed elsewhere"),
    ("We've already signed with another vendor.", "signed elsewhere"),
    ("My dad died on Sunday.", "a loss"),
])
def test_pushing_on_after_a_closed_door_ignores_what_they_said(objection, said):
    grade = grade_rebuttal(objection, TEMPLATE)
    assert grade.tier == "weak" and "ignores" in codes(grade)
    assert said in flag(grade, "ignores").label
    assert flag(grade, "ignores").phrases and all(p in TEMPLATE for p in flag(grade, "ignores").phrases)


@pytest.mark.parametrize("objection", ["Don't call me before 10, I'm on site.", "Our old server died last month.",
                                       "I went to your website and it's too expensive.", "We bought from you last year.",
                                       "We signed with you in 2021 and the support slipped.",
                                       "I signed up with a company that promised the same thing, and it was a waste."])
def test_an_open_door_is_not_taken_for_a_closed_one(objection):
    assert "ignores" not in codes(grade_rebuttal(objection, TEMPLATE))


def test_take_me_off_your_list_plus_a_pushed_meeting_is_weak():
    grade = grade_rebuttal("Take me off your list.", "Sure, but before I do, could we grab 15 minutes Thursday at 2?")
    assert grade.tier == "weak" and "ignores" in codes(grade)


@pytest.mark.parametrize(("objection", "answer"), [
    ("Take me off your list.", "Of course, I've taken you off our list just now. Sorry to have bothered you, and have a good day."),
    ("My mother passed away last week.", "I'm so sorry for your loss. Please take all the time you need; I won't call you again "
                                         "unless you reach out."),
    ("We signed elsewhere last week.", "Congratulations, I hope it goes really well for you. Thanks for letting me know."),
])
def test_respecting_a_closed_door_in_full_is_elite(objection, answer):
    grade = grade_rebuttal(objection, answer)
    assert grade.tier == "elite" and not grade.red_flags  # letting go is no "giving up" here


@pytest.mark.parametrize(("objection", "answer"), [
    ("Take me off your list.", "Okay, I'll take you off our list."),
    ("Please stop calling me.", "Fine, you won't hear from us."),
    ("My mother passed away last week.", "So sorry. I won't call you again."),
])
def test_bare_compliance_with_a_closed_door_is_strong(objection, answer):
    grade = grade_rebuttal(objection, answer)
    assert grade.tier == "strong" and not grade.red_flags


@pytest.mark.parametrize("objection", ["Take me off your list.", "My mother passed away last week.",
                                       "We signed elsewhere last week."])
def test_where_the_door_is_closed_the_better_line_respects_it(objection):
    grade = grade_rebuttal(objection, TEMPLATE)
    better = grade_rebuttal(objection, grade.feedback.better)
    assert better.tier == "elite" and not better.red_flags
    assert not better.points["advance"] and not grade.feedback.start


def test_a_library_elite_answer_to_another_objection_is_not_elite():
    lib = library()
    for slug, objection in lib.objections.items():
        for other, borrowed in lib.objections.items():
            if other != slug:
                grade = grade_rebuttal(objection.title, borrowed.rebuttal("elite").text, objection_slug=slug)
                assert grade.tier != "elite", (slug, other)
                if objection.category != "boundary":
                    assert "off_target" in codes(grade)
                elif borrowed.category != "boundary":  # a closed door: pushing on is the harder flag
                    assert "ignores" in codes(grade) and grade.tier == "weak", (slug, other)


def test_the_price_answer_to_my_husband_decides_says_what_was_missed():
    price = library().objections["too-expensive"].rebuttal("elite").text
    grade = grade_rebuttal("My husband handles the money.", price)
    assert grade.tier == "strong"
    assert any("My husband handles the money" in advice for advice in grade.feedback.stop)


@pytest.mark.parametrize(("objection", "missed"), [
    ("I need to run this by my wife.", "their wife has a say; your answer never brings her in"),
    ("She said her husband handles the money.", "their husband has a say; your answer never brings him in"),
    ("My boss signs off on anything like this.", "their boss has a say; your answer never brings them in"),
    ("We tried something like this before and it didn't work.", "it went wrong before"),
])
def test_a_generic_answer_is_at_most_strong_and_the_feedback_names_the_miss(objection, missed):
    generic = ("Totally fair. What's the one thing that would make this a clear yes for you? Most of our clients "
               "break even within six months, which means waiting costs more. Could we take 15 minutes Thursday at 2?")
    grade = grade_rebuttal(objection, generic)
    assert grade.tier == "strong" and "off_target" in codes(grade)
    assert any(missed in advice for advice in grade.feedback.stop), grade.feedback.stop


@pytest.mark.parametrize("objection", ["I need to think about it before committing.", "I need another week to decide."])
def test_a_stall_is_not_read_as_a_past_failure_or_a_rival(objection):
    answer = ("That's fair. What part of it is still on your mind: the cost, or whether it gets used? Most teams "
              "your size break even within six months. Could we take 15 minutes Thursday at 2 to go through it?")
    assert "off_target" not in codes(grade_rebuttal(objection, answer))


def test_an_answer_that_brings_the_partner_in_fits():
    answer = ("Of course, it makes sense to decide that together. What do you think her first question will be? Most "
              "couples ask about the monthly cost, and I can put that on one page. Could we do 20 minutes Wednesday "
              "evening with both of you?")
    grade = grade_rebuttal("I need to run this by my wife.", answer)
    assert "off_target" not in codes(grade) and grade.tier == "elite"


# -- red flags that hold --------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "answer", "quoted"), [
    ("pressure", "That's fair. This offer is only good until 5pm today, so could we get you signed in the next 15 minutes?",
     "only good until 5pm"),
    ("pressure", "I hear you. Most clients save 20% in 90 days. If you sign in the next 15 minutes I can hold it.",
     "sign in the next 15 minutes"),
    ("insult", "That's a lazy excuse. What's really stopping you? Most clients save 20% in 90 days. Could we talk Tuesday at 10?",
     "lazy excuse"),
    ("insult", "I hear you. Is it the price, or are you just cheap? Most clients save 20% in 90 days. Could we talk Tuesday at 10?",
     "are you just cheap"),
    ("giving_up", "Totally understand, it's a big decision. I'll just follow up next week to check in.",
     "I'll just follow up next week"),
])
def test_red_flags_sink_the_reply_and_quote_the_words(code, answer, quoted):
    grade = grade_rebuttal("It's too expensive.", answer)
    assert grade.tier == "weak" and code in codes(grade)
    assert any(quoted in phrase for phrase in flag(grade, code).phrases)


def test_knocking_the_current_provider_caps_at_weak():
    """Trashing a competitor is one of the mistakes the trainers grade weak, however complete the rest."""
    answer = ("I understand, switching is a hassle. Your current provider is terrible, honestly. What matters most to you "
              "in a provider? Most clients who move save 12% in the first year. Could we talk Tuesday at 10?")
    grade = grade_rebuttal("We're happy with our current provider.", answer)
    assert grade.tier == "weak" and "knocking" in codes(grade)
    assert "Your current provider is terrible" in flag(grade, "knocking").phrases


def test_the_rep_promising_a_time_is_no_deadline():
    answer = "Makes sense. Who signs off? I'll draft a half-page with both numbers and send it by 3 today. Does that work?"
    assert "pressure" not in codes(grade_rebuttal("I need to run it by my boss.", answer))


def test_buzzwords_after_an_elite_line_count_toward_the_monologue():
    elite = library().objections["too-expensive"].rebuttal("elite").text
    buzz = " ".join(["Synergy, leverage, scalability, ROI, best-in-class, cloud-native, AI-driven, turnkey, robust."] * 18)
    assert len(buzz) >= 1600
    grade = grade_rebuttal("It's too expensive.", f"{elite} {buzz}")
    assert grade.tier == "weak" and "monologue" in codes(grade)


def test_nonsense_with_the_right_cues_earns_nothing():
    nonsense = ("What would make the moon taste of cheese? 47 purple elephants saw a 30% drop in the sky last year, "
                "which means the stars are cheaper.")
    grade = grade_rebuttal("It's too expensive.", nonsense)
    assert grade.tier == "weak" and grade.points["clarify"] == grade.points["respond"] == 0
    polite = grade_rebuttal("It's too expensive.", f"I understand. {nonsense} Could we meet Tuesday at 10?")
    assert polite.tier != "elite"


# -- evidence -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "number"), [
    ("We cut roughly 3,000 in overtime a week for a shop your size.", "3,000"),
    ("One client like you saves twelve thousand a month on it.", "twelve thousand a month"),
    ("That usually takes 70-80% of the manual work off your team.", "70-80%"),
])
def test_numbers_in_any_form_are_specifics(sentence, number):
    grade = grade_rebuttal("It's too expensive.", f"Fair question. {sentence}")
    assert number in grade.mark("respond").phrases


def test_an_offer_tied_to_a_visit_is_the_ask():
    answer = "Fair. Would it help if I brought a couple of sold comps from your street when I come by Thursday?"
    grade = grade_rebuttal("I think the price is too high for this house.", answer)
    assert grade.mark("advance").points == 2 and "Thursday" in grade.mark("advance").phrases
    assert grade.mark("clarify").points == 0  # the offer is not a question that digs for the concern


def test_a_weekday_inside_a_noun_is_not_a_time():
    grade = grade_rebuttal("We're swamped.", "I get it. Let's clear the Monday backlog for your team first.")
    assert "Monday" not in grade.mark("advance").phrases and grade.mark("advance").points < 2


@pytest.mark.parametrize("answer", [
    'You said "I only have ten minutes", so I\'ll be quick. What matters most to you here?',
    "Prospect: I only have ten minutes.\nFair enough, I'll be quick. What matters most to you here?",
    "[checks the ten-minute timer] Fair enough, I'll be quick. What matters most to you here?",
])
def test_nothing_is_quoted_from_the_prospects_lines(answer):
    grade = grade_rebuttal("I only have a few minutes.", answer)
    quoted = [phrase for mark in grade.moves for phrase in mark.phrases]
    assert not any("ten" in phrase for phrase in quoted) and grade.mark("respond").points == 0


# -- the learned calibration --------------------------------------------------------------------------

def test_the_calibration_is_a_small_readable_file_with_non_negative_weights():
    model = json.loads(calibration.CALIBRATION_FILE.read_text(encoding="utf-8"))
    assert model["features"] == list(calibration.FEATURES)
    assert len(model["weights"]) == len(calibration.FEATURES) and min(model["weights"]) >= 0
    low, high = model["thresholds"]
    assert low < high


@pytest.mark.parametrize("move", ["acknowledge", "clarify", "respond", "advance"])
def test_more_of_a_move_never_lowers_the_calibrated_tier(move):
    for base in range(3):
        points = dict.fromkeys(("acknowledge", "clarify", "respond", "advance"), base)
        for rules in TIERS:
            before = calibration.predict(calibration.features(points, 40, 1, rules))
            after = calibration.predict(calibration.features({**points, move: min(2, base + 1)}, 40, 1, rules))
            assert TIERS.index(after) >= TIERS.index(before)


@pytest.mark.parametrize("slug", ["too-expensive", "comparing-vendors", "not-interested"])
def test_a_passing_right_now_does_not_make_a_library_objection_about_timing(slug):
    """'It's out of our budget right now' is about money: the miss named is never the timing one."""
    objection = library().objections[slug]
    for line in objection.lines:
        grade = grade_rebuttal(line, "No problem, let me know!", objection_slug=slug)
        assert not any("timing" in flag.label for flag in grade.red_flags), (line, grade.red_flags)


@pytest.mark.parametrize("line", library().objections["bad-reviews"].lines)
def test_an_answer_about_the_reviews_fits_every_bad_reviews_line(line):
    """A trust objection whose words name no topic ("Your ratings online aren't great") was read as "it went wrong
    before", so an answer about the reviews themselves was flagged as not fitted and capped at strong."""
    answer = ("I understand. Which reviews worried you most? Our last 40 reviews average 4.8 stars. Could I send you "
              "three recent customers to call this week?")
    grade = grade_rebuttal(line, answer, objection_slug="bad-reviews")
    assert "off_target" not in codes(grade) and grade.tier == "elite"


def test_a_trust_objection_still_wants_a_reason_to_trust():
    grade = grade_rebuttal("A couple of people online say you were a nightmare to deal with.",
                           "Totally fair. Could we book 15 minutes on Thursday at 2 to walk you through the features?",
                           objection_slug="bad-reviews")
    assert "off_target" in codes(grade) and "trust you" in flag(grade, "off_target").label


def test_someone_who_is_not_always_a_supplier():
    from closergym.grading import objection_topic

    assert objection_topic("I'd feel better if I could talk to someone who used you recently.", None) != "incumbent"
    assert objection_topic("We already have someone who does this and we are super happy.", None) == "incumbent"
    assert objection_topic("We use someone who handles all of that for us.", None) == "incumbent"


def test_granting_the_criticism_its_part_acknowledges_it():
    grade = grade_rebuttal("Honestly, I've read a few bad reviews about your company.",
                           "Not at all, some of them are fair and I'd want to know too. Which ones stood out to you?",
                           objection_slug="bad-reviews")
    assert next(m for m in grade.moves if m.move == "acknowledge").points == 2
