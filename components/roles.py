"""Who is at the keyboard: a trainee, or an instructor (passcode or st.login when configured).

A passcode sign-in is a signed token (`closergym.cohorts.sign_in_token`, never the passcode) held by the
browser session and kept in the page's address (`?instructor=...`), so a reload keeps it, as a trainee's
profile is kept by its link. It is checked on every run: a new passcode, its expiry, signing out, or
another browser (the token names the one it was made for) ends it.
"""

from __future__ import annotations

import time

import streamlit as st

import runtime
from closergym import cohorts, limits

INSTRUCTOR_KEY = "instructor_signed_in"  # the session's sign-in token
URL_KEY = "instructor"
SIGNED_OUT = "You are signed out as instructor."


def _logged_in_email() -> str | None:
    try:
        return st.user.get("email") if st.user.get("is_logged_in") else None
    except Exception:  # st.user needs an [auth] section; without one there is no login
        return None


def _holds(token: object) -> bool:
    cfg = runtime.config()
    return isinstance(token, str) and bool(token) and cohorts.token_holds(runtime.db(), cfg.instructor_passcode, token,
                                               browser=runtime.browser_id(), now=int(time.time()))


def _oidc_instructor() -> bool:
    cfg = runtime.config()
    return cfg.auth_configured and cohorts.is_instructor_email(_logged_in_email(), cfg.instructors)


def is_instructor() -> bool:
    return _oidc_instructor() or _holds(st.session_state.get(INSTRUCTOR_KEY))


def sync_from_url() -> None:
    """Adopt a sign-in token from the address (a reload, a new tab), let go of one that no longer holds, and
    keep the address in step with the session's (app.py calls this on every run)."""
    held, given = st.session_state.get(INSTRUCTOR_KEY), st.query_params.get(URL_KEY)
    if held and not _holds(held):
        st.session_state.pop(INSTRUCTOR_KEY, None)
        held = None
    if not held and given and given != held and _holds(given):
        st.session_state[INSTRUCTOR_KEY] = held = given
    if held and given != held:
        st.query_params[URL_KEY] = held
    elif not held and URL_KEY in st.query_params:
        del st.query_params[URL_KEY]


@runtime.storage_guard()  # callbacks run before app.py's guard
def _sign_out() -> None:
    cohorts.sign_out(runtime.db(), st.session_state.pop(INSTRUCTOR_KEY, None), now=int(time.time()))
    if URL_KEY in st.query_params:
        del st.query_params[URL_KEY]
    st.toast(SIGNED_OUT, icon=":material/logout:")


def sign_out_button(*, key: str) -> None:
    """One click signs the instructor out (the passcode's token, or the st.login account)."""
    if st.session_state.get(INSTRUCTOR_KEY):
        st.button("Sign out", icon=":material/logout:", key=key, on_click=_sign_out,
                  help="Ends the instructor sign-in in this browser, and the address that holds it")
    elif _oidc_instructor():
        st.button("Sign out", icon=":material/logout:", key=key, on_click=st.logout)


def sign_in() -> None:
    """The instructor sign-in: st.login when OIDC is configured, else the passcode."""
    cfg = runtime.config()
    if not cfg.bootcamp:
        st.info("Bootcamp mode is off. Set an instructor passcode (CLOSERGYM_INSTRUCTOR_PASSCODE) or an [auth] "
                "section with instructor e-mails in st.secrets to turn it on: see the README.", icon=":material/school:")
        return
    if cfg.auth_configured and cfg.instructors:
        if _logged_in_email():
            st.warning("You are signed in, but not as an instructor.", icon=":material/lock:")
        st.button("Sign in as instructor", icon=":material/key:", on_click=st.login)
    if cfg.instructor_passcode:
        with st.form("instructor_sign_in"):
            given = st.text_input("Instructor passcode", type="password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted and not given.strip():  # a click on an empty box is no guess: nothing to count
            st.warning("Type the instructor passcode first.", icon=":material/key:")
        elif submitted:
            try:
                ok = limits.PASSCODE.check(runtime.browser_session(),
                                           lambda: cohorts.passcode_matches(cfg.instructor_passcode, given))
            except limits.TooManyGuesses as error:
                st.error(str(error), icon=":material/hourglass_empty:")
                return
            if ok:
                token = cohorts.sign_in_token(cfg.instructor_passcode, browser=runtime.browser_id(),
                                              now=int(time.time()))
                st.session_state[INSTRUCTOR_KEY] = token
                st.query_params[URL_KEY] = token  # a reload keeps the sign-in
                st.rerun()
            st.error("That passcode is not right.", icon=":material/lock:")
