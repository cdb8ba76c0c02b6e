"""Shared fixtures: every test gets its own database file, and Streamlit caches start empty."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from closergym import store
from components.text import WORD_JOINER

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "closergym.db"
    monkeypatch.setenv("CLOSERGYM_DB", str(path))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CLOSERGYM_MODEL", "CLOSERGYM_ALLOW_VISITOR_LLM",
                 "CLOSERGYM_VISITOR_LLM_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return path


@pytest.fixture
def db(isolated_db):
    database = store.open_db(isolated_db)
    yield database
    database.close()


@pytest.fixture
def trainee(db) -> dict:
    return store.create_trainee(db, "Sam")


def run_cli(*args: str, db_path) -> subprocess.CompletedProcess:
    """`python -m closergym ARGS` in a child process, against the database at `db_path`."""
    env = {**os.environ, "CLOSERGYM_DB": str(db_path)}
    return subprocess.run([sys.executable, "-m", "closergym", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


_held: dict[tuple[str, int], tuple[str, str]] = {}  # (database, trainee id): (name, the code sessions hold)


def held_as(trainee: dict) -> tuple[str, str]:
    """The profile's name and access code, as a session that opened it holds them; a profile without a code is
    given one first. The same for every AppTest of one test (so one does not shut out another), and looked
    up once (a later AppTest may run on a disk that no longer takes writes)."""
    key = (os.environ["CLOSERGYM_DB"], trainee["id"])
    if key not in _held:
        with store.open_db(key[0]) as db:
            row = store.get_trainee(db, trainee["id"])
            code = trainee.get("access_code")
            _held[key] = (row["name"], code if store.opens(row, code) else store.reset_access_code(db, row["id"]))
    return _held[key]


def app_for(trainee: dict | None, page: str | None = None, *, query: dict | None = None) -> AppTest:
    """An AppTest of the whole app, signed in as `trainee` (with its access code, as the app holds a profile),
    optionally switched to `page`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=15)
    if trainee:
        at.session_state["trainee_id"] = trainee["id"]
        at.session_state["trainee_known"] = {trainee["id"]: held_as(trainee)}
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def unescaped(markdown: str) -> str:
    """Text shown with `components.text.literal`, as the reader sees it."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(WORD_JOINER, "")).replace("  \n", "\n")


def said(at: AppTest) -> list[dict]:
    """The Sparring conversation as the page hands it to the browser (one element: `components/conversation.js`
    draws it, and tests/browser check the drawing), then the line an LLM prospect was saying in this run (a
    Streamlit chat message): per message, who spoke (`prospect` or `rep`), the round's `label`, the `text` as
    typed, and under an answer its scorecard's words (`card`, one line per part, as drawn; None under the
    prospect's)."""
    drawn = [element for element in at.get("bidi_component") if (element.key or "").startswith("conversation_")]
    data = json.loads(drawn[-1].proto.json) if drawn else {"messages": []}
    messages = [{"who": shown["who"], "label": shown["label"], "text": shown["text"],
                 "card": card_words(shown, data["words"]) if shown["who"] == "rep" else None}
                for shown in data["messages"]]
    for message in at.main.chat_message:  # the line an LLM was saying in this run: label, then the words
        label, *words = [unescaped(markdown.value) for markdown in message.markdown]
        messages.append({"who": "prospect", "label": re.fullmatch(r":small\[:gray\[(.*)\]\]", label).group(1),
                         "text": "\n\n".join(words), "card": None})
    return messages


def card_words(shown: dict, words: dict) -> str:
    """What the conversation draws under an answer, line by line (see components/conversation.js)."""
    lines = ["".join(words["over"])] if shown["over"] else []
    card, advice = shown["card"], shown["advice"]
    if card:
        lines.append(card["badge"])
        for move in card["moves"]:
            lines.append(f"{move['label']} {move['dots']} {move['note']}")
            if move["phrases"]:
                lines.append(" · ".join(f"“{phrase}”" for phrase in move["phrases"]))
        for flag in card["flags"]:
            lines.append(flag["name"] + (f" ({flag['why']}" if flag["why"] else "")
                         + (": " + ", ".join(f"“{phrase}”" for phrase in flag["phrases"]) if flag["phrases"] else "")
                         + (f" · {flag['cap']}" if flag["cap"] else ""))
        lines += card["notes"]
    if advice:
        if advice["keep"]:
            lines.append(f"{words['keep']} {' · '.join(advice['keep'])}")
        for key in ("start", "stop"):
            if advice[key]:
                lines += [words[key], *advice[key]]
        lines += [advice["better"]["title"], advice["better"]["text"], advice["better"]["why"]] if advice["better"] \
            else [advice["note"]]
    return "\n".join(lines)


def say(at: AppTest, text: str, *, timeout: float | None = None) -> AppTest:
    """Answer the prospect in the Sparring page's answer box."""
    at.chat_input[0].set_value(text).run(timeout=timeout)
    assert not at.exception
    return at


def pressed(at: AppTest, label: str) -> AppTest:
    """Click the button labelled `label` (anywhere on the page)."""
    next(b for b in at.button if b.label == label).click().run()
    return at


@pytest.fixture(scope="session")
def llama(tmp_path_factory):
    """The shared llama.cpp server (started once per test run, stopped at the end)."""
    from tests.llm_server import LlamaServer

    server = LlamaServer(tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


@pytest.fixture
def llm_env(llama, monkeypatch):
    """Point the app at the real local LLM server."""
    for name, value in llama.env().items():
        monkeypatch.setenv(name, value)
    return llama


@pytest.fixture(autouse=True)
def fresh_llm_rate_limit(monkeypatch):
    """Each test starts with an empty per-trainee LLM call budget."""
    from closergym import llm

    monkeypatch.setattr(llm, "rate_limiter", llm.RateLimiter())


@pytest.fixture(autouse=True)
def fresh_guess_limits(monkeypatch):
    """Each test starts with no wrong guesses counted (the limits are process-wide, as in a server)."""
    from closergym import limits

    for name in ("PASSCODE", "ACCESS_CODES", "JOIN_CODES"):
        old = getattr(limits, name)
        monkeypatch.setattr(limits, name, limits.Guesses(
            per_session=old.sessions.limit, window=old.sessions.seconds, budget=old.failures.limit))
