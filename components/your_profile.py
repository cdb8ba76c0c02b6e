"""Settings → Your profile: the private link, joining a cohort, and the leaderboard opt-in."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from closergym import cohorts, store
from components import context, trainee
from components.text import literal


@context.storage_guard()  # callbacks run before app.py's guard
def new_code(me: dict) -> None:
    code = store.reset_access_code(context.db(), me["id"])
    trainee.adopt(me, code)
    st.query_params["code"] = code
    st.session_state[trainee.NOTICE_KEY] = (f"Your new access code is **{code}**: the old one no longer works. "
                                            "Bookmark the new link below.")


def render(me: dict | None) -> None:
    st.subheader("Your profile")
    if me is None:
        st.caption("Create or open a profile (in the sidebar) to see your private link and cohorts.")
        return
    db = context.db()
    code = trainee.known().get(me["id"], ("", ""))[1]
    if code:
        link = f"{(st.context.url or '').split('?')[0]}?{urlencode({'trainee': me['name'], 'code': code})}"
        st.write("Your private link: bookmark it. Anyone with it can open your profile; nobody without it can.")
        st.code(link, language=None)
    elif me.get("access_hash"):
        st.caption("Open this profile once through its private link to see the link here again.")
    else:
        st.caption("This profile has no access code yet: anyone who knows its name can open it.")
    label = "Issue a new access code" if me.get("access_hash") else "Make this profile private"
    st.button(label, icon="🔐", on_click=new_code, args=(me,), key="profile_new_code",
              help="Gives this profile a new code: the old code and old links stop working.")

    joined = cohorts.trainee_cohorts(db, me["id"])
    if joined:
        st.write("Your cohorts: " + ", ".join(f"**{literal(c['name'])}**" for c in joined))
    with st.form("join_cohort", clear_on_submit=True):
        code_in = st.text_input("Join a cohort", value=st.query_params.get("join", ""), max_chars=12,
                                placeholder="Join code from your instructor, e.g. K7QX2M")
        if st.form_submit_button("Join"):
            try:
                cohort = cohorts.join_cohort(db, me["id"], code_in)
                st.success(f"You joined {literal(cohort['name'])}.", icon="👥")
            except cohorts.CohortError as error:
                st.warning(str(error))
    shown = st.toggle("Show my name on my cohort's leaderboard", value=bool(me.get("show_on_leaderboard")),
                      help="Off by default: the leaderboard lists you as “Trainee N”.")
    if shown != bool(me.get("show_on_leaderboard")):
        cohorts.set_leaderboard_opt_in(db, me["id"], shown)
