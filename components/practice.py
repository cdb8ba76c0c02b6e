"""What to drill next: the trainee's due objections, the next pick and progress toward a mastered playbook."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

import runtime
from closergym import schedule
from components import pages
from components.icons import objection_icon
from components.text import literal


def when(due: datetime, now: datetime) -> str:
    days = (due.date() - now.date()).days
    if due <= now:
        return "due now" if days == 0 else f"overdue by {-days} day{'' if days == -1 else 's'}"
    return "due later today" if days == 0 else "due tomorrow" if days == 1 else f"due in {days} days"


def why(card: schedule.CardStatus, now: datetime) -> str:
    if card.is_new:
        return "Nothing is due, and you have not sparred this one yet."
    last = f"Last answer: {card.last_tier}"
    return f"{last}, {when(card.due, now)}." if card.due else f"{last}."


def panel(trainee_id: int, *, drill_button: bool = True,
          cards: list[schedule.CardStatus] | None = None, now: datetime | None = None, lib=None) -> str | None:
    """Due today, the next pick (with a button into Sparring) and playbook mastery. Returns the pick."""
    lib, now = lib or runtime.library_for(trainee_id), now or datetime.now(UTC)
    if cards is None:
        cards = schedule.objection_cards(runtime.db(), trainee_id, now=now, lib=lib)
    if not cards:
        return None
    by_slug = {card.slug: card for card in cards}
    slug = schedule.next_among(cards, now)
    due = schedule.due_among(cards, now)
    mastered = sum(card.mastered for card in cards)

    with st.container(border=True):
        st.markdown("#### :material/target: What to drill next")
        if slug:
            objection, card = lib.objections[slug], by_slug[slug]
            st.markdown(f"{objection_icon(objection)} **{literal(objection.title)}**  \n{why(card, now)}")
            if drill_button:
                st.page_link(pages.SPARRING, label="Drill it now", icon=":material/sports_mma:", query_params={"objection": slug})
        if due:
            names = "; ".join(f"“{literal(lib.objections[c.slug].short)}”, {when(c.due, now)}" for c in due[:5])
            more = f"; and {len(due) - 5} more" if len(due) > 5 else ""
            st.caption(f"**Due today: {len(due)}.** {names}{more}.")
        elif not any(card.reviews for card in cards):
            st.caption("**Nothing practised yet.** Answer any objection once and spaced repetition starts "
                       "scheduling it; the pick above is a good first one.")
        else:
            st.caption("**Due today: none.** Every objection you have practised is fresh; the pick above "
                       "is the one that needs you soonest.")
        st.progress(mastered / len(cards), text=f"{schedule.mastery_label(mastered, len(cards))} · an objection "
                    "is mastered once strong or elite answers on two different days have made it stick for a week")
    return slug
