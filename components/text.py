"""Showing user and model text safely: as literal text, never as Markdown, HTML or links."""

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=^&])")


def literal(text: str) -> str:
    """Escape `text` so st.markdown shows it exactly as typed: no links, images, HTML or directives."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text or "")
    # Keep line breaks as breaks, not paragraph merges.
    return escaped.replace("\n", "  \n")
