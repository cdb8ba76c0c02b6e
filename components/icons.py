"""Material icons for what the content names by key. Streamlit ships Material Symbols with the app, so they
draw everywhere; an emoji (such as an objection's `emoji` field) is a box on a machine without an emoji font."""

from __future__ import annotations

from closergym.content import Objection

FAMILY_ICONS = {
    "stall": ":material/hourglass_empty:",
    "money": ":material/payments:",
    "authority": ":material/groups:",
    "trust": ":material/shield:",
    "risk": ":material/casino:",
    "need": ":material/sentiment_neutral:",
    "timing": ":material/calendar_month:",
    "competition": ":material/balance:",
    "status_quo": ":material/weekend:",
    "past_failure": ":material/local_fire_department:",
    "contract": ":material/description:",
    "boundary": ":material/door_front:",
}
OBJECTION_ICON = ":material/record_voice_over:"  # an objection whose family has no icon of its own


def objection_icon(objection: Objection) -> str:
    """The icon of the objection's family (its `category`)."""
    return FAMILY_ICONS.get(objection.category, OBJECTION_ICON)
