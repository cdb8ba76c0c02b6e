"""The trainee picker: choose or create who is training, remembered in the URL (`?trainee=Name`)."""

from __future__ import annotations

import streamlit as st

from closergym import store
from components import context

PICK_KEY = "sidebar_trainee_pick"
URL_SEEN_KEY = "sidebar_trainee_url_seen"


def sync_from_url() -> dict | None:
    """Adopt `?trainee=` when it changed (a shared link, a reload), else keep the URL in step."""
    wanted = st.query_params.get("trainee")
    current = context.trainee()
    if wanted and wanted != st.session_state.get(URL_SEEN_KEY):
        found = store.get_trainee_by_name(context.db(), wanted)
        if found:
            st.session_state[context.TRAINEE_KEY] = found["id"]
            current = found
    if current and wanted != current["name"]:
        st.query_params["trainee"] = current["name"]
    st.session_state[URL_SEEN_KEY] = current["name"] if current else wanted
    return current


def _picked() -> None:
    st.session_state[context.TRAINEE_KEY] = st.session_state[PICK_KEY]


def _create(key: str) -> None:
    name = st.session_state.get(f"{key}_name", "")
    try:
        trainee = store.create_trainee(context.db(), name)
    except ValueError as error:
        st.session_state[f"{key}_error"] = str(error)
        return
    st.session_state.pop(f"{key}_error", None)
    st.session_state[context.TRAINEE_KEY] = trainee["id"]
    st.query_params["trainee"] = trainee["name"]


def create_form(key: str, *, label: str = "Your name", button: str = "Start training") -> None:
    with st.form(key, clear_on_submit=True, border=False):
        st.text_input(label, key=f"{key}_name", max_chars=store.NAME_MAX, placeholder="e.g. Sam")
        st.form_submit_button(button, on_click=_create, args=(key,), type="primary", key=f"{key}_submit")
    error = st.session_state.pop(f"{key}_error", None)
    if error:
        st.error(error)


def sidebar_picker(current: dict | None) -> None:
    trainees = store.list_trainees(context.db())
    if trainees:
        ids = [row["id"] for row in trainees]
        names = {row["id"]: row["name"] for row in trainees}
        st.session_state[PICK_KEY] = current["id"] if current else None
        st.selectbox(
            "Trainee",
            ids,
            format_func=names.__getitem__,
            key=PICK_KEY,
            on_change=_picked,
            placeholder="Who is training?",
        )
    with st.expander("New trainee", expanded=not trainees):
        create_form("sidebar_new_trainee", button="Create")


def require() -> dict:
    """The current trainee; if there is none, a friendly start form, and the page stops here."""
    current = context.trainee()
    if current:
        return current
    st.info("Pick your name in the sidebar, or create it here, to start training. "
            "Everything you practise is saved under it.", icon="👋")
    create_form("page_new_trainee")
    st.stop()
