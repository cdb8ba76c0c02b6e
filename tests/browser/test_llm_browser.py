"""LLM mode in a real browser: the prospect's reply streams in from the local llama.cpp server."""

import json
import time
from http.server import BaseHTTPRequestHandler

import pytest
from playwright.sync_api import expect

from closergym import store
from tests.browser.conftest import Server, messages, private_link, send, wait_for_app
from tests.llm_server import LocalServer


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


class SlowModel(LocalServer):
    """An OpenAI-compatible endpoint that says its line a word every 0.1 s (about 2.5 s, as a real model may
    take); the judge's call gets text that is not JSON, so the built-in grade stands."""

    LINE = ("I hear you, and it does sound useful, but I still have to take this to my team before anything "
            "moves, and honestly they are stretched thin this month.")

    def __init__(self):
        line = self.LINE

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                self.send_response(200)
                if not body.get("stream"):
                    payload = json.dumps({"id": "j", "object": "chat.completion", "created": 0, "model": "m", "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "no"}}]}).encode()
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for index, word in enumerate(line.split(" ")):
                    chunk = {"id": "s", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [
                        {"index": 0, "delta": {"content": (" " if index else "") + word}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(0.1)
                done = {"id": "s", "object": "chat.completion.chunk", "created": 0, "model": "m",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())

        self.serve(Handler)


def test_a_new_answer_stays_in_view_while_a_slow_model_says_its_reply(tmp_path, watched):
    """Streamlit takes a chat to its bottom when a run ends; with a model that talks for seconds, that came
    after the page had brought the new answer up, and took its grade off the screen."""
    model = SlowModel()
    server = Server(tmp_path / "slow.db", env={"OPENAI_BASE_URL": model.url, "OPENAI_API_KEY": "sk-test",
                                               "CLOSERGYM_MODEL": "slow-model"})
    try:
        page = watched.page
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{server.url}/sparring?{private_link(server.db_path, 'Slo')}&objection=need-to-think")
        wait_for_app(page)
        for text in ("No problem, let me know!", "That makes sense. What part of it is still on your mind?"):
            send(page, text, timeout=30_000)
            expect(messages(page).last).to_contain_text("stretched thin")  # the whole line was said
            page.wait_for_timeout(300)
            newest = page.locator("[data-testid='conversationMessage'][data-who='rep']").last
            top = newest.evaluate("(answer) => answer.getBoundingClientRect().top")
            assert 40 < top < 120, top  # just under the app's header, its grade on the screen
            expect(newest.get_by_text("/100")).to_be_in_viewport()
        watched.assert_clean()
    finally:
        server.stop()
        model.close()
