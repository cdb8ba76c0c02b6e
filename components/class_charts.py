"""The cohort dashboard's charts (Instructor → Dashboard, the class view): pure functions from
`closergym.cohorts` rows to Altair charts. They draw and decide nothing; data travels with the chart and
colours are spelled out, so a chart renders offline. Weeks are UTC weeks starting on Monday, like the rows.
"""

from __future__ import annotations

import altair as alt

from closergym.content import MOVES
from closergym.grading import TIERS
from components.charts import TIER_HEX

HEIGHT = 300  # with Streamlit's fit-to-height, the title, legend and axes come out of it
MOVE_HEX = {"acknowledge": "#1c7ed6", "clarify": "#7048e8", "respond": "#0ca678", "advance": "#e8590c"}


def _week(title: str = "Week of") -> alt.X:
    # one tick per week, as the tier mix beside it has (a time axis ticks every few days)
    return alt.X("yearmonthdate(week):O", title=title, axis=alt.Axis(format="%b %d", labelAngle=0))


def tier_mix(rows: list[dict]) -> alt.Chart:
    """The share of weak, strong and elite answers, week by week (`cohorts.tier_mix` rows)."""
    order = {tier: number for number, tier in enumerate(TIERS)}
    data = [{**row, "week": f"{row['week']}T00:00:00Z", "order": order[row["tier"]]} for row in rows]
    return alt.Chart(alt.Data(values=data), height=HEIGHT, title="Tier mix, week by week").mark_bar().encode(
        x=alt.X("yearmonthdate(week):O", title="Week of", axis=alt.Axis(format="%b %d", labelAngle=0)),
        y=alt.Y("answers:Q", stack="normalize", title="Share of answers", axis=alt.Axis(format="%")),
        color=alt.Color("tier:N", title=None, sort=list(TIERS),
                        scale=alt.Scale(domain=list(TIERS), range=[TIER_HEX[t] for t in TIERS]),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("yearmonthdate(week):T", title="Week of"), "tier:N", alt.Tooltip("answers:Q", title="answers")],
    )


def move_trend(rows: list[dict]) -> alt.Chart:
    """The class's average points (0-2) per move, week by week (`cohorts.move_trend` rows)."""
    data = [{**row, "week": f"{row['week']}T00:00:00Z", "label": row["move"].capitalize()} for row in rows]
    labels = [m.capitalize() for m in MOVES]
    return alt.Chart(alt.Data(values=data), height=HEIGHT, title="Points per move (0-2), by week").mark_line(
        point=True).encode(
        x=_week(),
        y=alt.Y("average:Q", title="Average points", scale=alt.Scale(domain=[0, 2])),
        color=alt.Color("label:N", title=None, sort=labels,
                        scale=alt.Scale(domain=labels, range=[MOVE_HEX[m] for m in MOVES]),
                        # one row, as the tier mix beside it (the titles line up), small enough for half a screen
                        legend=alt.Legend(orient="bottom", columns=4, labelFontSize=11, symbolSize=50, columnPadding=8)),
        tooltip=[alt.Tooltip("yearmonthdate(week):T", title="Week of"), alt.Tooltip("label:N", title="move"),
                 alt.Tooltip("average:Q", format=".2f")],
    )
