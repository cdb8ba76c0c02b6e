"""Progress charts: pure functions from `closergym.analytics` rows to Vega-Lite specs, drawn with Altair.

Each chart is a template and its data. The template is an Altair chart over named datasets, turned
into a spec (and validated) once per process, because that is most of the cost of a chart; each call
adds only the rows, under the template's dataset names (`st.vega_lite_chart` ships them as Arrow).
Templates are shared: callers must not change a spec's nested parts.

They draw and decide nothing. Data travels with the chart, never as URLs; colours are spelled out (no
named schemes) and fonts are the page's own, so a chart renders offline. Times are UTC, like the rows:
dates are handed to Vega-Lite as UTC instants and drawn on UTC scales, so a trainee west of Greenwich
does not see Monday's practice on Sunday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import altair as alt

from closergym.content import MOVES
from closergym.grading import TIER_BANDS, TIERS
from components.scorecard import TIER_COLORS

PALETTE = {"red": "#e03131", "orange": "#f08c00", "yellow": "#ffd43b", "green": "#2f9e44"}  # Streamlit's names
TIER_HEX = {tier: PALETTE[name] for tier, name in TIER_COLORS.items()}
MOVE_NAMES = {move: move.capitalize() for move in MOVES}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CUSTOM_LABEL = "Your own objections"
FIRST_COLOR, BEST_COLOR = "#adb5bd", "#1c7ed6"
EMPTY_DAY, PRACTICE_DAYS = "#ebedf0", ("#b2f2bb", "#2b8a3e")
HEIGHT = 260
MIN_WEEKS = 4  # the tier mix spans at least this many weeks
CALENDAR_WEEKS = 53  # a year, as GitHub shows it


def _template(chart: alt.TopLevelMixin) -> dict:
    """A chart's validated Vega-Lite spec, without Altair's default theme: Streamlit themes the chart."""
    spec = chart.to_dict()
    spec.pop("config", None)
    return spec


def _with_data(template: dict, **datasets: list[dict]) -> dict:
    return {**template, "datasets": datasets}


def _utc(day_or_stamp: str) -> str:
    """'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS.mmm' (UTC) as an ISO instant every browser reads as UTC."""
    if len(day_or_stamp) == 10:
        return f"{day_or_stamp}T00:00:00Z"
    return day_or_stamp.replace(" ", "T") + "Z"


def _top_legend(title: str | None) -> alt.Legend:
    # Title beside the symbols, not above them: a legend row on top costs the plot less height.
    return alt.Legend(orient="top", direction="horizontal", title=title, titleOrient="left")


def _tier_color(*, legend: bool = True) -> alt.Color:
    return alt.Color(
        "tier:N",
        title="Tier",
        scale=alt.Scale(domain=list(TIERS), range=[TIER_HEX[t] for t in TIERS]),
        legend=_top_legend("Tier") if legend else None,
    )


def _objection_labeller(labels: dict[str, str] | None):
    labels = labels or {}
    return lambda slug: CUSTOM_LABEL if not slug else labels.get(slug, slug)


def tier_bands() -> list[dict]:
    """The grade bands (`grading.TIER_BANDS`) as touching intervals, each from its low score to the next band's, for
    background rects."""
    lows = [TIER_BANDS[tier][0] for tier in TIERS]
    return [{"tier": tier, "lo": lo, "hi": hi, "label": f"{tier} {TIER_BANDS[tier][0]}-{TIER_BANDS[tier][1]}"}
            for tier, lo, hi in zip(TIERS, lows, [*lows[1:], 100])]


def _bands(axis: str) -> list[alt.Chart]:
    """Layers of faint weak / strong / elite bands (dataset "bands") along the score axis (`axis` 'x' or
    'y'), each band named in its own colour in its corner."""
    score = alt.Scale(domain=[0, 100], nice=False)
    base, color = alt.Chart(alt.NamedData("bands")), _tier_color(legend=False)
    label = base.mark_text(fontSize=11, fontWeight="bold", opacity=0.7, align="left", baseline="top", dx=4, dy=3)
    if axis == "x":
        rects = base.mark_rect(opacity=0.1).encode(x=alt.X("lo:Q", scale=score), x2=alt.X2("hi"))
        names = label.encode(x=alt.X("lo:Q", scale=score), y=alt.value(0))
    else:
        rects = base.mark_rect(opacity=0.1).encode(y=alt.Y("lo:Q", scale=score), y2=alt.Y2("hi"))
        names = label.encode(y=alt.Y("hi:Q", scale=score), x=alt.value(0))
    return [rects.encode(color=color, tooltip=[alt.Tooltip("label:N", title="Band")]),
            names.encode(text=alt.Text("tier:N"), color=color)]


def score_over_time_chart(rows: list[dict]) -> dict:
    """Scores over time on weak / strong / elite bands: each turn when few, else daily averages with a
    rolling average of the last 7 practice days."""
    per_turn = bool(rows) and rows[0]["grain"] == "turn"
    return _with_data(_score_over_time(per_turn), bands=tier_bands(),
                      points=[{**row, "when": _utc(row["at"]), "n": n} for n, row in enumerate(rows, start=1)])


@cache
def _score_over_time(per_turn: bool) -> dict:
    # A few rebuttals (often all on one day) are numbered in order, not spread on a date axis that would
    # repeat the same day under every tick; their time is in the tooltip.
    x = (alt.X("n:Q", title="Rebuttals, oldest first", axis=alt.Axis(format="d", tickMinStep=1)) if per_turn else
         alt.X("when:T", title=None, scale=alt.Scale(type="utc"), axis=alt.Axis(format="%d %b")))
    y = alt.Y("score:Q", title="Score", scale=alt.Scale(domain=[0, 100], nice=False))
    base = alt.Chart(alt.NamedData("points")).encode(x=x, y=y)
    if per_turn:
        title = "Score per rebuttal"
        tooltip = [alt.Tooltip("at:N", title="When (UTC)"), alt.Tooltip("objection_slug:N", title="Objection"),
                   alt.Tooltip("tier:N", title="Tier"), alt.Tooltip("score:Q", title="Score")]
        layers = [base.mark_line(color="#495057", strokeWidth=1.5),
                  base.mark_circle(size=70, opacity=1).encode(color=_tier_color(), tooltip=tooltip)]
    else:
        title = "Average score per day"
        tooltip = [alt.Tooltip("day:N", title="Day (UTC)"), alt.Tooltip("score:Q", title="Average score"),
                   alt.Tooltip("turns:Q", title="Rebuttals")]
        trend = base.transform_window(trend="mean(score)", frame=[-6, 0], sort=[{"field": "when"}]).mark_line(
            color="#343a40", strokeWidth=2.5).encode(y=alt.Y("trend:Q", title="Score"))
        layers = [base.mark_circle(color="#495057", opacity=0.45).encode(
            size=alt.Size("turns:Q", title="Rebuttals", legend=None, scale=alt.Scale(range=[15, 120])),
            tooltip=tooltip), trend]
    return _template(alt.layer(*_bands("y"), *layers).properties(title=title, width="container", height=HEIGHT))


def tier_mix_chart(rows: list[dict]) -> dict:
    """Rebuttals per calendar week (Monday to Sunday, UTC), stacked weak / strong / elite from the bottom.

    Each bar spans its week on a time axis, so weeks without practice show as gaps; the stack is
    computed here (Vega-Lite leaves a ranged bar's stack out of the y domain)."""
    values, below = [], {}
    weeks = sorted({row["week"] for row in rows})
    if weeks and len(weeks) < MIN_WEEKS:  # a first week or two: empty weeks before them, so a bar is a week wide
        first = date.fromisoformat(weeks[0])
        rows = [*({"week": (first - timedelta(weeks=n)).isoformat(), "tier": TIERS[0], "turns": 0}
                  for n in range(MIN_WEEKS - len(weeks), 0, -1)), *rows]
    for row in sorted(rows, key=lambda row: (row["week"], TIERS.index(row["tier"]))):
        monday = date.fromisoformat(row["week"])
        low = below.get(row["week"], 0)
        below[row["week"]] = low + row["turns"]
        values.append({**row, "start": _utc(row["week"]), "end": _utc((monday + timedelta(days=7)).isoformat()),
                       "low": low, "high": low + row["turns"]})
    return _with_data(_tier_mix(), weeks=values)


@cache
def _tier_mix() -> dict:
    return _template(alt.Chart(alt.NamedData("weeks")).mark_bar(stroke="white", strokeWidth=1).encode(
        x=alt.X("start:T", title=None, scale=alt.Scale(type="utc"), axis=alt.Axis(format="%d %b")),
        x2=alt.X2("end"),
        y=alt.Y("low:Q", title="Rebuttals"),
        y2=alt.Y2("high"),
        color=_tier_color(),
        tooltip=[alt.Tooltip("week:N", title="Week of (Monday)"), alt.Tooltip("tier:N", title="Tier"),
                 alt.Tooltip("turns:Q", title="Rebuttals")],
    ).properties(title="Tier mix per week", width="container", height=HEIGHT))


def move_heatmap_chart(rows: list[dict], *, labels: dict[str, str] | None = None) -> dict:
    """Objection x framework move, coloured by average points (0-2); the tooltip says how much of the
    objection's lost points each move accounts for."""
    label = _objection_labeller(labels)
    return _with_data(_move_heatmap(), cells=[
        {**row, "objection": label(row["objection_slug"]), "move_name": MOVE_NAMES[row["move"]]} for row in rows])


@cache
def _move_heatmap() -> dict:
    base = alt.Chart(alt.NamedData("cells")).encode(
        # every move named, slanted when the columns are narrow (a phone), rather than every other one dropped
        x=alt.X("move_name:O", title=None, sort=list(MOVE_NAMES.values()),
                axis=alt.Axis(labelAngle=alt.ExprRef("width < 400 ? -35 : 0"), labelOverlap=False, orient="top")),
        y=alt.Y("objection:N", title=None, sort=alt.EncodingSortField("turns", order="descending"),
                axis=alt.Axis(labelLimit=260)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("avg_points:Q", title="Average points (of 2)",
                        scale=alt.Scale(domain=[0, 1, 2], range=[TIER_HEX["weak"], PALETTE["yellow"], TIER_HEX["elite"]]),
                        legend=alt.Legend(orient="bottom", gradientLength=160)),
        tooltip=[alt.Tooltip("objection:N", title="Objection"), alt.Tooltip("move_name:N", title="Move"),
                 alt.Tooltip("avg_points:Q", title="Average points (of 2)", format=".2f"),
                 alt.Tooltip("lost_share:Q", title="Share of points lost", format=".0%"),
                 alt.Tooltip("turns:Q", title="Rebuttals")],
    )
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("avg_points:Q", format=".1f"),
        color=alt.value("#212529"),
    )
    return _template(alt.layer(cells, text).properties(
        title="Points per move (0-2) by objection", width="container", height=alt.Step(28)
    ))


def first_vs_best_chart(rows: list[dict], *, labels: dict[str, str] | None = None) -> dict:
    """A dumbbell per objection: the first score in range (grey) and the best (blue), on the grade bands."""
    label = _objection_labeller(labels)
    return _with_data(_first_vs_best(), bands=tier_bands(),
                      objections=[{**row, "objection": label(row["objection_slug"])} for row in rows])


@cache
def _first_vs_best() -> dict:
    y = alt.Y("objection:N", title=None, sort=alt.EncodingSortField("best", order="descending"),
              axis=alt.Axis(labelLimit=260))
    score = alt.Scale(domain=[0, 100], nice=False)
    base = alt.Chart(alt.NamedData("objections"))
    rule = base.mark_rule(color="#868e96", strokeWidth=2).encode(
        y=y, x=alt.X("first:Q", scale=score, title="Score"), x2=alt.X2("best"))
    dots = base.transform_fold(["first", "best"], as_=["which", "score"]).transform_calculate(
        attempt="datum.which == 'first' ? 'First try' : 'Best'"
    ).mark_circle(size=110, opacity=1).encode(
        y=y,
        x=alt.X("score:Q", scale=score, title="Score"),
        color=alt.Color("attempt:N", title=None, scale=alt.Scale(domain=["First try", "Best"],
                                                                 range=[FIRST_COLOR, BEST_COLOR]),
                        legend=_top_legend(None)),
        tooltip=[alt.Tooltip("objection:N", title="Objection"), alt.Tooltip("first:Q", title="First try"),
                 alt.Tooltip("best:Q", title="Best"), alt.Tooltip("turns:Q", title="Rebuttals")],
    )
    return _template(alt.layer(*_bands("x"), rule, dots).resolve_scale(color="independent").properties(
        title="First try vs best, per objection", width="container", height=alt.Step(26)
    ))


def calendar_chart(rows: list[dict], *, start: date | str, end: date | str) -> dict:
    """A GitHub-style calendar: a column per week (Monday first, UTC), a cell per day from `start` to
    `end` (at most the last `CALENDAR_WEEKS` weeks), darker the more rebuttals; days without practice grey."""
    start, end = (d if isinstance(d, date) else date.fromisoformat(d[:10]) for d in (start, end))
    start = max(start, end - timedelta(days=end.weekday() + 7 * (CALENDAR_WEEKS - 1)))
    counts = {row["day"]: row["turns"] for row in rows}
    values = []
    day = start
    while day <= end:
        monday = day - timedelta(days=day.weekday())
        values.append({"day": day.isoformat(), "week": monday.isoformat(), "weekday": WEEKDAYS[day.weekday()],
                       "turns": counts.get(day.isoformat(), 0)})
        day += timedelta(days=1)
    return _with_data(_calendar(), days=values)


@cache
def _calendar() -> dict:
    # Label a week with its month when the month starts in it, GitHub-style; other weeks stay blank.
    month = "toNumber(slice(datum.value, 8, 10)) <= 7 ? utcFormat(toDate(datum.value), '%b') : ''"
    practised = alt.Color("turns:Q", title="Rebuttals", scale=alt.Scale(range=list(PRACTICE_DAYS)),
                          legend=alt.Legend(orient="bottom", gradientLength=120))
    return _template(alt.Chart(alt.NamedData("days")).mark_rect(cornerRadius=2, stroke="white", strokeWidth=2).encode(
        x=alt.X("week:O", title=None, axis=alt.Axis(labelExpr=month, labelAngle=0, ticks=False, domain=False)),
        y=alt.Y("weekday:O", title=None, sort=list(WEEKDAYS), axis=alt.Axis(ticks=False, domain=False)),
        color=alt.when(alt.datum.turns == 0).then(alt.value(EMPTY_DAY)).otherwise(practised),
        tooltip=[alt.Tooltip("day:N", title="Day (UTC)"), alt.Tooltip("turns:Q", title="Rebuttals")],
    ).properties(title="Practice days", width="container", height=alt.Step(16)))
