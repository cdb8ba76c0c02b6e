"""The prospect answers what was said: no offer the rep did not make, the rep's own next step in the rep's
words, weak answers harden, whole lines, and sessions that differ."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from functools import cache

import pytest

from closergym import sessions, store
from closergym.content import library
from closergym.grading import grade_rebuttal
from closergym.offers import WANTS, mentions, offers_in, session_slot, take_up
from closergym.prospect import (
    GENERIC_PUSHBACK,
    HANG_UPS,
    HEDGE,
    PRESSURED,
    STALLS,
    Scene,
    one_hedge,
    persona_prompt,
)
from closergym.sparring import DIFFICULTIES, start_state

LIB = library()
SLUGS = sorted(LIB.objections)

ANSWERS = {
    "weak": "No problem, take your time and let me know whenever you're ready!",
    "pushy": "This price is only good until Friday, so you really should sign today.",
    "strong": "That makes sense. What part of it is still on your mind?",
    "plain": "That's fair, it's a real decision. What part is still on your mind: the timing, or something else? "
             "Could we take 15 minutes on Tuesday at 3 to talk it through?",
    "payment_plan": "That's fair, it's a real decision. Is it the total, or paying it all at once? We can spread the "
                    "cost over 12 months with a payment plan. Could we talk it through on Wednesday at 4?",
    "summary": "Fair enough. What would you need to see? I'll send you a one-page summary today and introduce you to "
               "one of our current customers. Could we speak on Monday at 11?",
    "trial": "Understood, nobody wants to repeat a bad experience. What went wrong last time? We can start with a "
             "30-day trial, so you see it working first. Shall we set it up on Friday at 9?",
}


@cache
def graded(slug: str, key: str):
    objection = LIB.objections[slug]
    return grade_rebuttal(objection.lines[0], ANSWERS[key], objection_slug=slug)


def own_lines(objection) -> list[str]:
    """The prospect's own words (hidden facts, curveballs), as they can appear in a reply."""
    lines = [*objection.hidden_facts, *objection.curveballs]
    return sorted({*lines, *(one_hedge(["Honestly?", line])[1] for line in lines)}, key=len, reverse=True)


def play(slug: str, difficulty: str, seed: int, tiers=None):
    """A session driven through `sessions.advance`: (answer keys, replies, tiers, state)."""
    objection = LIB.objections[slug]
    state = start_state(difficulty)
    state.prompts.append(objection.lines[seed % len(objection.lines)])
    pick = random.Random(seed)
    keys, replies, tiers_seen = [], [], []
    while not state.finished:
        key = pick.choice(sorted(ANSWERS))
        grade = graded(slug, key)
        if tiers:  # a forced tier: the prospect's reply to a tier, whatever the grader made of these words
            grade = replace(grade, tier=tiers[len(keys)])
        _, reply = sessions.advance(state, grade, kind="sparring", rebuttal=ANSWERS[key], objection=objection,
                                    rng=random.Random(seed * 31 + state.round), difficulty=difficulty, seed=seed)
        keys.append(key)
        replies.append(reply)
        tiers_seen.append(grade.tier)
    return keys, replies, tiers_seen, state


def cases():
    for slug in SLUGS:
        for difficulty in DIFFICULTIES:
            for seed in range(1, 9):
                yield slug, difficulty, seed


@pytest.mark.parametrize("slug", SLUGS)
def test_an_offer_the_rep_did_not_make_is_never_mentioned(slug):
    """Over many seeds, every difficulty and every tier: what the prospect says (apart from their own facts and
    curveballs) takes for granted only offers and claims the rep made so far."""
    objection = LIB.objections[slug]
    own = own_lines(objection)
    seen_tiers = set()
    for _, difficulty, seed in (case for case in cases() if case[0] == slug):
        for forced in (None, ["elite"] * 3, ["strong"] * 3):
            keys, replies, tiers, _ = play(slug, difficulty, seed, forced)
            seen_tiers.update(tiers)
            made: set[str] = set()
            for key, reply in zip(keys, replies, strict=True):
                made |= set(offers_in(ANSWERS[key]))
                rest = reply
                for line in own:
                    rest = rest.replace(line, " ")
                assert mentions(rest) <= made, (slug, difficulty, seed, keys, reply)
    assert seen_tiers == {"weak", "strong", "elite"}


def test_the_payback_line_needs_a_payback_claim():
    """The issue's case: a payment plan offered, and the prospect answered "If it really pays back that fast"."""
    objection = LIB.objections["too-expensive"]
    for seed in range(60):
        beat, reply = sessions.advance(None, replace(graded("too-expensive", "payment_plan"), tier="elite"),
                                       kind="drill", rebuttal=ANSWERS["payment_plan"], objection=objection,
                                       rng=random.Random(seed), seed=seed)
        assert "pays back" not in reply and "payback" not in reply
        assert "Wednesday at 4" in reply and re.search(r"payment plan|spread the cost over 12 months", reply), reply


def test_the_prospect_does_not_ask_for_what_the_rep_already_offered():
    """After a payment plan, "monthly would be much easier" or "the payments spread out" reads as not listening."""
    for slug in SLUGS:
        objection = LIB.objections[slug]
        for seed in range(1, 20):
            state = start_state("easy")
            state.prompts.append(objection.lines[0])
            for _ in range(2):
                sessions.advance(state, replace(graded(slug, "payment_plan"), tier="strong"), kind="sparring",
                                 rebuttal=ANSWERS["payment_plan"], objection=objection, rng=random.Random(seed),
                                 difficulty="easy", seed=seed)
            asks = [line for line in (*objection.hidden_facts, *objection.curveballs)
                    if "payment_plan" in mentions(line)]
            assert not any(line in said for line in asks for said in state.prompts[1:]), (slug, state.prompts)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("key", ["payment_plan", "summary", "trial", "plain"])
def test_the_rep_s_own_next_step_is_taken_up_in_the_rep_s_terms(slug, key):
    """An answer that earns the next step gets a yes to the rep's own day and time and to the rep's offer, in
    the rep's words (or a library line naming the same offer)."""
    objection = LIB.objections[slug]
    text = ANSWERS[key]
    when = re.search(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday) at \d+", text).group()
    for seed in range(10):
        _, reply = sessions.advance(None, replace(graded(slug, key), tier="elite"), kind="drill", rebuttal=text,
                                    objection=objection, rng=random.Random(seed), seed=seed)
        assert when in reply, reply
        for kind in offers_in(text):
            if take_up(kind, text):
                assert take_up(kind, text) in reply or kind in mentions(reply), (kind, reply)


def test_a_weak_answer_hardens_the_prospect():
    for slug, difficulty, seed in cases():
        objection = LIB.objections[slug]
        keys, replies, tiers, state = play(slug, difficulty, seed, ["weak"] * 3)
        hard = (*objection.pushback.weak, *GENERIC_PUSHBACK["weak"], *HANG_UPS, *STALLS, *PRESSURED)
        for key, reply in zip(keys, replies, strict=True):
            assert any(reply.startswith(line) for line in hard), (slug, reply)
            if key == "pushy":
                assert reply in (*HANG_UPS, *STALLS) or reply.startswith(PRESSURED), reply
            assert not any(line in reply for line in objection.pushback.elite)
        assert state.outcome in ("lost", "stalled")


def test_no_reply_repeats_a_lead_or_a_line_said_before():
    for slug, difficulty, seed in cases():
        for forced in (None, ["strong"] * 3, ["elite", "strong", "elite"]):
            _, replies, _, state = play(slug, difficulty, seed, forced)
            for reply in replies:
                assert len(HEDGE.findall(reply)) <= 1, reply  # not "Honestly? ... Honestly, we could..."
                sentences = [s for s in re.split(r"(?<=[.?!])\s+", reply) if s]
                assert len(sentences) == len(set(sentences)), reply
            assert len(state.prompts) == len(set(state.prompts)), state.prompts


def test_a_concern_is_never_a_lead_without_the_concern():
    for slug, difficulty, seed in cases():
        _, replies, _, _ = play(slug, difficulty, seed)
        for reply in replies:
            assert not reply.rstrip().endswith(("here's the real thing.", "bothering me.", "straight with you.")), reply


def test_two_sessions_of_the_same_objection_meet_another_prospect_in_other_words(db, trainee):
    lib = library()
    for slug in SLUGS:
        objection = lib.objections[slug]
        for seed in (3, 3, 8):  # even the same seed: the trainee meets someone else
            first = sessions.start_session(db, trainee_id=trainee["id"], objection_slug=slug, seed=seed)
            second = sessions.start_session(db, trainee_id=trainee["id"], objection_slug=slug, seed=seed)
            assert first["persona"] != second["persona"]
            assert first["state"]["prompts"][0] != second["state"]["prompts"][0]
            assert second["state"]["prompts"][0] in objection.lines


def test_the_better_line_names_the_session_s_own_day_and_time(db, trainee):
    """The library's model answer names "Thursday at 2"; each session suggests its own day and time."""
    named = set()
    for seed in range(1, 25):
        session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="need-to-think", seed=seed)
        result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=ANSWERS["weak"])
        assert session_slot(seed) in result.grade.feedback.better
        named.add(session_slot(seed))
    assert len(named) >= 8


def test_the_exit_day_varies_by_session_when_the_rep_named_none():
    """A library exit line that names a day and time ("Wednesday at 3") names the session's own instead."""
    objection = LIB.objections["too-expensive"]
    text = "That's fair. Is it the total, or whether it pays for itself? Let's look at your numbers together."
    days = set()
    for seed in range(40):
        _, reply = sessions.advance(None, replace(graded("too-expensive", "strong"), tier="elite"), kind="drill",
                                    rebuttal=text, objection=objection, rng=random.Random(seed), seed=seed)
        days.update(re.findall(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday) at \d+", reply))
    assert len(days) >= 4


HOMES = re.compile(r"\bdollars? a (?:week|day)\b|\bper (?:user|seat)\b", re.I)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_homeowner_gets_no_invented_weekly_price(slug):
    objection = LIB.objections[slug]
    if any(persona.role == "Homeowner" for persona in objection.personas):
        for answer in (*objection.curveball_answers, *(objection.rebuttal(tier) for tier in ("strong", "elite"))):
            assert not HOMES.search(answer.text), answer.text


def test_the_llm_prospect_hears_what_the_rep_offered_and_did():
    objection = LIB.objections["too-expensive"]
    state = start_state("normal")
    state.prompts.append(objection.lines[0])
    grade = graded("too-expensive", "payment_plan")
    beat, _ = sessions.advance(state, replace(grade, tier="elite"), kind="sparring", rebuttal=ANSWERS["payment_plan"],
                               objection=objection, rng=random.Random(1), seed=1)
    prompt = persona_prompt(Scene(objection, objection.lines[0], 1), beat, random.Random(1))
    assert "a payment plan (\"spread the cost over 12 months\")" in prompt
    assert "Wednesday at 4" in prompt
    assert "did not make" in prompt
    assert any(mark.phrases and mark.phrases[0][:40] in prompt for mark in grade.moves if mark.points)
    plain, _ = sessions.advance(None, graded("too-expensive", "weak"), kind="drill", rebuttal=ANSWERS["weak"],
                                objection=objection, rng=random.Random(1))
    quiet = persona_prompt(Scene(objection, objection.lines[0]), plain, random.Random(1))
    assert "offered or claimed so far: nothing yet" in quiet and "payment plan (" not in quiet


def test_wants_are_offers_the_reader_knows():
    from closergym.offers import LABELS, OFFERS

    assert set(OFFERS) >= WANTS  # a typo in WANTS would be a want no line can match
    assert set(LABELS) == set(OFFERS)  # the LLM prospect is told of every kind by name


def test_the_reader_finds_the_offers_in_the_issue():
    said = offers_in("I can put it on a payment plan, send you a one-page summary, and set up a call with one of our "
                     "current customers on Thursday at 10. We can also start with a free trial.")
    assert {"payment_plan", "summary", "reference", "trial"} <= set(said)
    assert not offers_in("No problem, take your time and let me know!")
    assert "discount" in offers_in("I can knock 15 percent off the price today.")


def test_sessions_keep_what_was_offered_across_rounds(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="too-expensive", seed=5)
    sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=ANSWERS["payment_plan"])
    state = store.get_session(db, session["id"], trainee_id=trainee["id"])["state"]
    assert state["offers"]["payment_plan"] == "spread the cost over 12 months"


def test_a_homeowner_says_nothing_from_an_office(db, trainee):
    """A homeowner has no team, manager, rollout or next quarter: not in the opening, the pushback, the facts."""
    from closergym.sparring import WORKPLACE

    for slug in SLUGS:
        objection = LIB.objections[slug]
        homes = [i for i, persona in enumerate(objection.personas) if persona.role == "Homeowner"]
        for persona in homes:
            for seed in range(1, 9):
                session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug=slug, persona=persona,
                                                 seed=seed)
                said = [session["state"]["prompts"][0]]
                for key in ("strong", "plain", "strong"):
                    result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"],
                                                rebuttal=ANSWERS[key])
                    said.append(result.reply)
                    if result.state.finished:
                        break
                assert not any(WORKPLACE.search(line) for line in said), (slug, said)


def test_a_lesson_drill_s_better_line_names_its_own_day_too(db, trainee):
    named = set()
    for n in range(12):
        _, grade, _ = sessions.grade_drill(db, trainee_id=trainee["id"], objection_slug="need-to-think",
                                           prompt=LIB.objections["need-to-think"].lines[0],
                                           rebuttal=f"Okay, take your time ({n}).", source="lesson:x")
        named.update(re.findall(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday) at \d+", grade.feedback.better))
    assert len(named) >= 4
