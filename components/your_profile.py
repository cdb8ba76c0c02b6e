"""Settings → Your profile: the private link, joining a cohort, and the leaderboard opt-in."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

import runtime
from closergym import cohorts, limits, store
from components import trainee
from components.text import literal

ISSUED_KEY = "profile_code_issued"  # a new code, shown once inside the popover that asked for it


@runtime.storage_guard()  # callbacks run before app.py's guard
def new_code(me: dict) -> None:
    if not trainee.holds(me["id"]):  # shut out by a newer code: it cannot issue one of its own
        return
    code = store.reset_access_code(runtime.db(), me["id"])
    trainee.adopt(me, code)
    st.query_params["code"] = code
    st.session_state[ISSUED_KEY] = code  # shown in the popover; a notice at the top of the page would shift
    # every element below it, and Streamlit then draws the popover closed


def render(me: dict | None) -> None:
    st.subheader("Your profile")
    if me is None:
        st.caption("Create or open a profile (in the sidebar) to see your private link and cohorts.")
        return
    db = runtime.db()
    code = trainee.known()[me["id"]][1]  # the session holds it, with its code (`runtime.trainee`)
    link = f"{(st.context.url or '').split('?')[0]}?{urlencode({'trainee': me['name'], 'code': code})}"
    st.write(f"Your access code is **{literal(code)}**. Your private link: bookmark it. Anyone with it can open your "
             "profile; nobody without it can.")
    st.code(link, language=None, wrap_lines=True)  # whole on a phone, not cut at its edge
    with st.popover("Issue a new access code", icon=":material/lock:"):  # asked twice: a new code stops every old link at once
        issued = st.session_state.pop(ISSUED_KEY, None)
        if issued:
            st.success(f"Your new access code is **{issued}**. Your private link above has it too.", icon=":material/key:")
        else:
            st.write("The old code and every link with it stop working at once, on every device. The new "
                     "code shows here and in your private link above.")
            st.button("Yes, issue a new code", type="primary", on_click=new_code, args=(me,), key="profile_new_code")

    listed = st.empty()  # filled after the form, so a cohort joined just now is listed at once
    before = {c["id"] for c in cohorts.trainee_cohorts(db, me["id"])}
    with st.form("join_cohort", clear_on_submit=True):
        code_in = st.text_input("Join a cohort", value=st.query_params.get("join", ""),
                                placeholder="Join code from your instructor, e.g. K7QX2M, or the join link")
        code_in = cohorts.typed_join_code(code_in)
        if st.form_submit_button("Join"):
            try:
                if not code_in:
                    raise cohorts.CohortError("Type the join code your instructor gave you.")
                limits.JOIN_CODES.check(runtime.browser_session(), lambda: cohorts.cohort_by_code(db, code_in))
                cohort = cohorts.join_cohort(db, me["id"], code_in)
                if cohort["id"] in before:
                    st.info(f"You are already in {literal(cohort['name'])}.", icon=":material/group:")
                else:
                    st.success(f"You joined {literal(cohort['name'])}.", icon=":material/group:")
            except (cohorts.CohortError, limits.TooManyGuesses) as error:
                st.warning(str(error))
    joined = cohorts.trainee_cohorts(db, me["id"])
    if joined:
        listed.write("Your cohorts: " + ", ".join(f"**{literal(c['name'])}**" for c in joined))
    # A keyed toggle with a callback: a `value=` read from the database would change the widget's identity
    # after each save, and the next click would be lost.
    key = f"leaderboard_opt_in_{me['id']}"
    if key not in st.session_state:
        st.session_state[key] = bool(me.get("show_on_leaderboard"))
    st.toggle("Show my name on my cohort's leaderboard", key=key, on_change=save_opt_in, args=(me["id"], key),
              help="Off by default: the leaderboard lists you as “Trainee N”.")


@runtime.storage_guard()  # callbacks run before app.py's guard
def save_opt_in(trainee_id: int, key: str) -> None:
    if trainee.holds(trainee_id):
        cohorts.set_leaderboard_opt_in(runtime.db(), trainee_id, bool(st.session_state[key]))
