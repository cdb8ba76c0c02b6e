"""Per-run context for pages: settings, this thread's database connection, the current trainee.

A connection belongs to one thread and is opened lazily the first time a script run (or a fragment
rerun) asks for it; it is never shared through `st.cache_resource`.
"""

from __future__ import annotations

import os
import threading

import streamlit as st
from sqlite_utils import Database

from closergym import store
from closergym.config import Config, load_config

_local = threading.local()

TRAINEE_KEY = "trainee_id"


def secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml is the normal, zero-configuration case
        return {}


def config() -> Config:
    return load_config(os.environ, secrets())


def db() -> Database:
    """This thread's connection to the configured database (raises `store.StorageError`)."""
    cfg = config()
    cached = getattr(_local, "db", None)
    if cached is not None and _local.path == cfg.db_path:
        return cached
    _local.db = store.open_db(cfg.db_path, create_folder=not cfg.db_path_from_env)
    _local.path = cfg.db_path
    return _local.db


def open_storage_or_stop() -> Database:
    """Open the database; on a problem the user can fix, say what and where, and stop the page."""
    try:
        return db()
    except store.StorageError as error:
        st.error(f"**Closer Gym cannot open its database.** {error}", icon="🗄️")
        st.stop()


def trainee() -> dict | None:
    trainee_id = st.session_state.get(TRAINEE_KEY)
    if trainee_id is None:
        return None
    return store.get_trainee(db(), trainee_id)
