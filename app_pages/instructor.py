from datetime import UTC, datetime, timedelta

import streamlit as st

import runtime
from closergym import cohorts, demo, schedule, store, tracks
from closergym.content import library
from closergym.grading import MOVE_LABELS
from components import class_charts, roles
from components.text import literal

head, out = st.columns([5, 1], vertical_alignment="bottom")
head.title(":material/school: Instructor")
if not roles.is_instructor():
    st.write("Run a class: create a cohort and share its join link, follow the class on a dashboard, grade a "
             "class exercise from a CSV, and present sparring live.")
    roles.sign_in()
    st.stop()

with out:
    roles.sign_out_button(key="instructor_sign_out")
db, lib = runtime.db(), library()
RESET_KEY = "instructor_reset"  # the profile found for a new access code, until it is issued or cancelled
ISSUED_KEY = "instructor_reset_issued"  # (name, code): shown once, on the run after the click


@runtime.storage_guard()  # callbacks run before app.py's guard
def issue_code() -> None:
    pending = st.session_state.pop(RESET_KEY, None)
    if pending and roles.is_instructor():  # checked again: a callback runs before the page's own check
        st.session_state[ISSUED_KEY] = (pending["name"], store.reset_access_code(runtime.db(), pending["id"]))


cohort_tab, dashboard_tab, batch_tab, demo_tab = st.tabs(["Cohorts", "Dashboard", "Batch grading", "Demo data"])

with cohort_tab:
    with st.form("new_cohort", clear_on_submit=True):
        # no max_chars: the browser drops a longer paste without a word; create_cohort says what the limit is
        name = st.text_input("New cohort", placeholder="e.g. Spring bootcamp")
        if st.form_submit_button("Create cohort", type="primary"):
            try:
                created = cohorts.create_cohort(db, name)
                st.success(f"Created {literal(created['name'])}. Join code: **{created['join_code']}**")
            except cohorts.CohortError as error:
                st.warning(str(error))
    base, listed = runtime.public_base_url("instructor"), cohorts.list_cohorts(db)
    if listed and cohorts.only_this_computer(base):
        st.warning(f"Join links use `{base}`, which opens only on this computer. Set `CLOSERGYM_PUBLIC_URL` to "
                   "the address trainees open (README → Configuration), or open this page at that address.",
                   icon=":material/public_off:")
    for cohort in listed:
        link = cohorts.join_link(base, cohort["join_code"])
        with st.container(border=True):
            st.markdown(f"**{literal(cohort['name'])}**{' · demo' if cohort['is_demo'] else ''} · "
                        f"{cohort['members']} member{'' if cohort['members'] == 1 else 's'} · join code **{cohort['join_code']}**")
            st.code(link, language=None, wrap_lines=True)  # whole on a phone, not cut at its edge
    st.markdown(":material/co_present: [Open the presenter view](/?present=1): large type for a projector, no "
                "personal data, and a “reveal the grade” step so the class can guess first.")
    with st.expander("A trainee lost their access code", icon=":material/key:"):
        st.caption("Issue a new code for a member of one of your cohorts: the old code, every link with it and "
                   "every browser open with it stop working at once. Give the new code to its owner, and to "
                   "nobody else.")
        with st.form("instructor_new_code", clear_on_submit=True, border=False):
            lost = st.text_input("Trainee's name", key="instructor_new_code_name")
            if st.form_submit_button("Find the profile"):
                st.session_state.pop(RESET_KEY, None)
                found = store.get_trainee_by_name(db, lost) if lost.strip() else None
                joined = cohorts.trainee_cohorts(db, found["id"]) if found and not found["is_demo"] else []
                if not lost.strip():
                    st.warning("Type the trainee's name, as their profile shows it.")
                elif not joined:
                    st.warning(f"None of your cohorts has a member called “{literal(lost.strip()[:store.NAME_MAX])}”. "
                               "A profile outside your cohorts is not yours to reopen: whoever runs this server "
                               "can issue its code (`python -m closergym trainees --new-code NAME`).")
                else:
                    st.session_state[RESET_KEY] = {"id": found["id"], "name": found["name"],
                                                   "cohorts": [c["name"] for c in joined]}
        if pending := st.session_state.get(RESET_KEY):
            st.markdown(f"Issue a new access code for **{literal(pending['name'])}** "
                        f"({literal(', '.join(pending['cohorts']))})? Their old code stops working at once.")
            with st.container(horizontal=True):
                st.button("Issue the new code", type="primary", icon=":material/key:", on_click=issue_code)
                st.button("Cancel", key="instructor_reset_cancel", on_click=st.session_state.pop, args=(RESET_KEY, None))
        if issued := st.session_state.pop(ISSUED_KEY, None):
            st.success(f"The new access code of {literal(issued[0])} is **{issued[1]}** (shown once).",
                       icon=":material/key:")
    if locked := {t["id"]: t["name"] for t in store.without_code(db)}:
        with st.expander(f"Profiles without an access code ({len(locked)})", icon=":material/lock:"):
            st.caption("Made before profiles had access codes, or from the command line: they open in no browser "
                       "until given a code. Give the code to the profile's owner, and to nobody else.")
            with st.form("give_code", border=False):
                chosen = st.selectbox("Profile", list(locked), format_func=locked.get)
                if st.form_submit_button("Give it an access code"):
                    code = store.give_first_code(db, chosen)
                    if code:
                        st.success(f"The access code of {literal(locked[chosen])} is **{code}** (shown once).", icon=":material/key:")
                    else:
                        st.warning(f"{literal(locked[chosen])} has an access code already.")


def dashboard() -> None:
    """The cohort dashboard: activity, where the class loses points, per trainee, the leaderboard."""
    choices = {c["id"]: c for c in cohorts.list_cohorts(db)}
    if not choices:
        st.info("Create a cohort (or the demo cohort) first.", icon=":material/group:")
        return
    pick, period = st.columns([2, 3], vertical_alignment="bottom")
    chosen = pick.selectbox("Cohort", list(choices), format_func=lambda i: choices[i]["name"])
    with period:
        days = st.segmented_control("Period", [7, 30, 90], default=30, format_func=lambda d: f"{d} days",
                                    required=True)
    since = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d")
    rows = cohorts.members(db, chosen, since=since)
    if not rows:
        st.info(f"Nobody has joined {literal(choices[chosen]['name'])} yet. Share its join code "
                f"**{choices[chosen]['join_code']}** or its link (Cohorts tab); this fills in as trainees practise.",
                icon=":material/group:")
        return
    active = sum(1 for r in rows if r["turns_recent"])
    a, b, c = st.columns(3)
    a.metric("Members", len(rows))
    b.metric(f"Practised in {days} days", active)
    c.metric("Rebuttals in period", sum(r["turns_recent"] for r in rows))
    view = st.segmented_control(
        "Show", ["class", "trainees"], default="class", required=True, key="dashboard_view",
        format_func={"class": "The class (safe to project)", "trainees": "Per trainee (names: not for the projector)"}.get,
        help="The leaderboard and the named per-trainee figures are never on one screen, so a projected "
             "leaderboard stays anonymous.")
    if view == "trainees":
        per_trainee(rows)
        return
    st.subheader("Where the class loses points")
    weak_moves = cohorts.weakest_moves(db, chosen, since=since)
    if weak_moves:
        st.markdown(" · ".join(f"**{MOVE_LABELS.get(m['move'], m['move'])}** {m['average']:.2f}/2"
                               for m in weak_moves))
    objections = cohorts.weakest_objections(db, chosen, since=since)
    st.dataframe([{"objection": lib.objections[o["objection"]].title if o["objection"] in lib.objections
                   else tracks.labels().get(o["objection"], o["objection"]), "attempts": o["attempts"], "average score": o["average"]}
                  for o in objections], hide_index=True)
    st.subheader("How the class is doing")
    mix, moves = st.columns(2, gap="large")
    mix.altair_chart(class_charts.tier_mix(cohorts.tier_mix(db, chosen, since=since)), width="stretch")
    moves.altair_chart(class_charts.move_trend(cohorts.move_trend(db, chosen, since=since)), width="stretch")
    st.subheader("Leaderboard")
    st.caption("Anonymous unless a trainee chose to show their name (Settings → Your profile).")
    st.dataframe(cohorts.leaderboard(rows), hide_index=True,
                 column_config={"elite_rate": st.column_config.NumberColumn("elite %")})


SORTS = {"trainee": ("trainee", False), "least practice in period": ("in period", False),
         "lowest average": ("average in period", False), "most due today": ("due today", True),
         "longest since practice": ("last practice", False)}


def per_trainee(rows: list[dict]) -> None:
    st.subheader("Per trainee")
    now = datetime.now(UTC)
    due = {r["id"]: len(schedule.due_today(db, r["id"], now=now, lib=lib)) for r in rows}
    table = [{"trainee": r["name"], "rebuttals": r["turns"], "in period": r["turns_recent"],
              "average in period": r["average"], "elite % in period": r["elite_rate"],
              "last practice": datetime.fromisoformat(r["last_practice"][:10]).date() if r["last_practice"] else None,
              "due today": due[r["id"]]} for r in rows]
    sort = st.segmented_control("Sort by", list(SORTS), default="trainee", required=True, key="dashboard_sort",
                                help="Or click a column's header")
    column, descending = SORTS[sort]
    present = sorted((r for r in table if r[column] is not None), key=lambda r: r[column], reverse=descending)
    st.dataframe(present + [r for r in table if r[column] is None], hide_index=True, column_config={
        "average in period": st.column_config.NumberColumn(format="%.1f"),
        "elite % in period": st.column_config.NumberColumn(format="%d %%"),
        "last practice": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "due today": st.column_config.NumberColumn(
            help="Objections whose spaced-repetition card is due today (FSRS, from their grades)")})


def batch() -> None:
    """Grade a class exercise's CSV: the grade first, the trainee's column found by its name (or picked)."""
    st.write("Upload a CSV from a class exercise with the columns **objection** and **rebuttal**, and one naming "
             "the trainee (trainee, student, name, rep, learner, participant…); get every rebuttal graded with "
             "its moves.")
    upload = st.file_uploader(f"Class exercise (CSV, up to {cohorts.MAX_BATCH_BYTES // 1024 // 1024} MB and "
                              f"{cohorts.MAX_BATCH_ROWS:,} rows)", type=["csv"], key="batch_csv",
                              max_upload_size=cohorts.MAX_BATCH_BYTES // 1024 // 1024)
    if upload is None:
        return
    key = f"batch_trainee_column_{upload.file_id}"  # this file's choice: another file's columns are its own
    try:
        result = cohorts.grade_csv(upload.getvalue(), lib=lib, trainee=st.session_state.get(key, cohorts.KNOWN_COLUMN))
    except cohorts.CohortError as error:
        st.error(str(error), icon=":material/description:")
        return
    others = [c for c in result.columns if c and c not in ("objection", "rebuttal")]
    if others:
        st.selectbox("The trainee's column", [None, *others], index=[None, *others].index(result.trainee_column),
                     format_func=lambda c: "(none)" if c is None else c, key=key, width=320,
                     help="Found by its name; pick another if it is not the one naming who wrote each answer.")
    config = {"tier": st.column_config.TextColumn("tier", width="small"),
              "score": st.column_config.NumberColumn("score", width="small"),
              "rebuttal": st.column_config.TextColumn("rebuttal", width="large")}
    named = ["trainee"] if result.trainee_column else []
    st.dataframe(result.rows, hide_index=True, column_config=config,
                 column_order=["tier", "score", *named, "objection", "rebuttal", *cohorts.MOVES, "red_flags", "feedback"])
    for line in result.skipped:
        st.caption(f"Skipped {line}")
    st.download_button("Download the graded table (CSV)", data=result.to_csv(),
                       file_name=cohorts.graded_file_name(upload.name), mime="text/csv",
                       icon=":material/download:", on_click="ignore")


with dashboard_tab:
    dashboard()

with batch_tab:
    batch()

with demo_tab:
    st.write("A demo cohort of eight trainees with six weeks of history, so every chart has something to show. "
             "Demo trainees are named “Demo · …” and are removed in one click.")
    left, right = st.columns(2)
    if left.button("Create demo cohort", icon=":material/science:"):
        made = demo.create_demo_cohort(db)
        st.session_state["instructor_notice"] = (f"Demo cohort ready: {made['trainees']} trainees, "
                                                 f"{made['turns']} graded rebuttals.")
        st.rerun()  # redraw the dashboard above with the new cohort
    if right.button("Remove demo data", icon=":material/cleaning_services:", disabled=not demo.has_demo_data(db)):
        st.session_state["instructor_notice"] = f"Removed {demo.remove_demo_data(db)} demo trainees and their data."
        st.rerun()
    if notice := st.session_state.pop("instructor_notice", None):
        st.success(notice)
