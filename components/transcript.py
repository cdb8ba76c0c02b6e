"""The sparring conversation on the page: who the prospect is, the messages of `closergym.conversation.view`
(an answer with its scorecard) drawn by one element of ours, and a finished session's report. Every text anyone
typed or a model wrote is shown as text, never as Markdown or HTML."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from closergym import conversation
from closergym.content import Objection
from closergym.sessions import MAX_READ, Report
from components import scorecard
from components.scorecard import badge_markdown
from components.text import literal

# a step's mark says it in words too: the two icons alone differ only by shape and colour
STEP_MARKS = {2: ":green[:material/check_circle:] **Done:**", 1: ":orange[:material/radio_button_partial:] **Partly:**",
              0: ":gray[:material/radio_button_unchecked:] **Missing:**"}  # a step's points in its round
AVATARS = {"prospect": ":material/support_agent:", "rep": ":material/person:"}
WORDS = {
    "placeholder": "Your answer to the prospect…",
    "judging": "The AI judge is reading your answer ({engine})…",
    "unsent": "Your answer was not saved: copy it from here to send it again.",
    "unsent_part": "Your answer was not saved. Its first {count} characters, to copy from here:",
    "cut_off": "Your last answer was not graded: the server stopped while it was on its way (a restart?).",
    "resend": "Send it again",
    "end": "End this session",
    "end_why": "End this session? It is kept in your history, as incomplete.",
    "end_confirm": "End it now",
    "keep_going": "Keep going",
    "again": "Drill it again",
    "other": "Choose another drill",
    "report": "Session report",
    "outcome": "Outcome",
    "rounds": "Rounds",
    "best": "Your best line",
    "work_on": "Work on next",
    "steps": "The six steps of a second call",
    "steps_why": "Each step counts in its own round, as the grade under each answer shows.",
}


def icon_name(icon: str) -> str:
    """":material/verified:" -> "verified"."""
    return icon.removeprefix(":material/").removesuffix(":")


# One element of ours draws the whole conversation (components/conversation.js, .css): with Streamlit's chat
# elements, each message was two or three elements, and every element on the page is drawn again on every answer.
# Measured against them in the same runs, an answer comes up 10-20 % sooner (bench/README.md, sixteenth session).
_CONVERSATION = st.components.v2.component(
    "closergym.conversation", isolate_styles=False,  # the app's own type; no user text reaches the page as HTML
    js=(Path(__file__).parent / "conversation.js").read_text(encoding="utf-8"),
    css=(Path(__file__).parent / "conversation.css").read_text(encoding="utf-8"))
DRAWN_WORDS = {"rep": "Your answer", "prospect": "The prospect", **scorecard.FEEDBACK_WORDS,
               "avatars": {who: icon_name(icon) for who, icon in AVATARS.items()},
               # under the answer that ended the session, where the page brings it: the report is further down
               "over": ["That was the last round: ", "your session report", " is below."]}


def drawn_flag(flag: dict) -> dict:
    name, _, why = flag["label"].partition(" (")  # the flag's name in bold; what it saw after it, plain
    return {"name": name, "why": why, "phrases": flag["phrases"], "cap": flag["cap"]}


def drawn_card(card: dict) -> dict:
    """A scorecard (`conversation.card`) as the conversation draws it: the words of `scorecard.markdown`."""
    return {"tier": card["tier"], "icon": icon_name(conversation.TIER_ICONS[card["tier"]]),
            "badge": conversation.badge_words(card["tier"], card["score"]),  # after its icon
            "moves": [{"label": move["label"], "dots": scorecard.dots(move["points"]),
                       "note": move["note"], "phrases": move["phrases"]} for move in card["moves"]],
            "flags": [drawn_flag(flag) for flag in card["flags"]],
            "notes": card["notes"]}


def drawn(shown: dict) -> dict:
    """One message of `conversation.view` as the conversation draws it."""
    card = shown.get("card")
    return {"who": shown["who"], "label": shown.get("label") or "", "text": shown.get("text") or "",
            "over": bool(shown.get("last")),
            "card": drawn_card(card) if card else None, "advice": card["feedback"] if card else None}


def conversation_data(messages: list[dict]) -> dict:
    return {"messages": [drawn(shown) for shown in messages], "words": DRAWN_WORDS}


def conversation_view(messages: list[dict], *, key: str) -> None:
    """The conversation so far (`conversation.view`'s messages), as one element."""
    _CONVERSATION(data=conversation_data(messages), key=key)


def header(session: dict, objection: Objection | None, *, built: Objection | None = None) -> None:
    """Who the prospect is: drawn once per page run, outside the conversation's fragment. `built`: the
    prospect made from the families of the trainee's own objection. The heading's anchor is fixed: worked out
    from its text, it was worked out again on every redraw, several times per answer."""
    if session["kind"] == "second_call":
        st.subheader(":material/call: The second call", anchor="prospect")
        st.caption("A stalled deal picks up the phone. Run the six-step second-call structure. "
                   f"Difficulty **{literal(session['difficulty'])}**")
    elif objection:
        st.subheader(literal(objection.title), anchor="prospect")  # a team's own objection: its words, as typed
        persona = objection.personas[min(session["persona"], len(objection.personas) - 1)]
        st.caption(f"{literal(persona.name)} · {literal(persona.role)}, {literal(persona.industry)} · "
                   f"{literal(persona.mood)} · difficulty **{literal(session['difficulty'])}**")
    else:
        st.subheader(":material/edit_note: Your objection", anchor="prospect")
        who = ""
        if built:
            persona = built.personas[min(session["persona"], len(built.personas) - 1)]
            who = (f"{literal(persona.name)} · {literal(persona.role)}, {literal(persona.industry)} · "
                   f"{literal(persona.mood)} · {literal(built.short.lower())} objection · ")
        st.caption(f"{who}difficulty **{literal(session['difficulty'])}**")


def unsent(problem: str | None, text: str) -> None:
    """An answer that was not taken: why (unless a message beside it says), and the answer itself, as
    typed, with a copy button (the box empties when an answer is sent)."""
    if problem:
        st.warning(literal(problem), icon=":material/back_hand:")
    if text.strip():  # a blank answer has nothing to keep
        shown = text[:MAX_READ]
        st.caption(WORDS["unsent"] if shown == text else WORDS["unsent_part"].format(count=f"{MAX_READ:,}"))
        # a long one scrolls in its box: drawn whole, a pasted essay put the answer box screens further down
        st.code(shown, language=None, wrap_lines=True, height=240 if len(shown) > 600 or shown.count("\n") > 8 else "content")


def report(result: Report) -> None:
    show_report(conversation.report(result))


def show_report(shown: dict) -> None:
    """A session report (`conversation.report`), as one Markdown element under its heading."""
    parts = [f"### {WORDS['report']}", f"**{WORDS['outcome']}: {shown['outcome']}**. {shown['meaning']}",
             f"**{WORDS['rounds']}:** " + " ".join(f"{r['number']}.\u00a0{badge_markdown(r['tier'], r['score'])}"
                                                  for r in shown["rounds"])]
    if shown["best"]:
        parts.append(f"**{WORDS['best']}** ({shown['best']['tier']}):\n\n> :material/star: {literal(shown['best']['line'])}")
    if shown["work_on"]:
        parts.append(f"**{WORDS['work_on']}:** {shown['work_on']}")
    if shown["advice"]:
        parts.append(shown["advice"])
    if shown["steps"]:
        parts.append(f"**{WORDS['steps']}**\n\n:small[:gray[{WORDS['steps_why']}]]\n\n" + "\n".join(
            f"- {STEP_MARKS[step['points']]} {step['label']} :gray[(round {step['round']})]" for step in shown["steps"]))
    st.markdown("\n\n".join(parts))
