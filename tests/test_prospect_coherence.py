"""The built-in prospect's reply hangs together: it thanks the rep for a question only when one was asked, does
not agree to the rep's day and then say there is no time, says "honestly" once, says an authored fact as the
buyer, and round 3 raises the curveballs a team wrote; the better line after round 1 says when it is round 1's."""

from __future__ import annotations

import random
import re

import pytest

from closergym import sessions, store
from closergym.content import library
from closergym.conversation import round_label
from closergym.prospect import HEDGE, ScriptedProspect
from closergym.sparring import Beat, next_beat, start_state
from closergym.team import grounded_objection

LIB = library()
SLUGS = sorted(LIB.objections)
SEEDS = range(5)
THANKS_FOR_A_QUESTION = re.compile(r"since you(?:'re)? ask|now that you ask|\b(?:good|fair|reasonable|better|right) "
                                   r"question|(?:reasonable|right) (?:thing )?to ask", re.I)
NO_TIME = re.compile(r"don't have (?:the )?time|no time|this month|right now|too busy", re.I)
NO_QUESTION = "Let me know when you're ready, no pressure at all."
A_QUESTION = "That makes sense. What part of it is still on your mind?"


def say(beat: Beat, objection, seed: int) -> str:
    return ScriptedProspect().line(beat, objection=objection, rng=random.Random(seed))


def beats_with_facts(objection, answer: str, **extra):
    for fact in objection.hidden_facts:
        yield Beat("concern", "strong", fact=fact, answer=answer, **extra)
        yield Beat("reveal", "strong", fact=fact, answer=answer, **extra)
        yield Beat("reveal", "elite", fact=fact, answer=answer, **extra)
        for curveball in objection.curveballs:
            yield Beat("curveball", "elite", fact=fact, curveball=curveball, answer=answer, **extra)


@pytest.mark.parametrize("slug", SLUGS)
def test_no_thanks_for_a_question_that_was_not_asked(slug):
    objection = LIB.objections[slug]
    for beat in beats_with_facts(objection, NO_QUESTION):
        for seed in SEEDS:
            reply = say(beat, objection, seed)
            assert not THANKS_FOR_A_QUESTION.search(reply), (beat.action, reply)


def test_a_question_can_still_be_thanked_for():
    objection = LIB.objections["need-to-think"]
    said = [say(Beat("concern", "strong", fact=fact, answer=A_QUESTION), objection, seed)
            for fact in objection.hidden_facts for seed in SEEDS]
    assert any(THANKS_FOR_A_QUESTION.search(reply) for reply in said)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_day_taken_up_is_not_taken_back(slug):
    objection = LIB.objections[slug]
    answer = "I hear you. What would you need to see? Could we speak on Thursday at 9?"
    for beat in beats_with_facts(objection, answer, ask="Thursday at 9"):
        for seed in SEEDS:
            reply = say(beat, objection, seed)
            assert not ("Thursday at 9" in reply and NO_TIME.search(reply)), reply


def test_send_info_does_not_agree_to_thursday_then_have_no_time():
    objection = LIB.objections["send-info"]
    fact = next(fact for fact in objection.hidden_facts if NO_TIME.search(fact))
    beat = Beat("reveal", "elite", fact=fact, ask="Thursday at 9", answer="Fair. What's on your mind? Thursday at 9?")
    for seed in SEEDS:
        reply = say(beat, objection, seed)
        assert fact in reply and "Thursday at 9" not in reply


@pytest.mark.parametrize("slug", SLUGS)
def test_a_reply_hedges_once(slug):
    objection = LIB.objections[slug]
    for answer in (NO_QUESTION, A_QUESTION):
        for beat in beats_with_facts(objection, answer):
            for seed in SEEDS:
                reply = say(beat, objection, seed)
                assert len(HEDGE.findall(reply)) <= 1, reply


def test_the_second_call_stall_says_to_be_honest_once():
    weak = sessions.grade_second_call(1, "Hi", "Hi, just checking in.", stall=None, lib=LIB)
    assert weak.tier == "weak"
    replies = []
    for seed in range(40):
        state = start_state("normal")
        state.prompts.append("Hi, yes.")
        _, reply = sessions.advance(state, weak, kind="second_call", rebuttal="Hi, just checking in.",
                                    objection=None, rng=random.Random(seed), seed=seed)
        replies.append(reply)
    assert any("comparing" in reply for reply in replies)
    assert all(len(HEDGE.findall(reply)) <= 1 for reply in replies), replies


def test_worried_is_not_said_twice():
    objection = LIB.objections["bad-reviews"]
    fact = next(fact for fact in objection.hidden_facts if "worried" in fact)
    for seed in range(40):
        reply = say(Beat("reveal", "strong", fact=fact, answer=A_QUESTION), objection, seed)
        assert reply.lower().count("worried") == 1, reply


def authored(hidden_facts: list[str], curveballs: list[str]):
    data = LIB.objections["need-to-think"].model_dump()
    data.update(slug="our-own-lease", hidden_facts=hidden_facts, curveballs=curveballs,
                curveball_answers=data["curveball_answers"][:len(curveballs)])
    return grounded_objection(type(LIB.objections["need-to-think"]).model_validate(data), None, authored=True)


def test_an_authored_fact_about_the_buyer_is_said_by_the_buyer():
    objection = authored(["Their lease runs another five years.", "They're locked in with the landlord's fitter."],
                         ["And they've already paid a deposit elsewhere.", "Also, I think the owner will say no."])
    assert objection.hidden_facts == ["Our lease runs another five years.", "We're locked in with the landlord's fitter."]
    assert objection.curveballs == ["And we've already paid a deposit elsewhere.", "Also, I think the owner will say no."]
    for seed in SEEDS:
        reply = say(Beat("concern", "strong", fact=objection.hidden_facts[0], answer=A_QUESTION), objection, seed)
        assert "Our lease runs another five years." in reply and "Their lease" not in reply


@pytest.mark.parametrize("slug", SLUGS)
def test_round_three_at_normal_raises_a_curveball_unless_the_answer_was_elite(slug):
    objection = LIB.objections[slug]
    for seed in range(6):
        rng = random.Random(seed)
        state = start_state("normal")
        next_beat(state, "strong", difficulty="normal", objection=objection, rng=rng)
        third = next_beat(state, "strong", difficulty="normal", objection=objection, rng=rng)
        assert third.action == "curveball" and third.curveball in objection.curveballs
        state = start_state("normal")
        next_beat(state, "strong", difficulty="normal", objection=objection, rng=rng)
        assert next_beat(state, "elite", difficulty="normal", objection=objection, rng=rng).action == "concern"


def test_an_authored_curveball_comes_up_at_normal():
    objection = authored(["Their lease runs another five years.", "We already have a fitter."],
                         ["And we've already paid a deposit elsewhere.", "Also, I think the owner will say no."])
    raised = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        state = start_state("normal")
        for tier in ("strong", "strong"):
            beat = next_beat(state, tier, difficulty="normal", objection=objection, rng=rng)
        raised.add(say(beat, objection, seed))
    assert all(any(curveball in reply for curveball in objection.curveballs) for reply in raised)


def test_round_three_is_labelled_by_what_happened():
    assert round_label(3).endswith("the curveball")
    assert round_label(3, concern=True).endswith("the real concern")
    assert round_label(2, concern=True).endswith("the pushback")


STRONG = "That makes sense. What part of it is still on your mind: the timing, or something else?"


def test_the_better_line_after_round_one_says_it_is_round_ones(db, trainee):
    for seed in range(1, 4):
        session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="send-info",
                                         difficulty="normal", seed=seed)
        for _ in range(2):
            sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=STRONG)
        first, second = (turn["grade"]["feedback"] for turn in
                         store.session_turns(db, session["id"], trainee_id=trainee["id"])[:2])
        assert (first["better"], first["better_why"]) != (second["better"], second["better_why"])
        if second["better"] == first["better"]:
            assert second["better_why"].startswith("Round 1's model answer")
