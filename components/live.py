"""Streaming an LLM prospect's reply into the page, with the built-in reply as a visible fallback."""

from __future__ import annotations

from collections.abc import Iterator

import streamlit as st

from closergym.conversation import LiveReply
from components.text import literal


def stream_reply(chunks: Iterator[str], fallback: str) -> tuple[str, bool]:
    """Show `chunks` as they arrive (as literal text, never Markdown); return (text, came_from_llm).

    If the stream fails before it finishes, or says nothing, the built-in `fallback` replaces what
    arrived, under a notice, and is returned instead."""
    live = LiveReply(chunks, fallback)
    slot = st.empty()
    with slot.container():
        st.write_stream(literal(chunk) for chunk in live)
    if not live.from_llm:
        with slot.container():  # in place of whatever part of the reply arrived: one line per turn
            st.caption(f":material/warning: {live.notice}")
            st.markdown(literal(fallback))
    return live.text, live.from_llm
