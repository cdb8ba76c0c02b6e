"""The 3-round sparring routine as a small state machine, driven by the grade of each rebuttal.

Round 1 the prospect raises the objection; round 2 they push back on your answer (harder after a
weak one, opening up after a strong one); round 3 a curveball (a stacked objection), or the real
concern surfacing once something is revealed: on easy after any answer, on normal only after an elite
one, never on hard (the round is then labelled "the real concern"). After the third answer, or once the prospect's patience runs out, the session
ends with an outcome (advanced / stalled / lost) that is kept apart from the score.

The routine decides *what* the prospect does next (a `Beat`); a prospect engine (scripted or LLM,
see `prospect.py`) decides *how* to say it. Difficulty changes behaviour, not just wording: patience,
what it takes to reveal the real concern, and stacked objections on hard.

The second-call scenario follows the six-step second-call structure over three rounds (open the
call, handle a stall, close on a small ask) and checks each step in the rep's lines.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field
from typing import Literal

from closergym.content import Objection
from closergym.offers import DAY_AND_TIME, WANTS, mentions

ROUNDS = 3
ROUND_NAMES = {1: "the objection", 2: "the pushback", 3: "the curveball"}
CONCERN_ROUND_NAME = "the real concern"  # round 3 when the prospect brought out their real concern instead
SECOND_CALL_ROUND_NAMES = {1: "the callback", 2: "the stall", 3: "the next steps"}
DIFFICULTIES = ("easy", "normal", "hard")
OUTCOMES = ("advanced", "stalled", "lost", "respected")  # respected: a closed door ("take me off your list") let go well
Difficulty = Literal["easy", "normal", "hard"]
Action = Literal["push", "reveal", "curveball", "concern", "exit", "stall", "hang_up", "goodbye"]


@dataclass(frozen=True)
class Rules:
    patience: int  # weak answers the prospect tolerates before ending the call
    reveal_on: tuple[str, ...]  # tiers that make the prospect reveal a hidden fact
    stacks: bool  # round 3 always stacks a new objection on top
    label: str
    surfaces_on: tuple[str, ...] = ("weak", "strong", "elite")  # round-2 tiers after which round 3 is the real
    # concern (once something is revealed) rather than a curveball


RULES: dict[str, Rules] = {
    "easy": Rules(patience=4, reveal_on=("strong", "elite"), stacks=False,
                  label="Patient and open: a decent question gets an honest answer."),
    "normal": Rules(patience=3, reveal_on=("strong", "elite"), stacks=False, surfaces_on=("elite",),
                    label="Guarded: reveals the real concern to good questions, loses patience with weak answers."),
    "hard": Rules(patience=2, reveal_on=("elite",), stacks=True,
                  label="Skeptical and short: only an elite answer gets the truth; stacks a second objection; "
                        "two weak answers and the call is over."),
}


@dataclass
class RoutineState:
    """Everything needed to resume a session; stored as JSON in `sessions.state`."""

    round: int = 1
    prompts: list[str] = field(default_factory=list)  # what the prospect said before each round
    tiers: list[str] = field(default_factory=list)
    patience: int = 3
    revealed: list[int] = field(default_factory=list)  # indices of hidden facts revealed so far
    door_open: bool = False
    finished: bool = False
    outcome: str | None = None
    closing: str | None = None  # the prospect's last line, once finished
    curveball: int | None = None  # which of the objection's curveballs the prospect raised, if one
    offers: dict[str, str] = field(default_factory=dict)  # what the rep has offered or claimed so far, in their words
    home: bool = False  # the prospect buys for their home: no lines from an office (a team, a manager, a quarter)
    prospect: dict[str, str] = field(default_factory=dict)  # a custom objection's context: the prospect's role, the product

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RoutineState:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


@dataclass(frozen=True)
class Beat:
    """What the prospect does next, decided by the routine from the last grade."""

    action: Action
    tier: str  # the grade of the answer being replied to
    fact: str | None = None
    curveball: str | None = None
    final: bool = False
    ask: str | None = None  # the day and time the rep proposed ("Thursday at 10"), for the prospect to accept
    answer: str = ""  # the rep's answer being replied to, for taking up its offers in the rep's words
    made: tuple[str, ...] = ()  # kinds of offer and claim the rep has made so far (`offers.OFFERS`)
    said: tuple[str, ...] = ()  # what the prospect has already said in this conversation
    slot: str | None = None  # the session's own day and time, for a line that names one the rep did not
    pressured: bool = False  # the answer pushed (an invented deadline): the prospect hardens
    did: tuple[str, ...] = ()  # what the answer did: its moves, with the rep's words that earned them
    home: bool = False  # the prospect buys for their home (`RoutineState.home`)


def proposed_time(rebuttal: str) -> str | None:
    """The day (and time) a rebuttal proposes, as the rep wrote it, without a leading 'on'."""
    found = DAY_AND_TIME.search(rebuttal)
    return re.sub(r"^on ", "", found.group(), flags=re.IGNORECASE) if found else None


def start_state(difficulty: str) -> RoutineState:
    return RoutineState(patience=RULES[difficulty].patience)


def _pick(rng: random.Random, options: list[str] | tuple[str, ...], avoid: list[str] | None = None) -> str:
    fresh = [o for o in options if o not in (avoid or [])]
    return rng.choice(fresh or list(options))


# Words of an office: a homeowner has no team, manager, rollout or quarter.
WORKPLACE = re.compile(r"\b(?:our team|the team|my manager|my boss|procurement|committee|rollout|vendor|quarter|"
                       r"fiscal|department|staff|employees|on (?:our|my) side)\b", re.IGNORECASE)


def in_world(lines: list[str] | tuple[str, ...], home: bool) -> list[str]:
    """The lines a prospect of this world would say; all of them when none is left."""
    kept = [line for line in lines if not (home and WORKPLACE.search(line))]
    return kept or list(lines)


def fresh(lines: list[str] | tuple[str, ...], made: set[str] | dict, *, home: bool = False) -> list[str]:
    """The prospect's own lines (hidden facts, curveballs) that do not ask for, or doubt, what the rep has
    already offered or answered, and that fit the prospect's world; all of them when none is left."""
    lines = in_world(lines, home)
    kept = [line for line in lines if not mentions(line) & WANTS & set(made)]
    return kept or list(lines)


def next_beat(state: RoutineState, tier: str, *, difficulty: str, objection: Objection | None,
              rng: random.Random) -> Beat:
    """Advance `state` (in place) after a rebuttal graded `tier`; return what the prospect does. What the
    rep has offered so far (`state.offers`) keeps the prospect from asking for it again."""
    rules = RULES[difficulty]
    state.tiers.append(tier)
    if tier == "weak":
        state.patience -= 1
    facts = list(objection.hidden_facts) if objection else []
    unrevealed = [i for i in range(len(facts)) if i not in state.revealed]

    def reveal() -> str | None:
        if not unrevealed:
            return None
        index = facts.index(rng.choice(fresh([facts[i] for i in unrevealed], state.offers, home=state.home)))
        unrevealed.remove(index)
        state.revealed.append(index)
        return facts[index]

    if tier == "elite":
        state.door_open = True
    last_round = state.round >= ROUNDS
    if state.patience <= 0:
        state.finished, state.outcome = True, "lost"
        return Beat("hang_up", tier, final=True)
    if last_round:
        state.finished = True
        advanced = tier == "elite" or (tier == "strong" and state.door_open and difficulty != "hard") or (
            tier == "strong" and difficulty == "easy" and state.revealed)
        state.outcome = "advanced" if advanced else "stalled"
        return Beat("exit" if advanced else "stall", tier, final=True)

    state.round += 1
    revealing = tier in rules.reveal_on
    if state.round == ROUNDS:  # the curveball round
        # a curveball, unless an answer good enough for this difficulty brings the real concern out instead
        if rules.stacks or not (revealing or state.revealed) or tier not in rules.surfaces_on:
            curveball = _pick(rng, fresh(objection.curveballs, state.offers, home=state.home)) if objection else None
            state.curveball = objection.curveballs.index(curveball) if curveball else None
            return Beat("curveball", tier, fact=reveal() if revealing else None, curveball=curveball)
        return Beat("concern", tier, fact=reveal())
    if revealing:
        return Beat("reveal", tier, fact=reveal())
    return Beat("push", tier)


# -- the second call ---------------------------------------------------------------------------------

SECOND_CALL_STEPS: dict[str, tuple[str, re.Pattern]] = {
    "callback": ("Open with a callback to a specific moment of call one", re.compile(
        r"\b(?:last time|when we (?:spoke|talked|met)|you (?:mentioned|said|told me)|on our (?:last|first) call|"
        r"you were telling me)\b", re.I)),
    "what_changed": ("Surface what changed", re.compile(
        r"\bwhat(?:'s|’s| has)? (?:changed|happened|moved|come up)\b|\bsince we (?:last )?(?:spoke|talked)\b|"
        r"\banything (?:new|changed)\b", re.I)),
    "cost_of_inaction": ("Re-anchor the cost of inaction", re.compile(
        r"\bcost(?:s|ing)? (?:you|of (?:waiting|doing nothing|inaction))\b|\bif (?:we|you) don't (?:solve|fix|do|change)\b|"
        r"\bif nothing changes\b|\bwhat does (?:that|it|waiting) cost\b|\bevery (?:week|month) (?:this|that|it)\b|"
        # their number said back: "the late reports cost about twelve thousand a month"
        r"\bcost(?:s|ing)? (?:you |them |the business )?(?:about |around |roughly |nearly |almost |over )?(?:\$?\d[\d,.]*k?|"
        r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a hundred)\b"
        r"[^.?!]{0,40}\b(?:a|per|each|every) (?:day|week|month|quarter|year)\b", re.I)),
    "pre_frame": ("Pre-frame the close", re.compile(
        r"\bif (?:everything|it all|this) still makes sense\b|\bmy goal (?:today|for this call|is)\b|\bby the end of (?:this|the) call\b|"
        r"\bif (?:something|anything) (?:doesn't|does not|isn't) (?:fit|feel right)\b|\bgreen[- ]light\b|"
        r"\bdecide (?:today|on this call)\b|\b(?:a )?(?:clear )?yes or (?:a )?no\b|"
        r"\bat the end(?: of (?:this|the|our) call)?,? (?:it's (?:a )?(?:clear )?yes or (?:a )?no|we (?:decide|agree|pick|settle))\b|"
        r"\b(?:it's|it is) (?:fine|okay|ok) to say no\b|\bif it's a no\b|"
        r"\bagree (?:up front|now|before we (?:start|begin)|at the start) (?:on )?(?:how|that|what)\b", re.I)),
    "recap": ("Recap the offer in writing during the call", re.compile(
        r"\b(?:i(?:'ve|’ve| have)? just sent|sending (?:it|you|the proposal|it over) now|in your inbox|on your screen|"
        r"walk (?:you )?through it|line by line|let's go through (?:it|the proposal))\b", re.I)),
    "small_ask": ("The small ask, not the big ask", re.compile(
        r"\b(?:same card|different card|tuesday or thursday|monday or|kick ?off|which (?:day|date) works|"
        r"(?:start|begin) on|who should (?:i|we) (?:invite|add)|send (?:the )?(?:agreement|paperwork) to)\b", re.I)),
}

SECOND_CALL_PROMPTS = (
    "Hi, yes, I've got about ten minutes. Sorry I went quiet after our last call, it's been hectic here.",
    None,  # round 2: one of the three second-call stalls, chosen per session
    "Okay. So if we did go ahead, what would next steps actually look like?",
)
SECOND_CALL_STALLS = {
    "partner-decides": "I still need to talk to my partner before we commit to anything.",
    "comparing-vendors": "To be honest, I'm comparing a couple of other vendors at the moment.",
    "too-expensive": "It's really just a budget thing on our side.",
}


def second_call_stall(seed: int) -> tuple[str, str]:
    slug = random.Random(seed).choice(sorted(SECOND_CALL_STALLS))
    return slug, SECOND_CALL_STALLS[slug]


# -- choosing what to drill ---------------------------------------------------------------------------


def opening_line(objection: Objection, rng: random.Random, *, avoid: str | None = None, home: bool = False) -> str:
    """One of the objection's opening lines, in the prospect's world; not `avoid` (what the trainee heard last
    time) when there is another."""
    lines = in_world(objection.lines, home)
    return rng.choice([line for line in lines if line != avoid] or lines)
