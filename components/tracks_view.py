"""The closing and psychology tracks on the Sparring page: choosing a scenario, its visible rubric with
examples at each tier, the notes from call one, and who the prospect is once a session runs. Draws only:
the scenarios are `closergym.tracks`, their rubrics `closergym.closing`."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from closergym import closing, psychology, schedule, second_call, tracks
from closergym.content import library
from closergym.sparring import DIFFICULTIES, RULES
from components import pages, practice
from components.scorecard import tier_mark
from components.text import literal

NEXT_DUE = "next_due"
INTRO = {
    "closing": "The prospect is warm: your job is to close. Each round is graded on the closing moves it asks for "
               "(pre-frame, recap in writing, the small ask, meeting a stall, the trial close), with the words that "
               "earned each one.",
    "psychology": "Short scenarios, one principle each. Your answer is graded on that principle alone, against its "
                  "own rubric; the examples show a weak, a strong and an elite answer.",
}


NOTES = "Your notes from call one"


def notes(call_one: tracks.CallOne, *, folded: bool = False) -> None:
    """What the rep wrote down on call one: who, what they said, the number they gave, the next step. Open
    before the call; `folded` once it runs, one click away, so that the prospect's line and the answer box
    are on the first screen."""
    said = "\n".join(f"- “{literal(line)}”" for line in call_one.said)
    text = (f"**Who:** {literal(call_one.who)}\n\n**What they said:**\n{said}\n\n"
            f"**The number they gave:** {literal(call_one.number)}\n\n**Where it was left:** {literal(call_one.next_step)}")
    if folded:
        st.expander(NOTES, icon=":material/sticky_note_2:").markdown(text)
        return
    with st.container(border=True):
        st.markdown(f"**:material/sticky_note_2: {NOTES}**\n\n{text}")


def rubric(scenario: tracks.Scenario) -> None:
    """The scenario's rubric, round by round, its tiers, and an example answer at each tier."""
    parts = []
    if scenario.principle:
        parts.append(f"**The principle:** {literal(scenario.principle)}")
    for number, name, lines in closing.rubric(scenario):
        parts.append(f"**Round {number} ({literal(name)})**\n" + "\n".join(
            f"- **{literal(label)}**" + (" (0-2)" if not label.startswith("Red flag") else "") + f": {literal(text)}"
            for label, text in lines))
    parts.append("\n".join(f"- {tier_mark(tier)} **{tier.capitalize()}**: {text}"
                           + (f" {psychology.ELITE_NEEDS_THE_PRINCIPLE}" if tier == "elite" and scenario.track == "psychology" else "")
                           for tier, text in second_call.TIER_RULES.items()))
    st.markdown("\n\n".join(parts))
    st.markdown("**Examples**")
    for number, round_ in enumerate(scenario.rounds, start=1):
        for example in round_.examples:
            stall = f" · stall: {example.stall}" if example.stall else ""
            st.markdown(f"{tier_mark(example.tier)} **{example.tier.capitalize()}** · round {number}{stall}\n\n"
                        f"> {literal(example.text)}\n\n:gray[{literal(example.why)}]")


def picker(track: str, trainee_id: int, db) -> tuple[str, str] | None:
    """The track's scenarios (with the one spaced repetition picks), the chosen one's brief and rubric, and the
    start button. Returns (scenario key, difficulty) when the trainee starts."""
    now = datetime.now(UTC)
    cards = {card.slug: card for card in schedule.scenario_cards(db, trainee_id, track=track, now=now)}
    due = schedule.next_among(list(cards.values()), now)
    found = tracks.of_track(track)
    st.write(INTRO[track])
    labels = {NEXT_DUE: f"Next up: {tracks.scenarios()[due].title}"} if due else {}
    labels |= {s.key: s.title for s in found}
    pick = st.selectbox("Scenario", list(labels), format_func=labels.get, key=f"sparring_{track}_pick",
                        help="“Next up” is the scenario spaced repetition picks for you: one not tried yet, or one "
                             "that is due, favouring your weak answers.")
    scenario = tracks.scenarios()[due if pick == NEXT_DUE else pick]
    card = cards[scenario.key]
    st.caption(f"{literal(scenario.summary)}  \n**The prospect:** {literal(scenario.prospect)} · "
               f"{practice.why(card, now) if not card.is_new else 'Not tried yet.'}")
    if scenario.call_one:
        notes(scenario.call_one)
    if lesson := library().lesson(scenario.lesson):
        st.page_link(pages.LESSONS, label=f"The lesson behind it: {lesson.title}", icon=":material/menu_book:",
                     query_params={"lesson": lesson.slug})
    difficulty = "normal"
    if track == "closing":
        difficulty = st.segmented_control("Difficulty", DIFFICULTIES, default="normal", required=True,
                                          key=f"sparring_{track}_difficulty") or "normal"
        st.caption(f"**{difficulty}**: {RULES[difficulty].label}")
    started = st.button("Start the scenario", type="primary", icon=":material/play_arrow:", key=f"sparring_{track}_start")
    with st.expander(f"The rubric: {scenario.title}", icon=":material/checklist:"):
        rubric(scenario)
    return (scenario.key, difficulty) if started else None


LLM_NOTE = ("An AI engine ({engine}) is set up, but this scenario's prospect says the lines written for it and "
            "its own rubric grades you: the built-in engine plays it, so every rep meets the same scenario.")


def header(session: dict, scenario: tracks.Scenario, *, engine: str | None = None) -> None:
    """Who the prospect is (and, for a second call, the notes from call one): outside the conversation.
    `engine`: the AI engine's label when one is set up, which says that the built-in one plays the scenario."""
    st.subheader(f"{tracks.TRACK_ICONS[scenario.track]} {tracks.TRACKS[scenario.track]} · {scenario.title}",
                 anchor="prospect")  # fixed, as `transcript.header`'s
    if scenario.principle:
        st.caption(f"**The principle:** {literal(scenario.principle)}")
    level = f" · difficulty **{literal(session['difficulty'])}**" if scenario.track == "closing" else ""
    st.caption(f"**The prospect:** {literal(scenario.prospect)}{level}")
    if engine:
        st.caption(LLM_NOTE.format(engine=literal(engine)))
    if scenario.call_one:
        notes(scenario.call_one, folded=True)
