"""Streaming an LLM prospect's reply into the page, with the built-in reply as a visible fallback."""

from __future__ import annotations

from collections.abc import Iterator

import streamlit as st

from closergym.grading import clean_text
from closergym.llm import LLMError
from components.text import literal


def stream_reply(chunks: Iterator[str], fallback: str) -> tuple[str, bool]:
    """Show `chunks` as they arrive (as literal text, never Markdown); return (text, came_from_llm).

    If the stream fails before it finishes, or says nothing, the built-in `fallback` replaces what
    arrived, under a notice, and is returned instead."""
    received: list[str] = []
    failure: list[LLMError] = []

    def guarded() -> Iterator[str]:
        try:
            for chunk in chunks:
                received.append(chunk)
                yield literal(chunk)
        except LLMError as error:
            failure.append(error)

    slot = st.empty()
    with slot.container():
        st.write_stream(guarded())
    text = clean_text("".join(received)).strip()
    if failure or not text:
        reason = str(failure[0]) if failure else "It sent an empty reply."
        with slot.container():  # in place of whatever part of the reply arrived: one line per turn
            st.caption(f"⚠️ The AI prospect dropped out: {reason} The built-in prospect answered instead.")
            st.markdown(literal(fallback))
        return fallback, False
    return text, True
