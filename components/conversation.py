"""The sparring conversation on the page: one component that draws `closergym.conversation.view` and
sends the trainee's answers (conversation.js; its styles in conversation.css).

With the turn endpoint mounted (`serve.py`), an answer goes there and the reply is drawn without a
Streamlit rerun. Otherwise the component hands the answer to the page (`on_answer`), whose fragment
reruns with the new view.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from closergym import conversation, web
from closergym.grading import MAX_REBUTTAL
from closergym.llm import TURN_DEADLINE, LLMClient
from components import context

KEY = "sparring_conversation"
_HERE = Path(__file__).parent
_COMPONENT = st.components.v2.component(
    "closergym.conversation",
    js=(_HERE / "conversation.js").read_text(encoding="utf-8"),
    css=(_HERE / "conversation.css").read_text(encoding="utf-8"),
)


def show(view: dict, *, token: str | None, llm: LLMClient | None, reply: dict | None,
         on_answer: Callable[[], None]):
    """Draw the conversation; returns the component's result (`.action`: a button the trainee pressed)."""
    data = {
        "view": view,
        # A new value after a server restart (or a lost session): an answer sent to the old one was never taken
        # there, and the browser says so instead of waiting for ever.
        "instance": context.browser_session(),
        "health": f"/{base}/_stcore/health" if (base := st.get_option("server.baseUrlPath").strip("/")) else "/_stcore/health",
        "endpoint": web.served() if token else None,
        "pass": token,
        "reply": reply,
        "waiting": conversation.LABELS["judging"].format(engine=llm.settings.label) if llm else None,
        "text": conversation.LABELS,
        "limit": MAX_REBUTTAL,
        "timeout": (TURN_DEADLINE if llm else 0) + 15,  # seconds the browser waits for the endpoint's last line
    }
    return _COMPONENT(data=data, key=KEY, on_answer_change=on_answer, on_action_change=lambda: None)


def sent() -> dict:
    """What the trainee sent through Streamlit (inside `on_answer`): {"text", "round", "nonce"}."""
    value = st.session_state[KEY].answer
    return value if isinstance(value, dict) else {}
