"""The presenter view on a projector: 1280x720, a whole round visible without scrolling."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app


def class_answer_graded(context, server):
    """A page on the presenter view with the room's answer typed and sent to be graded (hidden)."""
    page = context.new_page()
    page.goto(f"{server.url}/?present=1")
    wait_for_app(page)
    page.get_by_label("Class answer").fill("That makes sense. What part is still on your mind?")
    page.get_by_role("button", name="Grade it (hidden until you reveal)").click()
    return page


def test_presenter_round_fits_a_1280x720_projector(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = class_answer_graded(context, server)
        expect(page.get_by_text("Guess first")).to_be_visible()
        page.get_by_role("button", name="Reveal the grade").click()
        expect(page.get_by_text("STRONG", exact=False).first).to_be_visible()
        wait_for_app(page)
        page.screenshot(path=str(tmp_path / "presenter.png"))
        # Issue 23: the reveal has the screen to itself (the grade, the moves, why), then the prospect's next
        # line and the answer box follow on a key press; each is on screen without scrolling
        for locator in (page.get_by_text("the prospect said", exact=False), page.get_by_text("STRONG", exact=False).first,
                        page.get_by_text("Clarify", exact=False).first):
            box = locator.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, box
        scroll = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        assert scroll <= 720 + 2, f"the page scrolls: {scroll}px"
        page.get_by_role("button", name="The prospect answers").click()
        expect(page.get_by_label("Class answer")).to_be_visible()
        wait_for_app(page)
        for locator in (page.get_by_text("the prospect says", exact=False), page.get_by_label("Class answer")):
            box = locator.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, box
        scroll = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        assert scroll <= 720 + 2, f"the page scrolls: {scroll}px"
        assert page.get_by_test_id("stSidebar").count() == 0 or not page.get_by_test_id("stSidebar").is_visible()
    finally:
        context.close()


def test_presenter_scales_to_the_projector(server, browser):
    """A 1920x1080 projector shows the 1280x720 layout larger, not in its top-left corner; a 4:3 one at
    1024x768 shows it a little smaller, with nothing to scroll."""
    sizes = {}
    for width, height in ((1280, 720), (1920, 1080), (1024, 768)):
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = class_answer_graded(context, server)
            page.get_by_role("button", name="Reveal the grade").click()
            grade = page.get_by_text("STRONG", exact=False).first
            expect(grade).to_be_visible()
            wait_for_app(page)
            box = grade.bounding_box()
            assert box and box["y"] + box["height"] <= height, (width, box)
            scroll = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
            assert scroll <= height + 2, f"the page scrolls at {width}x{height}: {scroll}px"
            sizes[width] = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        finally:
            context.close()
    assert sizes[1280] == pytest.approx(16, abs=0.01)
    assert sizes[1920] == pytest.approx(24, abs=0.01)  # 1.5x the screen, 1.5x the type
    assert 14 <= sizes[1024] < 16
