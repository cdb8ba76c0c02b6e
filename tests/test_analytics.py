"""Progress analytics against hand-computed figures, the `turn_days` rollup kept in step with `turns`,
and the chart specs the Progress page draws from those rows."""

from __future__ import annotations

import random
from datetime import date, timedelta

import altair as alt
import pytest

from closergym import analytics, store
from closergym.grading import TIER_BANDS
from components import charts

TODAY = date(2026, 11, 24)  # a Tuesday
MOVE_COLUMNS = ("acknowledge", "clarify", "respond", "advance")


def tier_of(score: int) -> str:
    return next(tier for tier, (low, high) in TIER_BANDS.items() if low <= score <= high)


def add(db, trainee_id: int, created_at: str, score: int, *, objection: str | None = "too-expensive",
        moves: tuple[int, int, int, int] = (1, 1, 1, 1), session_id: int | None = None, round_no: int = 1) -> int:
    """One graded turn with a known time (UTC text as the store writes it)."""
    if len(created_at) == 10:
        created_at += " 12:00:00.000"
    return store.save_turn(db, {
        "trainee_id": trainee_id, "session_id": session_id, "round": round_no, "objection_slug": objection,
        "prompt": "It's too expensive.", "rebuttal": "…", "tier": tier_of(score), "score": score,
        **dict(zip(MOVE_COLUMNS, moves)), "created_at": created_at,
    })


def day(offset: int) -> str:
    """TODAY plus `offset` days, as 'YYYY-MM-DD'."""
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def other(db) -> dict:
    return store.create_trainee(db, "Alex")


# -- headline -------------------------------------------------------------------------------------------


@pytest.fixture
def history(db, trainee) -> dict:
    """This week (18-24 Nov): 80, 50, 20 (one elite); the week before (11-17 Nov): 40, 30; older: 90 elite.
    Two sessions with answers (one this week), one without (not practice)."""
    me = trainee["id"]
    this_week = store.create_session(db, trainee_id=me, kind="sparring", objection_slug="too-expensive")
    older = store.create_session(db, trainee_id=me, kind="sparring", objection_slug="need-to-think")
    store.create_session(db, trainee_id=me, kind="sparring", objection_slug="send-info")  # never answered
    add(db, me, "2026-11-18 00:00:00.000", 80, session_id=this_week["id"], round_no=1)  # first instant of the week
    add(db, me, "2026-11-20 09:00:00.000", 50, session_id=this_week["id"], round_no=2)
    add(db, me, "2026-11-24 23:59:59.999", 20)  # a lesson drill, last instant of today
    add(db, me, "2026-11-17 23:59:59.999", 40)  # last instant of the week before
    add(db, me, "2026-11-11 00:00:00.000", 30)  # first instant of the week before
    add(db, me, "2026-10-01 08:00:00.000", 90, objection="need-to-think", session_id=older["id"], round_no=1)
    return trainee


def test_headline_this_week_previous_week_and_all_time(db, history):
    figures = analytics.headline(db, history["id"], today=TODAY)
    assert figures["rebuttals_week"] == 3
    assert figures["rebuttals_prev_week"] == 2
    assert figures["rebuttals_change"] == 1
    assert figures["rebuttals_total"] == 6
    assert figures["score_week"] == 50.0  # (80 + 50 + 20) / 3
    assert figures["score_prev_week"] == 35.0  # (40 + 30) / 2
    assert figures["score_change"] == 15.0
    assert figures["elite_rate"] == pytest.approx(2 / 6)
    assert figures["elite_rate_week"] == pytest.approx(1 / 3)
    assert figures["elite_rate_prev_week"] == 0
    assert figures["elite_rate_change"] == pytest.approx(1 / 3)
    assert (figures["sessions_total"], figures["sessions_week"], figures["sessions_prev_week"]) == (2, 1, 0)
    assert (figures["streak_days"], figures["practised_today"]) == (1, True)  # 24 Nov; nothing on the 23rd


def test_headline_for_a_new_trainee_has_zeros_and_no_changes_to_show(db, trainee):
    figures = analytics.headline(db, trainee["id"], today=TODAY)
    assert figures["rebuttals_total"] == figures["rebuttals_week"] == figures["sessions_total"] == 0
    assert figures["elite_rate"] is None and figures["score_week"] is None
    assert figures["score_change"] is None and figures["elite_rate_change"] is None
    assert figures["streak_days"] == 0


def test_headline_turns_after_today_do_not_count_as_this_week(db, trainee):
    add(db, trainee["id"], day(1), 60)
    figures = analytics.headline(db, trainee["id"], today=TODAY)
    assert (figures["rebuttals_week"], figures["rebuttals_total"]) == (0, 1)


@pytest.mark.parametrize(
    ("offsets", "streak", "today_done"),
    [
        ([0, -1, -2], 3, True),  # up to today
        ([-1, -2, -3], 3, False),  # up to yesterday: still alive until today ends
        ([0, -2, -3], 1, True),  # a gap yesterday breaks it
        ([-2, -3], 0, False),  # nothing today or yesterday: over
        ([0, 0, 0], 1, True),  # several turns in one day count once
        ([], 0, False),
    ],
)
def test_streak(db, trainee, offsets, streak, today_done):
    for offset in offsets:
        add(db, trainee["id"], day(offset), 60)
    assert analytics.streak(db, trainee["id"], today=TODAY) == {"streak_days": streak, "practised_today": today_done}


def test_streak_counts_utc_days_at_their_edges(db, trainee):
    add(db, trainee["id"], "2026-11-23 00:00:00.000", 60)
    add(db, trainee["id"], "2026-11-24 23:59:59.999", 60)
    assert analytics.streak(db, trainee["id"], today="2026-11-24")["streak_days"] == 2
    assert analytics.streak(db, trainee["id"], today="2026-11-25")["streak_days"] == 2  # yesterday still counts
    assert analytics.streak(db, trainee["id"], today="2026-11-26")["streak_days"] == 0


# -- the chart rows ---------------------------------------------------------------------------------------


def test_range_start_counts_today_in():
    assert analytics.range_start(7, today=TODAY) == "2026-11-18"
    assert analytics.range_start(1, today=TODAY) == "2026-11-24"
    assert analytics.range_start(None, today=TODAY) is None


def test_score_over_time_per_turn_when_few(db, trainee):
    add(db, trainee["id"], "2026-11-20 10:00:00.000", 30)
    add(db, trainee["id"], "2026-11-20 09:00:00.000", 80, objection=None)
    rows = analytics.score_over_time(db, trainee["id"])
    assert [(r["grain"], r["at"], r["score"], r["tier"], r["objection_slug"]) for r in rows] == [
        ("turn", "2026-11-20 09:00:00.000", 80, "elite", ""),
        ("turn", "2026-11-20 10:00:00.000", 30, "weak", "too-expensive"),
    ]


def test_score_over_time_daily_averages_when_many(db, trainee):
    for created, score in [(day(-3), 40), (day(-3), 61), (day(-1), 70), (day(-10), 10)]:
        add(db, trainee["id"], created, score)
    rows = analytics.score_over_time(db, trainee["id"], since=day(-6), per_turn_below=2)
    assert rows == [
        {"grain": "day", "day": day(-3), "at": day(-3), "score": 50.5, "turns": 2},
        {"grain": "day", "day": day(-1), "at": day(-1), "score": 70.0, "turns": 1},
    ]


def test_tier_mix_per_week_starts_weeks_on_monday(db, trainee):
    me = trainee["id"]
    add(db, me, "2026-11-22 23:59:59.999", 20)  # Sunday: week of Monday 16 Nov
    add(db, me, "2026-11-16 00:00:00.000", 80)  # Monday 16
    add(db, me, "2026-11-23 00:00:00.000", 20)  # Monday 23: a new week
    add(db, me, "2026-11-24 08:00:00.000", 20)
    add(db, me, "2026-11-24 09:00:00.000", 50)
    assert analytics.tier_mix_per_week(db, me) == [
        {"week": "2026-11-16", "tier": "weak", "turns": 1},
        {"week": "2026-11-16", "tier": "elite", "turns": 1},
        {"week": "2026-11-23", "tier": "weak", "turns": 2},
        {"week": "2026-11-23", "tier": "strong", "turns": 1},
    ]
    assert analytics.tier_mix_per_week(db, me, since="2026-11-23") == [
        {"week": "2026-11-23", "tier": "weak", "turns": 2},
        {"week": "2026-11-23", "tier": "strong", "turns": 1},
    ]


def test_move_heatmap_averages_points_and_says_where_points_go(db, trainee):
    me = trainee["id"]
    add(db, me, day(-2), 40, moves=(2, 1, 0, 0))
    add(db, me, day(-1), 60, moves=(2, 2, 0, 1))
    add(db, me, day(-1), 90, objection=None, moves=(2, 2, 2, 2))
    rows = analytics.move_heatmap(db, me)
    expensive = {r["move"]: r for r in rows if r["objection_slug"] == "too-expensive"}
    assert {m: r["avg_points"] for m, r in expensive.items()} == {
        "acknowledge": 2.0, "clarify": 1.5, "respond": 0.0, "advance": 0.5}
    # lost per move: 0, 0.5, 2, 1.5 of 4 points lost
    assert {m: r["lost_share"] for m, r in expensive.items()} == {
        "acknowledge": 0.0, "clarify": 0.125, "respond": 0.5, "advance": 0.375}
    assert {r["turns"] for r in expensive.values()} == {2}
    custom = [r for r in rows if r["objection_slug"] == ""]
    assert [r["lost_share"] for r in custom] == [0.0] * 4  # nothing lost, no division by zero
    assert [r["objection_slug"] for r in rows[::4]] == ["too-expensive", ""]  # most practised first


def test_first_vs_best_takes_the_earliest_turn_even_if_saved_later(db, trainee):
    me = trainee["id"]
    add(db, me, "2026-11-01 10:00:00.000", 85)
    add(db, me, "2026-11-01 09:00:00.000", 30)  # earlier the same day, saved after
    add(db, me, "2026-11-05 10:00:00.000", 60)
    add(db, me, "2026-11-06 10:00:00.000", 55, objection="send-info")
    rows = analytics.first_vs_best(db, me)
    assert rows == [
        {"objection_slug": "too-expensive", "first": 30, "best": 85, "turns": 3, "first_at": "2026-11-01 09:00:00.000"},
        {"objection_slug": "send-info", "first": 55, "best": 55, "turns": 1, "first_at": "2026-11-06 10:00:00.000"},
    ]
    in_range = analytics.first_vs_best(db, me, since="2026-11-02")
    assert [(r["objection_slug"], r["first"], r["best"]) for r in in_range] == [
        ("send-info", 55, 55), ("too-expensive", 60, 60)]


def test_practice_calendar_counts_turns_per_utc_day(db, trainee):
    for created in ["2026-11-20 00:00:00.000", "2026-11-20 23:59:59.999", "2026-11-21 00:00:00.000", day(-30)]:
        add(db, trainee["id"], created, 50)
    assert analytics.practice_calendar(db, trainee["id"], since="2026-11-01") == [
        {"day": "2026-11-20", "turns": 2}, {"day": "2026-11-21", "turns": 1}]


def test_other_trainees_are_never_counted(db, history, other):
    before = {name: fn(db, history["id"]) for name, fn in ALL_ROWS.items()}
    headline_before = analytics.headline(db, history["id"], today=TODAY)
    session = store.create_session(db, trainee_id=other["id"], kind="sparring", objection_slug="too-expensive")
    for offset in range(-20, 1):
        add(db, other["id"], day(offset), 100, objection="send-info", moves=(0, 0, 0, 0),
            session_id=session["id"], round_no=1)
    assert {name: fn(db, history["id"]) for name, fn in ALL_ROWS.items()} == before
    assert analytics.headline(db, history["id"], today=TODAY) == headline_before
    assert analytics.headline(db, other["id"], today=TODAY)["rebuttals_total"] == 21


ALL_ROWS = {
    "score_over_time": analytics.score_over_time,
    "score_over_time_daily": lambda db, t: analytics.score_over_time(db, t, per_turn_below=0),
    "tier_mix_per_week": analytics.tier_mix_per_week,
    "move_heatmap": analytics.move_heatmap,
    "first_vs_best": analytics.first_vs_best,
    "practice_calendar": analytics.practice_calendar,
}


def bulk_turns(db, trainee_id: int, days: int, *, objections: int = 1) -> None:
    """One turn a day for `days` days up to TODAY (fast: one executemany; the triggers fill turn_days)."""
    rows = [(store.new_uid(), trainee_id, f"objection-{n % objections}", "p", "r", tier_of(n % 101), n % 101,
             f"{day(-n)} 12:00:00.000") for n in range(days)]
    with store.write_transaction(db):
        db.conn.executemany(
            "INSERT INTO turns (uid, trainee_id, objection_slug, prompt, rebuttal, tier, score, acknowledge, clarify,"
            " respond, advance, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, 1, 1, ?)", rows)


def test_no_function_ever_returns_more_than_5000_rows(db, trainee):
    bulk_turns(db, trainee["id"], 6000, objections=1300)
    for name, fn in ALL_ROWS.items():
        assert len(fn(db, trainee["id"])) <= analytics.MAX_ROWS, name
    calendar = analytics.practice_calendar(db, trainee["id"])
    assert len(calendar) == 5000 and calendar[-1]["day"] == day(0)  # the most recent days, in order
    daily = analytics.score_over_time(db, trainee["id"])
    assert len(daily) == 5000 and daily[-1]["day"] == day(0)
    assert len(analytics.move_heatmap(db, trainee["id"])) == 5000  # 1,250 objections x 4 moves
    assert len(analytics.first_vs_best(db, trainee["id"])) == 1300
    assert analytics.headline(db, trainee["id"], today=TODAY)["streak_days"] == 5000  # as far as it reads


# -- turn_days stays in step with turns ---------------------------------------------------------------------


def recomputed(db) -> list[dict]:
    """turn_days as migration 004 builds it from scratch."""
    rows = db.query(f"SELECT * FROM ({store.TURN_DAYS_FROM_TURNS}) ORDER BY 1, 2, 3")
    names = [name.strip() for name in store.TURN_DAYS_COLUMNS.split(",")]
    return [dict(zip(names, row.values())) for row in rows]


def kept(db) -> list[dict]:
    return list(db.query("SELECT * FROM turn_days ORDER BY trainee_id, day, objection_slug"))


def test_turn_days_follows_inserts_deletes_and_edits(db, trainee, other):
    rng = random.Random(4)
    ids = []
    for _ in range(300):
        who = rng.choice([trainee["id"], other["id"]])
        stamp = f"{day(-rng.randrange(5))} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00.000"
        ids.append(add(db, who, stamp, rng.randrange(101), objection=rng.choice(["too-expensive", "send-info", None]),
                       moves=tuple(rng.randrange(3) for _ in range(4)), round_no=rng.choice([1, 2])))
    assert kept(db) == recomputed(db)
    for turn_id in rng.sample(ids, 60):  # deleting firsts and bests included
        db.execute("DELETE FROM turns WHERE id = ?", [turn_id])
    assert kept(db) == recomputed(db)
    for turn_id in rng.sample([i for i in ids if db["turns"].count_where("id = ?", [i])], 40):
        db.execute("UPDATE turns SET score = ?, tier = 'weak', objection_slug = 'tried-before', created_at = ?"
                   " WHERE id = ?", [rng.randrange(45), f"{day(-7)} 10:00:00.000", turn_id])
    assert kept(db) == recomputed(db)
    db.execute("DELETE FROM turns WHERE trainee_id = ?", [other["id"]])
    assert kept(db) == recomputed(db)
    assert not db["turn_days"].count_where("trainee_id = ?", [other["id"]])


def test_upgrading_an_older_database_fills_turn_days_from_its_turns(isolated_db):
    old = store.connect(isolated_db)
    store.migrations.apply(old, stop_before="004_analytics_rollup")
    me = store.create_trainee(old, "Sam")["id"]
    add(old, me, "2026-11-20 10:00:00.000", 85)
    add(old, me, "2026-11-20 09:00:00.000", 30)
    add(old, me, "2026-11-21 09:00:00.000", 60, objection=None)
    old.close()
    db = store.open_db(isolated_db)
    assert kept(db) == recomputed(db)
    assert [(r["first"], r["best"], r["turns"]) for r in analytics.first_vs_best(db, me)] == [(30, 85, 2), (60, 60, 1)]
    add(db, me, "2026-11-20 08:00:00.000", 10)  # and the triggers take over from there
    assert analytics.first_vs_best(db, me)[0]["first"] == 10
    db.close()


# -- charts -------------------------------------------------------------------------------------------------


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def marks(spec: dict) -> list[str]:
    return [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in layers(spec)]


def dataset(spec: dict, layer: dict | None = None) -> list[dict]:
    """The rows a (layer of a) chart spec draws."""
    name = ((layer or {}).get("data") or spec["data"])["name"]
    return spec["datasets"][name]


def test_score_chart_draws_grade_bands_behind_the_scores(db, trainee):
    for offset in range(-5, 1):
        add(db, trainee["id"], day(offset), 20 + 10 * -offset)
    spec = charts.score_over_time_chart(analytics.score_over_time(db, trainee["id"], per_turn_below=0))
    assert marks(spec) == ["rect", "text", "circle", "line"]
    bands = dataset(spec, spec["layer"][0])
    assert [(b["tier"], b["lo"], b["hi"]) for b in bands] == [("weak", 0, 45), ("strong", 45, 75), ("elite", 75, 100)]
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 100]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == ["#e03131", "#f08c00", "#2f9e44"]
    assert [label["encoding"]["text"]["field"] for label in spec["layer"][1:2]] == ["tier"]  # bands are named
    points = dataset(spec, spec["layer"][2])
    assert len(points) == 6 and points[0]["when"] == f"{day(-5)}T00:00:00Z"  # UTC instants
    assert spec["layer"][2]["encoding"]["x"]["scale"]["type"] == "utc"
    assert spec["width"] == "container" and spec["title"] == "Average score per day"


def test_score_chart_per_turn_colours_each_turn_by_tier(db, trainee):
    add(db, trainee["id"], "2026-11-20 09:00:00.000", 80)
    spec = charts.score_over_time_chart(analytics.score_over_time(db, trainee["id"]))
    assert spec["title"] == "Score per rebuttal"
    assert spec["layer"][3]["encoding"]["color"]["field"] == "tier"
    assert dataset(spec, spec["layer"][2])[0]["when"] == "2026-11-20T09:00:00.000Z"


def test_a_few_rebuttals_on_one_day_are_numbered_not_dated(db, trainee):
    for minute, score in ((1, 20), (5, 55), (9, 80)):
        add(db, trainee["id"], f"2026-11-20 09:{minute:02}:00.000", score)
    spec = charts.score_over_time_chart(analytics.score_over_time(db, trainee["id"]))
    x = spec["layer"][2]["encoding"]["x"]
    assert (x["field"], x["type"], x["title"]) == ("n", "quantitative", "Rebuttals, oldest first")
    assert [(p["n"], p["score"]) for p in dataset(spec, spec["layer"][2])] == [(1, 20), (2, 55), (3, 80)]


def test_tier_mix_chart_stacks_weeks_in_fixed_tier_colours(db, history):
    spec = charts.tier_mix_chart(analytics.tier_mix_per_week(db, history["id"]))
    assert marks(spec) == ["bar"]
    encoding = spec["encoding"]
    assert encoding["color"]["scale"] == {"domain": ["weak", "strong", "elite"],
                                          "range": ["#e03131", "#f08c00", "#2f9e44"]}
    assert (encoding["y"]["field"], encoding["y2"]["field"]) == ("low", "high")  # stacked here, from weak up
    rows = dataset(spec)
    # weeks of 28 Sep (elite), 9 Nov (weak), 16 Nov (weak, strong, elite), 23 Nov (weak)
    assert [(r["week"], r["tier"]) for r in rows] == [
        ("2026-09-28", "elite"), ("2026-11-09", "weak"), ("2026-11-16", "weak"), ("2026-11-16", "strong"),
        ("2026-11-16", "elite"), ("2026-11-23", "weak")]
    assert (rows[0]["start"], rows[0]["end"]) == ("2026-09-28T00:00:00Z", "2026-10-05T00:00:00Z")  # a whole week
    assert [(r["low"], r["high"]) for r in rows[2:5]] == [(0, 1), (1, 2), (2, 3)]  # week of 16 Nov: 40, 50, 80


def test_heatmap_chart_is_objection_by_move(db, history):
    rows = analytics.move_heatmap(db, history["id"])
    spec = charts.move_heatmap_chart(rows, labels={"too-expensive": "It's too expensive."})
    assert marks(spec) == ["rect", "text"]
    cells = spec["layer"][0]["encoding"]
    assert (cells["x"]["field"], cells["y"]["field"], cells["color"]["field"]) == ("move_name", "objection", "avg_points")
    assert cells["x"]["sort"] == ["Acknowledge", "Clarify", "Respond", "Advance"]
    drawn = dataset(spec)
    assert len(drawn) == 8
    assert {r["objection"] for r in drawn} == {"It's too expensive.", "need-to-think"}  # unknown slug: as is


def test_first_vs_best_chart_is_a_dumbbell(db, history):
    spec = charts.first_vs_best_chart(analytics.first_vs_best(db, history["id"]), labels={})
    assert marks(spec) == ["rect", "text", "rule", "circle"]
    assert spec["layer"][2]["encoding"]["x2"] == {"field": "best"}
    assert spec["layer"][3]["transform"][0] == {"fold": ["first", "best"], "as": ["which", "score"]}
    assert len(dataset(spec, spec["layer"][2])) == 2


def test_calendar_chart_fills_every_day_on_a_week_by_weekday_grid():
    rows = [{"day": "2026-11-20", "turns": 3}]
    spec = charts.calendar_chart(rows, start="2026-11-16", end="2026-11-24")
    assert marks(spec) == ["rect"]
    cells = dataset(spec)
    assert len(cells) == 9  # 16-24 Nov
    assert {c["week"] for c in cells} == {"2026-11-16", "2026-11-23"}
    friday = next(c for c in cells if c["day"] == "2026-11-20")
    assert (friday["weekday"], friday["turns"]) == ("Fri", 3)
    assert spec["encoding"]["y"]["sort"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert spec["encoding"]["color"]["condition"]["value"] == "#ebedf0"  # days without practice


def test_calendar_chart_shows_at_most_a_year():
    spec = charts.calendar_chart([], start="2020-01-01", end="2026-11-24")
    cells = dataset(spec)
    assert len({c["week"] for c in cells}) == charts.CALENDAR_WEEKS
    assert cells[0]["weekday"] == "Mon" and cells[-1]["day"] == "2026-11-24"


def test_charts_need_nothing_from_the_internet(db, history):
    titles = {}
    specs = [
        charts.score_over_time_chart(analytics.score_over_time(db, history["id"])),
        charts.tier_mix_chart(analytics.tier_mix_per_week(db, history["id"])),
        charts.move_heatmap_chart(analytics.move_heatmap(db, history["id"]), labels=titles),
        charts.first_vs_best_chart(analytics.first_vs_best(db, history["id"]), labels=titles),
        charts.calendar_chart(analytics.practice_calendar(db, history["id"]), start=day(-60), end=TODAY),
    ]
    for spec in specs:
        found = keys(spec)
        assert not found & {"url", "scheme", "font", "titleFont", "labelFont"}, found


def test_each_chart_with_its_rows_is_valid_vega_lite(db, history):
    titles = {"too-expensive": "It's too expensive."}
    for spec in [
        charts.score_over_time_chart(analytics.score_over_time(db, history["id"])),
        charts.score_over_time_chart(analytics.score_over_time(db, history["id"], per_turn_below=0)),
        charts.score_over_time_chart([]),
        charts.tier_mix_chart(analytics.tier_mix_per_week(db, history["id"])),
        charts.move_heatmap_chart(analytics.move_heatmap(db, history["id"]), labels=titles),
        charts.first_vs_best_chart(analytics.first_vs_best(db, history["id"]), labels=titles),
        charts.calendar_chart(analytics.practice_calendar(db, history["id"]), start=day(-60), end=TODAY),
    ]:
        alt.TopLevelSpec.validate(spec)  # raises on anything Vega-Lite would not draw
        assert "config" not in spec  # Streamlit's theme styles the charts, not Altair's default one
        drawn = {layer["data"]["name"] for layer in [spec, *spec.get("layer", [])] if "data" in layer}
        assert drawn == set(spec["datasets"]), "every dataset is drawn and every drawn dataset is there"


def test_charts_share_their_template_not_their_rows():
    first = charts.calendar_chart([{"day": "2026-11-20", "turns": 3}], start="2026-11-16", end="2026-11-24")
    second = charts.calendar_chart([], start="2026-11-23", end="2026-11-24")
    assert len(dataset(first)) == 9 and len(dataset(second)) == 2
    assert {**first, "datasets": None} == {**second, "datasets": None}
    assert dataset(first)[4]["turns"] == 3  # the second call left the first one's rows alone


def keys(node) -> set[str]:
    """Every key anywhere in a spec."""
    if isinstance(node, dict):
        return set(node) | set().union(*(keys(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(keys(value) for value in node))
    return set()
