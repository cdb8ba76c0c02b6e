"""A sparring session opened by deep link, answered in a real browser."""

from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import on_phone, wait_for_app

ANSWERS = [
    "<img src=x onerror=alert(1)> No problem, let me know!",
    "That makes sense. What part of it is still on your mind: the cost or the timing?",
    "That's fair. Most teams like yours break even within four months. "
    "Could we take 15 minutes Thursday at 2 to look at your numbers together?",
]


def send(page, text):
    before = page.get_by_test_id("stChatMessage").count()
    page.get_by_test_id("stChatInputTextArea").fill(text)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(before + 2, timeout=20_000)
    wait_for_app(page)


def test_deep_linked_session_three_rounds(server, watched):
    with store.open_db(server.db_path) as db:
        store.ensure_trainee(db, "Dee")
    page = watched.page
    page.goto(f"{server.url}/sparring?trainee=Dee&objection=need-to-think&difficulty=easy")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="I need to think about it.")).to_be_visible()
    expect(page.get_by_text("The rubric")).to_be_visible()
    for text in ANSWERS:
        send(page, text)
    # the hostile answer is shown as typed, not rendered
    expect(page.get_by_text("<img src=x onerror=alert(1)>", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Session report")).to_be_visible()
    expect(page.get_by_text("Outcome:", exact=False)).to_be_visible()
    assert "objection=" not in page.url  # the deep link was consumed: a reload resumes, not restarts
    with store.open_db(server.db_path) as db:
        tiers = [row["tier"] for row in db.query("SELECT tier FROM turns ORDER BY id")]
    assert tiers == ["weak", "strong", "elite"]
    # Drilling it again from the report starts a fresh session of the same objection (a fragment rerun,
    # on another server thread than the one that opened the page).
    page.get_by_role("button", name="Drill it again").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Session report")).to_have_count(0)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()
    with store.open_db(server.db_path) as db:
        latest = next(db.query("SELECT objection_slug, status FROM sessions ORDER BY id DESC LIMIT 1"))
    assert latest == {"objection_slug": "need-to-think", "status": "active"}

    # A paste past the limit reaches the page (a browser drops a paste past a box's max_chars without a
    # word): it is refused with the reason, and kept on the page to trim.
    too_long = "What would have to be true for this to be worth a look this quarter? " * 40
    page.get_by_test_id("stChatInputTextArea").fill(too_long)
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text("keep it under 2,000", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stCode")).to_contain_text(too_long.strip()[:200])
    with store.open_db(server.db_path) as db:
        assert db.execute("SELECT count(*) FROM turns").fetchone()[0] == 3  # nothing saved
    watched.assert_clean()


def test_on_a_phone_each_new_grade_is_on_screen(server, watched):
    """The scorecard and the prospect's next line are taller than a phone's screen: the newest answer,
    with its grade, is brought to the top rather than left above it."""
    page = on_phone(server, watched, "Pho", "/sparring?objection=too-expensive&difficulty=easy")
    for number, text in enumerate(ANSWERS[1:], start=1):
        send(page, text)
        newest = page.get_by_test_id("stChatMessage").nth(2 * number - 1)
        expect(newest.get_by_text("/100", exact=False).first).to_be_in_viewport()
    watched.assert_clean()
