import streamlit as st

import runtime
from closergym import cohorts, limits
from components import pages, trainee
from components.text import literal

# A cohort's join link (`/join?cohort=K7QX2M`): which cohort this is, and one step to join it, with a new
# profile made on the way for someone who has none. The code is looked up once per browser session
# (wrong codes count as guesses: closergym.limits).
st.title(":material/group_add: Join a cohort")
db = runtime.db()
LOOKED_UP, JOINED = "join_looked_up", "join_joined"
code = "".join((st.query_params.get("cohort") or "").split()).upper()[:12]


def look_up(code: str) -> dict | None:
    seen = st.session_state.get(LOOKED_UP)
    if not seen or seen[0] != code:
        try:
            found = limits.JOIN_CODES.check(runtime.browser_session(), lambda: cohorts.cohort_by_code(db, code))
        except limits.TooManyGuesses as error:
            st.error(str(error), icon=":material/hourglass_top:")
            st.stop()
        st.session_state[LOOKED_UP] = seen = (code, found["id"] if found else None)
    return next((c for c in cohorts.list_cohorts(db) if c["id"] == seen[1]), None) if seen[1] else None


@runtime.storage_guard()  # callbacks run before app.py's guard
def join(me: dict, join_code: str) -> None:
    if trainee.holds(me["id"]):  # this run's connection: a callback runs on the next run's thread
        cohorts.join_cohort(runtime.db(), me["id"], join_code)
        st.session_state[JOINED] = True


cohort = look_up(code) if code else None
if cohort is None:
    if code:
        st.warning("That join link does not match any cohort: it may be mistyped, or the cohort was removed. "
                   "Type the join code your instructor gave you.", icon=":material/link_off:")
    with st.form("join_code_form", border=False):
        typed = cohorts.typed_join_code(st.text_input("Join code", placeholder="e.g. K7QX2M, or the join link"))
        if st.form_submit_button("Find my cohort", type="primary"):
            if typed:
                st.query_params["cohort"] = typed[:12]
                st.rerun()
            st.warning("Type the join code your instructor gave you.", icon=":material/group_add:")
    st.stop()

st.header(f"You are joining {literal(cohort['name'])}", anchor=False)
st.write("Your instructor sees how the class is doing (averages, where it loses points) and, by name, how often "
         "each member practises. On the cohort's leaderboard you are “Trainee N” unless you choose to show your "
         "name (Settings → Your profile). What you type stays in your private profile.")
me = runtime.trainee()
member = me is not None and cohort["id"] in {c["id"] for c in cohorts.trainee_cohorts(db, me["id"])}
if member:
    if st.session_state.pop(JOINED, None):
        st.success(f"You joined {literal(cohort['name'])}.", icon=":material/check_circle:")
    else:
        st.info(f"You are in {literal(cohort['name'])}, as **{literal(me['name'])}**.", icon=":material/groups:")
    st.page_link(pages.SPARRING, label="Start sparring", icon=":material/sports_mma:")
    st.page_link(pages.LESSONS, label="Read the lessons", icon=":material/menu_book:")
elif me is not None:
    st.button(f"Join as {me['name']}", type="primary", icon=":material/group_add:", on_click=join,
              args=(me, cohort["join_code"]), key="join_as_current")
    with st.expander("Not you? Create your own profile"):
        trainee.create_form("join_new_trainee", button="Create my profile and join",
                            then=lambda made: join(made, cohort["join_code"]))
else:
    st.subheader("New here? Your name, and you are in", anchor=False)
    trainee.create_form("join_new_trainee", button="Create my profile and join",
                        then=lambda made: join(made, cohort["join_code"]))
    st.caption("Already have a profile? Open it first (sidebar → Open or create a profile), then come back to "
               "this link.")
