"""Turn latency benchmark: how long one graded sparring turn takes, on the server and in a real browser.

Part 1 (engine, no Streamlit): `sessions.take_turn` on a temp SQLite database, 3 rounds per session over
every objection in the library and a weak / strong / elite answer; then `grade_rebuttal` alone.

Part 2 (browser, Debian's Chromium through Playwright): Enter-to-reply time on our sparring page (served
as ./scripts/run serves it, `streamlit run app.py`) versus a bare Streamlit echo chat app started with the
same `.streamlit/config.toml`. Both servers run side by side and the two pages answer in alternation, one
turn each, so that a busier moment of the machine weighs on both alike. Ours counts as answered when the
new answer shows its grade and the prospect's new message its words ("settled": that, and no script
running, `data-test-script-state='notRunning'`); the echo app when both its messages show the new text.
Goals: ours p95 under 100 ms, and within 2x the echo app's p95. Figures only, no asserts; takes about a
minute.

`--also DIR` (repeatable) adds another checkout of this repository (say a `git worktree` with a change to
try) to the same alternation, so that a change is measured against the code before it in the same minutes:
between runs, the same code moves by 10 ms or more on this machine.

    .venv/bin/python bench/turn_latency.py [--turns 30] [--warmup 3] [--engine-passes 3] [--also DIR ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym import sessions, store  # noqa: E402
from closergym.content import library  # noqa: E402
from closergym.grading import grade_rebuttal  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, free_port  # noqa: E402

ANSWERS = {
    "weak": "No problem, let me know!",
    "strong": "That makes sense. What part of it is still on your mind: the cost or the timing?",
    "elite": "That's fair. Most teams like yours break even within four months. "
             "Could we take 15 minutes Thursday at 2 to look at your numbers together?",
}
ROUTINE = ["weak", "strong", "elite"]  # what the browser part answers, round by round
GOAL_MS, GOAL_RATIO = 100, 2.0  # p95
WAIT_MS = 15_000  # hard timeout on any single wait in the browser
BROWSER_BUDGET_S = 75  # per app: stop measuring (and report what we have) past this

ECHO_APP = '''import streamlit as st

if p := st.chat_input("Say"):
    st.chat_message("user").write(p)
    st.chat_message("assistant").write(p)
'''

# Records performance.now() at the Enter keydown, before Streamlit's own handler sees it.
INIT_SCRIPT = """
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') window.__benchT0 = performance.now();
}, true);
"""

# Every message of the conversation: ours (components/conversation.js) or the echo app's chat messages.
MESSAGES = """
() => [...document.querySelectorAll("[data-testid='conversationMessage'], [data-testid='stChatMessage']")]
"""

# Polled on every animation frame. `visible`: the new reply is on the page; `done`: that, and the script has
# finished its rerun. Returns the in-page times since Enter once `done` holds (or `visible` if `need_done`
# is false).
WATCH = """
([mode, target, needDone]) => {
  const messages = (""" + MESSAGES.strip() + """)();
  const app = document.querySelector("[data-testid='stApp']");
  const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
  // ours: the new answer shows its grade and the prospect's new message shows its words (not only its
  // round label); the echo app: both its messages show the new text
  // what a message says, without its avatar (a Material icon's name is text too)
  const words = (m) => (m.querySelector("[data-testid='conversationMessageContent'], [data-testid='stChatMessageContent']") || m).innerText;
  const said = (m) => m && words(m).split('\\n').some((l) => l.trim() && !/^Round \\d+ of/.test(l.trim()));
  const visible = mode === 'count'
    ? messages.length >= target && /\\b(WEAK|STRONG|ELITE)\\b/.test(words(messages[target - 2]))
      && said(messages[target - 1])
    : messages.length >= 2 && messages.filter((m) => m.innerText.includes(target)).length >= 2;
  if (!visible) return false;
  const now = performance.now();
  if (window.__benchVisible === undefined) window.__benchVisible = now - window.__benchT0;
  if (needDone && !idle) return false;
  return {visible: window.__benchVisible, done: now - window.__benchT0};
}
"""
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def figures(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(ordered), "median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def line(name: str, values_ms: list[float]) -> str:
    if not values_ms:
        return f"{name:<44} no samples"
    f = figures(values_ms)
    return (f"{name:<44} n={f['n']:<4} median {f['median']:7.1f} ms   p95 {f['p95']:7.1f} ms   "
            f"max {f['max']:7.1f} ms")


# --- part 1: the engine --------------------------------------------------------------------------------

def bench_engine(passes: int) -> None:
    lib = library()
    slugs = sorted(lib.objections)
    folder = Path(tempfile.mkdtemp(prefix="closergym-bench-"))
    turn_ms: list[float] = []
    try:
        db = store.open_db(folder / "engine.db")
        trainee = store.create_trainee(db, "Bench")
        seed = 0
        for _ in range(passes):
            for slug in slugs:
                for tier in ANSWERS:
                    seed += 1
                    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug=slug,
                                                     difficulty="normal", seed=seed)
                    for _round in range(3):
                        started = time.perf_counter()
                        result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"],
                                                    rebuttal=ANSWERS[tier])
                        turn_ms.append((time.perf_counter() - started) * 1000)
                        if result.state.finished:
                            break
        db.close()

        grade_rebuttal(lib.objections[slugs[0]].lines[0], ANSWERS["elite"], objection_slug=slugs[0], lib=lib)
        grade_ms: list[float] = []
        for _ in range(passes):
            for slug in slugs:
                prompt = lib.objections[slug].lines[0]
                for text in ANSWERS.values():
                    started = time.perf_counter()
                    grade_rebuttal(prompt, text, objection_slug=slug, lib=lib)
                    grade_ms.append((time.perf_counter() - started) * 1000)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"engine: {len(slugs)} objections x {len(ANSWERS)} answers x {passes} passes, normal difficulty")
    print(line("sessions.take_turn (grade + reply + save)", turn_ms))
    print(line("grading.grade_rebuttal alone (warmed up)", grade_ms))


# --- part 2: the browser -------------------------------------------------------------------------------

class BareServer:
    """The echo chat app, run like `Server` runs ours: same interpreter, same config.toml, its own cwd."""

    def __init__(self, folder: Path):
        (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
        (folder / "echo.py").write_text(ECHO_APP)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"server-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "echo.py", "--server.port", str(self.port),
             "--server.headless", "true"],
            cwd=folder, env=dict(os.environ), stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )
        self.wait_healthy()

    wait_healthy = Server.wait_healthy
    stop = Server.stop


def measure(page, *, box, mode: str, target, need_done: bool) -> tuple[float, float, float]:
    """Press Enter; return (in-page ms to visible, in-page ms to done, wall ms from Python)."""
    page.evaluate("() => { window.__benchVisible = undefined; window.__benchT0 = undefined; }")
    started = time.perf_counter()
    box.press("Enter")
    handle = page.wait_for_function(WATCH, arg=[mode, target, need_done], polling="raf", timeout=WAIT_MS)
    wall = (time.perf_counter() - started) * 1000
    result = handle.json_value()
    return result["visible"], result["done"], wall


def timed_page(browser):
    """A fresh context and page that record the time of every Enter keydown (INIT_SCRIPT)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(INIT_SCRIPT)
    return context, context.new_page()


def count_messages(page) -> int:
    return page.evaluate(f"({MESSAGES.strip()})().length")


def answer_box(page):
    return page.get_by_test_id("stChatInputTextArea")


class Ours:
    """Our sparring page, served as ./scripts/run serves it (from `root`, a checkout of this repository);
    `turn()` answers the prospect once."""

    def __init__(self, browser, folder: Path, root: Path = ROOT):
        folder.mkdir(parents=True, exist_ok=True)
        db_path = folder / "ours.db"
        with store.open_db(db_path) as db:
            code = store.create_trainee(db, "Bench", private=True)["access_code"]
        self.server = Server(db_path, root=root)
        self.context, self.page = timed_page(browser)
        self.page.goto(f"{self.server.url}/sparring?trainee=Bench&code={code}&objection=need-to-think")
        self.page.wait_for_selector(APP_IDLE, timeout=WAIT_MS)
        answer_box(self.page).wait_for(timeout=WAIT_MS)
        self.page.wait_for_function(f"() => ({MESSAGES.strip()})().length > 0", timeout=WAIT_MS)  # drawn

    def turn(self) -> tuple[float, float, float, str]:
        """(in-page ms to the graded reply drawn, to the page settled, wall ms, which round)."""
        page = self.page
        again = page.get_by_role("button", name="Drill it again")
        if again.count():  # the session is over (3 answers, or lost early): start a new one (not timed)
            again.click()
            page.wait_for_function(f"() => ({MESSAGES.strip()})().length === 1 && "
                                   f"document.querySelector(\"{APP_IDLE}\") !== null", polling="raf", timeout=WAIT_MS)
        before = count_messages(page)
        box = answer_box(page)
        box.fill(ANSWERS[ROUTINE[(before - 1) // 2 % len(ROUTINE)]])
        visible, done, wall = measure(page, box=box, mode="count", target=before + 2, need_done=True)
        return visible, done, wall, f"round {(before - 1) // 2 + 1}"

    def close(self) -> None:
        if self.page.locator("[data-testid='stException']").count():
            print("  warning: our app shows an exception box")
        self.context.close()
        self.server.stop()


class Bare:
    """The bare echo app; `turn()` sends one message and waits for both bubbles to show it."""

    def __init__(self, browser, folder: Path):
        self.server = BareServer(folder / "bare")
        self.context, self.page = timed_page(browser)
        self.page.goto(self.server.url)
        self.page.wait_for_selector(APP_IDLE, timeout=WAIT_MS)
        self.step = 0

    def turn(self) -> tuple[float, float, float, str]:
        self.step += 1
        marker = f"#{self.step}."
        box = self.page.get_by_test_id("stChatInputTextArea")
        box.fill(f"{ANSWERS[ROUTINE[(self.step - 1) % len(ROUTINE)]]} {marker}")
        visible, done, wall = measure(self.page, box=box, mode="text", target=marker, need_done=False)
        self.page.wait_for_selector(APP_IDLE, timeout=WAIT_MS)  # the rerun finishes before the next turn (not timed)
        return visible, done, wall, ""

    def close(self) -> None:
        self.context.close()
        self.server.stop()


def bench_browser(turns: int, warmup: int, also: list[Path]) -> None:
    """Our page and the echo app (and any `also` checkouts) run side by side and take turns, one answer each
    in alternation, so that a busier moment of the machine weighs on all alike."""
    if not Path(CHROMIUM).exists():
        print(f"browser: skipped, no Chromium at {CHROMIUM} (./scripts/test installs it)")
        return
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="closergym-bench-"))
    names = ["ours", *(f"also {index}: {root}" for index, root in enumerate(also, start=1)), "bare"]
    times: dict[str, dict[str, list[float]]] = {name: {"visible": [], "done": [], "wall": []} for name in names}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
            apps = []
            try:
                apps.append(Ours(browser, folder / "ours"))
                apps += [Ours(browser, folder / f"also-{index}", root) for index, root in enumerate(also, start=1)]
                apps.append(Bare(browser, folder))
                budget = time.monotonic() + len(apps) * BROWSER_BUDGET_S
                for step in range(warmup + turns):
                    if time.monotonic() > budget:
                        break
                    for app, name in zip(apps, names, strict=True):
                        visible, done, wall, round_name = app.turn()
                        if step >= warmup:
                            times[name]["visible"].append(visible)
                            times[name]["done"].append(done)
                            times[name]["wall"].append(wall)
                            if round_name:
                                times[name].setdefault(round_name, []).append(done)
            finally:
                for app in apps:
                    app.close()
                browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    ours, bare = times["ours"], times["bare"]
    print(f"browser: Enter to reply, {turns} turns per app after {warmup} warm-up turns, the apps in "
          "alternation (in-page = performance.now() from the Enter keydown; wall = Python around press + wait)")
    print(line("ours: graded reply drawn (in-page)", ours["visible"]))
    print(line("ours: that, and the page settled (in-page)", ours["done"]))
    print(line("ours: wall", ours["wall"]))
    for name in sorted(key for key in ours if key.startswith("round")):
        print(line(f"ours: settled, {name}", ours[name]))
    print(line("bare echo: reply drawn (in-page)", bare["visible"]))
    print(line("bare echo: wall", bare["wall"]))
    if ours["visible"] and bare["visible"]:
        o, b = figures(ours["visible"]), figures(bare["visible"])
        ratio_median, ratio_p95 = o["median"] / b["median"], o["p95"] / b["p95"]
        verdict = "MEETS" if o["p95"] < GOAL_MS and ratio_p95 <= GOAL_RATIO else "MISSES"
        print(f"ours p95 {o['p95']:.0f} ms; ratio ours/bare: median {ratio_median:.2f}x   p95 {ratio_p95:.2f}x   "
              f"-> {verdict} the goal (p95 < {GOAL_MS} ms and within {GOAL_RATIO}x of bare)")
        settled = figures(ours["done"])
        print(f"with the page settled too (no script running): p95 {settled['p95']:.0f} ms, "
              f"{settled['p95'] / b['p95']:.2f}x")
        for name in names[1:-1]:
            other = times[name]
            if not other["visible"]:
                continue
            f = figures(other["visible"])
            rounds = "  ".join(f"{key} {statistics.median(other[key]):.0f}"
                               for key in sorted(k for k in other if k.startswith("round")))
            print(f"{name}\n  graded reply drawn: median {f['median']:.1f} ms, p95 {f['p95']:.1f} ms: "
                  f"{f['median'] / b['median']:.2f}x / {f['p95'] / b['p95']:.2f}x the echo app "
                  f"(ours: {ratio_median:.2f}x / {ratio_p95:.2f}x); settled, median by round: {rounds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=30, help="measured browser turns per app")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured browser turns first")
    parser.add_argument("--engine-passes", type=int, default=3, help="passes over objections x answers")
    parser.add_argument("--also", type=Path, action="append", default=[], metavar="DIR",
                        help="another checkout of this repository to measure in the same alternation")
    args = parser.parse_args()
    started = time.monotonic()
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"turn latency benchmark: {os.cpu_count()} cores, load average {load:.2f}")
    bench_engine(args.engine_passes)
    bench_browser(args.turns, args.warmup, [root.resolve() for root in args.also])
    print(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
