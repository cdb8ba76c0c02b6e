"""The generator in a real browser: generate a response, then "Drill this" into Sparring."""

from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import PHONE, private_link, wait_for_app


def test_generate_then_drill_this(server, watched):
    page = watched.page
    page.goto(f"{server.url}/generator?{private_link(server.db_path, 'Ari')}")
    wait_for_app(page)
    page.set_viewport_size(PHONE)  # the result lands below the screen's bottom
    page.get_by_label("The objection").fill("Your firm is too small for a company like ours.")
    page.get_by_role("button", name="Generate a response").click()
    expect(page.get_by_text("A new objection: not in our library yet", exact=False)).to_be_visible(timeout=20_000)
    # the result, drawn below the form, is brought up to the top of the screen
    heading = page.get_by_role("heading", name="What's probably really going on")
    expect(heading).to_be_in_viewport()
    for _ in range(40):  # the page scrolls as the result is drawn below the form
        if heading.bounding_box()["y"] < 300:
            break
        page.wait_for_timeout(100)
    assert heading.bounding_box()["y"] < 300, heading.bounding_box()
    expect(page.get_by_text("STRONG", exact=False).first).to_be_visible()
    page.get_by_role("link", name="Drill this in sparring").click()
    wait_for_app(page)
    # the prospect now raises the pasted objection
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text("too small for a company like ours")
    with store.open_db(server.db_path) as db:
        assert db["generator_runs"].count == 1
    watched.assert_clean()
