"""Hostile text typed into every field that shows it back, and hostile text from a model, in a real browser.

Each payload must come back as the characters typed: no dialog fires, no request leaves 127.0.0.1
(`watched` asserts both), and no <script>, <img>, <iframe> or javascript: link is made from it (checked in
the DOM). A scripted OpenAI-compatible server plays a model that answers with payloads, under an API
key that must never show up in the page, the database or the server's log.
"""

from __future__ import annotations

import json
import sqlite3
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect

from closergym import store
from components.text import unlinked
from tests.browser.conftest import Server, messages, private_link, send, wait_for_app
from tests.llm_server import LocalServer

NAME = "![x](http://example.com/x.png)"  # a valid name (30 characters) that Markdown would fetch
ANSWERS = [
    "<script>alert(1)</script> [click](javascript:alert(1)) That makes sense. What part is on your mind?",
    '![x](http://example.com/x.png) <iframe src="http://example.com/frame"></iframe> See https://evil.example/login, '
    'www.evil.example or boss@evil.example. Is it the cost or the timing?',
    ":red[text] <img src=x onerror=alert(1)> Most teams break even in four months. Could we meet Thursday at 2?",
]
SHOWN = ["<script>alert(1)</script>", "[click](javascript:alert(1))", "![x](http://example.com/x.png)",
         '<iframe src="http://example.com/frame"></iframe>', ":red[text]", "<img src=x onerror=alert(1)>"]

# Elements that only user or model text could have made, counted in the live DOM (components' shadow roots too).
INJECTED = """() => {
  const roots = [document, ...[...document.querySelectorAll('*')].filter((e) => e.shadowRoot).map((e) => e.shadowRoot)];
  const all = (selector) => roots.flatMap((root) => [...root.querySelectorAll(selector)]);
  const href = (a) => a.getAttribute('href') || '';
  return {
    scripts: all('script').filter((s) => s.textContent.includes('alert(')).length,
    images: all('img').filter((i) => /example\\.com|^x$/.test(i.getAttribute('src') || '')).length,
    iframes: all('iframe').length,
    jsLinks: all('a[href]').filter((a) => /^\\s*javascript:/i.test(href(a))).length,
    bareLinks: all('a[href]').filter((a) => /^(?:[a-z]+:)?\\/\\/[^/?#]*example\\.(?:com|example)|^mailto:/i
      .test(href(a))).length,  // a link TO those hosts; our own links may carry the text in a query
    directives: all('.stMarkdownColoredText, .stMarkdownColoredBackground')
      .filter((e) => ['text', 'boss'].includes(e.textContent.trim())).length,
  };
}"""
NOTHING = {"scripts": 0, "images": 0, "iframes": 0, "jsLinks": 0, "bareLinks": 0, "directives": 0}


def url(server, path: str, code: str, **params: str) -> str:
    """A deep link that opens the profile again (name and access code), as a bookmark would."""
    query = {"trainee": NAME, "code": code, **params}
    return f"{server.url}/{path}?" + "&".join(f"{key}={quote(value, safe='')}" for key, value in query.items())


def test_hostile_text_in_every_field_is_shown_as_typed(server, watched):
    page = watched.page
    page.goto(server.url)
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_label("Your name").fill(NAME)
    main.get_by_role("button", name="Start training").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Welcome, {unlinked(NAME)}").first).to_be_visible()  # looks the same, links nowhere
    assert page.evaluate(INJECTED) == NOTHING
    code = parse_qs(urlsplit(page.url).query)["code"][0]

    page.goto(url(server, "sparring", code, objection="need-to-think", difficulty="easy"))
    wait_for_app(page)
    for text in ANSWERS:
        send(page, text)
    for payload in SHOWN:  # the conversation shows text as text, as typed (drawn as text: no link is made)
        expect(messages(page).get_by_text(payload, exact=False).first).to_be_visible()
    assert page.evaluate(INJECTED) == NOTHING

    page.goto(url(server, "generator", code))
    wait_for_app(page)
    page.get_by_label("The objection").fill("I need to think about it. <script>alert(1)</script> " + NAME)
    page.get_by_text("Context (optional)").click()
    page.get_by_label("What you sell").fill("<img src=x onerror=alert(1)>")
    page.get_by_label("Price").fill(":red[text]")
    page.get_by_label("The prospect's role").fill("[click](javascript:alert(1))")
    page.get_by_role("button", name="Generate a response").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="A response built on the 4-step framework")).to_be_visible()
    assert page.evaluate(INJECTED) == NOTHING
    page.goto(url(server, "generator", code))  # the history below the form is drawn by a full run
    wait_for_app(page)
    page.get_by_text("Your recent objections").click()
    expect(main.get_by_text("<script>alert(1)</script>", exact=False).first).to_be_visible()
    assert page.evaluate(INJECTED) == NOTHING

    page.goto(url(server, "lessons", code, lesson="cost-of-inaction"))
    wait_for_app(page)
    page.get_by_label("Your answer").first.fill(ANSWERS[0])
    page.get_by_role("button", name="Grade my answer").first.click()
    wait_for_app(page)
    expect(main.get_by_text("Weak", exact=False).or_(main.get_by_text("Strong", exact=False)).first).to_be_visible()
    assert page.evaluate(INJECTED) == NOTHING

    for path in ("progress", ""):  # pages that show a trainee's history and name back
        page.goto(url(server, path, code))
        wait_for_app(page)
        assert page.evaluate(INJECTED) == NOTHING
    with store.open_db(server.db_path) as db:
        assert db.execute("SELECT count(*) FROM turns").fetchone()[0] == 4  # three rounds and a drill
    watched.assert_clean()


# -- a model that answers with payloads, behind a key that must not leak --------------------------------

SECRET = "sk-test-HOSTILE-LEAKCHECK-9f8e7d6c5b4a"
MODEL_REPLY = ["Sure, ", "[click](javascript:alert(1)) ", "![x](http://example.com/x.png) ",
               "<img src=x onerror=alert(1)> ", ":red[boss] ", "<script>alert(1)</script>"]


class ScriptedModel(LocalServer):
    """An OpenAI-compatible chat endpoint on 127.0.0.1: streams MODEL_REPLY; a structured (judge) call
    gets text that is not JSON, so the built-in grade stands."""

    def __init__(self):
        self.auth_headers: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def do_POST(self):
                owner.auth_headers.append(self.headers.get("Authorization", ""))
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for text in MODEL_REPLY:
                        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
                                 "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    done = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",  # as real servers end
                            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                    self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                    return
                payload = json.dumps({"id": "c2", "object": "chat.completion", "created": 0, "model": "m",
                                      "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                          "role": "assistant", "content": "".join(MODEL_REPLY)}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.serve(Handler)


@pytest.fixture
def model():
    instance = ScriptedModel()
    yield instance
    instance.close()


def test_hostile_model_output_is_text_and_the_key_never_leaks(model, watched, tmp_path):
    server = Server(tmp_path / "llm.db", env={"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": model.url,
                                             "CLOSERGYM_MODEL": "scripted-model"})
    try:
        link = private_link(server.db_path, "Mo")
        page = watched.page
        page.goto(f"{server.url}/sparring?{link}&objection=need-to-think")
        wait_for_app(page)
        send(page, "That makes sense. What part of it is still on your mind?")
        reply = messages(page).nth(2)
        expect(reply).to_contain_text(unlinked("".join(MODEL_REPLY).strip()))  # a link's "http:" broken invisibly
        assert page.evaluate(INJECTED) == NOTHING
        page.goto(f"{server.url}/settings?{link}")
        wait_for_app(page)
        shown = page.content()
        watched.assert_clean()
    finally:
        server.stop()
    assert model.auth_headers and all(header == f"Bearer {SECRET}" for header in model.auth_headers)
    dump = "\n".join(sqlite3.connect(server.db_path).iterdump())
    assert "".join(MODEL_REPLY).strip() in dump  # the model's reply was kept, as text
    for haystack in (shown, dump, server.log.read_text()):
        assert SECRET not in haystack and "LEAKCHECK" not in haystack


# -- an instructor's fields: cohort names and a class exercise's CSV ----------------------------------

COHORT = "<img src=x onerror=alert(1)> ![x](http://example.com/x.png)"  # 59 characters


def test_hostile_cohort_names_and_batch_csv_are_text(watched, tmp_path):
    server = Server(tmp_path / "class.db", env={"CLOSERGYM_INSTRUCTOR_PASSCODE": "teach-me"})
    try:
        with store.open_db(server.db_path) as db:
            learner = store.create_trainee(db, "Kai", private=True)
        page = watched.page
        page.goto(f"{server.url}/instructor")
        wait_for_app(page)
        page.get_by_label("Instructor passcode").fill("teach-me")
        page.get_by_role("button", name="Sign in").click()
        wait_for_app(page)
        main = page.get_by_test_id("stMain")
        main.get_by_label("New cohort").fill(COHORT)
        main.get_by_role("button", name="Create cohort").click()
        wait_for_app(page)
        expect(main.get_by_text(f"Created {unlinked(COHORT)}", exact=False)).to_be_visible()
        assert page.evaluate(INJECTED) == NOTHING

        page.get_by_role("tab", name="Batch grading").click()
        csv = ("objection,rebuttal,trainee\n"
               f'"<script>alert(1)</script>","{ANSWERS[2]}","{NAME}"\n').encode()
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            files=[{"name": "class.csv", "mimeType": "text/csv", "buffer": csv}])
        wait_for_app(page)
        expect(main.get_by_role("button", name="Download the graded table (CSV)")).to_be_visible()
        assert page.evaluate(INJECTED) == NOTHING

        with store.open_db(server.db_path) as db:
            join = next(db.query("SELECT join_code FROM cohorts"))["join_code"]
        page.goto(f"{server.url}/settings?trainee=Kai&code={learner['access_code']}&join={join}")
        wait_for_app(page)
        main.get_by_role("button", name="Join").click()
        wait_for_app(page)
        expect(main.get_by_text(f"You joined {unlinked(COHORT)}", exact=False)).to_be_visible()
        assert page.evaluate(INJECTED) == NOTHING
        watched.assert_clean()
    finally:
        server.stop()


# -- a new access code shuts out every other open page, fragments included ------------------------------


def test_a_new_code_shuts_out_a_page_opened_with_the_old_one_at_its_next_click(server, watched):
    """Issue 20, finding 3, in a real browser: a page opened with a leaked code keeps showing the profile until
    its next click; then even a fragment rerun (the Progress page's time range, which skips app.py) lets the
    profile go."""
    from tests.test_progress_page import seed

    link = private_link(server.db_path, "Lou")
    with store.open_db(server.db_path) as db:
        seed(db, store.get_trainee_by_name(db, "Lou")["id"])
    page = watched.page
    page.goto(f"{server.url}/progress?{link}")
    wait_for_app(page)
    page.get_by_text("Practice days").wait_for()
    private_link(server.db_path, "Lou")  # the owner issues a new code, on another device
    page.get_by_test_id("stButtonGroup").get_by_text("All time").click()
    wait_for_app(page)
    expect(page.get_by_text("access code was changed", exact=False)).to_be_visible()
    expect(page.get_by_text("Practice days")).to_have_count(0)
    expect(page.get_by_test_id("stSidebar")).not_to_contain_text("Training as Lou")
    watched.assert_clean()
