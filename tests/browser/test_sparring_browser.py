"""A sparring session opened by deep link and answered in a real browser: on a desktop screen and on a
phone. The conversation is drawn by our own component (components/conversation.js): what it draws is
checked here, in the browser."""

import pytest
from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import (
    PHONE,
    Server,
    answer_box,
    messages,
    on_phone,
    private_link,
    send,
    wait_for_app,
)

ANSWERS = [
    "<img src=x onerror=alert(1)> No problem, let me know!",
    "That makes sense. What part of it is still on your mind: the cost or the timing?",
    "That's fair. Most teams like yours break even within four months. "
    "Could we take 15 minutes Thursday at 2 to look at your numbers together?",
]


def test_deep_linked_session_three_rounds(server, watched):
    page = watched.page
    page.goto(f"{server.url}/sparring?{private_link(server.db_path, 'Dee')}&objection=need-to-think&difficulty=easy")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="I need to think about it.")).to_be_visible()
    expect(page.get_by_text("The rubric")).to_be_visible()
    # A paste past the grader's 2,000 characters is taken whole, refused with the reason, and given back.
    long = "Here is everything I know about why now is the time. " * 50
    answer_box(page).fill(long)
    answer_box(page).press("Enter")
    expect(page.get_by_text("That answer is 2,649 characters; keep it under 2,000", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stCode")).to_contain_text(long.strip()[:200])
    assert page.get_by_test_id("stCode").bounding_box()["height"] <= 260  # it scrolls in its box, and the
    expect(answer_box(page)).to_be_in_viewport()  # answer box stays on screen under it
    expect(messages(page)).to_have_count(1)
    for text in ANSWERS:
        send(page, text)
    # the hostile answer is shown as typed, not rendered
    expect(messages(page).nth(1).get_by_text(ANSWERS[0], exact=True)).to_be_visible()  # (its card quotes it too)
    assert page.locator("img[src='x']").count() == 0
    with store.open_db(server.db_path) as db:
        tiers = [row["tier"] for row in db.query("SELECT tier FROM turns ORDER BY id")]
    for number, tier in enumerate(tiers):  # each answer carries its grade
        expect(messages(page).nth(2 * number + 1)).to_contain_text(tier.upper())
    # round 3 answers a curveball or the real concern (the seed picks): the last line may only fit it in part
    assert tiers[:2] == ["weak", "strong"] and tiers[2] in ("strong", "elite")
    expect(page.get_by_role("heading", name="Session report")).to_be_visible()
    expect(page.get_by_text("Outcome:", exact=False)).to_be_visible()
    # the last answer comes up on screen with its grade and a line saying where the report is, linked
    messages(page).nth(5).get_by_role("link", name="your session report").click()
    expect(page.get_by_role("heading", name="Session report")).to_be_in_viewport()
    expect(answer_box(page)).to_be_hidden()  # the answer that ended the session took the box away
    assert "objection=" not in page.url  # the deep link was consumed: a reload resumes, not restarts

    # Drilling it again from the report starts a fresh session of the same objection.
    page.get_by_role("button", name="Drill it again").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Session report")).to_have_count(0)
    expect(messages(page)).to_have_count(1)
    expect(answer_box(page)).to_be_visible()
    with store.open_db(server.db_path) as db:
        latest = next(db.query("SELECT objection_slug, status FROM sessions ORDER BY id DESC LIMIT 1"))
    assert latest == {"objection_slug": "need-to-think", "status": "active"}

    # A blank answer is refused with the reason; nothing is saved.
    answer_box(page).fill("   ")
    answer_box(page).press("Enter")
    expect(messages(page)).to_have_count(1)
    # A reload resumes the session where it stands.
    send(page, ANSWERS[1])
    page.reload()
    wait_for_app(page)
    expect(messages(page)).to_have_count(3)
    expect(messages(page).nth(1)).to_contain_text(ANSWERS[1])
    watched.assert_clean()


SCORECARD = """(message) => {
  const icons = [...message.querySelectorAll('.cg-icon')];
  const style = (element) => getComputedStyle(element);
  return {
    items: [...message.querySelectorAll('li')].map((item) => item.innerText),
    icons: icons.map((icon) => [icon.textContent, style(icon).fontFamily, icon.getAttribute('aria-hidden')]),
    iconWidths: icons.map((icon) => icon.getBoundingClientRect().width),
    color: style(message).color,
    background: style(message).backgroundColor,
  };
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_scorecard_as_drawn(server, watched, theme, tmp_path):
    """Under an answer: the badge, each move with its dots and the words that earned it, keep / start / stop and
    a better line under the newest answer only; icons drawn from the bundled icon font; the answer as typed,
    its line breaks kept; legible in the dark theme too."""
    if theme == "dark":
        server = Server(tmp_path / "dark.db", env={"STREAMLIT_THEME_BASE": "dark"})
    try:
        seen_as(server, watched, theme)
    finally:
        if theme == "dark":
            server.stop()


def seen_as(server, watched, theme: str) -> None:
    page = watched.page
    page.goto(f"{server.url}/sparring?{private_link(server.db_path, 'Sam')}&objection=need-to-think")
    wait_for_app(page)
    send(page, "That makes sense.\nWhat part of it is still on your mind: the cost or the timing?")
    answer = messages(page).nth(1)
    expect(answer).to_contain_text("STRONG")
    expect(answer.get_by_text("That makes sense.\nWhat part of it", exact=False)).to_have_count(1)
    assert answer.locator(".cg-text").evaluate("(text) => text.getBoundingClientRect().height") > 40  # two lines
    drawn = answer.evaluate(SCORECARD)
    assert any(item.startswith("Acknowledge ●●") and "“That makes sense”" in item for item in drawn["items"])
    assert any(item.startswith("Advance with a small ask ○○") for item in drawn["items"])
    for text in ("Keep: Acknowledge · Clarify / isolate", "Start doing", "A better alternative"):
        expect(answer).to_contain_text(text)
    assert [name for name, _, _ in drawn["icons"]] == ["person", "check_circle", "lightbulb"]
    assert all("Material Symbols" in family and hidden == "true" for _, family, hidden in drawn["icons"])
    assert all(width < 30 for width in drawn["iconWidths"])  # drawn as icons, not spelled out as words
    assert drawn["color"] != drawn["background"]
    dark_text = sum(map(int, drawn["color"][4:-1].split(",")[:3])) < 300
    assert dark_text == (theme == "light")  # dark text on the light theme, light text on the dark one
    send(page, "No problem, let me know!")
    expect(messages(page).nth(3)).to_contain_text("Start doing")
    expect(answer).not_to_contain_text("Keep")  # the advice moved to the newest answer
    expect(answer).not_to_contain_text("A better alternative")
    watched.assert_clean()


@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("drill", ["objection=too-expensive", "scenario=closing:second-call", "objection=second_call"])
def test_the_prospects_line_and_the_answer_box_are_on_the_first_screen(server, watched, size, drill):
    """The second call's notes from call one wait one click away, with the rubric."""
    page = on_phone(server, watched, "First", f"/sparring?{drill}")
    page.set_viewport_size(size)
    expect(messages(page).first).to_be_in_viewport()
    expect(answer_box(page)).to_be_in_viewport()
    send(page, ANSWERS[1])  # the new answer comes up with its grade first, the reply just below it
    expect(messages(page).nth(1).get_by_text("/100")).to_be_in_viewport()
    watched.assert_clean()


def test_on_a_phone_a_new_answer_comes_up_with_its_grade(server, watched):
    page = on_phone(server, watched, "Thumb", "/sparring?objection=need-to-think")
    send(page, ANSWERS[1])
    newest = "[...document.querySelectorAll('[data-testid=\"conversationMessage\"][data-who=\"rep\"]')].pop()"
    # its top just under the app's header, its grade on the first screen
    page.wait_for_function(f"() => {{ const top = {newest}.getBoundingClientRect().top; return top > 40 && top < 120; }}")
    expect(messages(page).nth(1).get_by_text("/100")).to_be_in_viewport()
    watched.assert_clean()


def test_ending_a_session_asks_once_more(server, watched):
    """On a phone, after an answer: the question is asked in place, where the rep is looking (the page does
    not go back up to the answer, which is not new)."""
    page = on_phone(server, watched, "End", "/sparring?objection=bad-timing")
    send(page, ANSWERS[1])
    page.wait_for_timeout(1800)  # the new answer has come up
    page.get_by_role("button", name="End this session").click()
    expect(answer_box(page)).to_be_visible()  # opening the question ends nothing
    page.wait_for_timeout(1800)
    expect(page.get_by_role("button", name="Keep going")).to_be_in_viewport()
    page.get_by_role("button", name="Keep going").click()  # takes the question back
    expect(page.get_by_role("button", name="End it now")).to_have_count(0)
    page.wait_for_timeout(1800)
    expect(page.get_by_role("button", name="End this session")).to_be_in_viewport()
    page.get_by_role("button", name="End this session").click()
    page.get_by_role("button", name="End it now").click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Start sparring")).to_be_visible()
    with store.open_db(server.db_path) as db:
        mine = store.get_trainee_by_name(db, "End")["id"]
        assert [row["status"] for row in db.query("SELECT status FROM sessions WHERE trainee_id = ?", [mine])] == ["abandoned"]
    watched.assert_clean()


def test_on_a_phone_each_new_grade_is_brought_on_screen(server, watched):
    """The scorecard and the prospect's next line are taller than a phone's screen: the newest answer, with
    its grade, is brought up rather than left above the screen."""
    page = on_phone(server, watched, "Pho", "/sparring?objection=too-expensive&difficulty=easy")
    for number, text in enumerate(ANSWERS[1:], start=1):
        send(page, text)
        page.wait_for_timeout(1000)  # the page scrolls as the reply is drawn
        expect(messages(page).nth(2 * number - 1).get_by_text("/100", exact=False).first).to_be_in_viewport()
    page.reload()  # the conversation opens where it waits for an answer, as a chat does, not at the page's top
    wait_for_app(page)
    expect(messages(page).last).to_be_in_viewport()
    expect(answer_box(page)).to_be_in_viewport()
    expect(page.get_by_role("heading", name="Sparring")).not_to_be_in_viewport()
    watched.assert_clean()
