"""The scorecard under a graded answer, as Markdown (the lesson drill cells): tier badge, each move with
the phrases that earned it, red flags, keep / start / stop, and a better alternative (shown only after
the answer). The wording is `closergym.conversation.card`'s, the same the sparring conversation shows.
"""

from __future__ import annotations

import streamlit as st

from closergym import conversation, second_call
from closergym.grading import MOVE_LABELS, RUBRIC, TIER_RULES, Grade
from closergym.sparring import SECOND_CALL_ROUND_NAMES
from components.text import literal

TIER_COLORS = {"weak": "red", "strong": "orange", "elite": "green"}
FEEDBACK_WORDS = {"keep": "Keep:", "start": "Start doing", "stop": "Stop doing"}  # here and in the conversation


def tier_mark(tier: str) -> str:
    """The tier's Material icon in the tier's colour (the tier's name beside it keeps it readable without colour)."""
    return f":{TIER_COLORS[tier]}[{conversation.TIER_ICONS[tier]}]"


def badge_markdown(tier: str, score: int | None = None) -> str:
    return f":{TIER_COLORS[tier]}-badge[{conversation.badge(tier, score)}]"


def dots(points: int) -> str:
    """A move's points out of 2: ●● is 2, ●○ is 1, ○○ is none (the rubric says so)."""
    return "●" * points + "○" * (2 - points)


def moves_markdown(card: dict) -> str:
    lines = []
    for move in card["moves"]:
        quoted = " · ".join(f"“{literal(p)}”" for p in move["phrases"])
        lines.append(f"- **{move['label']}** {dots(move['points'])} {literal(move['note'])}" + (f"  \n  :gray[{quoted}]" if quoted else ""))
    for flag in card["flags"]:
        quoted = ", ".join(f"“{literal(p)}”" for p in flag["phrases"])
        name, _, why = flag["label"].partition(" (")  # the flag's name in bold; what it saw after it, plain
        lines.append(f"- :material/flag: **{name}**" + (f" ({why}" if why else "") + (f": {quoted}" if quoted else "")
                     + (f" · {flag['cap']}" if flag["cap"] else ""))
    return "\n".join(lines)


def feedback_markdown(feedback: dict) -> str:
    """Keep (the moves that earned full marks, by name: the moves above say what each did), start and stop,
    then the better line."""
    parts = [f"**{FEEDBACK_WORDS['keep']}** {' · '.join(literal(label) for label in feedback['keep'])}"] \
        if feedback["keep"] else []
    parts += [f"**{FEEDBACK_WORDS[key]}**\n" + "\n".join(f"- {literal(item)}" for item in feedback[key])
              for key in ("start", "stop") if feedback[key]]
    better = feedback["better"]
    if better:
        parts.append(f"**{better['title']}**\n\n> :material/lightbulb: {literal(better['text'])}\n\n:gray[{literal(better['why'])}]")
    else:
        parts.append(f":gray[{feedback['note']}]")
    return "\n\n".join(parts)


def show(card: dict) -> None:
    """A scorecard (`conversation.card`) as one Markdown element: the badge, the moves with the phrases
    that earned them, red flags and notes, then (when the card has them) keep / start / stop and a
    better line."""
    st.markdown(markdown(card))


def advice_markdown(feedback: dict) -> str:
    """Keep / start / stop and the better line, under a rule: the part of a card shown only after the answer."""
    return f"---\n\n{feedback_markdown(feedback)}"


def markdown(card: dict) -> str:
    notes = "".join(f"\n\n:gray[{literal(note)}]" for note in card["notes"])
    advice = f"\n\n{advice_markdown(card['feedback'])}" if card["feedback"] else ""
    return f"{badge_markdown(card['tier'], card['score'])}\n\n{moves_markdown(card)}{notes}{advice}"


def render(grade: Grade, *, rebuttal: str | None = None, feedback: bool = True) -> None:
    show(conversation.card(grade, rebuttal=rebuttal, feedback=feedback))


def rubric(*, second_call_session: bool = False) -> None:
    """The rubric, visible before the first answer: the four moves, or the second call's steps round by round."""
    if second_call_session:
        lines = [f"- Round {number} ({SECOND_CALL_ROUND_NAMES[number]}): **{label}** (0-2): {text}"
                 for number, label, text in second_call.rubric_lines()]
        tiers = second_call.TIER_RULES
    else:
        lines = [f"- **{MOVE_LABELS[move]}** (0-2): {text}" for move, text in RUBRIC.items()]
        tiers = TIER_RULES
    st.markdown("\n".join(lines) + "\n\n" + "\n".join(f"- {tier_mark(tier)} **{tier.capitalize()}**: {text}"
                                                       for tier, text in tiers.items())
                + "\n\n:gray[Under each answer, ●● is 2 points, ●○ is 1 and ○○ is none.]")
