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
        expect(messages(page).get_by_text(ANSWERS[1])).to_have_count(0)  # not shown as taken
        expect(page.get_by_test_id("stCode")).to_contain_text(ANSWERS[1])  # kept, to copy and send again
        assert not path.exists()  # and no new, empty database in its place
        watched.assert_clean()
    finally:
        server.stop()


def test_an_answer_cut_off_by_a_restart_is_offered_back(browser, tmp_path):
    """Issue 20, finding 6: the server is killed while an answer is being graded (an LLM judge that never
    answers holds it there). Once the server is back the page says, by itself, that the answer was not
    graded, shows it to copy, and "Send it again" takes it, once."""
    from tests.llm_server import SilentServer

    path = tmp_path / "gym.db"
    link = private_link(path, "Ros")
    silent = SilentServer()
    first = Server(path, env={"OPENAI_BASE_URL": silent.url, "CLOSERGYM_MODEL": "m"})
    context = browser.new_context()
    context.set_default_timeout(20_000)
    second = None
    try:
        page = context.new_page()
        page.goto(f"{first.url}/sparring?{link}&objection=need-to-think")
        wait_for_app(page)
        answer_box(page).fill(ANSWERS[0])
        answer_box(page).press("Enter")
        expect(page.get_by_text("The AI judge is reading your answer", exact=False)).to_be_visible()
        first.process.kill()  # SIGKILL, mid-answer: taken in, never graded
        first.process.wait(timeout=10)
        second = Server(path, port=first.port)  # the same address: the page finds it by itself
        expect(page.get_by_text("Your last answer was not graded", exact=False)).to_be_visible(timeout=10_000)
        expect(page.get_by_test_id("stCode")).to_contain_text(ANSWERS[0])
        assert saved_answers(path) == []
        page.get_by_role("button", name="Send it again").click()
        expect(messages(page)).to_have_count(3)
        expect(messages(page).nth(1)).to_contain_text(ANSWERS[0])
        wait_for_app(page)
        expect(page.get_by_text("Your last answer was not graded", exact=False)).to_have_count(0)
    finally:
        context.close()
        first.stop()
        if second:
            second.stop()
        silent.close()
    assert saved_answers(path) == ANSWERS[:1]
