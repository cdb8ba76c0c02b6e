"""The generator in a real browser: generate a response, then "Drill this" into Sparring."""

from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import private_link, wait_for_app


def test_generate_then_drill_this(server, watched):
    page = watched.page
    page.goto(f"{server.url}/generator?{private_link(server.db_path, 'Ari')}")
    wait_for_app(page)
    page.get_by_label("The objection").fill("Your firm is too small for a company like ours.")
    page.get_by_role("button", name="Generate a response").click()
    expect(page.get_by_text("A new objection: not in our library yet", exact=False)).to_be_visible(timeout=20_000)
    expect(page.get_by_text("STRONG", exact=False).first).to_be_visible()
    page.get_by_role("link", name="Drill this in sparring").click()
    wait_for_app(page)
    # the prospect now raises the pasted objection
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text("too small for a company like ours")
    with store.open_db(server.db_path) as db:
        assert db["generator_runs"].count == 1
    watched.assert_clean()
