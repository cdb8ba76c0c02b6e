"""The app's runtime plumbing, shared by the frame and every page (not a component: it draws only the
storage guard's message): the settings, read once per script run; this thread's database connection; the
storage guard; the current trainee, checked on every run; and the LLM this browser session uses.

A connection belongs to one thread and is opened lazily the first time a script run (or a fragment
rerun) asks for it; it is never shared through `st.cache_resource`. Streamlit runs every rerun on a new
thread, so connections are kept in a dict by thread: a new thread takes over the connection of a
finished one (never of a live one), and any other finished threads' connections are closed. Dropping
them is not enough: a sqlite3 connection is freed only by a full garbage collection, which this app
turns off after reruns (see .streamlit/config.toml), and its file handles would pile up until then.
"""

from __future__ import annotations

import gc
import hashlib
import os
import secrets as secrets_module  # `secrets()` below reads st.secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from sqlite_utils import Database
from streamlit.runtime.scriptrunner import get_script_run_ctx

from closergym import store
from closergym.config import Config, load_config
from closergym.llm import LLMClient, LLMError, LLMSettings, client_for, session_settings

_connections: dict[int, tuple[threading.Thread, Path, Database, int | None]] = {}  # by thread ident, with the file's inode
_connections_lock = threading.Lock()
_this_run = threading.local()  # a script run's own thread: what it has read once

TRAINEE_KEY = "trainee_id"
BROWSER_KEY = "browser_session"
KNOWN_KEY = "trainee_known"  # {trainee id: (name, access code)}: the profiles this browser session opened
NOTICE_KEY = "trainee_notice"  # a one-time notice at the top of the page (components.trainee.notice)
LET_GO = ("This profile's access code was changed, on another device or by your instructor: the old code and every "
          "link with it stopped working. Open the profile again with its new code (sidebar → Open or create a profile).")


def secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml is the normal, zero-configuration case
        return {}


def config() -> Config:
    """The settings, read once per script thread (Streamlit starts one per run; it goes on to another run
    only after `st.rerun()`). A page asks for them several times, and `st.secrets` looks for its files
    again on every call when there are none."""
    cfg = getattr(_this_run, "config", None)
    if cfg is None:
        cfg = load_config(os.environ, secrets())
        if get_script_run_ctx(suppress_warning=True) is not None:  # not a test's or a tool's long-lived thread
            _this_run.config = cfg
    return cfg


NOT_SAVED = "If you had just sent an answer or made a change, it was not saved."
_opened: set[Path] = set()  # database files this server process has opened


def db() -> Database:
    """This thread's connection to the configured database (raises `store.StorageError`)."""
    cfg = config()
    thread = threading.current_thread()
    held = _connections.get(thread.ident)
    identity = _identity(cfg.db_path)
    if held and held[0] is thread and held[1] == cfg.db_path and held[3] == identity:
        return held[2]
    if cfg.db_path in _opened and identity is None:
        # Opening would quietly start a new, empty database and show a stranger's first visit.
        raise store.StorageError(
            f"The database {cfg.db_path} was deleted or moved while Closer Gym was running. Put the file "
            "back, or restart Closer Gym to start a new, empty database (and import your exports).")
    with _connections_lock:
        database = _take_finished(cfg.db_path, identity)
    if database is None:  # opening costs a few ms (pragmas, migration check): only when none is free
        database = store.open_db(cfg.db_path, create_folder=not cfg.db_path_from_env, closable_elsewhere=True)
        identity = _identity(cfg.db_path)
    else:
        store.check_db_path(cfg.db_path, create_folder=False)  # still writable?
    _opened.add(cfg.db_path)
    with _connections_lock:
        _close_finished(also=thread.ident)
        _connections[thread.ident] = (thread, cfg.db_path, database, identity)
    return database


def _identity(path: Path) -> int | None:
    """The file's inode: a database put back from a copy is another file, to be opened afresh (a connection
    to the old one would go on reading and writing it, apart from everyone else)."""
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _take_finished(path: Path, identity: int | None) -> Database | None:
    """A connection to `path` whose thread has finished, handed over rather than closed and reopened."""
    for ident, (owner, owned_path, connection, owned_identity) in list(_connections.items()):
        if owned_path == path and owned_identity == identity and not owner.is_alive():
            del _connections[ident]
            if connection.conn.in_transaction:  # never expected: a thread cannot end inside `with`
                connection.conn.rollback()
            return connection
    return None


def _close_finished(also: int | None = None) -> None:
    for ident, (owner, _, connection, _) in list(_connections.items()):
        if ident == also or not owner.is_alive():
            del _connections[ident]
            connection.close()  # its thread is gone (or is `also`, about to hold another one)


def close_finished_connections() -> int:
    """Close the connections of finished threads now; return how many are left (live threads')."""
    with _connections_lock:
        _close_finished()
        return len(_connections)


def open_connections() -> int:
    """Connections held for threads (live ones, and finished ones not yet closed)."""
    return len(_connections)


def open_storage_or_stop() -> Database:
    """Open the database; on a problem the user can fix, say what and where, and stop the page."""
    try:
        return db()
    except store.StorageError as error:
        st.error(f"**Closer Gym cannot open its database.** {error} {NOT_SAVED}", icon=":material/database:")
        st.stop()


@contextmanager
def storage_guard() -> Iterator[None]:
    """Show a storage failure met while drawing (a full disk, a read-only or vanished file) as a message
    saying what happened and what to do, instead of a traceback. Also a decorator, for fragments and
    callbacks, which Streamlit runs outside the page's own `with` blocks."""
    try:
        yield
    except sqlite3.Error as error:
        problem = store.storage_problem(error, config().db_path)
        if problem is None:
            raise  # a bug, not a problem with the disk: let it show
        st.error(f"**Closer Gym could not use its database.** {problem} {NOT_SAVED}", icon=":material/database:")
    except store.StorageError as error:
        st.error(f"**Closer Gym cannot open its database.** {error} {NOT_SAVED}", icon=":material/database:")


def fragment(function):
    """`st.fragment` with the storage guard around it: a fragment's rerun does not pass through app.py's."""
    return st.fragment(storage_guard()(function))


def trainee() -> dict | None:
    """The profile this browser session holds, checked again on every call (every run, fragment run and
    callback asks here): it must still open with the code the session opened it with (`store.opens`). A
    profile given a new code elsewhere (on another device, from the command line) is let go at once."""
    trainee_id = st.session_state.get(TRAINEE_KEY)
    if trainee_id is None:
        return None
    found = store.get_trainee(db(), trainee_id)
    held = st.session_state.get(KNOWN_KEY, {})
    if store.opens(found, held.get(trainee_id, ("", ""))[1]):
        return found
    held.pop(trainee_id, None)
    st.session_state.pop(TRAINEE_KEY, None)
    st.session_state[NOTICE_KEY] = LET_GO
    return None


ENGINE_KEY = "settings_engine"  # "builtin" when the trainee switched the LLM off for this browser session
SESSION_LLM_KEYS = {"api_key": "settings_api_key", "base_url": "settings_base_url", "model": "settings_model"}


def llm_choice() -> tuple[LLMSettings | None, str | None]:
    """The LLM this browser session uses (None: the built-in engine), and why a visitor's own endpoint typed
    on the Settings page is not used, if it is not.

    The operator's LLM comes from the environment and st.secrets; a visitor's own endpoint (URL, key, model)
    lives only in `st.session_state`, never on disk, and never borrows the operator's key."""
    if st.session_state.get(ENGINE_KEY) == "builtin":
        return None, None
    return llm_offered()


def llm_offered() -> tuple[LLMSettings | None, str | None]:
    """`llm_choice`, whether or not the trainee switched the LLM off for this browser session."""
    typed = {name: str(st.session_state.get(key) or "") for name, key in SESSION_LLM_KEYS.items()}
    try:
        return session_settings(config(), **typed), None
    except LLMError as refused:
        return None, str(refused)


def llm_settings() -> LLMSettings | None:
    return llm_choice()[0]


def browser_session() -> str:
    """This browser session (a tab): what wrong guesses at a code are counted against (`closergym.limits`).
    Never an address: behind a proxy everyone shares one, and a forwarded-for header is the client's to say.
    A random token kept in the session's state, which lives on the server: the browser cannot choose it."""
    return st.session_state.setdefault(BROWSER_KEY, secrets_module.token_urlsafe(12))


def caller() -> object:
    """Whom an LLM call counts against (calls per minute): the trainee, else this browser session."""
    trainee_id = st.session_state.get(TRAINEE_KEY)
    if trainee_id is not None:
        return trainee_id
    ctx = get_script_run_ctx(suppress_warning=True)
    return ("session", ctx.session_id if ctx else None)


def llm_client() -> LLMClient | None:
    settings = llm_settings()
    return client_for(settings) if settings else None


def library_for(trainee_id: int | None):
    """The library a trainee trains on: the shipped objections plus their team's own, with the team's product
    (`closergym.team.library_for`; the shipped library itself when the team wrote nothing)."""
    from closergym import team
    return team.library_for(db(), trainee_id, bootcamp=config().bootcamp)


XSRF_COOKIE = "_streamlit_xsrf"  # Streamlit's own per-browser cookie (server.enableXsrfProtection, on by default)


def browser_id() -> str:
    """This browser (every tab of it, until it is closed), or "" when it cannot be told: a digest of the random
    token in Streamlit's XSRF cookie, a session cookie the server sets and keeps the same across reloads.
    The cookie's value is masked afresh on each response, so the token is read from under its mask."""
    try:
        raw = (st.context.cookies.get(XSRF_COOKIE) or "").strip("\"'")
    except Exception:  # no browser behind this run (a test, a tool)
        return ""
    parts = raw.split("|")
    try:
        if len(parts) != 4 or parts[0] != "2":
            return ""
        mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
    except ValueError:
        return ""
    if not mask or not masked:
        return ""
    token = bytes(byte ^ mask[index % len(mask)] for index, byte in enumerate(masked))
    return hashlib.sha256(b"closergym-browser:" + token).hexdigest()[:32]


def public_base_url(page: str) -> str:
    """The app's address for links others open (join links): CLOSERGYM_PUBLIC_URL when set, else the address
    this browser uses, without the current `page`'s path, else the request's Host header."""
    if config().public_url:
        return config().public_url
    try:
        url, host = st.context.url, st.context.headers.get("Host")
    except Exception:  # no browser behind this run
        url, host = None, None
    if url:
        url = url.split("?")[0].rstrip("/")
        return url.removesuffix(f"/{page}")
    return f"http://{host}" if host else ""


_settled_pages: set[str] = set()
_settled_lock = threading.Lock()


def settle_heap(page: str) -> None:
    """Once per page and process, after the page's first run: what the heap holds by then (modules, the library,
    compiled patterns, Streamlit's own objects) stays for good, so it is moved out of the garbage collector's
    sight. Python's own full collections, which stop every session on the server, then scan only what later
    runs make: ~60 ms each before (a p95 answer), a few ms after. The first run of each page pays one collection."""
    with _settled_lock:
        if page in _settled_pages:
            return
        _settled_pages.add(page)
        gc.collect()
        gc.freeze()
