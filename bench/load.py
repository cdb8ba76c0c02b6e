"""Load benchmark: many trainees sparring at once against one server.

Starts `streamlit run app.py` (tests/browser/conftest.py `Server`) on 127.0.0.1 with its own temp database,
seeds the trainees, then runs every trainee from one asyncio loop. Each opens
`/sparring?trainee=<name>&code=<code>&objection=<slug>`, answers every round after 1-3 s of "thinking",
then presses "Drill it again", until the time budget ends. Every answer carries a unique tag, so the
database can be checked answer by answer at the end.

Two clients:
- `ws` (default): what a browser tab sends and receives, without drawing anything: Streamlit's own
  websocket protocol (rerun requests with the chat input's or a button's value, then the page's elements
  back). Latency is from sending the answer to the end of the rerun that drew it graded, with the reply.
- `browser`: one Debian Chromium context per trainee (offline). Latency is in-page, from the Enter keydown
  to the prospect's reply shown and the script finished, as in bench/turn_latency.py. On 2 cores the
  browsers themselves saturate the machine well before 30 trainees.

Prints: latency p50 / p95 / max, errors (timeouts, exception elements, console errors, outside requests,
tracebacks in the server log), the server's memory (VmRSS of it and its children, sampled every second)
and, from the database, answers lost (seen graded but not saved) or doubled (saved twice).
Goals: p95 < 1 s, no errors, nothing lost or doubled, server RSS < 600 MB.

`--soak`: 500 cycles of open a page, wait for it, close (5 at a time), then the server's memory growth
from after a warm-up to the end, and again once Streamlit has dropped the disconnected sessions
(`server.disconnectedSessionTTL`, 120 s). Goal: growth < 15 %.

    .venv/bin/python bench/load.py [--trainees 30] [--seconds 90] [--ramp 0.5] [--client ws|browser]
    .venv/bin/python bench/load.py --soak [--cycles 500] [--concurrency 5] [--settle 130] [--client ws|browser]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from turn_latency import APP_IDLE, INIT_SCRIPT, MESSAGES, WATCH, answer_box, figures  # noqa: E402

from closergym import store  # noqa: E402
from closergym.content import library  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, Server  # noqa: E402

WAIT_MS = 20_000  # hard timeout on any single wait in a page
OPEN_S = 30  # hard timeout on opening one browser context and its page
MAX_TURNS_EACH = 300  # a bound on the count, whatever the time budget
ANSWERS = [  # one is picked per round; none is weak, so most sessions run their three rounds
    "That makes sense. What part of it is still on your mind: the cost or the timing?",
    "Fair enough. Is it the budget, or whether the team will actually use it?",
    "That's fair. Most teams like yours break even within four months. "
    "Could we take 15 minutes Thursday at 2 to look at your numbers together?",
    "I hear you, it's a real decision. What would you need to see to feel sure? "
    "Could we walk through it together on Friday at 10?",
]
SOAK_PAGES = ("", "lessons", "sparring", "generator")
CLIENTS = {"ws": "Streamlit websocket protocol", "browser": "Chromium contexts"}
LINKS: dict[str, str] = {}  # trainee name: the query of their private link (`trainee=...&code=...`)


TAG = re.compile(r"zq[A-Za-z0-9]+zq")


def tag_for(tally: Tally) -> str:
    """The next answer's tag: letters and digits only (the page escapes Markdown's signs)."""
    return f"zq{''.join(ch for ch in tally.name if ch.isalnum())}n{len(tally.submitted) + 1}zq"


def described(error: Exception) -> str:
    """One short line for a failure: its type and the first line of its message, if any."""
    lines = str(error).splitlines()
    return f"{type(error).__name__}: {lines[0][:160]}" if lines else type(error).__name__


# --- the server's memory ------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc (Streamlit starts none, but a model server might)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += parents.get(current, [])
    return found


def rss_mb(pid: int) -> float:
    total = 0
    for each in descendants(pid):
        try:
            with open(f"/proc/{each}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


class Sampler(threading.Thread):
    """Samples the server's RSS (MB) and open file count every `every` seconds."""

    def __init__(self, pid: int, every: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float, int]] = []  # (seconds since start, RSS MB, open files)
        self.started = time.monotonic()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.monotonic() - self.started, rss_mb(self.pid), open_files(self.pid)))
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def report(self, label: str = "server RSS") -> None:
        values = [mb for _, mb, _ in self.samples]
        if not values:
            print(f"{label}: no samples")
            return
        print(f"{label}: {len(values)} samples, min {min(values):.0f} MB, median {statistics.median(values):.0f} MB, "
              f"max {max(values):.0f} MB")
        step = max(1, len(self.samples) // 8)
        shown = self.samples[::step] + ([self.samples[-1]] if (len(self.samples) - 1) % step else [])
        print("  samples: " + ", ".join(f"{t:.0f}s {mb:.0f} MB/{fds} fds" for t, mb, fds in shown))


# --- the browser ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one simulated trainee did and saw."""

    name: str
    submitted: list[str] = field(default_factory=list)  # tags of answers sent
    graded: list[str] = field(default_factory=list)  # tags of answers whose reply showed up
    latency_ms: list[float] = field(default_factory=list)  # ws: answer sent to its last reply line; browser: in-page Enter to reply shown, page settled
    sessions: int = 0
    timeouts: int = 0
    exception_boxes: int = 0
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # anything else that stopped a step


async def new_page(browser, tally: Tally):
    context = await asyncio.wait_for(browser.new_context(viewport={"width": 1280, "height": 900}), OPEN_S)
    context.set_default_timeout(WAIT_MS)
    await context.add_init_script(INIT_SCRIPT)

    async def route(route_request):
        url = route_request.request.url
        host = urlsplit(url).hostname
        if host and host not in LOCAL_HOSTS and not url.startswith(("data:", "blob:")):
            tally.outside_requests.append(url)
            await route_request.abort()
        else:
            await route_request.continue_()

    await context.route("**/*", route)
    page = await asyncio.wait_for(context.new_page(), OPEN_S)

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            tally.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: tally.console_errors.append(str(error)))
    return context, page


async def spar(browser, url: str, tally: Tally, slug: str, deadline: float, rng: random.Random) -> None:
    """One trainee: open the drill, answer, drill it again, until the deadline."""
    context = None
    try:
        context, page = await new_page(browser, tally)
        drill = f"{url}/sparring?{LINKS[tally.name]}&objection={slug}"
        await page.goto(drill)
        await page.wait_for_selector(APP_IDLE)
        await answer_box(page).wait_for()
        tally.sessions += 1
        while time.monotonic() < deadline and len(tally.submitted) < MAX_TURNS_EACH:
            again = page.get_by_role("button", name="Drill it again")
            if await again.count():
                await again.click()
                await page.wait_for_function(
                    f"() => ({MESSAGES.strip()})().length === 1 && "
                    f"document.querySelector(\"{APP_IDLE}\") !== null", polling="raf", timeout=WAIT_MS)
                tally.sessions += 1
                continue
            await asyncio.sleep(rng.uniform(1, 3))  # thinking
            before = await page.evaluate(f"({MESSAGES.strip()})().length")
            tag = tag_for(tally)
            box = answer_box(page)
            await box.fill(f"{rng.choice(ANSWERS)} {tag}")
            await page.evaluate("() => { window.__benchVisible = undefined; window.__benchT0 = undefined; }")
            await box.press("Enter")
            tally.submitted.append(tag)
            try:
                handle = await page.wait_for_function(WATCH, arg=["count", before + 2, True], polling="raf",
                                                      timeout=WAIT_MS)
                tally.latency_ms.append((await handle.json_value())["done"])
                tally.graded.append(tag)
            except Exception as error:  # noqa: BLE001 - a timeout is a result to count, then carry on
                tally.timeouts += 1
                tally.failures.append(f"turn: {type(error).__name__}")
                await page.goto(f"{url}/sparring?{LINKS[tally.name]}")  # a reload resumes
                await page.wait_for_selector(APP_IDLE)
                continue
            boxes = await page.locator("[data-testid='stException']").count()
            if boxes:
                tally.exception_boxes += boxes
                await page.goto(f"{url}/sparring?{LINKS[tally.name]}")
                await page.wait_for_selector(APP_IDLE)
    except Exception as error:  # noqa: BLE001 - reported, never hangs the run
        tally.failures.append(described(error))
    finally:
        if context is not None:
            try:
                await asyncio.wait_for(context.close(), OPEN_S)
            except Exception as error:  # noqa: BLE001
                tally.failures.append(f"close: {type(error).__name__}")


async def warm_up(browser, url: str, name: str) -> None:
    """One page of each kind first: the first script run imports pandas and altair (seconds, once)."""
    tally = Tally(name)
    context, page = await new_page(browser, tally)
    try:
        for path in ("", "sparring", "lessons", "progress"):
            await page.goto(f"{url}/{path}?{LINKS[name]}")
            await page.wait_for_selector(APP_IDLE)
    finally:
        await context.close()


async def run_load(url: str, names: list[str], seconds: float, ramp: float) -> list[Tally]:
    from playwright.async_api import async_playwright

    slugs = sorted(library().objections)
    tallies = [Tally(name) for name in names]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            await warm_up(browser, url, names[0])
            deadline = time.monotonic() + ramp * len(names) + seconds
            tasks = []
            for number, tally in enumerate(tallies):
                rng = random.Random(number)
                tasks.append(asyncio.create_task(spar(browser, url, tally, slugs[number % len(slugs)], deadline, rng)))
                await asyncio.sleep(ramp)  # open contexts gradually
            hard_stop = deadline - time.monotonic() + WAIT_MS / 1000 * 3 + OPEN_S
            done, pending = await asyncio.wait(tasks, timeout=max(1, hard_stop))
            for task in pending:
                task.cancel()
            if pending:
                print(f"warning: {len(pending)} trainee(s) still busy at the hard stop, cancelled")
        finally:
            await asyncio.wait_for(browser.close(), 60)
    return tallies


# --- Streamlit's own websocket protocol (what the browser sends, without drawing anything) ----------------


class StreamlitSession:
    """One browser tab's worth of Streamlit protocol: rerun requests out (a page, an answer in the chat input,
    a button), ForwardMsgs in, nothing drawn."""

    def __init__(self, socket, url: str):
        self.socket, self.url = socket, url
        self.page_hash = ""
        self.query = ""
        self.widgets: dict[str, tuple[str, str]] = {}  # "chat" or a button's label: (widget id, fragment id)
        self.texts: list[str] = []  # the Markdown the last run drew
        self.exceptions = 0

    @classmethod
    async def open(cls, url: str, page: str, query: str) -> StreamlitSession:
        import websockets

        socket = await asyncio.wait_for(websockets.connect(
            url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], max_size=None), OPEN_S)
        session = cls(socket, url)
        await session.rerun(page_name=page, query=query)
        return session

    async def rerun(self, *, page_name: str = "", query: str | None = None, widget: str | None = None,
                    text: str = "") -> None:
        """Ask for a rerun (a page; or `widget`: "chat" with `text`, or a button's label) and read until the
        script is done."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query if query is None else query
        state.page_script_hash, state.page_name = self.page_hash, page_name
        if widget:
            widget_id, fragment = self.widgets[widget]
            state.fragment_id = fragment
            value = state.widget_states.widgets.add()
            value.id = widget_id
            if widget == "chat":
                value.chat_input_value.data = text
            else:
                value.trigger_value = True
        self.widgets, self.texts = {}, []
        await self.socket.send(message.SerializeToString())
        await self.read_until_done()

    async def read_until_done(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(self.socket.recv(), WAIT_MS / 1000))
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = message.new_session.page_script_hash or self.page_hash
            elif kind == "navigation":
                self.page_hash = message.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = message.page_info_changed.query_string
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    self.exceptions += 1
                elif which == "chat_input":
                    self.widgets["chat"] = (element.chat_input.id, message.delta.fragment_id)
                elif which == "button":
                    self.widgets[element.button.label] = (element.button.id, message.delta.fragment_id)
                elif which == "markdown":
                    self.texts.append(element.markdown.body)
                elif which == "bidi_component" and element.bidi_component.json:  # the conversation's messages
                    drawn = json.loads(element.bidi_component.json).get("messages", [])
                    self.texts += [f"{shown.get('text', '')} {(shown.get('card') or {}).get('badge', '')}"
                                   for shown in drawn if isinstance(shown, dict)]
            elif kind == "script_finished" and message.script_finished != message.FINISHED_EARLY_FOR_RERUN:
                return

    @property
    def active(self) -> bool:
        """The session takes an answer (the page drew its answer box)."""
        return "chat" in self.widgets

    async def answer(self, text: str) -> list[str]:
        """Send an answer in the chat input, as the browser does; return the texts the page drew."""
        await self.rerun(widget="chat", text=text)
        return self.texts

    async def close(self) -> None:
        await asyncio.wait_for(self.socket.close(), OPEN_S)


async def spar_ws(url: str, tally: Tally, slug: str, deadline: float, rng: random.Random) -> None:
    """One trainee over the websocket: open the drill, answer, drill it again, until the deadline."""
    session = None
    try:
        session = await StreamlitSession.open(url, "sparring", f"{LINKS[tally.name]}&objection={slug}")
        tally.sessions += 1
        while time.monotonic() < deadline and len(tally.submitted) < MAX_TURNS_EACH:
            if not session.active:
                await session.rerun(widget="Drill it again")
                tally.sessions += 1
                continue
            await asyncio.sleep(rng.uniform(1, 3))  # thinking
            tag = tag_for(tally)
            tally.submitted.append(tag)
            started = time.perf_counter()
            try:
                drawn = await session.answer(f"{rng.choice(ANSWERS)} {tag}")
            except (TimeoutError, OSError) as error:
                tally.timeouts += 1
                tally.failures.append(f"turn: {type(error).__name__}")
                await session.close()
                session = await StreamlitSession.open(url, "sparring", f"{LINKS[tally.name]}")
                continue
            tally.latency_ms.append((time.perf_counter() - started) * 1000)
            answered = [index for index, body in enumerate(drawn) if tag in body]
            if answered and any("/100" in body for body in drawn[answered[0]:]):
                tally.graded.append(tag)
            else:
                tally.failures.append(f"answer {tag} not shown graded")
        tally.exception_boxes += session.exceptions
    except Exception as error:  # noqa: BLE001 - reported, never hangs the run
        tally.failures.append(described(error))
    finally:
        if session is not None:
            with contextlib.suppress(Exception):
                await session.close()


async def run_load_ws(url: str, names: list[str], seconds: float, ramp: float) -> list[Tally]:
    slugs = sorted(library().objections)
    tallies = [Tally(name) for name in names]
    warm = await StreamlitSession.open(url, "sparring", f"{LINKS[names[0]]}")  # imports, once
    await warm.close()
    deadline = time.monotonic() + ramp * len(names) + seconds
    tasks = []
    for number, tally in enumerate(tallies):
        rng = random.Random(number)
        tasks.append(asyncio.create_task(spar_ws(url, tally, slugs[number % len(slugs)], deadline, rng)))
        await asyncio.sleep(ramp)
    hard_stop = deadline - time.monotonic() + WAIT_MS / 1000 * 3
    done, pending = await asyncio.wait(tasks, timeout=max(1, hard_stop))
    for task in pending:
        task.cancel()
    if pending:
        print(f"warning: {len(pending)} trainee(s) still busy at the hard stop, cancelled")
    return tallies


def check_database(db_path: Path, tallies: list[Tally]) -> dict[str, int]:
    """Each answer's tag against the rows that hold it."""
    counts = {"graded": 0, "lost": 0, "doubled": 0, "ungraded_sent": 0, "ungraded_saved": 0, "rows": 0}
    with store.open_db(db_path) as db:
        counts["rows"] = db.execute("SELECT count(*) FROM turns").fetchone()[0]
        for tally in tallies:
            rows = [row["rebuttal"] for row in db.query(
                "SELECT rebuttal FROM turns JOIN trainees ON trainees.id = turns.trainee_id WHERE trainees.name = ?",
                [tally.name])]
            saved: dict[str, int] = {}
            for text in rows:
                tag = found.group() if (found := TAG.search(text)) else text
                saved[tag] = saved.get(tag, 0) + 1
            graded = set(tally.graded)
            counts["graded"] += len(graded)
            counts["lost"] += sum(1 for tag in graded if saved.get(tag, 0) == 0)
            counts["doubled"] += sum(1 for n in saved.values() if n > 1)
            for tag in set(tally.submitted) - graded:
                counts["ungraded_sent"] += 1
                counts["ungraded_saved"] += saved.get(tag, 0) > 0
        counts["integrity"] = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return counts


def load_main(args) -> None:
    folder = Path(tempfile.mkdtemp(prefix="closergym-load-"))
    db_path = folder / "load.db"
    names = [f"Load {number:02d}" for number in range(1, args.trainees + 1)]
    with store.open_db(db_path) as db:
        for name in names:
            LINKS[name] = urlencode({"trainee": name, "code": store.create_trainee(db, name, private=True)["access_code"]})
    load_before = os.getloadavg()[0]  # other work on the machine shares the cores with the server and Chromium
    server = Server(db_path)
    sampler = Sampler(server.process.pid)
    sampler.start()
    started = time.monotonic()
    try:
        run = run_load_ws if args.client == "ws" else run_load
        tallies = asyncio.run(run(server.url, names, args.seconds, args.ramp))
    finally:
        sampler.stop()
        server.stop()
    elapsed = time.monotonic() - started
    log = server.log.read_text(errors="replace")
    counts = check_database(db_path, tallies)

    latency = [ms for tally in tallies for ms in tally.latency_ms]
    timeouts = sum(t.timeouts for t in tallies)
    boxes = sum(t.exception_boxes for t in tallies)
    console = sum(len(t.console_errors) for t in tallies)
    outside = sum(len(t.outside_requests) for t in tallies)
    tracebacks = log.count("Traceback")
    failures = [f"{t.name}: {f}" for t in tallies for f in t.failures if not f.startswith("turn:")]
    print(f"load benchmark ({CLIENTS[args.client]}): {len(names)} trainees, {args.seconds:.0f} s after a {args.ramp * len(names):.0f} s ramp, "
          f"{os.cpu_count()} cores, load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after, "
          f"wall {elapsed:.0f} s, database {db_path}")
    print(f"sessions started {sum(t.sessions for t in tallies)}, answers sent {sum(len(t.submitted) for t in tallies)}, "
          f"graded and shown {len(latency)}")
    if latency:
        f = figures(latency)
        print(f"{'answer sent to graded reply received' if args.client == 'ws' else 'Enter to reply (in-page)'}: p50 {f['median']:.0f} ms   p95 {f['p95']:.0f} ms   max {f['max']:.0f} ms"
              f"   (goal p95 < 1000 ms: {'MET' if f['p95'] < 1000 else 'MISSED'})")
    errors = timeouts + boxes + console + outside + tracebacks + len(failures)
    print(f"errors: {errors} (timeouts {timeouts}, exception boxes {boxes}, console errors {console}, "
          f"outside requests {outside}, server tracebacks {tracebacks}, other {len(failures)})"
          f"   (goal 0: {'MET' if errors == 0 else 'MISSED'})")
    for line in (failures + [e for t in tallies for e in t.console_errors])[:8]:
        print(f"  {line[:200]}")
    if tracebacks:
        last = log[log.rindex("Traceback"):].splitlines()
        print("  last server traceback: " + " | ".join(last[-3:])[:400])
    sampler.report()
    peak = max((mb for _, mb, _ in sampler.samples), default=0)
    print(f"  (goal RSS < 600 MB: {'MET' if peak < 600 else 'MISSED'})")
    print(f"database: {counts['rows']} turns; of {counts['graded']} answers seen graded, lost {counts['lost']}, "
          f"doubled {counts['doubled']}; sent but not seen graded {counts['ungraded_sent']} "
          f"(of which saved {counts['ungraded_saved']}); integrity_check {'ok' if counts['integrity'] else 'FAILED'}"
          f"   (goal 0 lost / 0 doubled: {'MET' if counts['lost'] == counts['doubled'] == 0 else 'MISSED'})")


# --- soak -----------------------------------------------------------------------------------------------


async def run_soak(url: str, names: list[str], cycles: int, concurrency: int, sampler: Sampler,
                   warmup: int, client: str = "ws") -> dict:
    result = {"ok": 0, "failed": 0, "errors": [], "warm_rss": None, "open_s": []}
    gate = asyncio.Semaphore(concurrency)
    finished = 0

    async def counted(number: int) -> None:
        nonlocal finished
        finished += 1
        if finished == warmup:
            await asyncio.sleep(2)
            result["warm_rss"] = rss_mb(sampler.pid)
            result["warm_at"] = time.monotonic() - sampler.started

    async def attempt(number: int, open_and_check) -> None:
        """One cycle: `open_and_check()` opens a page and raises on a problem; counted as ok or failed."""
        async with gate:
            started = time.perf_counter()
            try:
                await open_and_check()
                result["ok"] += 1
                result["open_s"].append(time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 - counted and reported
                result["failed"] += 1
                result["errors"].append(described(error))
            finally:
                await counted(number)

    async def cycle_ws(number: int) -> None:
        name, path = names[number % len(names)], SOAK_PAGES[number % len(SOAK_PAGES)]

        async def open_and_check() -> None:
            session = await StreamlitSession.open(url, path, f"{LINKS[name]}")
            await session.close()
            if session.exceptions:
                raise RuntimeError(f"exception box on /{path}")

        await attempt(number, open_and_check)

    if client == "ws":
        tasks = [asyncio.create_task(cycle_ws(number)) for number in range(cycles)]
        await asyncio.wait(tasks, timeout=cycles * WAIT_MS / 1000 / concurrency + 120)
        for task in tasks:
            task.cancel()
        return result

    from playwright.async_api import async_playwright

    async def cycle(number: int, browser) -> None:
        tally = Tally(names[number % len(names)])
        path = SOAK_PAGES[number % len(SOAK_PAGES)]

        async def open_and_check() -> None:
            context = None
            try:
                context, page = await new_page(browser, tally)
                await page.goto(f"{url}/{path}?{LINKS[tally.name]}")
                await page.wait_for_selector(APP_IDLE)
                await page.wait_for_selector("[data-testid='stMain'] h1")
                if await page.locator("[data-testid='stException']").count():
                    raise RuntimeError(f"exception box on /{path}")
            finally:
                if context is not None:
                    try:
                        await asyncio.wait_for(context.close(), OPEN_S)
                    except Exception:  # noqa: BLE001 - a context that will not close is a failure too
                        result["failed"] += 1

        await attempt(number, open_and_check)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            tasks = [asyncio.create_task(cycle(number, browser)) for number in range(cycles)]
            await asyncio.wait(tasks, timeout=cycles * WAIT_MS / 1000 / concurrency + 120)
            for task in tasks:
                task.cancel()
        finally:
            await asyncio.wait_for(browser.close(), 60)
    return result


def soak_main(args) -> None:
    folder = Path(tempfile.mkdtemp(prefix="closergym-soak-"))
    db_path = folder / "soak.db"
    names = [f"Soak {number:02d}" for number in range(1, 11)]
    with store.open_db(db_path) as db:
        for name in names:
            LINKS[name] = urlencode({"trainee": name, "code": store.create_trainee(db, name, private=True)["access_code"]})
    load_before = os.getloadavg()[0]
    server = Server(db_path)
    sampler = Sampler(server.process.pid)
    sampler.start()
    started = time.monotonic()
    try:
        start_rss = rss_mb(server.process.pid)
        result = asyncio.run(run_soak(server.url, names, args.cycles, args.concurrency, sampler, args.warmup,
                                      args.client))
        end_rss = rss_mb(server.process.pid)
        end_at = time.monotonic() - started
        print(f"soak: {args.cycles} cycles done in {end_at:.0f} s; waiting {args.settle} s for Streamlit to drop "
              "the disconnected sessions ...", flush=True)
        time.sleep(args.settle)
        settled_rss = rss_mb(server.process.pid)
    finally:
        sampler.stop()
        server.stop()
    log = server.log.read_text(errors="replace")
    warm = result["warm_rss"] or start_rss
    print(f"soak benchmark ({CLIENTS[args.client]}): {args.cycles} open/close cycles, {args.concurrency} at a time, pages "
          f"{', '.join('/' + p for p in SOAK_PAGES)}; {os.cpu_count()} cores, load average {load_before:.1f} "
          f"before / {os.getloadavg()[0]:.1f} after")
    print(f"cycles ok {result['ok']}, failed {result['failed']}, server tracebacks {log.count('Traceback')}")
    for line in result["errors"][:5]:
        print(f"  {line}")
    if result["open_s"]:
        f = figures([s * 1000 for s in result["open_s"]])
        print(f"open to rendered: p50 {f['median']:.0f} ms   p95 {f['p95']:.0f} ms   max {f['max']:.0f} ms")
    print(f"server RSS: fresh {start_rss:.0f} MB, after {args.warmup} warm-up cycles {warm:.0f} MB, "
          f"after {args.cycles} cycles {end_rss:.0f} MB ({(end_rss / warm - 1) * 100:+.1f} %), "
          f"{args.settle} s later {settled_rss:.0f} MB ({(settled_rss / warm - 1) * 100:+.1f} %)   "
          f"(goal < 15 % growth after warm-up: {'MET' if settled_rss / warm - 1 < 0.15 else 'MISSED'})")
    sampler.report()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trainees", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=90, help="time budget once every trainee has started")
    parser.add_argument("--ramp", type=float, default=0.5, help="seconds between opening two contexts")
    parser.add_argument("--client", choices=CLIENTS, default="ws",
                        help="ws: Streamlit's websocket protocol (default; measures the server); "
                             "browser: one Chromium context per trainee (measures drawing too)")
    parser.add_argument("--soak", action="store_true", help="open/close cycles and memory growth instead")
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=50, help="soak: cycles before the baseline RSS")
    parser.add_argument("--settle", type=float, default=130, help="soak: seconds to wait after the last cycle")
    args = parser.parse_args()
    if (args.soak or args.client == "browser") and not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM}: ./scripts/test installs it")
    soak_main(args) if args.soak else load_main(args)


if __name__ == "__main__":
    main()
