"""Startup benchmark: cold start of `streamlit run app.py` to a healthy server, and the time to the
first full render of Home in a real browser (Debian's Chromium). Prints medians over a few runs.

    .venv/bin/python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym import store  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    health, render = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            folder = Path(tempfile.mkdtemp())
            with store.open_db(folder / "gym.db") as db:
                code = store.create_trainee(db, "Bench", private=True)["access_code"]
            started = time.perf_counter()
            server = Server(folder / "gym.db")
            health.append(time.perf_counter() - started)
            try:
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(f"{server.url}/?trainee=Bench&code={code}")
                page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
                page.get_by_text("Welcome, Bench").wait_for()
                render.append(time.perf_counter() - started)
                page.close()
            finally:
                server.stop()
        browser.close()

    def line(name: str, values: list[float]) -> str:
        return (f"{name:<38} median {statistics.median(values) * 1000:7.0f} ms   "
                f"min {min(values) * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms")

    print(f"startup benchmark, {args.runs} runs")
    print(line("cold start to /_stcore/health", health))
    print(line("first full render of Home (browser)", render))


if __name__ == "__main__":
    main()
