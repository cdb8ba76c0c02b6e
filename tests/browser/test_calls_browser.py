"""Grade a call in a real browser: paste a transcript, read the timeline, save it to progress, drill an
objection again; upload a WebVTT file; delete a call."""

from pathlib import Path

from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import private_link, wait_for_app

CALLS = Path(__file__).resolve().parents[1] / "data" / "calls"
SHOTS = Path("/work/shots")


def open_page(server, watched, name: str):
    page = watched.page
    page.goto(f"{server.url}/calls?{private_link(server.db_path, name)}")
    wait_for_app(page)
    page.get_by_role("heading", name="Grade a call").wait_for()
    return page


def test_paste_a_call_and_read_its_timeline(server, watched):
    page = open_page(server, watched, "Priya")
    transcript = (CALLS / "fleet-call.txt").read_text()
    assert transcript.count("\n") >= 12  # well over six exchanges
    page.get_by_role("textbox", name="Transcript").fill(transcript)
    page.get_by_role("button", name="Grade this call").click()
    wait_for_app(page)
    rows = page.locator("[class*='st-key-calls_exchange_']")
    expect(rows).to_have_count(3, timeout=20_000)
    expect(rows.nth(0)).to_contain_text("Look, we're pretty happy with our current provider.")
    expect(rows.nth(1)).to_contain_text("WEAK · 0/100")
    expect(rows.nth(1)).to_contain_text("we could probably do a discount if you sign this week")
    expect(rows.nth(1)).to_contain_text("A better line")
    expect(rows.nth(2)).to_contain_text("Can you just send me some information")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("3")
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 3000})  # Streamlit scrolls inside its own frame: a tall window
    page.wait_for_timeout(300)
    top = page.get_by_text("Your calls", exact=True).bounding_box()["y"] - 20
    page.screenshot(path=str(SHOTS / "calls-timeline.png"),
                    clip={"x": 300, "y": top, "width": 980, "height": min(2400, 3000 - top)})
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Save 3 graded answers to my progress").click()
    wait_for_app(page)
    expect(page.get_by_text("Saved 3 graded answers to your progress.")).to_be_visible()
    with store.open_db(server.db_path) as db:
        assert [row["source"] for row in db.query("SELECT source FROM turns")] == ["call"] * 3

    rows.nth(1).get_by_role("link", name="Drill this objection").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Sparring").wait_for()
    expect(page.get_by_test_id("conversationMessage").first).to_be_visible()
    with store.open_db(server.db_path) as db:
        assert [row["objection_slug"] for row in db.query("SELECT objection_slug FROM sessions")] == ["too-expensive"]
    watched.assert_clean()


def test_a_price_answered_with_ok_and_a_cfo_who_signs(server, watched):
    from tests.test_calls import REVIEWED

    page = open_page(server, watched, "Sarah")
    page.get_by_role("textbox", name="Transcript").fill(REVIEWED)
    page.get_by_role("button", name="Grade this call").click()
    wait_for_app(page)
    rows = page.locator("[class*='st-key-calls_exchange_']")
    expect(rows).to_have_count(4, timeout=20_000)
    expect(rows.nth(1)).to_contain_text("And your price is double what we pay now.")
    expect(rows.nth(1)).to_contain_text("Sarah Jones said only “OK.” and moved on without answering this objection.")
    expect(rows.nth(2)).to_contain_text("your CFO, Maria, to be comfortable")
    expect(rows.nth(2)).not_to_contain_text("both of you")
    expect(page.get_by_role("button", name="Save 3 graded answers to my progress")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 3400})
    page.wait_for_timeout(300)
    top = page.get_by_text("Your calls", exact=True).bounding_box()["y"] - 20
    page.screenshot(path=str(SHOTS / "calls2-reviewed-call.png"),
                    clip={"x": 300, "y": top, "width": 980, "height": min(3000, 3400 - top)})
    watched.assert_clean()


def test_upload_a_webvtt_file_then_delete_the_call(server, watched, tmp_path):
    page = open_page(server, watched, "Quinn")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(CALLS / "teams-call.vtt"))
    page.get_by_role("button", name="Grade this call").click()
    wait_for_app(page)
    rows = page.locator("[class*='st-key-calls_exchange_']")
    expect(rows).to_have_count(1, timeout=20_000)
    expect(rows.first).to_contain_text("0:04")
    expect(rows.first).to_contain_text("What part is still on your mind")
    expect(page.get_by_text("teams-call.vtt")).to_have_count(0)  # the file was read: the upload box is empty again
    page.get_by_role("button", name="Delete this call").click()
    page.get_by_role("button", name="Delete for good").click()
    wait_for_app(page)
    expect(page.get_by_text("The call was deleted.")).to_be_visible()
    expect(rows).to_have_count(0)
    with store.open_db(server.db_path) as db:
        quinn = store.get_trainee_by_name(db, "Quinn")
        assert store.list_calls(db, quinn["id"]) == []
    watched.assert_clean()
