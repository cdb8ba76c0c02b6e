"""Lessons in a real browser: a deep link, a drill cell graded in place, "Drill this" into Sparring,
and both PDFs downloaded and read back."""

from io import BytesIO
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from closergym import store
from tests.browser.conftest import on_phone, private_link, wait_for_app


def pdf_text(download) -> str:
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_lesson_drill_cell_drill_this_and_pdfs(server, watched):
    link = private_link(server.db_path, "Mo")
    page = watched.page
    page.goto(f"{server.url}/lessons?{link}&lesson=second-call-close")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="The second-call close sequence")).to_be_visible()

    # a drill cell, graded in place
    cell = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Grade my answer")).first
    cell.get_by_role("textbox").fill("That makes sense. What would your partner need to see before saying yes?")
    cell.get_by_role("button", name="Grade my answer").click()
    expect(page.get_by_text("STRONG", exact=False).first).to_be_visible(timeout=20_000)
    with store.open_db(server.db_path) as db:
        assert [r["source"] for r in db.query("SELECT source FROM turns")] == ["lesson:second-call-close"]

    # both PDFs
    with page.expect_download() as lesson_download:
        page.get_by_role("button", name="Save as PDF").click()
    assert "second-call close sequence" in pdf_text(lesson_download.value).lower()

    # "Drill this in sparring" opens Sparring pre-loaded
    page.get_by_role("link", name="Drill this in sparring: Partner decides").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="My partner handles the money decisions.")).to_be_visible()

    page.goto(f"{server.url}/lessons?{link}")
    wait_for_app(page)
    with page.expect_download() as playbook_download:
        page.get_by_role("button", name="The Objection Sparring Playbook (PDF)").click()
    text = pdf_text(playbook_download.value).lower()
    assert "objection sparring playbook" in text and "acknowledge" in text
    watched.assert_clean()


def test_a_lesson_opened_from_far_down_the_list_opens_at_its_title(server, watched):
    """Streamlit keeps the scroll position when the page reruns with a new ?lesson=: on a phone, the
    last lesson of the list opened scrolled to its own bottom."""
    page = on_phone(server, watched, "Mo", "/lessons")
    last = page.get_by_test_id("stMain").get_by_test_id("stPageLink").last
    last.scroll_into_view_if_needed()
    main_scroll = "() => document.querySelector(\"[data-testid='stMain']\").scrollTop"
    assert page.evaluate(main_scroll) > 500
    title = last.inner_text().strip()
    last.click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_in_viewport()
    page.wait_for_function(f"() => ({main_scroll})() === 0")
    watched.assert_clean()
