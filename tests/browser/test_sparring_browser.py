"""A sparring session opened by deep link, answered in a real browser: through the turn endpoint (as
./scripts/run serves the app), and through Streamlit when the app is served without it."""

from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import Server, answer_box, messages, on_phone, private_link, send, wait_for_app

ANSWERS = [
    "<img src=x onerror=alert(1)> No problem, let me know!",
    "That makes sense. What part of it is still on your mind: the cost or the timing?",
    "That's fair. Most teams like yours break even within four months. "
    "Could we take 15 minutes Thursday at 2 to look at your numbers together?",
]


def turn_requests(page) -> list[str]:
    """Every request the page sends from now on to the turn endpoint, as they happen."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.method) if "/api/sparring/turn" in request.url else None)
    return sent


def session_of_three(server, page, watched):
    page.goto(f"{server.url}/sparring?{private_link(server.db_path, 'Dee')}&objection=need-to-think&difficulty=easy")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="I need to think about it.")).to_be_visible()
    expect(page.get_by_text("The rubric")).to_be_visible()
    for text in ANSWERS:
        send(page, text)
    # the hostile answer is shown as typed, not rendered
    expect(messages(page).nth(1).get_by_text("<img src=x onerror=alert(1)>", exact=False)).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
    report = page.get_by_role("region", name="Session report")
    expect(report.get_by_role("heading", name="Session report")).to_be_visible()
    expect(report.get_by_text("Outcome:", exact=False)).to_be_visible()
    expect(answer_box(page)).to_be_hidden()  # the answer that ended the session took the box away
    expect(page.get_by_role("button", name="Drill it again")).to_be_focused()  # what to do next, at hand
    assert "objection=" not in page.url  # the deep link was consumed: a reload resumes, not restarts
    with store.open_db(server.db_path) as db:
        tiers = [row["tier"] for row in db.query("SELECT tier FROM turns ORDER BY id")]
    assert tiers == ["weak", "strong", "elite"]


def test_deep_linked_session_three_rounds(server, watched):
    page = watched.page
    requests = turn_requests(page)
    session_of_three(server, page, watched)
    assert requests == ["POST"] * 3  # each answer went straight to the turn endpoint
    # Drilling it again from the report starts a fresh session of the same objection.
    page.get_by_role("button", name="Drill it again").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Session report")).to_have_count(0)
    expect(messages(page)).to_have_count(1)
    expect(answer_box(page)).to_be_visible()
    with store.open_db(server.db_path) as db:
        latest = next(db.query("SELECT objection_slug, status FROM sessions ORDER BY id DESC LIMIT 1"))
    assert latest == {"objection_slug": "need-to-think", "status": "active"}

    # A paste past the limit is refused with the reason, and stays in the box to trim.
    too_long = "What would have to be true for this to be worth a look this quarter? " * 40
    answer_box(page).fill(too_long)
    answer_box(page).press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("keep it under 2,000")
    expect(answer_box(page)).to_have_value(too_long)
    expect(messages(page)).to_have_count(1)
    with store.open_db(server.db_path) as db:
        assert db.execute("SELECT count(*) FROM turns").fetchone()[0] == 3  # nothing saved
    # A reload resumes the session where it stands.
    send(page, ANSWERS[1])
    page.reload()
    wait_for_app(page)
    expect(messages(page)).to_have_count(3)
    expect(messages(page).nth(1)).to_contain_text(ANSWERS[1])
    watched.assert_clean()


def test_without_the_endpoint_answers_go_through_streamlit(watched, tmp_path):
    """`streamlit run app.py` (no turn endpoint, as on a host that only forwards Streamlit's own paths):
    the same session, each answer taken by a rerun of the conversation."""
    server = Server(tmp_path / "plain.db", script="app.py")
    try:
        page = watched.page
        requests = turn_requests(page)
        session_of_three(server, page, watched)
        assert requests == []
        watched.assert_clean()
    finally:
        server.stop()


def test_on_a_phone_each_new_grade_is_on_screen(server, watched):
    """The scorecard and the prospect's next line are taller than a phone's screen: the newest answer,
    with its grade, is brought to the top rather than left above it."""
    page = on_phone(server, watched, "Pho", "/sparring?objection=too-expensive&difficulty=easy")
    for number, text in enumerate(ANSWERS[1:], start=1):
        send(page, text)
        newest = messages(page).nth(2 * number - 1)
        expect(newest.get_by_text("/100", exact=False).first).to_be_in_viewport()
        # the prospect's new line is below the screen: it shows above the answer box, to answer it
        reply = messages(page).nth(2 * number).locator(".cg-text").inner_text()
        expect(page.locator(".cg-current-text")).to_have_text(f"“{reply}”")
        expect(page.locator(".cg-current-text")).to_be_in_viewport()
    watched.assert_clean()


def test_ending_a_session_asks_once_more(server, watched):
    page = on_phone(server, watched, "End", "/sparring?objection=bad-timing")
    page.get_by_role("button", name="End this session").dblclick()
    expect(page.get_by_role("button", name="End it? Press again")).to_be_visible()
    expect(answer_box(page)).to_be_visible()  # one press, or a double-click, ends nothing
    page.wait_for_timeout(600)  # a second thought, not a second click of the same gesture
    page.get_by_role("button", name="End it? Press again").click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Start sparring")).to_be_visible()
    with store.open_db(server.db_path) as db:
        mine = store.get_trainee_by_name(db, "End")["id"]
        assert [row["status"] for row in db.query("SELECT status FROM sessions WHERE trainee_id = ?", [mine])] == ["abandoned"]
    watched.assert_clean()
