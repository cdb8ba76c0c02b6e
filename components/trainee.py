"""Who is training: a private profile, opened by its name and access code and remembered in the URL
(`?trainee=Name&code=XXXX-XXXX-XXXX`), so a bookmark or a reload brings you back.

The app never lists other people's profiles: a browser session sees only the profiles it created or
opened with their code. A name in the URL without the right code opens nothing, and a profile with no code
at all (made before private profiles existed) opens in no browser. Whether the session still holds its
profile is checked on every run (`runtime.trainee`): fragments call `recheck` and callbacks `holds`.
"""

from __future__ import annotations

import streamlit as st

import runtime
from closergym import limits, store
from components import pages
from components.text import literal

PICK_KEY = "sidebar_trainee_pick"
URL_SEEN_KEY = "sidebar_trainee_url_seen"
KNOWN_KEY = runtime.KNOWN_KEY  # {trainee id: (name, access code)} opened in this browser session
NOTICE_KEY = runtime.NOTICE_KEY
WELCOME_KEY = "trainee_welcome"  # a new profile's access code, on every page until acknowledged
PRIVATE = "“{name}” is a private profile: open it with its access code (Switch trainee, in the sidebar)."
NO_CODE = ("“{name}” was made before profiles had access codes, so it opens in no browser until it is given one: "
           "ask your instructor, or whoever runs Closer Gym (`python -m closergym trainees --new-code NAME`).")
SWITCH_KEY = "sidebar_switch_trainee"
SWITCHED_KEY = "trainee_switched"  # set by a form's callback: the dialog closes on its next run
NEW_KEY, OPEN_KEY = "sidebar_new_trainee", "sidebar_open_trainee"


def known() -> dict[int, tuple[str, str]]:
    return st.session_state.setdefault(KNOWN_KEY, {})


def adopt(trainee: dict, code: str | None) -> None:
    known()[trainee["id"]] = (trainee["name"], code or "")
    st.session_state[runtime.TRAINEE_KEY] = trainee["id"]


def sync_from_url() -> dict | None:
    """Adopt `?trainee=&code=` when they changed (a bookmark, a reload), else keep the URL in step."""
    wanted, code = st.query_params.get("trainee"), st.query_params.get("code")
    current = runtime.trainee()
    if wanted and (wanted, code) != st.session_state.get(URL_SEEN_KEY):
        found = store.get_trainee_by_name(runtime.db(), wanted)
        try:
            opens = bool(code) and limits.ACCESS_CODES.check(runtime.browser_session(), lambda: store.opens(found, code))
        except limits.TooManyGuesses as error:
            opens, found = False, None
            st.session_state[NOTICE_KEY] = str(error)
        if opens:
            adopt(found, code)
            current = found
        elif found and not (current and current["id"] == found["id"]):
            st.session_state[NOTICE_KEY] = (PRIVATE if found.get("access_hash") else NO_CODE).format(name=literal(wanted))
    if current:
        current_code = known().get(current["id"], ("", ""))[1]
        if wanted != current["name"]:
            st.query_params["trainee"] = current["name"]
        if current_code and code != current_code:
            st.query_params["code"] = current_code
        elif not current_code and "code" in st.query_params:
            del st.query_params["code"]
        st.session_state[URL_SEEN_KEY] = (current["name"], current_code or None)
    else:
        st.session_state[URL_SEEN_KEY] = (wanted, code)
    return current


def _picked() -> None:
    st.session_state[runtime.TRAINEE_KEY] = st.session_state[PICK_KEY]


@runtime.storage_guard()  # callbacks run before app.py's guard
def _create(key: str, then=None) -> None:
    name = st.session_state.get(f"{key}_name", "")
    try:
        trainee = store.create_trainee(runtime.db(), name, private=True)
    except ValueError as error:
        st.session_state[f"{key}_error"] = str(error)
        return
    st.session_state.pop(f"{key}_error", None)
    adopt(trainee, trainee["access_code"])
    st.session_state[SWITCHED_KEY] = True
    st.session_state[WELCOME_KEY] = {"id": trainee["id"], "text": (
        f"Welcome, {literal(trainee['name'])}! Your access code is **{trainee['access_code']}**. "
        "Bookmark this page, or keep the code: it is the only way back to your profile. Settings shows it again, "
        "with your private link.")}
    if then is not None:
        then(trainee)  # what the form was for, besides the profile (joining a cohort)


@runtime.storage_guard()
def _open(key: str) -> None:
    name, code = st.session_state.get(f"{key}_name", ""), st.session_state.get(f"{key}_code", "")
    found = store.get_trainee_by_name(runtime.db(), name)
    try:
        opens = limits.ACCESS_CODES.check(runtime.browser_session(), lambda: store.opens(found, code))
    except limits.TooManyGuesses as error:
        st.session_state[f"{key}_error"] = str(error)
        return
    if not opens:
        st.session_state[f"{key}_error"] = "That name and access code do not match a profile."
        return
    st.session_state.pop(f"{key}_error", None)
    adopt(found, code.strip().upper())
    st.session_state[SWITCHED_KEY] = True


def create_form(key: str, *, label: str = "Your name", button: str = "Start training", then=None) -> None:
    """A new private profile's form; `then(trainee)`, if given, runs in the same callback once it is made."""
    with st.form(key, clear_on_submit=True, border=False):
        # no max_chars: the browser drops a longer paste without a word; the name's check says the limit
        st.text_input(label, key=f"{key}_name", placeholder="e.g. Sam")
        st.form_submit_button(button, on_click=_create, args=(key, then), type="primary", key=f"{key}_submit")
    error = st.session_state.pop(f"{key}_error", None)
    if error:
        st.error(error)


def open_form(key: str) -> None:
    with st.form(key, clear_on_submit=True, border=False):
        st.text_input("Name", key=f"{key}_name")
        st.text_input("Access code", key=f"{key}_code", type="password", placeholder="XXXX-XXXX-XXXX")
        st.form_submit_button("Open my profile", on_click=_open, args=(key,), key=f"{key}_submit")
    error = st.session_state.pop(f"{key}_error", None)
    if error:
        st.error(error)


def sidebar_picker(current: dict | None) -> None:
    profiles = known()  # the current profile is one of them (`runtime.trainee` lets go of any other)
    if len(profiles) > 1:
        st.session_state[PICK_KEY] = current["id"] if current else None
        st.selectbox("Trainee", list(profiles), format_func=lambda i: profiles[i][0], key=PICK_KEY,
                     on_change=_picked, placeholder="Who is training?")
    elif current:
        st.markdown(f"Training as **{literal(current['name'])}**")
    # The forms live in a dialog, drawn only when asked for: kept in the sidebar, their dozen widgets
    # were redrawn by the browser after every answer on every page.
    st.session_state.pop(SWITCHED_KEY, None)  # a full run: the switch, if any, is already shown
    pending_error = any(f"{key}_error" in st.session_state for key in (NEW_KEY, OPEN_KEY))
    if st.button("Switch trainee" if current else "Open or create a profile", key=SWITCH_KEY, icon=":material/person:",
                 width="stretch") or pending_error:
        switch_dialog()


def notice(kept: dict[str, str]) -> None:
    """A one-time notice (a new profile's access code, a profile that needs its code), at the top of the
    page: in the sidebar it went unseen on a phone, where the sidebar is closed. `kept`: the address's profile,
    for the link to Settings (which shows the code again)."""
    text = st.session_state.pop(NOTICE_KEY, None)
    if text:
        st.info(text, icon=":material/key:")
    # A new profile's code stays until it is acknowledged: shown once, it was lost to a double click (the
    # second click's rerun cut the first one's off before it reached the browser).
    welcome = st.session_state.get(WELCOME_KEY)
    if welcome and welcome["id"] == st.session_state.get(runtime.TRAINEE_KEY):  # not once another profile is open
        st.info(welcome["text"], icon=":material/key:")
        with st.container(horizontal=True, vertical_alignment="center"):
            st.button("I have saved my code", key="trainee_welcome_seen", type="tertiary", icon=":material/check:",
                      on_click=st.session_state.pop, args=(WELCOME_KEY, None))
            st.page_link(pages.SETTINGS, label="Settings", icon=":material/settings:", query_params=kept)


@st.dialog("Your profile")
def switch_dialog() -> None:
    new, existing = st.tabs(["New", "Open with a code"])
    with new:
        create_form(NEW_KEY, button="Create")
    with existing:
        open_form(OPEN_KEY)
    if st.session_state.pop(SWITCHED_KEY, False):
        st.rerun()  # the whole app, with the dialog closed: the sidebar and page now show the new profile


def holds(trainee_id: int) -> bool:
    """Whether this browser session still holds that profile: a callback that writes for a trainee asks
    first (callbacks run before the page, and a new code elsewhere may have shut this session out)."""
    current = runtime.trainee()
    return current is not None and current["id"] == trainee_id


def recheck(trainee_id: int) -> None:
    """At the top of a fragment, whose reruns skip app.py: a profile this session no longer holds reruns
    the whole app, which then asks who is training."""
    if not holds(trainee_id):
        st.rerun()


def require() -> dict:
    """The current trainee; if there is none, a friendly start form, and the page stops here."""
    current = runtime.trainee()
    if current:
        return current
    st.info("Create your profile to start training, or open yours with its access code (sidebar → "
            "Open or create a profile). "
            "Everything you practise is saved under it, and only you can open it.", icon=":material/waving_hand:")
    create_form("page_new_trainee")
    st.stop()
