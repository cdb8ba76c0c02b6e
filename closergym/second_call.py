"""The second call's own grade: each round judged on the steps of the six-step structure that belong to it.

Round 1 opens the call (a callback to call one, what changed since, the cost of inaction), round 2 meets the
stall with the pre-frame, round 3 closes (the recap in writing, then the small ask); the structure is the
lesson `data/lessons/second-call-close.md`, and each step is found by its pattern in `sparring.SECOND_CALL_STEPS`.
The grade has the objection grade's shape: each step is marked 0-2 with the rep's own words that earned it,
kept in the slot of the four moves it stands for (so a turn's columns, the charts and the review queue read it
like any grade), and the objection rubric's red flags (pressure, insults, giving up, a monologue...) still cap
it; a slot no step of the round fills keeps the objection rubric's reading, for the charts only (not shown, not
counted). The better line under each round is one the app can stand behind: it grades elite here (a test).
"""

from __future__ import annotations

import re
from dataclasses import replace

from closergym.content import MOVES, Library, Objection, library
from closergym.grading import (
    FLAGS,
    TIER_BANDS,
    TIERS,
    Feedback,
    Grade,
    MoveMark,
    RedFlag,
    _advice,
    _read,
    _Reader,
)
from closergym.sparring import SECOND_CALL_STEPS

ROUND_STEPS = {1: ("callback", "what_changed", "cost_of_inaction"), 2: ("stall", "pre_frame"), 3: ("recap", "small_ask")}
STEP_ROUND = {step: number for number, steps in ROUND_STEPS.items() for step in steps}
# the move slot each step's points are kept in: a callback shows you listened, what changed and the stall are
# questions, the cost and the recap are the specifics, the pre-frame and the small ask move the deal on
STEP_MOVE = {"callback": "acknowledge", "what_changed": "clarify", "cost_of_inaction": "respond", "stall": "clarify",
             "pre_frame": "advance", "recap": "respond", "small_ask": "advance", "trial_close": "clarify"}
# the closing track's trial close, beside the second call's six steps: a temperature check, not the ask
TRIAL_CLOSE = re.compile(
    r"\bhow does (?:that|this|it) (?:sound|look)\b|\bon a scale of (?:1|one) to (?:10|ten)\b|"
    r"\bhow (?:are|do) you feel(?:ing)? about\b|\bdoes (?:that|this) (?:look|seem) (?:right|like)\b|"
    r"\bare we on the right track\b|\bwhat would (?:it take to )?make (?:it|that|this) a (?:10|ten)\b|"
    r"\bis (?:that|this) (?:what|the kind of thing) you\b|\bwhere are you (?:at|leaning)\b|"
    r"\bhow close (?:is|are) (?:that|this|we)\b", re.I)
STEP_PATTERNS = {**{step: pattern for step, (_, pattern) in SECOND_CALL_STEPS.items()}, "trial_close": TRIAL_CLOSE}
STEP_LABELS = {"stall": "Meet the stall", **{step: label for step, (label, _) in SECOND_CALL_STEPS.items()},
               "trial_close": "Trial close: check the temperature"}
RUBRIC = {
    "callback": "Bring back a specific moment of call one in their words (what they told you), not 'just checking in'.",
    "what_changed": "Ask what has happened on their side since you spoke.",
    "cost_of_inaction": "Re-anchor what waiting costs them: ask for their number again, or say it back.",
    "stall": "Ask what is behind the stall (who else decides, what they compare, which part of the money); don't accept it.",
    "pre_frame": "Agree how the call ends: if it still makes sense, you settle the next step on this call; if "
                 "something doesn't fit, they say so now.",
    "recap": "Recap the offer in writing while you talk: send it now and go through it together.",
    "small_ask": "Ask for the next small step (a kickoff day, who joins, which card), not 'do you want to go ahead?'.",
    "trial_close": "Check where they stand before you ask ('how does that sound so far?', 'on a scale of one to ten?'), "
                   "so the close comes when they are ready.",
}
ELITE_SHORT_BY = 1  # elite: every step of the round earned, at most this many points short of full marks
TIER_RULES = {
    "weak": "No step of the round done well and less than half its points, or a red flag that sinks a reply "
            "(pressure, insults, arguing, giving up, a wall of text).",
    "strong": "At least one step of the round done well, or half its points: sound but partial.",
    "elite": f"Every step of the round, at most {ELITE_SHORT_BY} point short of full marks, with no red flags.",
}
# Evidence of half a step: a cue the step's own pattern does not reach.
PARTIAL = {
    "callback": ("acknowledge", "You acknowledged them, but brought back nothing specific from call one."),
    "what_changed": ("clarify", "A question, but not about what has changed since call one."),
    "cost_of_inaction": ("respond", "Some specifics, but not what waiting keeps costing them."),
    "small_ask": ("advance", "A next step, but not the next small one: a kickoff day, who joins, which card."),
    "trial_close": ("clarify", "A question, but not one that checks where they stand on what you just covered."),
}
RECAP_CUE = re.compile(r"\b(?:proposal|summary|agreement|offer|scope|quote|contract|what we (?:agreed|discussed))\b",
                       re.IGNORECASE)
DONE = {
    "callback": "Brought back a specific moment of call one.",
    "what_changed": "Asked what has changed since you spoke.",
    "cost_of_inaction": "Re-anchored what doing nothing costs them.",
    "pre_frame": "Agreed up front how the call ends, and invited any misfit into the open.",
    "recap": "Recapped the offer in writing, on the call.",
    "small_ask": "Made the small ask, not the big one.",
    "trial_close": "Checked the temperature before asking for the decision.",
}
# "if it still fits, we decide today": a decision agreed on a condition, the pre-frame, not a fake deadline
CONDITIONAL_DECISION = re.compile(r"\bif (?:it|everything|this|it all|all of it) (?:still )?(?:fits|makes sense|works)\b",
                                  re.IGNORECASE)
# "Sorry I went quiet": an apology the rep can forgive ("no problem at all") without accepting any stall; only
# the courtesy itself is excused, never "take your time" or "let me know"
APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|my apologies|my bad)\b", re.IGNORECASE)
COURTESY = re.compile(r"^(?:no (?:problem|worries)|not at all|don't worry)(?: at all)?$", re.IGNORECASE)
FIT_FLAGS = frozenset({"off_target", "ignores"})  # what the objection rubric reads from an objection, not a manner

BETTER = {  # the better line for the second call's opening and its close
    1: ("No problem at all, I know how it gets. Last time you mentioned the month-end reporting was eating your "
        "Fridays: what's changed since we spoke? And if nothing changes, what does that keep costing you each month?",
        "A callback to a specific moment of call one, what changed since, and the cost of doing nothing."),
    3: ("Simple. I've just sent the agreement to your inbox, so let's go through it line by line while we're on. "
        "If everything still makes sense, would a Tuesday or a Thursday kickoff suit you better, and who should "
        "we invite?",
        "Recaps the offer on the call, then makes the small ask (a kickoff day and who joins), not the big yes."),
}
STALL_BETTER = {  # round 2: the stall met with a question and the pre-frame, per stall (`sparring.SECOND_CALL_STALLS`)
    "partner-decides": (
        "Of course, it's a decision for both of you. What do you think your partner's first question will be? "
        "Here's what I'd suggest: the three of us take 15 minutes tomorrow evening, and if it all still makes sense "
        "to you both, we pick a start date then. If something doesn't fit, tell me now and we'll deal with it first.",
        "Brings the partner in with a question about them, then pre-frames the close: a joint call, a decision "
        "if it still fits, and any misfit raised now."),
    "comparing-vendors": (
        "That makes sense, you should compare. How are we looking against the others on the two things you said "
        "matter most? My goal for this call is simple: if everything still makes sense once you've heard from "
        "them, we set a start date; if something doesn't fit, tell me now and we'll deal with it first.",
        "Asks where you stand on their own criteria, then pre-frames how the decision will be made."),
    "too-expensive": (
        "Understood. Is it the total, or when it lands this quarter? You said the delays cost you about twelve "
        "thousand a month, so if it's the timing of the spend, we can move the first invoice to go-live. If "
        "something doesn't fit beyond that, tell me now and we'll deal with it first.",
        "Separates the total from the timing, sets the price against their own figure, and pre-frames the close."),
}


def step_marks(turns: list[dict]) -> dict[str, int]:
    """The six steps of a second call (`sparring.SECOND_CALL_STEPS`), each with the points (0-2) its own round's
    grade gave it: read from the turns' move columns (`STEP_MOVE`), so the report says what the grades said."""
    marks = dict.fromkeys(SECOND_CALL_STEPS, 0)
    for turn in turns:
        for step in ROUND_STEPS.get(turn["round"], ()):
            if step in marks:
                marks[step] = max(marks[step], turn[STEP_MOVE[step]])
    return marks


def better_line(round_number: int, stall_slug: str | None) -> tuple[str, str] | None:
    """The better line the app offers under a second-call round: its own opening and close, the stall's line."""
    return STALL_BETTER.get(stall_slug or "") if round_number == 2 else BETTER.get(round_number)


def rubric_lines() -> list[tuple[int, str, str]]:
    """The second call's rubric, round by round: (round, step label, what earns it)."""
    return [(number, STEP_LABELS[step], RUBRIC[step]) for number, steps in ROUND_STEPS.items() for step in steps]


def _found(step: str, reader: _Reader) -> str | None:
    """The rep's own words that carry `step`'s pattern (not a quoted prospect, not text set aside)."""
    pattern = STEP_PATTERNS[step]
    return next((phrase for s in reader.sentences if (phrase := reader.find(pattern, s))), None)


def _pattern_step(step: str, reader: _Reader, moves: dict[str, MoveMark]) -> MoveMark:
    """A step the structure names a phrase for: full marks for the step itself, one for the half of it
    the objection rubric reads (an acknowledgement without the callback, any question, any specifics)."""
    slot, title = STEP_MOVE[step], STEP_LABELS[step]
    phrase = _found(step, reader)
    if phrase:
        return MoveMark(slot, 2, (phrase,), DONE[step], title)
    if step == "recap":
        cue = next((p for s in reader.sentences if (p := reader.find(RECAP_CUE, s))), None)
        if cue:
            return MoveMark(slot, 1, (cue,), "Names the offer, but does not put it in front of them on the call.", title)
    elif step in PARTIAL:
        move, note = PARTIAL[step]
        if moves[move].points:
            return MoveMark(slot, 1, moves[move].phrases[:2], note, title)
    return MoveMark(slot, 0, (), f"Missing: {RUBRIC[step][0].lower()}{RUBRIC[step][1:]}", title)


def _stall_step(moves: dict[str, MoveMark], fitted: bool) -> MoveMark:
    """The stall met as the objection rubric meets it: the question that digs into it, fitted to what they
    said (a question that never meets the partner, the vendors or the money is half the step)."""
    clarify, title = moves["clarify"], STEP_LABELS["stall"]
    points = clarify.points if fitted else min(clarify.points, 1)
    if not points and fitted and moves["respond"].points:
        return MoveMark("clarify", 1, moves["respond"].phrases[:2], "Answered the stall, but never asked what is behind it.",
                        title)
    if not points:
        return MoveMark("clarify", 0, (), f"Missing: {RUBRIC['stall'][0].lower()}{RUBRIC['stall'][1:]}", title)
    note = clarify.note if fitted else "A question, but not about what they just said held them back."
    return MoveMark("clarify", points, clarify.phrases, note, title)


def _pre_framed(flag: RedFlag, reader: _Reader) -> RedFlag | None:
    """A pressure flag without the pre-frame's own words ('decide today' in a sentence that makes it conditional on
    the offer still fitting), but with any other pressure in that sentence; None when nothing else is left of it."""
    if flag.code != "pressure":
        return flag
    pre_frame, pressure = SECOND_CALL_STEPS["pre_frame"][1], FLAGS["pressure"][2]
    left = []
    for phrase in flag.phrases:
        sentence = next((s for s in reader.all_sentences if phrase in reader.whole(s)), None)
        if sentence and pre_frame.search(phrase) and CONDITIONAL_DECISION.search(sentence.text):
            found = pressure.search(pre_frame.sub(lambda match: " " * len(match.group()), sentence.text))
            if not found:
                continue
            phrase = reader.quote(sentence.start + found.start(), sentence.start + found.end())
        left.append(phrase)
    return replace(flag, phrases=tuple(left)) if left else None


def _courtesy(flag: RedFlag | None, prompt: str, stall: Objection | None, reader: _Reader) -> RedFlag | None:
    """'No problem at all' said to a prospect who apologised (and raised no stall) is a courtesy, not giving up:
    the giving-up flag keeps whatever else in that sentence gives up ('..., take your time'); None when nothing
    is left of it."""
    if flag is None or flag.code != "giving_up" or stall is not None or not APOLOGY.search(prompt):
        return flag
    giving_up = FLAGS["giving_up"][2]
    left = []
    for phrase in flag.phrases:
        if not COURTESY.match(phrase.strip(" ,.!")):
            left.append(phrase)
            continue
        sentence = next((s for s in reader.all_sentences if phrase in reader.whole(s)), None)
        if sentence is None or sentence.is_question:
            continue
        rest = sentence.text.replace(phrase, " " * len(phrase), 1)
        if found := giving_up.search(rest):
            left.append(reader.quote(sentence.start + found.start(), sentence.start + found.end()))
    return replace(flag, phrases=tuple(left)) if left else None


def second_call_tier(points: list[int], flags: list[RedFlag]) -> str:
    """Elite: every step of the round, at most ELITE_SHORT_BY short of full marks; strong: one step done well or
    half the points; then each red flag caps it."""
    total, full = sum(points), 2 * len(points)
    if all(points) and total >= full - ELITE_SHORT_BY:
        tier = "elite"
    elif 2 in points or 2 * total >= full:
        tier = "strong"
    else:
        tier = "weak"
    for flag in flags:
        tier = min(tier, flag.cap, key=TIERS.index)
    return tier


def second_call_score(tier: str, points: list[int], flags: list[RedFlag]) -> int:
    low, high = TIER_BANDS[tier]
    score = low + round((high - low) * sum(points) / (2 * len(points))) - 4 * len(flags)
    return max(low, min(high, score))


def grade_second_call(round_number: int, prompt: str, rebuttal: str, *, stall: Objection | None = None,
                      lib: Library | None = None) -> Grade:
    """Grade one second-call answer on the steps of its round. `stall` is round 2's library objection."""
    round_number = min(max(round_number, 1), 3)
    stall = stall if round_number == 2 else None
    better = better_line(round_number, stall.slug if stall else None) or BETTER[1 if round_number == 1 else 3]
    return grade_steps(ROUND_STEPS[round_number], prompt, rebuttal, stall=stall, better=better, lib=lib)


def grade_steps(steps: tuple[str, ...] | list[str], prompt: str, rebuttal: str, *, stall: Objection | None,
                better: tuple[str, str], lib: Library | None = None) -> Grade:
    """Grade an answer on closing steps (a second-call round's, or a closing scenario's round): each step 0-2
    with the rep's words, the objection rubric's red flags (its fit flags only where a stall is met)."""
    reading = _read(prompt, rebuttal, stall.slug if stall else None, lib or library())
    moves = {mark.move: mark for mark in reading.marks}
    marks = [_stall_step(moves, reading.fit.met) if step == "stall" else _pattern_step(step, reading.reader, moves)
             for step in steps]
    flags = [kept for flag in reading.flags if stall is not None or flag.code not in FIT_FLAGS
             if (kept := _courtesy(_pre_framed(flag, reading.reader), prompt, stall, reading.reader))]
    points = [mark.points for mark in marks]
    tier = second_call_tier(points, flags)
    # a slot the round does not ask for keeps the objection rubric's reading, for the charts only: not shown, not counted
    shown = _own_slots(marks)
    slots = {mark.move for mark in shown}
    kept = tuple(shown) + tuple(replace(moves[move], counted=False) for move in MOVES if move not in slots)
    feedback = Feedback(
        keep=tuple(f"{m.label}: {m.note}" for m in marks if m.points == 2),
        start=tuple(f"{m.label}: {RUBRIC[step]}" for m, step in zip(marks, steps, strict=True) if m.points < 2),
        stop=tuple(_advice(flag) for flag in flags),
        better=better[0], better_why=better[1])
    return Grade(tier=tier, score=second_call_score(tier, points, flags), moves=kept, red_flags=tuple(flags),
                 feedback=feedback, objection_slug=stall.slug if stall else None,
                 ignored=tuple(reading.reader.ignored), notes=tuple(reading.notes))


def _own_slots(marks: list[MoveMark]) -> list[MoveMark]:
    """Each step in a move slot of its own (a turn keeps one column per move): a step whose slot another step
    of the round already holds (two questions, say) is kept in a slot the round leaves free."""
    free = [move for move in MOVES if move not in {mark.move for mark in marks}]
    taken: set[str] = set()
    placed = []
    for mark in marks:
        if mark.move in taken:
            mark = replace(mark, move=free.pop(0))
        taken.add(mark.move)
        placed.append(mark)
    return placed
