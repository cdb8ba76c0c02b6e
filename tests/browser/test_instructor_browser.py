"""The instructor's day in a real browser (issue 23): the presenter's reveal on a 1280x720 projector, a
sign-in that survives a reload and ends in one click, a join link opened by a new trainee, the dashboard,
and batch grading with a `student` column. Screenshots go to $CLOSERGYM_SHOTS (default: the test's folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from closergym import cohorts, demo, store
from tests.browser.conftest import Server, wait_for_app

PASSCODE = "teach-42"
PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    instance = Server(tmp_path_factory.mktemp("class") / "closergym.db", env={"CLOSERGYM_INSTRUCTOR_PASSCODE": PASSCODE})
    yield instance
    instance.stop()


def shot(page, name: str, tmp_path: Path, *, full_page: bool = False) -> None:
    folder = Path(os.environ.get("CLOSERGYM_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"instructor-{name}.png"), full_page=full_page)


def on_screen(page, locator, height: int = 720) -> None:
    box = locator.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, box


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/instructor")
    wait_for_app(page)
    page.get_by_label("Instructor passcode").fill(PASSCODE)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("tab", name="Dashboard")).to_be_visible()
    wait_for_app(page)


def test_the_reveal_reads_from_the_back_of_the_room(class_server, browser, tmp_path):
    context = browser.new_context(viewport=PROJECTOR)
    try:
        page = context.new_page()
        page.goto(f"{class_server.url}/?present=1")
        wait_for_app(page)
        expect(page.get_by_text("What earns points")).to_be_visible()  # the other half of the screen, before grading
        page.get_by_label("Class answer").fill("That makes sense. What part is still on your mind?")
        page.get_by_role("button", name="Grade it (hidden until you reveal)").click()
        expect(page.get_by_text("Guess first")).to_be_visible()
        wait_for_app(page)
        page.keyboard.press("ArrowRight")  # the presenter's key reveals
        tier = page.locator("h1").filter(has_text="/100")
        expect(tier).to_be_visible()
        wait_for_app(page)
        size = float(tier.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
        assert size >= 40, f"the tier is {size}px"  # was a 12-px badge
        moves = page.locator("h4").filter(has_text="Clarify / isolate")
        why = page.locator("h3").filter(has_text="of 8 points").or_(page.locator("h3").filter(has_text="red flag"))
        for locator in (tier, moves, page.get_by_text("“What part is still on your mind?”").last, why.first,
                        page.get_by_role("button", name="The prospect answers")):
            on_screen(page, locator)
        assert float(moves.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 22
        shot(page, "reveal", tmp_path)
        scroll = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        assert scroll <= 720 + 2, f"the page scrolls: {scroll}px"
        expect(page.get_by_label("Class answer")).to_have_count(0)  # the next line waits for the key
        page.keyboard.press("ArrowRight")
        expect(page.get_by_label("Class answer")).to_be_visible()
        expect(page.get_by_text("Round 2 of", exact=False)).to_be_visible()
    finally:
        context.close()


def test_a_reload_keeps_the_instructor_signed_in_and_one_click_signs_out(class_server, watched, tmp_path):
    page = watched.page
    sign_in(page, class_server.url)
    assert PASSCODE not in page.url and "instructor=" in page.url
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("tab", name="Dashboard")).to_be_visible()  # no passcode typed again
    page.get_by_role("link", name="Settings").click()  # another page, and back
    wait_for_app(page)
    page.get_by_role("link", name="Instructor").click()
    wait_for_app(page)
    expect(page.get_by_role("tab", name="Dashboard")).to_be_visible()
    shot(page, "signin", tmp_path)
    signed_in_at = page.url
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Instructor passcode")).to_be_visible()
    wait_for_app(page)
    assert "instructor=" not in page.url
    page.goto(signed_in_at)  # Back to the signed-in address: it opens nothing now
    wait_for_app(page)
    expect(page.get_by_label("Instructor passcode")).to_be_visible()
    watched.assert_clean()


def test_a_new_trainee_opens_a_join_link(class_server, browser, watched, tmp_path):
    with store.open_db(class_server.db_path) as db:
        cohort = cohorts.create_cohort(db, "Spring bootcamp")
    page = watched.page
    sign_in(page, class_server.url)
    link = page.get_by_test_id("stCode").filter(has_text=cohort["join_code"]).inner_text().strip()
    assert link == f"{class_server.url}/join?cohort={cohort['join_code']}"
    expect(page.get_by_text("opens only on this computer")).to_be_visible()  # 127.0.0.1: the setting is named
    trainee = browser.new_context(viewport={"width": 390, "height": 844})  # a trainee's phone, a fresh browser
    try:
        phone = trainee.new_page()
        phone.goto(link)
        wait_for_app(phone)
        expect(phone.get_by_role("heading", name="You are joining Spring bootcamp")).to_be_visible()
        expect(phone.get_by_text("Engine", exact=True)).to_have_count(0)  # not the Settings page
        phone.get_by_label("Your name").fill("Rita")
        phone.get_by_role("button", name="Create my profile and join").click()
        expect(phone.get_by_text("You joined Spring bootcamp")).to_be_visible()
        expect(phone.get_by_text("Your access code is")).to_be_visible()
        wait_for_app(phone)
        shot(phone, "join", tmp_path)
        with store.open_db(class_server.db_path) as db:
            rita = store.get_trainee_by_name(db, "Rita")
            assert cohorts.trainee_cohorts(db, rita["id"])[0]["name"] == "Spring bootcamp"
    finally:
        trainee.close()


def test_the_dashboard_is_wide_with_charts(class_server, watched, tmp_path):
    with store.open_db(class_server.db_path) as db:
        if not demo.has_demo_data(db):
            demo.create_demo_cohort(db, weeks=6, seed=5)
    page = watched.page
    sign_in(page, class_server.url)
    page.get_by_role("tab", name="Dashboard").click()
    page.get_by_label("Cohort", exact=True).click()
    page.get_by_role("option", name="Demo cohort").click()
    wait_for_app(page)
    charts = page.locator("[data-testid='stVegaLiteChart']:visible")
    expect(charts).to_have_count(2)
    expect(page.get_by_text("Where the class loses points")).to_be_visible()
    charts.last.scroll_into_view_if_needed()
    expect(charts.first.locator("canvas, svg").first).to_be_visible()  # drawn, not only placed
    page.wait_for_timeout(500)  # the charts' resize to their columns
    box = charts.first.bounding_box()
    assert box["height"] >= 200, box
    shot(page, "dashboard", tmp_path)
    main = page.get_by_test_id("stMainBlockContainer").bounding_box()
    assert main["width"] > 800, main  # wide: the centered column was 736 px
    page.get_by_text("Per trainee (names: not for the projector)").click()
    wait_for_app(page)
    page.get_by_text("lowest average", exact=True).click()
    wait_for_app(page)
    expect(page.locator("[data-testid='stDataFrame']:visible")).to_have_count(1)
    watched.assert_clean()


def test_batch_grading_keeps_a_student_column(class_server, watched, tmp_path):
    exercise = tmp_path / "week3-answers.csv"
    exercise.write_text("student,objection,rebuttal\n"
                        "Ann,It's too expensive.,\"I hear you. What part feels expensive: the price, or the risk?\"\n"
                        "Bo,I need to think about it.,Sure. Let me know.\n", encoding="utf-8")
    page = watched.page
    sign_in(page, class_server.url)
    page.get_by_role("tab", name="Batch grading").click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(exercise))
    wait_for_app(page)
    grid = page.locator("[data-testid='stDataFrame']:visible")
    expect(grid).to_be_visible()
    expect(page.get_by_role("combobox", name="The trainee's column")).to_have_value("student")
    headers = grid.locator("[role='columnheader']")
    for number, name in enumerate(["tier", "score", "trainee"]):  # the grade first (at the left), the student kept
        expect(headers.nth(number)).to_have_text(name)
    box = grid.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box  # the table within a 1280-px screen
    shot(page, "batch", tmp_path)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the graded table (CSV)").click()
    assert download.value.suggested_filename == "week3-answers-graded.csv"
    graded = download.value.path().read_text(encoding="utf-8").splitlines()
    assert graded[0].startswith("row,tier,score,trainee") and ",Ann," in graded[1] and ",Bo," in graded[2]
    watched.assert_clean()
