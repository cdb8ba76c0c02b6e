"""The Progress page in a real browser: five charts drawn from seeded history, offline and without errors,
and a time range that redraws them with its own rows."""

from closergym import store
from tests.browser.conftest import Server, private_link, wait_for_app
from tests.test_progress_page import seed

CHARTS = "[data-testid='stVegaLiteChart']"


def score_chart(page) -> bytes:
    chart = page.locator(CHARTS).first
    chart.locator("canvas, svg").first.wait_for()
    page.wait_for_timeout(300)  # Vega draws on the next animation frames
    return chart.screenshot()


def test_charts_draw_and_follow_the_time_range(tmp_path, watched):
    server = Server(tmp_path / "closergym.db")
    try:
        with store.open_db(server.db_path) as db:
            seed(db, store.create_trainee(db, "Sam")["id"])
        page = watched.page
        page.goto(f"{server.url}/progress?{private_link(server.db_path, 'Sam')}")
        wait_for_app(page)
        page.get_by_text("Practice days").wait_for()
        charts = page.locator(CHARTS)
        assert charts.count() == 5
        for n in range(5):
            box = charts.nth(n).locator("canvas, svg").first.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100, f"chart {n} drawn at {box}"
        last_30_days = score_chart(page)

        page.get_by_test_id("stButtonGroup").get_by_text("All time").click()
        wait_for_app(page)
        all_time = score_chart(page)
        assert all_time != last_30_days, "the score chart did not redraw with the longer range's rows"

        page.get_by_test_id("stButtonGroup").get_by_text("30 days").click()
        wait_for_app(page)
        assert score_chart(page) == last_30_days, "back on 30 days, the chart is not the one first drawn"
        watched.assert_clean()
    finally:
        server.stop()
