from datetime import UTC, datetime

import pyarrow as pa
import streamlit as st

import runtime
from closergym import analytics, schedule, tracks
from components import charts, pages, practice, trainee
from components.text import literal

RANGES = {"7 days": 7, "30 days": 30, "90 days": 90, "All time": None}

st.title(":material/trending_up: Progress")
me = trainee.require()
summary = analytics.headline(runtime.db(), me["id"])

if not summary["rebuttals_total"]:
    st.info(f"Nothing to chart yet, {literal(me['name'])}. Every rebuttal you answer, in sparring or in a lesson's "
            "drills, is graded and lands here: your scores over time, your tiers, the moves you drop.", icon=":material/eco:")
    st.page_link(pages.SPARRING, label="Spar with a prospect", icon=":material/sports_mma:")
    st.page_link(pages.LESSONS, label="Read a lesson and try its drills", icon=":material/school:")
    st.stop()


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def points_change(change: float | None) -> str | None:
    """A change of rate in percentage points, or None when there is nothing to compare or no change."""
    return None if change is None or round(change * 100) == 0 else f"{change * 100:+.0f} pts"


st.caption("**The last 7 days**, against the 7 days before")
rebuttals, score, elite, streak = st.columns(4)
rebuttals.metric("Rebuttals", summary["rebuttals_week"], delta=summary["rebuttals_change"],
                 help=f"Graded rebuttals in the last 7 days; {summary['rebuttals_prev_week']} in the 7 days before.",
                 border=True)
score.metric("Average score", "–" if summary["score_week"] is None else f"{summary['score_week']:.0f}",
             delta=summary["score_change"], border=True,
             help="Average score (0-100) in the last 7 days, against the 7 days before.")
elite.metric("Elite rate", percent(summary["elite_rate_week"]), border=True,
             delta=points_change(summary["elite_rate_change"]),
             help="Share of the last 7 days' rebuttals graded elite, against the 7 days before.")
streak.metric("Streak", f"{summary['streak_days']} day" + ("" if summary["streak_days"] == 1 else "s"),
              border=True, help="Days in a row with at least one graded rebuttal, up to today"
              + ("." if summary["practised_today"] else " (practise today to keep it going)."))
sessions = summary["sessions_total"]
answered = summary["rebuttals_total"]
st.caption(f"All time: {answered:,} rebuttal{'' if answered == 1 else 's'}, "
           f"{sessions:,} sparring session{'' if sessions == 1 else 's'} "
           f"({summary['sessions_week']} in the last 7 days), {percent(summary['elite_rate'])} elite. "
           "Days and weeks are counted in UTC.")

now = datetime.now(UTC)
lib = runtime.library_for(me["id"])  # shipped + the team's own objections
cards = schedule.objection_cards(runtime.db(), me["id"], now=now, lib=lib)
practice.panel(me["id"], cards=cards, now=now, lib=lib)
with st.expander("Every objection's card (spaced repetition)"):
    st.dataframe(
        [{"Objection": lib.objections[c.slug].short, "Answers": c.reviews, "Last": c.last_tier or "–",  # short: fits a phone
          "Strong or better": c.strong_or_better_count, "Mastered": c.mastered,
          "Due": practice.when(c.due, now) if c.due else "not practised yet"}
         for c in cards],
        hide_index=True, width="stretch",
    )
    st.caption("Each objection is a card scheduled by FSRS from your grades: weak means see it again soon, "
               "strong means good, elite means easy. Sparring rounds and lesson drills both count.")
with st.expander("Every closing and psychology scenario's card"):
    scenarios = tracks.scenarios()
    st.dataframe(
        [{"Track": tracks.TRACKS[scenarios[c.slug].track], "Scenario": scenarios[c.slug].short, "Answers": c.reviews,
          "Last": c.last_tier or "–", "Strong or better": c.strong_or_better_count,
          "Due": practice.when(c.due, now) if c.due else "not practised yet"}
         for c in schedule.scenario_cards(runtime.db(), me["id"], now=now)],
        hide_index=True, width="stretch",
    )
    st.caption("Closing and psychology scenarios are scheduled the same way, each round a review; pick “Next up” "
               "in a track on the Sparring page to run the one that needs you.")


def draw(spec: dict) -> None:
    """A chart from `components.charts`, its rows handed over as Arrow tables (Streamlit would otherwise
    build a pandas DataFrame from each list of rows first)."""
    datasets = {name: pa.Table.from_pylist(rows) for name, rows in spec["datasets"].items()}
    st.vega_lite_chart({**spec, "datasets": datasets}, width="stretch")


@runtime.fragment
def progress_charts(trainee_id: int) -> None:
    """The time filter and the charts: changing the range redraws only this part."""
    trainee.recheck(trainee_id)
    choice = st.segmented_control("Time range", list(RANGES), default="30 days", required=True,
                                  key="progress_range")
    days = RANGES[choice]
    since = analytics.range_start(days)
    db, today = runtime.db(), analytics.utc_today()
    over_time = analytics.score_over_time(db, trainee_id, since=since)
    if not over_time:
        st.info(f"No graded rebuttals in the last {choice}. Pick a longer range, or go and practise.", icon=":material/inbox:")
        st.page_link(pages.SPARRING, label="Spar with a prospect", icon=":material/sports_mma:")
        return
    # fits a phone; a closing or psychology scenario by its track and name
    titles = {slug: objection.short for slug, objection in lib.objections.items()} | tracks.labels()
    draw(charts.score_over_time_chart(over_time))
    draw(charts.tier_mix_chart(analytics.tier_mix_per_week(db, trainee_id, since=since)))
    heatmap = analytics.move_heatmap(db, trainee_id, since=since)  # objections only: the four moves' own grades
    if heatmap:
        draw(charts.move_heatmap_chart(heatmap, labels=titles))
    else:
        st.caption("Points per move: only objections are graded on the four moves; closing and psychology "
                   "scenarios are graded on their own steps (their card table is above).")
    draw(charts.first_vs_best_chart(analytics.first_vs_best(db, trainee_id, since=since), labels=titles))
    # The calendar shows at least a quarter and at most a year, whatever the range, so its cells stay readable.
    weeks = charts.CALENDAR_WEEKS if days is None else min(charts.CALENDAR_WEEKS, max(13, days // 7 + 1))
    calendar_since = analytics.range_start(weeks * 7 - 6 + today.weekday(), today=today)  # from a Monday
    draw(charts.calendar_chart(analytics.practice_calendar(db, trainee_id, since=calendar_since),
                               start=calendar_since, end=today))


progress_charts(me["id"])
