"""The turn endpoint: an answer typed in the Sparring conversation, taken over plain HTTP.

`serve.py` mounts `routes()` beside Streamlit (`st.App`). An answer then travels as one small POST and
comes back as a few lines of JSON, instead of as a Streamlit rerun, which redraws the page around the
conversation several times per answer: the reply is on screen in a fraction of the time, and the page
stays still. Without `serve.py` (`streamlit run app.py`, or a proxy that forwards only Streamlit's own
paths) the browser finds no endpoint and sends the answer through Streamlit instead, to the same
`conversation.answer`.

The page hands its browser a *pass* for the session on screen: a random token standing for the trainee,
the session, the database file and the engine (an LLM client holds its key). Passes live in this
process's memory only, never in the database, a log or an export, and expire.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlite_utils import Database
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from closergym import conversation, store
from closergym.llm import LLMClient

TURN_PATH = "/api/sparring/turn"
PASS_SECONDS = 12 * 3600
MAX_PASSES = 10_000
MAX_BODY = 64 * 1024  # an answer is at most 2,000 characters; the JSON around it is small
STALE = "This page was open for a long time, or the server restarted: it will send your answer another way."


@dataclass
class Pass:
    trainee_id: int
    session_id: int
    db_path: Path
    llm: LLMClient | None
    expires: float


_passes: dict[str, Pass] = {}
_lock = threading.Lock()
_served = False


def served() -> bool:
    """Whether this process serves the endpoint (it was started through `serve.py`)."""
    return _served


def issue_pass(*, trainee_id: int, session_id: int, db_path: Path, llm: LLMClient | None,
               token: str | None = None) -> str:
    """A pass for one session; `token`, a pass this page was given before, is renewed when it is still
    this session's (so a page keeps one pass however often it redraws)."""
    now = time.monotonic()
    with _lock:
        held = _passes.get(token) if token else None
        if held is None or (held.trainee_id, held.session_id) != (trainee_id, session_id) or held.expires < now:
            if len(_passes) >= MAX_PASSES:
                for old in [key for key, value in _passes.items() if value.expires < now] or list(_passes)[:1000]:
                    del _passes[old]
            token = secrets.token_urlsafe(24)
        _passes[token] = Pass(trainee_id, session_id, db_path, llm, now + PASS_SECONDS)
        return token


def find_pass(token: str) -> Pass | None:
    with _lock:
        found = _passes.get(token)
    return found if found and found.expires >= time.monotonic() else None


class TurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    token: str = Field(alias="pass", min_length=8, max_length=100)
    text: str = Field(max_length=20_000)  # the real limit (2,000) is checked by the turn, with its message
    round: int = Field(ge=1, le=10)


# A pool of threads takes the turns: each holds its own connection per database file (a sqlite3 connection
# belongs to one thread), and an answer's whole trip runs in one of them. An LLM reply holds its thread
# for seconds while it streams, hence more threads than cores.
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="closergym-turn")
_local = threading.local()


def _db(path: Path) -> Database:
    held: dict[Path, Database] = _local.__dict__.setdefault("connections", {})
    if path not in held or not path.exists():  # a deleted file is reported by open_db, not recreated quietly
        if path in held:
            held.pop(path).close()
        if not path.exists():
            raise store.StorageError(f"The database {path} was deleted or moved while Closer Gym was running.")
        held[path] = store.open_db(path, create_folder=False, closable_elsewhere=True)
    return held[path]


def _events(found: Pass, request: TurnRequest) -> Iterator[dict]:
    try:
        yield from conversation.answer(_db(found.db_path), trainee_id=found.trainee_id, session_id=found.session_id,
                                       text=request.text, round_number=request.round, llm=found.llm)
    except (sqlite3.Error, store.StorageError) as error:
        event = conversation.not_saved(error, found.db_path)
        if event is None:
            raise
        _local.__dict__.get("connections", {}).pop(found.db_path, None)  # reopened, and checked, next time
        yield event


async def _in_one_thread(events: Iterator[dict]) -> AsyncIterator[bytes]:
    """Run `events` to its end on one pool thread; yield each as a line of JSON as soon as it exists."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    done = object()

    def pump() -> None:
        try:
            for event in events:
                loop.call_soon_threadsafe(queue.put_nowait, event)
        except Exception as error:  # a bug, not a user's problem: say so rather than hang the browser
            loop.call_soon_threadsafe(queue.put_nowait, {"type": "error", "saved": False,
                                                         "message": f"Something went wrong on the server ({error})."})
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, done)

    _pool.submit(pump)
    while (event := await queue.get()) is not done:
        yield (json.dumps(event, ensure_ascii=False) + "\n").encode()


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"type": "error", "message": message, "saved": False}, status_code=status)


async def sparring_turn(request: Request) -> Response:
    """POST {"pass", "text", "round"} -> the answer's events, one JSON object per line (`conversation.answer`)."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return _refuse(413, "That request is too large.")
    body = b""
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_BODY:
            return _refuse(413, "That request is too large.")
    try:
        turn = TurnRequest.model_validate_json(body)
    except ValidationError:
        return _refuse(400, "That request is not an answer this page sends.")
    found = find_pass(turn.token)
    if found is None:
        return _refuse(403, STALE)
    return StreamingResponse(_in_one_thread(_events(found, turn)), media_type="application/x-ndjson",
                             headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    """The routes `serve.py` mounts; mounting them is what turns the fast path on."""
    global _served
    _served = True
    return [Route(TURN_PATH, sparring_turn, methods=["POST"])]
