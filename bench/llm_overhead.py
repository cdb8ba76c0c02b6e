"""LLM overhead: time to first token through the app's client against a direct `openai` call to the
same local llama.cpp server, in the same run, median of many. Goal: the app adds at most 10 %.

    .venv/bin/python bench/llm_overhead.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openai  # noqa: E402

from closergym.llm import LLMClient, LLMSettings, RateLimiter  # noqa: E402
from tests.llm_server import MODEL_NAME, LlamaServer  # noqa: E402

MESSAGES = [{"role": "system", "content": "You are a busy prospect. Answer in one sentence."},
            {"role": "user", "content": "<rep>What part of it is still on your mind?</rep>"}]


def first_token(chunks) -> float:
    started = time.perf_counter()
    for _ in chunks:
        return time.perf_counter() - started
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    server = LlamaServer(Path(tempfile.mkdtemp()))
    try:
        ours = LLMClient(LLMSettings(model=MODEL_NAME, base_url=server.url), limiter=RateLimiter(10_000))
        direct = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)

        def via_app():
            stream = ours.stream_chat(MESSAGES, max_tokens=8)
            value = first_token(stream)
            stream.close()
            return value

        def via_openai():
            started = time.perf_counter()
            stream = direct.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, stream=True, max_tokens=8)
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    value = time.perf_counter() - started
                    break
            stream.close()
            return value

        via_app(), via_openai()  # warm up both paths
        app_times, direct_times = [], []
        for _ in range(args.runs):  # interleaved, so load on the machine hits both alike
            app_times.append(via_app())
            direct_times.append(via_openai())
        app, base = statistics.median(app_times), statistics.median(direct_times)
        print(f"llm overhead, {args.runs} runs each, interleaved, llama.cpp + Gemma 3 270M on 127.0.0.1")
        print(f"direct openai call   time to first token  median {base * 1000:7.1f} ms")
        print(f"app's LLMClient      time to first token  median {app * 1000:7.1f} ms")
        print(f"overhead             {100 * (app / base - 1):+.1f} %  (goal: at most +10 %)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
