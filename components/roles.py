"""Who is at the keyboard: a trainee, or an instructor (passcode or st.login when configured)."""

from __future__ import annotations

import streamlit as st

import runtime
from closergym import cohorts, limits

INSTRUCTOR_KEY = "instructor_signed_in"


def _logged_in_email() -> str | None:
    try:
        return st.user.get("email") if st.user.get("is_logged_in") else None
    except Exception:  # st.user needs an [auth] section; without one there is no login
        return None


def is_instructor() -> bool:
    cfg = runtime.config()
    if cfg.auth_configured and cohorts.is_instructor_email(_logged_in_email(), cfg.instructors):
        return True
    return bool(cfg.instructor_passcode) and bool(st.session_state.get(INSTRUCTOR_KEY))


def sign_in() -> None:
    """The instructor sign-in: st.login when OIDC is configured, else the passcode."""
    cfg = runtime.config()
    if not cfg.bootcamp:
        st.info("Bootcamp mode is off. Set an instructor passcode (CLOSERGYM_INSTRUCTOR_PASSCODE) or an [auth] "
                "section with instructor e-mails in st.secrets to turn it on: see the README.", icon="🎓")
        return
    if cfg.auth_configured and cfg.instructors:
        if _logged_in_email():
            st.warning("You are signed in, but not as an instructor.", icon="🔒")
        st.button("Sign in as instructor", icon="🔑", on_click=st.login)
    if cfg.instructor_passcode:
        with st.form("instructor_sign_in"):
            given = st.text_input("Instructor passcode", type="password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            try:
                ok = limits.PASSCODE.check(runtime.browser_session(),
                                           lambda: cohorts.passcode_matches(cfg.instructor_passcode, given))
            except limits.TooManyGuesses as error:
                st.error(str(error), icon="⏳")
                return
            if ok:
                st.session_state[INSTRUCTOR_KEY] = True
                st.rerun()
            st.error("That passcode is not right.", icon="🔒")
