"""Every page opens from the navigation in a real browser, offline, with no errors."""

from playwright.sync_api import expect

from tests.browser.conftest import Server, private_link, wait_for_app

PAGES = {"Home": "Closer Gym", "Lessons": "Lessons", "Sparring": "Sparring",
         "Objection generator": "Objection", "Grade a call": "Grade a call", "Progress": "Progress",
         "Settings": "Settings"}


def test_every_page_from_the_navigation(server, watched):
    page = watched.page
    page.goto(server.url)
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_label("Your name").fill("Robin")
    main.get_by_role("button", name="Start training").click()
    page.get_by_role("heading", name="Welcome, Robin").wait_for()
    for title, heading in PAGES.items():
        page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        wait_for_app(page)
        page.get_by_role("heading", level=1).filter(has_text=heading).wait_for()
        assert "trainee=Robin" in page.url, f"{title} lost the trainee"
    watched.assert_clean()


def test_deep_link_on_a_fresh_server_keeps_the_frame(tmp_path, watched):
    # The very first run of a new server must still go through app.py (sidebar, storage checks).
    fresh = Server(tmp_path / "fresh.db")
    try:
        page = watched.page
        page.goto(f"{fresh.url}/settings?{private_link(fresh.db_path, 'Kim')}")
        wait_for_app(page)
        page.get_by_role("heading", name="Settings").wait_for()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Training as Kim")
        nav = page.get_by_test_id("stSidebarNav").inner_text()
        assert "Objection generator" in nav
        watched.assert_clean()
    finally:
        fresh.stop()
