"""The Progress page in AppTest: a friendly start for a new trainee, then figures and five charts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from closergym import store
from tests.conftest import app_for

PAGE = "app_pages/progress.py"
CHART_TITLES = ["Practice days", "Tier mix per week", "Points per move (0-2) by objection",
                "First try vs best, per objection"]


def specs(at) -> list[dict]:
    """The Vega-Lite specs on the page (AppTest does not know chart elements: they come back unknown)."""
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def points_drawn(at) -> int:
    """Rows behind the score chart's points (Streamlit ships chart data as Arrow, beside the spec)."""
    chart = at.get("vega_lite_chart")[0].proto
    name = json.loads(chart.spec)["layer"][2]["data"]["name"]
    data = next(dataset.data.data for dataset in chart.datasets if dataset.name == name)
    return pa.ipc.open_stream(data).read_all().num_rows


def seed(db, trainee_id: int) -> None:
    """Turns today, yesterday and 40-60 days ago, on two objections."""
    today = datetime.now(UTC).date()
    session = store.create_session(db, trainee_id=trainee_id, kind="sparring", objection_slug="too-expensive")
    plan = [(0, 80, 1), (0, 50, 2), (1, 30, 1), (1, 60, 2), (40, 20, 1), (45, 70, 1), (60, 40, 1)]
    for n, (days_ago, score, round_no) in enumerate(plan):
        tier = "weak" if score < 45 else "strong" if score < 75 else "elite"
        store.save_turn(db, {
            "trainee_id": trainee_id, "session_id": session["id"] if n < 2 else None, "round": round_no,
            "objection_slug": "too-expensive" if n % 2 else "need-to-think", "prompt": "p", "rebuttal": "r",
            "tier": tier, "score": score, "acknowledge": 2, "clarify": 1, "respond": 1, "advance": 0,
            "created_at": f"{today - timedelta(days=days_ago)} 00:00:0{n}.000",
        })


def test_new_trainee_gets_a_friendly_start_and_no_charts(trainee):
    at = app_for(trainee, PAGE)
    assert not at.exception
    assert at.title[0].value == ":material/trending_up: Progress"
    assert any("Nothing to chart yet" in info.value for info in at.info)
    links = {link.proto.page: link.proto.label for link in at.main.get("page_link")}
    assert links == {"sparring": "Spar with a prospect", "lessons": "Read a lesson and try its drills"}
    assert not at.get("vega_lite_chart") and not at.metric


def test_without_a_trainee_the_page_asks_who_is_training():
    at = app_for(None, PAGE)
    assert not at.exception
    assert at.text_input(key="page_new_trainee_name")  # the shared start form, then the page stops
    assert not at.get("vega_lite_chart") and not at.metric


def test_figures_and_five_charts(db, trainee):
    seed(db, trainee["id"])
    at = app_for(trainee, PAGE)
    assert not at.exception
    metrics = {metric.label: metric for metric in at.metric}
    assert metrics["Rebuttals"].value == "4"
    assert metrics["Average score"].value == "55"  # (80 + 50 + 30 + 60) / 4
    assert metrics["Elite rate"].value == "25%"
    assert metrics["Streak"].value == "2 days"
    assert any("7 rebuttals, 1 sparring session (" in caption.value for caption in at.caption)
    drawn = specs(at)
    assert len(drawn) == 5
    assert [spec["title"] for spec in drawn[1:]] == CHART_TITLES[1:] + CHART_TITLES[:1]
    assert drawn[0]["title"] == "Score per rebuttal"  # few turns: each one is a point
    assert at.segmented_control(key="progress_range").value == "30 days"


def test_time_range_redraws_the_charts(db, trainee):
    seed(db, trainee["id"])
    at = app_for(trainee, PAGE)
    assert points_drawn(at) == 4  # the last 30 days
    at.segmented_control(key="progress_range").set_value("All time").run()
    assert not at.exception
    assert points_drawn(at) == 7
    at.segmented_control(key="progress_range").set_value("7 days").run()
    assert points_drawn(at) == 4
    assert len(specs(at)) == 5


def test_a_range_without_practice_says_so_instead_of_empty_charts(db, trainee):
    store.save_turn(db, {
        "trainee_id": trainee["id"], "objection_slug": "send-info", "prompt": "p", "rebuttal": "r", "tier": "weak",
        "score": 10, "acknowledge": 0, "clarify": 0, "respond": 0, "advance": 0,
        "created_at": (datetime.now(UTC) - timedelta(days=50)).strftime("%Y-%m-%d %H:%M:%S.000"),
    })
    at = app_for(trainee, PAGE)
    assert not at.exception
    assert at.metric[0].value == "0"
    assert any("No graded rebuttals in the last 30 days" in info.value for info in at.info)
    assert not at.get("vega_lite_chart")
    at.segmented_control(key="progress_range").set_value("All time").run()
    assert len(specs(at)) == 5


def test_home_and_progress_count_the_same_sessions(db, trainee):
    """An opened session with no graded answer (started, then left) counts on neither page."""
    from closergym import sessions

    answered = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="too-expensive", difficulty="normal")
    sessions.take_turn(db, trainee_id=trainee["id"], session_id=answered["id"],
                       rebuttal="That's fair. What are you comparing it to?", turn_uid="counted-r1")
    sessions.start_session(db, trainee_id=trainee["id"], objection_slug="bad-timing", difficulty="normal")  # left
    home = app_for(trainee)
    shown = next(metric.value for metric in home.metric if metric.label == "Sparring sessions")
    progress = home.switch_page("app_pages/progress.py").run()
    assert shown == "1"
    assert any("1 sparring session " in caption.value for caption in progress.caption)
    assert any("All time: 1 rebuttal, 1 sparring session" in caption.value for caption in progress.caption)


def test_a_first_week_of_practice_is_drawn_a_week_wide_among_four():
    from components import charts

    spec = charts.tier_mix_chart([{"week": "2026-11-30", "tier": "strong", "turns": 3}])
    weeks = sorted({value["start"] for value in spec["datasets"]["weeks"]})
    assert len(weeks) == charts.MIN_WEEKS and weeks[-1].startswith("2026-11-30")
    assert sum(value["turns"] for value in spec["datasets"]["weeks"]) == 3  # the padding holds no answers
