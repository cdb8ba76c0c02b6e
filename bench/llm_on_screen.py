"""The LLM prospect's first token on screen, in Chromium: our sparring page against a bare Streamlit app that
streams the same local llama.cpp server with `openai` and `st.write_stream`, in the same run.

Both apps draw the rep's message first, then stream the model's reply into the next chat message. Measured
in the page (performance.now()):
- "request to first token": from the rep's message drawn (ours: the graded answer with its badge; the
  bare app: the echoed message) to the first token of the reply on screen. The bare app sends the prompts
  our prospect sends in a session with the same answers, so both pay the model the same prompt reading:
  the difference is what the page and our client add. The goal is ours within 10 % of the bare app's.
- "Enter to first token": the whole wait. Ours includes the AI judge reading the answer first (one whole
  completion), which the bare app does not do.

    .venv/bin/python bench/llm_on_screen.py [--turns 20] [--warmup 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym import sessions, store  # noqa: E402
from closergym.prospect import LLMProspect  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, free_port  # noqa: E402
from tests.llm_server import MODEL_NAME, LlamaServer  # noqa: E402

GOAL = 1.10  # ours / bare, request to first token on screen (median and p95)
WAIT_MS = 60_000
ANSWERS = ["That makes sense. What part of it is still on your mind: the cost or the timing?",
           "Fair enough. Most teams like yours break even within four months. Could we look at your numbers "
           "together Thursday at 2?",
           "I hear you. What would you need to see to feel sure about it?"]

BARE_APP = '''import json
import openai
import os
import streamlit as st

client = openai.OpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"], max_retries=0)


def words(stream):
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield chunk.choices[0].delta.content

if p := st.chat_input("Say"):
    st.chat_message("user").write(p)
    # the prompt our prospect sends in this round (turns cycle through a session's three), read afresh each
    # turn as ours is: its system prompt changes every turn, so the server's prompt cache helps neither
    prompts = json.loads(open("prompts.json").read())
    prompt = prompts[len(st.session_state.setdefault("said", [])) % len(prompts)]
    st.session_state["said"].append(p)
    prompt[0]["content"] = f"{p}\\n{prompt[0]['content']}"
    with st.chat_message("assistant"):
        st.write_stream(words(client.chat.completions.create(
            model=os.environ["CLOSERGYM_MODEL"], stream=True, max_tokens=60,
            messages=prompt)))
'''

# Records performance.now() at the Enter keydown, before Streamlit's own handler sees it.

INIT_SCRIPT = """
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') window.__benchT0 = performance.now();
}, true);
"""

# Polled on every animation frame after Enter: the time the rep's new message showed (`sent`) and the
# time the reply's first words showed (`token`), both since Enter. `target` is the message count once
# the reply's message is there. Ours (`marker` null) appends: the rep's message must show a tier badge.
# The bare app redraws its two messages in place: the rep's must show `marker`, the reply other words
# than `previous` (the last reply, on screen until the new one replaces it).
WATCH = """
([target, marker, previous]) => {
  // what a message says, without its avatar (a Material icon's name is text too)
  const words = (m) => (m.querySelector("[data-testid='conversationMessageContent'], [data-testid='stChatMessageContent']") || m).innerText;
  const messages = [...document.querySelectorAll("[data-testid='conversationMessage'], [data-testid='stChatMessage']")];
  const now = performance.now();
  const rep = messages[target - 2];
  const repShown = rep && (marker === null ? /\\b(WEAK|STRONG|ELITE)\\b/.test(words(rep))
                                           : words(rep).includes(marker));
  if (repShown && window.__benchSent === undefined) window.__benchSent = now - window.__benchT0;
  const reply = messages[target - 1];
  const said = reply ? words(reply).split('\\n').filter((l) => l.trim() && !/^Round \\d+ of/.test(l.trim())) : [];
  if (!repShown || said.length === 0 || said.join('\\n') === previous) return false;
  return {sent: window.__benchSent, token: now - window.__benchT0};
}
"""
LAST_REPLY = """
() => {
  // what a message says, without its avatar (a Material icon's name is text too)
  const words = (m) => (m.querySelector("[data-testid='conversationMessageContent'], [data-testid='stChatMessageContent']") || m).innerText;
  const messages = [...document.querySelectorAll("[data-testid='conversationMessage'], [data-testid='stChatMessage']")];
  const reply = messages[messages.length - 1];
  return reply ? words(reply).split('\\n').filter((l) => l.trim()).join('\\n') : '';
}
"""
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
MESSAGES = "() => document.querySelectorAll(\"[data-testid='conversationMessage'], [data-testid='stChatMessage']\").length"


def figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"n": len(ordered), "median": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]}


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<48} no samples"
    f = figures(values)
    return f"{name:<48} n={f['n']:<3} median {f['median']:7.1f} ms   p95 {f['p95']:7.1f} ms"


def press(page, box, text: str, target: int, marker: str | None = None) -> tuple[float, float]:
    box.fill(f"{text} {marker}" if marker else text)
    previous = page.evaluate(LAST_REPLY) if marker else None
    page.evaluate("() => { window.__benchT0 = undefined; window.__benchSent = undefined; }")
    box.press("Enter")
    result = page.wait_for_function(WATCH, arg=[target, marker, previous], polling="raf",
                                    timeout=WAIT_MS).json_value()
    page.wait_for_selector(APP_IDLE, timeout=WAIT_MS)  # the reply finished: the next answer can go
    return result["sent"], result["token"]


def run_ours(browser, folder: Path, llama: LlamaServer, turns: int, warmup: int) -> dict[str, list[float]]:
    db_path = folder / "ours.db"
    with store.open_db(db_path) as db:
        code = store.create_trainee(db, "Bench", private=True)["access_code"]
    server = Server(db_path, env=llama.env())
    times: dict[str, list[float]] = {"sent": [], "token": []}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(INIT_SCRIPT)
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{server.url}/sparring?trainee=Bench&code={code}&objection=need-to-think")
        page.wait_for_selector(APP_IDLE)
        step = 0
        while len(times["token"]) < turns:
            again = page.get_by_role("button", name="Drill it again")
            if again.count():
                again.click()
                page.wait_for_function(f"() => ({MESSAGES})() === 1", polling="raf")
                page.wait_for_selector(APP_IDLE)
                continue
            before = page.evaluate(MESSAGES)
            box = page.get_by_test_id("stChatInputTextArea")
            sent, token = press(page, box, ANSWERS[step % len(ANSWERS)], before + 2)
            step += 1
            if step > warmup:
                times["sent"].append(sent)
                times["token"].append(token)
        if page.locator("[data-testid='stException']").count():
            print("  warning: our app shows an exception box")
        if "dropped out" in page.inner_text("body"):
            print("  warning: the AI prospect dropped out at least once (the built-in line answered)")
    finally:
        context.close()
        server.stop()
    return times


def our_prompts(folder: Path) -> list[list[dict]]:
    """The messages our LLM prospect sends after each answer of a session (system prompt, history, the rep's
    line), for the same answers the benchmark gives."""
    prompts = []
    with store.open_db(folder / "prompt.db") as db:
        trainee = store.create_trainee(db, "Prompt")
        session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="need-to-think", seed=7)
        for answer in ANSWERS:
            result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=answer)
            if result.beat:
                prompts.append(LLMProspect(None).messages(result.scene, result.beat, random.Random(7)))
    return prompts


def run_bare(browser, folder: Path, llama: LlamaServer, turns: int, warmup: int) -> dict[str, list[float]]:
    app = folder / "bare"
    (app / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", app / ".streamlit" / "config.toml")
    (app / "bare.py").write_text(BARE_APP)
    (app / "prompts.json").write_text(json.dumps(our_prompts(folder)))
    port = free_port()
    log = app / "server.log"
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "bare.py", "--server.port", str(port),
                                "--server.headless", "true"], cwd=app, env={**os.environ, **llama.env()},
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    times: dict[str, list[float]] = {"sent": [], "token": []}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(INIT_SCRIPT)
    try:
        bare = Server.__new__(Server)
        bare.process, bare.url, bare.log = process, f"http://127.0.0.1:{port}", log
        bare.wait_healthy()
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(bare.url)
        page.wait_for_selector(APP_IDLE)
        for step in range(turns + warmup):
            box = page.get_by_test_id("stChatInputTextArea")
            sent, token = press(page, box, ANSWERS[step % len(ANSWERS)], 2, marker=f"#{step + 1}.")
            if step >= warmup:
                times["sent"].append(sent)
                times["token"].append(token)
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM} (./scripts/test installs it)")
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="closergym-bench-"))
    llama = LlamaServer(folder)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                bare = run_bare(browser, folder, llama, args.turns, args.warmup)
                ours = run_ours(browser, folder, llama, args.turns, args.warmup)
            finally:
                browser.close()
    finally:
        llama.stop()
        shutil.rmtree(folder, ignore_errors=True)
    ours_gap = [t - s for s, t in zip(ours["sent"], ours["token"], strict=True)]
    bare_gap = [t - s for s, t in zip(bare["sent"], bare["token"], strict=True)]
    print(f"LLM first token on screen: {MODEL_NAME} on llama.cpp, {args.turns} turns per app after {args.warmup} "
          f"warm-up, {os.cpu_count()} cores")
    print(line("ours: graded answer drawn to first token", ours_gap))
    print(line("bare: message drawn to first token", bare_gap))
    print(line("ours: Enter to first token (judge included)", ours["token"]))
    print(line("bare: Enter to first token", bare["token"]))
    if ours_gap and bare_gap:
        o, b = figures(ours_gap), figures(bare_gap)
        ratio_median, ratio_p95 = o["median"] / b["median"], o["p95"] / b["p95"]
        verdict = "MEETS" if ratio_median <= GOAL else "MISSES"
        print(f"ratio ours/bare, request to first token: median {ratio_median:.2f}x   p95 {ratio_p95:.2f}x   "
              f"-> {verdict} the goal (median within {GOAL:.2f}x)")


if __name__ == "__main__":
    main()
