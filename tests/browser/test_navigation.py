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
    entries = page.evaluate("history.length")
    for title, heading in PAGES.items():
        nav(page).get_by_role("link", name=title, exact=True).click()
        wait_for_app(page)
        page.get_by_role("heading", level=1).filter(has_text=heading).wait_for()
        assert "trainee=Robin" in page.url, f"{title} lost the trainee"
    # one history entry a page (it was three: the page, then the profile written back twice), so Back goes back
    assert page.evaluate("history.length") == entries + len(PAGES) - 1  # Home, where it starts, adds none
    for heading in list(PAGES.values())[-2::-1][:3]:
        page.go_back()
        wait_for_app(page)
        page.get_by_role("heading", level=1).filter(has_text=heading).wait_for()
        assert "trainee=Robin" in page.url
    watched.assert_clean()


def nav(page):
    """The sidebar's page links."""
    return page.get_by_test_id("stSidebar")


def test_a_link_followed_on_a_phone_closes_the_sidebar(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/lessons?{private_link(server.db_path, 'Ana')}")
        wait_for_app(page)
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(nav(page).get_by_role("link", name="Progress", exact=True)).to_be_visible()
        nav(page).get_by_role("link", name="Progress", exact=True).click()
        wait_for_app(page)
        page.get_by_role("heading", level=1).filter(has_text="Progress").wait_for()
        expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()  # closed: the page is in view
        assert "trainee=Ana" in page.url
    finally:
        context.close()


def test_deep_link_on_a_fresh_server_keeps_the_frame(tmp_path, watched):
    # The very first run of a new server must still go through app.py (sidebar, storage checks).
    fresh = Server(tmp_path / "fresh.db")
    try:
        page = watched.page
        page.goto(f"{fresh.url}/settings?{private_link(fresh.db_path, 'Kim')}")
        wait_for_app(page)
        page.get_by_role("heading", name="Settings").wait_for()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Training as Kim")
        # the page links come with the same run, and may be drawn a frame after the name under them
        expect(nav(page)).to_contain_text("Objection generator", timeout=5_000)
        watched.assert_clean()
    finally:
        fresh.stop()
