"""Faults in a real browser against a real server: the server killed with SIGKILL mid-session, and the
database file deleted while a session is open (the answer goes through a fragment rerun, which does
not pass through app.py). The engine and AppTest faults are in tests/test_faults.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import Server, answer_box, messages, private_link, send, wait_for_app

ANSWERS = [
    "That makes sense. What part of it is still on your mind: the cost or the timing?",
    "Fair enough. Is it the budget, or whether the team will actually use it?",
    "That's fair. Most teams like yours break even within four months. "
    "Could we take 15 minutes Thursday at 2 to look at your numbers together?",
]


def saved_answers(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [row[0] for row in conn.execute("SELECT rebuttal FROM turns ORDER BY round")]
    finally:
        conn.close()


def test_server_killed_mid_session_loses_nothing_and_the_session_resumes(browser, watched, tmp_path):
    path = tmp_path / "gym.db"
    link = private_link(path, "Kim")
    first = Server(path)
    context = browser.new_context()
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        page.goto(f"{first.url}/sparring?{link}&objection=need-to-think")
        wait_for_app(page)
        for text in ANSWERS[:2]:
            send(page, text)  # returns once the reply and the grade are on the page
        expect(messages(page).get_by_text("Round 3 of 3")).to_be_visible()
        first.process.kill()  # SIGKILL: no shutdown, no cleanup
        first.process.wait(timeout=10)
    finally:
        context.close()
        first.stop()
    assert saved_answers(path) == ANSWERS[:2]  # everything shown as graded survived

    second = Server(path)
    try:
        page = watched.page
        page.goto(f"{second.url}/sparring?{link}")
        wait_for_app(page)
        expect(messages(page).get_by_text("Round 3 of 3")).to_be_visible()
        for text in ANSWERS[:2]:
            expect(page.get_by_text(text)).to_be_visible()
        send(page, ANSWERS[2])
        expect(page.get_by_role("heading", name="Session report")).to_be_visible()
        watched.assert_clean()
    finally:
        second.stop()
    assert saved_answers(path) == ANSWERS


def test_database_deleted_mid_session_is_reported_not_replaced(watched, tmp_path):
    path = tmp_path / "gym.db"
    link = private_link(path, "Lee")
    server = Server(path)
    try:
        page = watched.page
        page.goto(f"{server.url}/sparring?{link}&objection=bad-timing")
        wait_for_app(page)
        send(page, ANSWERS[0])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        answer_box(page).fill(ANSWERS[1])
        answer_box(page).press("Enter")
        error = page.get_by_role("alert")
        expect(error).to_contain_text("was deleted or moved")
        expect(error).to_contain_text("was not saved")
        expect(page.get_by_test_id("cgMessage").get_by_text(ANSWERS[1])).to_have_count(0)  # not shown as taken
        expect(answer_box(page)).to_have_value(ANSWERS[1])  # kept, to send again
        assert not path.exists()  # and no new, empty database in its place
        watched.assert_clean()
    finally:
        server.stop()


def hold_answers(page) -> list:
    """Hold every request to the turn endpoint in the browser (to cut it off later) until `page.unroute`."""
    held: list = []
    page.route("**/api/sparring/turn", lambda route: held.append(route))
    return held


def wait_until_held(page, held: list) -> None:
    expect(page.locator("form.cg-answer[aria-busy='true']")).to_have_count(1)  # grading, as far as the page knows
    for _ in range(100):
        if held:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the answer never left the page")


def test_an_answer_cut_off_by_a_restart_says_so_and_stays_in_the_box(browser, tmp_path):
    """Issue 20, finding 6: the server restarts while an answer is on its way. The page used to stay on "Grading
    your answer…" until a reload, which lost the text. Now it says at once that the answer was not taken, keeps
    it in the box, draws itself afresh as soon as the server is back (a restarted server's session knows nothing
    of the old page), with the answer still in the box, and takes it when it is sent again."""
    path = tmp_path / "gym.db"
    link = private_link(path, "Ros")
    first = Server(path)
    context = browser.new_context()
    context.set_default_timeout(20_000)
    second = None
    try:
        page = context.new_page()
        page.goto(f"{first.url}/sparring?{link}&objection=need-to-think")
        wait_for_app(page)
        send(page, ANSWERS[0])
        held = hold_answers(page)
        answer_box(page).fill(ANSWERS[1])
        answer_box(page).press("Enter")
        wait_until_held(page, held)
        first.process.kill()  # SIGKILL, mid-answer: the answer never reached the server
        first.process.wait(timeout=10)
        held[0].abort("connectionreset")
        page.unroute("**/api/sparring/turn")
        expect(page.locator(".cg-problem")).to_contain_text("was not taken", timeout=5_000)  # at once
        expect(answer_box(page)).to_have_value(ANSWERS[1])
        second = Server(path, port=first.port)  # the same address: the page finds it by itself
        expect(page.locator(".cg-problem")).to_contain_text("send it again", timeout=15_000)  # the fresh page
        expect(answer_box(page)).to_have_value(ANSWERS[1])  # kept, to send again
        expect(page.locator("form.cg-answer[aria-busy='true']")).to_have_count(0)  # not stuck "grading"
        assert saved_answers(path) == ANSWERS[:1]
        send(page, ANSWERS[1])
        expect(messages(page).get_by_text(ANSWERS[1])).to_be_visible()
    finally:
        context.close()
        first.stop()
        if second:
            second.stop()
    assert saved_answers(path) == ANSWERS[:2]


def test_an_answer_saved_just_before_a_restart_is_shown_as_saved(browser, tmp_path):
    """The other side of the same cut: the server saved the answer, then died before its reply reached the page.
    The fresh page shows the answer as saved, with an empty box: nothing is sent twice."""
    path = tmp_path / "gym.db"
    link = private_link(path, "Sol")
    first = Server(path)
    context = browser.new_context()
    context.set_default_timeout(20_000)
    second = None
    try:
        page = context.new_page()
        page.goto(f"{first.url}/sparring?{link}&objection=need-to-think")
        wait_for_app(page)
        held = hold_answers(page)
        answer_box(page).fill(ANSWERS[0])
        answer_box(page).press("Enter")
        wait_until_held(page, held)
        held[0].fetch()  # the server takes and saves the answer; its reply never reaches the page
        first.process.kill()
        first.process.wait(timeout=10)
        held[0].abort("connectionreset")
        page.unroute("**/api/sparring/turn")
        assert saved_answers(path) == ANSWERS[:1]
        second = Server(path, port=first.port)
        expect(page.locator(".cg-status")).to_contain_text("your answer had been saved", timeout=15_000)
        expect(messages(page).get_by_text(ANSWERS[0])).to_be_visible()
        expect(answer_box(page)).to_have_value("")
        send(page, ANSWERS[1])
    finally:
        context.close()
        first.stop()
        if second:
            second.stop()
    assert saved_answers(path) == ANSWERS[:2]
