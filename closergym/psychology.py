"""The sales psychology track's rubric: each principle our lessons teach, graded on that principle alone.

A principle has two or three criteria, each marked 0-2 with the rep's own words that earned it (full marks for
the principle's own cue, one point for half of it), and the slips that break the principle (a generic claim,
saying the number for them, a yes-ladder question, talking past the ask...) as red flags that cap the grade,
beside the objection rubric's own manners flags (pressure, insults, a wall of text). The tiers are the closing
track's: every criterion, at most `second_call.ELITE_SHORT_BY` point short, is elite; one criterion done well or
half the points is strong. A scenario (`data/psychology/*.yaml`) names the criteria each of its rounds asks for,
and its examples at each tier are graded at that tier by a test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from closergym.content import MOVES, Library, library
from closergym.grading import TIERS, Feedback, Grade, MoveMark, RedFlag, _advice, _read, _Reader
from closergym.second_call import FIT_FLAGS, _own_slots, _pre_framed, second_call_score, second_call_tier


def _cues(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class Criterion:
    label: str
    slot: str  # the move column its points are kept in
    rubric: str  # what earns it, shown before the first answer
    full: re.Pattern | None  # the principle's own cue: 2 points
    partial: re.Pattern | None  # half of it: 1 point
    done: str
    half: str


@dataclass(frozen=True)
class Slip:
    """A way of breaking the principle: found, it caps the grade and says what to stop."""
    label: str
    cap: str
    pattern: re.Pattern | None  # None: read by its own rule (see `_slips`)
    advice: str


QUESTION = _cues(r"\?")
NUMBER_WORDS = r"\d[\d,.]*\s*(?:[a-z]+\s)?(?:%|percent|k\b|hours?|days?|weeks?|months?|minutes?|calls?|jobs?|" \
               r"customers?|clients?|patients?|bookings?|orders?|leads?|people|staff|reps?|dollars?|pounds?|euros?|" \
               r"grand|thousand|million)|[$£€]\s?\d"
CRITERIA: dict[str, Criterion] = {
    "specific_proof": Criterion(
        "A specific, checkable detail", "respond",
        "Answer with one concrete detail they can check: a number, a named kind of customer, a result with its time frame.",
        _cues(NUMBER_WORDS), _cues(r"\bfor (?:example|instance)\b", r"\bone of our (?:customers|clients)\b",
                                   r"\b(?:a|an) \w+ (?:firm|practice|shop|company|agency|clinic|team) (?:in|like|near)\b"),
        "Gave a detail they can check, not an adjective.", "An example, but nothing in it they could check (a number, a result)."),
    "tied_to_them": Criterion(
        "Tied to what they told you", "acknowledge",
        "Tie the detail to their own situation, in their words ('you said...', 'for a team your size').",
        _cues(r"\byou (?:said|mentioned|told me)\b", r"\bfor (?:a|an) \w+ (?:your|like yours)\b",
              r"\b(?:your|teams?|firms?|businesses?|practices?) (?:your )?size\b", r"\blike yours\b", r"\bin your case\b"),
        _cues(r"\byour (?:team|business|practice|firm|shop|clients|customers|calls|jobs)\b"),
        "Tied it to what they told you.", "Mentioned their business, but not anything they said."),
    "number_question": Criterion(
        "Ask for their number", "clarify",
        "Ask them to put a figure on it themselves: how many, how much, how often.",
        _cues(r"\bhow (?:many|much|often)\b[^.?!]*\?", r"\b(?:roughly|ballpark|give or take)\b[^.?!]*\?",
              r"\bwhat (?:does|would) (?:that|it|each one|one of those)[^.?!]* (?:cost|be worth|come to)\b[^.?!]*\?"),
        QUESTION, "Asked them to say the number.", "A question, but not one that gets a figure out of them."),
    "per_period": Criterion(
        "Make it add up", "respond",
        "Get it over a period or per item, so it adds up (a week, a month, a year; what one is worth).",
        _cues(r"\b(?:a|per|each|every|in a) (?:week|month|year|quarter|day)\b", r"\bworth to you\b",
              r"\b(?:an|the) average (?:job|customer|client|order|deal|booking)\b", r"\beach one\b"),
        _cues(r"\b(?:week|month|year|quarter)s?\b"),
        "Made the figure add up over time or per item.", "Time comes up, but not as a rate they can multiply."),
    "agenda": Criterion(
        "Say how the call will run", "respond",
        "Say up front what you will cover, in order, and how long it takes.",
        _cues(r"\b(?:first|start (?:with|by))\b[^.?!]*\b(?:then|after that|next)\b", r"\bhere's (?:what|how) I (?:suggest|thought|propose)\b",
              r"\b(?:the|our) agenda\b"),
        _cues(r"\b(?:first|start with|quickly)\b"),
        "Laid out how the call will run.", "A start, but no order they can follow."),
    "decision_frame": Criterion(
        "Agree how it ends", "advance",
        "Agree how the call will end before it starts: if it makes sense, you settle a next step on this call.",
        _cues(r"\bby the end of (?:this|the|our) call\b", r"\bif (?:it|everything|this|it all) (?:still )?makes sense\b",
              r"\bat the end(?: of (?:this|the) call)?,? (?:we|you) (?:decide|agree|pick|choose|settle)\b",
              r"\b(?:a )?(?:clear )?yes or (?:a )?no\b"),
        _cues(r"\bnext step\b", r"\bdecide\b"),
        "Agreed how the call ends.", "Mentions a decision, but does not agree how the call will end."),
    "permission_no": Criterion(
        "Make no a safe answer", "acknowledge",
        "Tell them a no is welcome: if something doesn't fit, they say so.",
        _cues(r"\bif (?:something|it|anything) (?:doesn't|does not|isn't|won't) (?:fit|work|make sense)\b",
              r"\b(?:a )?no is (?:fine|okay|ok|a fine answer)\b", r"\bit's (?:fine|okay|ok) to say no\b",
              r"\bif it's not (?:a fit|for you)\b"),
        _cues(r"\bbe honest\b", r"\btell me\b"),
        "Made a no safe to say.", "Asks for honesty, but never says a no is welcome."),
    "label": Criterion(
        "Label the feeling", "acknowledge",
        "Name what they feel, from their side: 'it sounds like...', 'it seems...'.",
        _cues(r"\b(?:it )?(?:sounds|seems|looks|feels) (?:like|as if|as though)\b", r"\bit sounds\b", r"\bit seems\b",
              r"\byou (?:seem|sound)\b"),
        _cues(r"\bI (?:understand|hear you|get it|get that)\b", r"\bthat makes sense\b", r"\bfair enough\b"),
        "Named what they feel.", "Agreed with them, but did not name what they feel."),
    "open_invite": Criterion(
        "Then let them talk", "clarify",
        "After the label, one open invitation ('what happened?') or nothing at all: let them fill the space.",
        _cues(r"\b(?:what|how) (?:happened|went wrong|did that|was that)\b[^.?!]*\?", r"\btell me (?:more|about|what)\b",
              r"\bwhat (?:was|were) (?:it|that|they) like\b"),
        QUESTION, "Invited them to tell the story.", "A question, but a closed or leading one."),
    "no_question": Criterion(
        "A no-oriented question", "advance",
        "Ask so that 'no' means yes: 'would it be a bad idea to...?', 'are you against...?'.",
        _cues(r"\bwould it be (?:a )?(?:bad idea|crazy|ridiculous|unreasonable|terrible|out of line)\b",
              r"\bis it (?:a )?(?:bad idea|ridiculous|unreasonable|crazy)\b",
              r"\b(?:are|would) you (?:be )?(?:against|opposed to)\b", r"\bhave you given up on\b"),
        QUESTION, "Asked a question where no moves it forward.", "A question, but one that asks for a yes."),
    "small_step": Criterion(
        "A small, concrete step", "respond",
        "Make what you ask for small and concrete: minutes, a day, one thing.",
        _cues(r"\b\d{1,2} minutes\b", r"\b(?:ten|fifteen|twenty|five) minutes\b",
              r"\b(?:monday|tuesday|wednesday|thursday|friday|tomorrow)\b", r"\bone (?:page|question|call)\b"),
        _cues(r"\b(?:quick|short|brief)\b"),
        "Asked for something small and concrete.", "Small, but not concrete: no length, no day."),
    "the_ask": Criterion(
        "Make the ask", "advance",
        "Ask for the decision or the next step, in one plain question.",
        _cues(r"\b(?:shall|should) we\b[^.?!]*\?", r"\bwould you like (?:to|me to)\b[^.?!]*\?",
              r"\b(?:are you|is your team) ready\b[^.?!]*\?", r"\bwhich (?:day|date|plan|option)\b[^.?!]*\?",
              r"\bdo you want (?:to|me to)\b[^.?!]*\?", r"\bcan (?:we|I) (?:go ahead|start|get|set|book)\b[^.?!]*\?"),
        QUESTION, "Asked plainly.", "A question, but not the ask."),
    "ends_on_ask": Criterion(
        "Then stop talking", "respond",
        "End on the question. Whatever you add after it answers for them.",
        None, None, "Ended on the question and left the silence to them.", "A few words after the question."),
    "cost_question": Criterion(
        "Ask what waiting costs", "clarify",
        "Ask what happens, or what it costs, if nothing changes until then.",
        _cues(r"\bwhat (?:does|would|will) (?:it|that|waiting|doing nothing|the wait)[^.?!]* cost\b",
              r"\bwhat happens (?:if|between now and|to [^.?!]+ if)\b", r"\bif nothing changes\b[^.?!]*\?",
              r"\bbetween now and (?:then|next \w+)\b[^.?!]*\?",
              # "Is that a cost you're comfortable carrying until next quarter?": the cost of waiting, put to them
              r"\b(?:a )?cost (?:you're|you are|you'd be|you would be) (?:comfortable|happy|willing|okay|ok|fine)\b[^.?!]*\?",
              r"\b(?:comfortable|happy|willing|okay|ok) (?:carrying|paying|absorbing|living with|eating)\b[^.?!]*\?"),
        QUESTION, "Asked what waiting costs.", "A question, but not about the cost of waiting."),
    "their_number": Criterion(
        "Use their own number", "respond",
        "Bring back the figure they gave you and let it add up over the wait.",
        _cues(rf"\byou (?:said|mentioned|told me)\b[^.?!]*(?:{NUMBER_WORDS})"),
        _cues(NUMBER_WORDS, r"\byou (?:said|mentioned|told me)\b"),
        "Set the wait against their own number.", "A number or a callback, but not their number set against the wait."),
}
SLIPS: dict[str, Slip] = {
    "generic_claim": Slip("A generic claim", "strong", _cues(
        r"\bbest in (?:the )?(?:industry|class|market|business)\b", r"\bworld[- ]class\b", r"\bindustry[- ]leading\b",
        r"\bcutting[- ]edge\b", r"\bsecond to none\b", r"\btop[- ]quality\b", r"\bwe (?:really )?care\b",
        r"\bgreat (?:service|value|results)\b", r"\bunbeatable\b", r"\bthe best\b", r"\bstate[- ]of[- ]the[- ]art\b"),
        "Drop the adjectives ('best in class', 'great service'): every rival says them; give one detail they can check."),
    "said_for_them": Slip("Said the number for them", "weak", None,
                          "Don't put a figure in their mouth: ask, and let them say it. Their number is the one they believe."),
    "yes_ladder": Slip("Asked for a yes", "strong", _cues(
        r"\b(?:does|would) (?:that|this) make sense\?", r"\bcan we agree\b", r"\bwouldn't you (?:agree|say|want)\b",
        r"\bdon't you (?:think|want|agree)\b", r"\bwould you like to (?:save|grow|make)\b", r"\bright\?"),
        "Skip the questions built for a yes: people dig in against them. Ask so that 'no' is the easy answer."),
    "but_after_label": Slip("A 'but' after the label", "strong", _cues(
        r"\b(?:sounds|seems|looks|feels) (?:like|as if)\b[^.?!]*\b(?:but|however)\b",
        r"^(?:but|however)\b"),
        "No 'but' after a label: it tells them the label was a set-up."),
    "defending": Slip("Defending yourself", "strong", _cues(
        r"\bwe're (?:not like|different from) (?:the )?other\b", r"\bI'm not like\b", r"\btrust me\b",
        r"\bwe (?:would )?never\b", r"\bthat won't happen (?:with|to) (?:us|you)\b"),
        "Don't defend the trade: a label lands only when you stay on their side of it."),
    "filled_silence": Slip("Talked past the ask", "weak", None,
                           "After the ask, stop. An offer to wait, a discount, 'no pressure': each one answers for them."),
    "fear": Slip("Scare tactics", "strong", _cues(
        r"\byou(?:'ll| will) (?:regret|lose everything|go under|go out of business)\b", r"\bbefore it's too late\b",
        r"\byour competitors will\b", r"\bcan you (?:really )?afford to wait\b"),
        "Let their own number make the case: a threat makes them defend the wait."),
}
FILLERS = _cues(r"\bno (?:pressure|rush|worries)\b", r"\b(?:totally|completely) (?:fine|understand)\b",
                r"\bor (?:if you'd|we could|I could|maybe)\b", r"\bwhenever you(?:'re| are) ready\b", r"\bjust a thought\b",
                r"\bif not,? (?:that's|no)\b", r"\bI can (?:also )?(?:do|knock|take|throw)\b")
PRINCIPLE_SLIPS = {  # a principle's slips, by the criteria a round asks for
    "specific_proof": ("generic_claim",), "number_question": ("said_for_them",), "no_question": ("yes_ladder",),
    "label": ("but_after_label", "defending"), "the_ask": ("filled_silence",), "cost_question": ("fear",),
}
STATED_FIGURE = _cues(r"(?:that(?:'s| is)|it's|you're|you are)\b[^.?!]*?(?:probably|easily|about|at least|costing you)?"
                      rf"[^.?!]*?(?:{NUMBER_WORDS})[^?]*?(?:\.|!|$)")


def _ends_on_ask(reader: _Reader) -> MoveMark:
    """Full marks when the last sentence is a question; one when a few words (eight or fewer) follow it."""
    crit = CRITERIA["ends_on_ask"]
    asks = [n for n, s in enumerate(reader.sentences) if s.is_question]
    if not asks:
        return MoveMark(crit.slot, 0, (), f"Missing: {crit.rubric[0].lower()}{crit.rubric[1:]}", crit.label)
    last = reader.sentences[asks[-1]]
    after = reader.sentences[asks[-1] + 1:]
    if not after:
        return MoveMark(crit.slot, 2, (reader.whole(last),), crit.done, crit.label)
    if sum(s.words for s in after) <= 8 and not any(FILLERS.search(s.text) for s in after):
        return MoveMark(crit.slot, 1, (reader.whole(after[0]),), crit.half, crit.label)
    return MoveMark(crit.slot, 0, (reader.whole(after[0]),), "Kept talking after the question.", crit.label)


def _evidence(pattern: re.Pattern, reader: _Reader, sentence) -> str:
    """The rep's words that earned a mark: the cue itself, or the whole question when the cue is only its '?'."""
    phrase = reader.find(pattern, sentence) or ""
    return reader.whole(sentence) if len(phrase.strip("?!. ")) < 3 else phrase


def _mark(name: str, reader: _Reader) -> MoveMark:
    crit = CRITERIA[name]
    if name == "ends_on_ask":
        return _ends_on_ask(reader)
    for pattern, points, note in ((crit.full, 2, crit.done), (crit.partial, 1, crit.half)):
        phrase = next((_evidence(pattern, reader, s) for s in reader.sentences if reader.find(pattern, s)),
                      None) if pattern else None
        if phrase:
            return MoveMark(crit.slot, points, (phrase,), note, crit.label)
    return MoveMark(crit.slot, 0, (), f"Missing: {crit.rubric[0].lower()}{crit.rubric[1:]}", crit.label)


def _slips(criteria: list[str], reader: _Reader) -> list[RedFlag]:
    found = []
    for code in dict.fromkeys(code for name in criteria for code in PRINCIPLE_SLIPS.get(name, ())):
        slip = SLIPS[code]
        if code == "said_for_them":
            phrases = [reader.whole(s) for s in reader.sentences if not s.is_question and STATED_FIGURE.search(s.text)]
        elif code == "filled_silence":
            asks = [n for n, s in enumerate(reader.sentences) if s.is_question]
            after = reader.sentences[asks[-1] + 1:] if asks else []
            phrases = [p for s in after if (p := reader.find(FILLERS, s))]
            if after and sum(s.words for s in after) > 25:
                phrases.append(reader.whole(after[0]))
        else:
            phrases = [p for s in reader.sentences if (p := reader.find(slip.pattern, s))]
        if phrases:
            found.append(RedFlag(code, slip.label, slip.cap, tuple(dict.fromkeys(phrases))[:2]))
    return found


def rubric_lines(criteria: list[str]) -> list[tuple[str, str]]:
    """(label, what earns it) for each criterion, then each slip that caps the grade."""
    lines = [(CRITERIA[name].label, CRITERIA[name].rubric) for name in criteria]
    slips = dict.fromkeys(code for name in criteria for code in PRINCIPLE_SLIPS.get(name, ()))
    return lines + [(f"Red flag: {SLIPS[code].label} (caps at {SLIPS[code].cap})", SLIPS[code].advice) for code in slips]


ELITE_NEEDS_THE_PRINCIPLE = "Elite also needs the principle itself, the round's first line, at full marks."


def principle_tier(points: list[int], flags: list[RedFlag]) -> str:
    """The second call's tiers, except that the principle a scenario trains (its first criterion) must be met
    in full for elite: half of it, however good the rest, is strong."""
    tier = second_call_tier(points, flags)
    return "strong" if tier == "elite" and points[0] < 2 else tier


def grade_principle(criteria: list[str], prompt: str, rebuttal: str, *, better: tuple[str, str],
                    lib: Library | None = None) -> Grade:
    """Grade an answer on one principle's criteria (a psychology scenario's round)."""
    reading = _read(prompt, rebuttal, None, lib or library())
    reader = reading.reader
    moves = {mark.move: mark for mark in reading.marks}
    marks = _own_slots([_mark(name, reader) for name in criteria])
    slips = _slips(criteria, reader)
    flags = [kept for flag in reading.flags if flag.code not in FIT_FLAGS if (kept := _pre_framed(flag, reader))] + slips
    points = [mark.points for mark in marks]
    tier = principle_tier(points, flags)
    slots = {mark.move for mark in marks}
    kept = tuple(marks) + tuple(MoveMark(move, moves[move].points, moves[move].phrases, moves[move].note, counted=False)
                                for move in MOVES if move not in slots)
    stop = tuple(SLIPS[flag.code].advice if flag.code in SLIPS else _advice(flag) for flag in flags)
    feedback = Feedback(
        keep=tuple(f"{m.label}: {m.note}" for m in marks if m.points == 2),
        start=tuple(f"{m.label}: {CRITERIA[name].rubric}" for m, name in zip(marks, criteria, strict=True) if m.points < 2),
        stop=stop, better=better[0], better_why=better[1])
    return Grade(tier=tier, score=second_call_score(tier, points, flags), moves=kept, red_flags=tuple(flags),
                 feedback=feedback, ignored=tuple(reader.ignored), notes=tuple(reading.notes))


__all__ = ["CRITERIA", "ELITE_NEEDS_THE_PRINCIPLE", "SLIPS", "TIERS", "grade_principle", "principle_tier", "rubric_lines"]
