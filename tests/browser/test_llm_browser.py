"""LLM mode in a real browser: the prospect's reply streams in from the local llama.cpp server."""

import pytest
from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import Server, messages, private_link, send, wait_for_app


@pytest.mark.llm
def test_streamed_llm_reply_in_the_browser(llama, tmp_path, watched):
    server = Server(tmp_path / "llm.db", env=llama.env())
    try:
        page = watched.page
        page.goto(f"{server.url}/sparring?{private_link(server.db_path, 'Lee')}&objection=need-to-think")
        wait_for_app(page)
        expect(page.get_by_test_id("stSidebar").get_by_text("LLM: gemma-3-270m at 127.0.0.1")).to_be_visible()
        send(page, "That makes sense. What part is still on your mind?", timeout=90_000)
        with store.open_db(server.db_path) as db:
            turns = list(db.query("SELECT reply, engine FROM turns"))
        assert len(turns) == 1 and turns[0]["reply"]
        # the streamed reply as saved (or, if the tiny model failed, the built-in line under a notice)
        expect(messages(page).nth(2)).to_contain_text(turns[0]["reply"].strip()[:60])
        watched.assert_clean()
    finally:
        server.stop()
