"""The closing and psychology tracks in a real browser: a second call run from the Closing track with the notes
from call one on screen before the first answer, then a psychology scenario graded on its principle."""

from pathlib import Path

from playwright.sync_api import expect

from closergym import closing, store, tracks
from tests.browser.conftest import messages, private_link, send, wait_for_app

SHOTS = Path("/work/shots")


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label`."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_a_closing_session_and_a_psychology_scenario(server, watched):
    page = watched.page
    page.set_viewport_size({"width": 1280, "height": 1500})  # tall enough for the notes and a graded round
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server.url}/sparring?{private_link(server.db_path, 'Tracy')}")
    wait_for_app(page)
    page.get_by_role("radio", name="Closing").click()
    wait_for_app(page)
    choose(page, "Scenario", "The second call")
    notes = page.get_by_test_id("stMarkdownContainer").filter(has_text="Your notes from call one")
    expect(notes).to_be_visible()  # before the session starts
    expect(notes).to_contain_text("The number they gave: Late reports hold up invoicing")
    expect(notes).to_contain_text("twelve thousand a month")
    page.get_by_text("The rubric: The second call").click()
    expect(page.get_by_text("Open with a callback to a specific moment of call one").first).to_be_visible()
    page.get_by_role("button", name="Start the scenario").click()
    wait_for_app(page)
    expect(page.get_by_text("Your notes from call one")).to_be_visible()  # and once it runs
    expect(messages(page)).to_have_count(1)
    expect(messages(page).first).to_contain_text("Round 1 of 3 · the callback")

    scenario = tracks.scenario(tracks.SECOND_CALL_KEY)
    with store.open_db(server.db_path) as db:
        stall = next(db.query("SELECT custom_objection FROM sessions ORDER BY id DESC LIMIT 1"))["custom_objection"]
    for number in (1, 2, 3):
        send(page, closing.elite_example(scenario.rounds[number - 1], stall if number == 2 else None).text)
        expect(messages(page).nth(2 * number - 1)).to_contain_text("ELITE")
        if number == 1:  # the notes from call one above the first graded round
            page.get_by_role("heading", name="The second call").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "tracks-closing.png"))
    expect(page.get_by_role("heading", name="Session report")).to_be_visible()
    with store.open_db(server.db_path) as db:
        saved = list(db.query("SELECT source, objection_slug, tier FROM turns ORDER BY id"))
    assert saved == [{"source": "second_call", "objection_slug": tracks.SECOND_CALL_KEY, "tier": "elite"}] * 3

    page.get_by_role("button", name="Choose another drill").click()
    wait_for_app(page)
    page.get_by_role("radio", name="Psychology").click()
    wait_for_app(page)
    choose(page, "Scenario", "Make them say the number")
    page.get_by_text("The rubric: Make them say the number").click()
    expect(page.get_by_text("Red flag: Said the number for them", exact=False)).to_be_visible()
    page.get_by_role("button", name="Start the scenario").click()
    wait_for_app(page)
    expect(messages(page).first).to_contain_text("Round 1 of 1 · the shrug")
    send(page, "Fair enough. How many calls would you say go unanswered?")
    graded = messages(page).nth(1)
    expect(graded).to_contain_text("STRONG")
    expect(graded).to_contain_text("Ask for their number")
    expect(graded.get_by_text("How many calls would you say go unanswered?").first).to_be_visible()
    expect(page.get_by_role("heading", name="Session report")).to_be_visible()
    page.get_by_role("heading", name="Psychology · Make them say the number").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "tracks-psychology.png"))
    with store.open_db(server.db_path) as db:
        last = next(db.query("SELECT source, objection_slug, tier FROM turns ORDER BY id DESC LIMIT 1"))
    assert last == {"source": "psychology", "objection_slug": "psychology:say-the-number", "tier": "strong"}
    watched.assert_clean()
