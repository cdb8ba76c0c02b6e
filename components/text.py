"""Showing user and model text safely: as literal text, never as Markdown, HTML or links."""

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=^&])")
# Where GitHub-flavoured Markdown turns bare text into a link ("https:", "www.", "name@host.tld"), escaping
# does not help: the link is found in the text after the escapes are read. An invisible word joiner
# between the letters and the sign breaks the pattern and changes nothing a reader sees.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"\b(?:https?|ftp|mailto|xmpp)(?=:)|\bwww(?=\.)|(?<=[\w.+-])(?=@[\w-]+\.)", re.IGNORECASE)


def unlinked(text: str) -> str:
    """`text` with a word joiner wherever Markdown would start a bare link."""
    return _AUTOLINK.sub(lambda match: match.group() + WORD_JOINER, text)


def literal(text: str) -> str:
    """Escape `text` so st.markdown shows it exactly as typed: no links, images, HTML or directives."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked(text or ""))
    # Keep line breaks as breaks, not paragraph merges.
    return escaped.replace("\n", "  \n")
