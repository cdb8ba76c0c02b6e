"""Real-browser fixtures: a Streamlit server on a free port, and Debian's Chromium through Playwright.

Chromium is launched offline: every host but 127.0.0.1 resolves to nothing, and each page records
console errors and any request that tries to leave the machine, so tests can assert there are none.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from closergym import store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}  # a phone's screen, in CSS pixels
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
STREAMLIT_BASE_PATH_PROBE = re.compile(r"^/[^/]+/_stcore/(health|host-config)$")

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`streamlit run app.py` (as ./scripts/run starts it) in a child process, with its own database file."""

    def __init__(self, db_path: Path, env: dict | None = None, script: str = "app.py", port: int | None = None,
                 root: Path = ROOT):  # root: another checkout of this repository (a benchmark compares them)
        self.db_path = db_path
        self.port = port or free_port()  # a port of its own, or the one a stopped server left (a restart)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db_path.parent / f"server-{self.port}.log"
        environ = {**os.environ, "CLOSERGYM_DB": str(db_path), **(env or {})}
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CLOSERGYM_MODEL"):
            if env is None or name not in env:
                environ.pop(name, None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(self.port),
             "--server.headless", "true"],
            cwd=root, env=environ, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = Server(tmp_path_factory.mktemp("server") / "closergym.db")
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run ./scripts/test, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        yield instance
        instance.close()


class Watched:
    """A page plus what it did that a test may want to forbid."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.outside_requests: list[str] = []
        self.dialogs: list[str] = []
        self.failed_responses: list[str] = []

    def assert_clean(self) -> None:
        assert not self.outside_requests, f"requests left the machine: {self.outside_requests}"
        assert not self.console_errors, f"browser console errors: {self.console_errors}"
        assert not self.failed_responses, f"failed requests: {self.failed_responses}"
        assert not self.dialogs, f"dialogs fired: {self.dialogs}"
        assert self.page.locator("[data-testid='stException']").count() == 0, "a Streamlit exception box"


@pytest.fixture
def watched(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    watch = Watched(page)

    def route(route_request):
        host = urlsplit(route_request.request.url).hostname
        if host and host not in LOCAL_HOSTS and not route_request.request.url.startswith(("data:", "blob:")):
            watch.outside_requests.append(route_request.request.url)
            return route_request.abort()
        return route_request.continue_()

    context.route("**/*", route)
    def on_console(message):
        # A failed load is reported through `failed_responses`, which knows the URL.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            watch.console_errors.append(message.text)

    def on_response(response):
        # On a deep link (/settings) Streamlit's frontend first probes /settings/_stcore/... for its
        # base path, gets a 404 and falls back to /: that probe is expected, nothing else is.
        path = urlsplit(response.url).path
        if response.status >= 400 and not STREAMLIT_BASE_PATH_PROBE.match(path):
            watch.failed_responses.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: watch.console_errors.append(str(error)))

    def on_dialog(dialog):
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield watch
    context.close()


def private_link(db_path: Path, trainee: str) -> str:
    """The query of `trainee`'s private link (`trainee=...&code=...`), the profile made if missing and given a
    fresh access code (a browser opens a profile only with its code)."""
    with store.open_db(db_path) as db:
        found = store.ensure_trainee(db, trainee)
        code = store.reset_access_code(db, found["id"])
    return urlencode({"trainee": trainee, "code": code})


def on_phone(server, watched, trainee: str, path: str):
    """`watched.page` at a phone's size, showing `path` (a URL path with its query) as `trainee`."""
    link = private_link(server.db_path, trainee)
    page = watched.page
    page.set_viewport_size(PHONE)
    page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}{link}")
    wait_for_app(page)
    return page


def messages(page):
    """The sparring conversation's messages: those our component draws, then the line an LLM prospect is saying
    in this run (a Streamlit chat message)."""
    return page.locator("[data-testid='conversationMessage'], [data-testid='stChatMessage']")


def answer_box(page):
    return page.get_by_test_id("stChatInputTextArea")


def send(page, text: str, *, timeout: float = 20_000) -> None:
    """Answer the prospect and wait until the graded answer and the reply are on the page."""
    expect(answer_box(page)).to_be_editable(timeout=timeout)
    expect(messages(page).first).to_be_visible(timeout=timeout)  # the conversation's own script has drawn it
    before = messages(page).count()
    answer_box(page).fill(text)
    answer_box(page).press("Enter")
    expect(messages(page)).to_have_count(before + 2, timeout=timeout)
    wait_for_app(page, timeout=timeout)


def wait_for_app(page, timeout: float = 20_000) -> None:
    """Wait until Streamlit has run the script to the end (after a load, a click or a key)."""
    page.wait_for_timeout(50)  # a click's rerun request reaches the app state a moment later
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
