"""The generator in a real browser: generate a response, then "Drill this" into Sparring."""

from playwright.sync_api import expect

from closergym import store
from closergym.families import objection_for
from closergym.prospect import GENERIC_PUSHBACK
from tests.browser.conftest import PHONE, messages, private_link, send, wait_for_app


def test_generate_then_drill_this(server, watched):
    page = watched.page
    page.goto(f"{server.url}/generator?{private_link(server.db_path, 'Ari')}")
    wait_for_app(page)
    page.set_viewport_size(PHONE)  # the result lands below the screen's bottom
    heard = "Every roofing contractor that comes through after a storm is a scam."
    page.get_by_label("The objection").fill(heard)
    page.get_by_role("button", name="Generate a response").click()
    expect(page.get_by_text("A new objection: not in our library yet", exact=False)).to_be_visible(timeout=20_000)
    expect(page.get_by_text("What kind of objection: Doubt about the salesperson", exact=False)).to_be_visible()
    # the result, drawn below the form, is brought up to the top of the screen
    heading = page.get_by_role("heading", name="What's probably really going on")
    expect(heading).to_be_in_viewport()
    for _ in range(40):  # the page scrolls as the result is drawn below the form
        if heading.bounding_box()["y"] < 300:
            break
        page.wait_for_timeout(100)
    assert heading.bounding_box()["y"] < 300, heading.bounding_box()
    expect(page.get_by_text("A new objection for our library")).to_have_count(0)
    expect(page.get_by_text("STRONG", exact=False).first).to_be_visible()
    expect(page.get_by_text("ELITE", exact=False).first).to_be_visible()
    page.get_by_role("link", name="Drill this in sparring").click()
    wait_for_app(page)
    # the prospect now raises the pasted objection, and is someone from that family's world
    expect(messages(page).first).to_contain_text("roofing contractor that comes through after a storm")
    expect(page.get_by_text("trust objection", exact=False)).to_be_visible()
    send(page, "No problem, take your time and let me know!")
    reply = messages(page).nth(2).inner_text()
    built = objection_for(heard)
    assert any(line in reply for line in built.pushback.weak), reply  # the family's pushback, not a placeholder
    assert not any(line in reply for line in GENERIC_PUSHBACK["weak"])
    page.screenshot(path="/work/shots/families-custom-sparring.png", full_page=True)
    with store.open_db(server.db_path) as db:
        assert db["generator_runs"].count == 1
    watched.assert_clean()
