"""The turn endpoint: an answer typed in the Sparring conversation, taken over plain HTTP.

`serve.py` mounts `routes()` beside Streamlit (`st.App`). An answer then travels as one small POST and
comes back as a few lines of JSON, instead of as a Streamlit rerun, which redraws the page around the
conversation several times per answer: the reply is on screen in a fraction of the time, and the page
stays still. Without `serve.py` (`streamlit run app.py`, or a proxy that forwards only Streamlit's own
paths) the browser finds no endpoint and sends the answer through Streamlit instead, to the same
`conversation.answer`.

The page hands its browser a *pass* for the session on screen: a random token standing for the trainee,
the access code the page opened the profile with, the session, the database file and the LLM settings
(which may hold a key). Passes live in this process's memory only, never in the database, a log or an
export, and expire. Every answer checks the code still opens the profile: a new code shuts out every pass
issued under the old one, as it shuts out every page.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError
from sqlite_utils import Database
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from closergym import conversation, store
from closergym.grading import MAX_REBUTTAL
from closergym.llm import LLMSettings, client_for

TURN_PATH = "/api/sparring/turn"
PASS_SECONDS = 12 * 3600
MAX_PASSES = 10_000
MAX_BODY = 64 * 1024  # an answer is at most 2,000 characters; the JSON around it is small
TOO_LARGE = f"That answer is far too long: keep it under {MAX_REBUTTAL:,} characters."
STALE = "This page was open for a long time, or the server restarted: it will send your answer another way."
SHUT_OUT = ("Your answer was not taken: this profile's access code was changed, on another device or by your "
            "instructor. Reload the page and open the profile with its new code.")


@dataclass
class Pass:
    trainee_id: int
    code: str  # the access code the page holds the profile with
    session_id: int
    db_path: Path
    llm: LLMSettings | None
    expires: float


_passes: dict[str, Pass] = {}  # oldest first: a renewed pass moves to the end
_lock = threading.Lock()
_served_at: str | None = None


def served() -> str | None:
    """The endpoint's path when this process serves it (it was started through `serve.py`), else None."""
    return _served_at


def issue_pass(*, trainee_id: int, code: str, session_id: int, db_path: Path, llm: LLMSettings | None,
               token: str | None = None) -> str:
    """A pass for one session; `token`, a pass this page was given before, is renewed (with the engine the
    page now uses) when it is still this session's, so a page keeps one pass however often it redraws."""
    now = time.monotonic()
    with _lock:
        held = _passes.pop(token, None) if token else None
        if held is None or (held.trainee_id, held.code, held.session_id) != (trainee_id, code, session_id) \
                or held.expires < now:
            token = secrets.token_urlsafe(24)
        _passes[token] = Pass(trainee_id, code, session_id, db_path, llm, now + PASS_SECONDS)
        if len(_passes) > MAX_PASSES:  # the expired first, then the least recently used
            stale = [key for key, value in _passes.items() if value.expires < now]
            for key in stale or list(_passes)[: len(_passes) - MAX_PASSES]:
                del _passes[key]
        return token


def find_pass(token: str) -> Pass | None:
    with _lock:
        found = _passes.get(token)
    return found if found and found.expires >= time.monotonic() else None


class TurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[StrictStr, Field(alias="pass", min_length=8, max_length=100)]
    text: Annotated[StrictStr, Field(max_length=MAX_BODY)]  # the real limit is the turn's, with its message
    round: Annotated[StrictInt, Field(ge=1, le=10)]


# A pool of threads takes the turns: each holds its own connection per database file (a sqlite3 connection
# belongs to one thread), and an answer's whole trip runs in one of them. An LLM reply holds its thread
# for up to a turn's deadline while it streams, hence more threads than cores.
_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="closergym-turn")
_local = threading.local()


def _db(path: Path) -> Database:
    """This thread's connection to the file at `path`, checked as the page checks it: still there, still
    writable, still the same file (one put back from a backup is opened afresh)."""
    held: dict[Path, tuple[int, Database]] = _local.__dict__.setdefault("connections", {})
    if not path.exists():  # reported, never quietly recreated empty
        _drop(path)
        raise store.StorageError(f"The database {path} was deleted or moved while Closer Gym was running.")
    store.check_db_path(path, create_folder=False)
    identity = os.stat(path).st_ino
    if path in held and held[path][0] != identity:
        _drop(path)
    if path not in held:
        held[path] = (identity, store.open_db(path, create_folder=False, closable_elsewhere=True))
    return held[path][1]


def _drop(path: Path) -> None:
    """Close this thread's connection to `path` (a dropped one would keep its files open until a full
    garbage collection, which this app does not run)."""
    held = _local.__dict__.get("connections", {})
    if path in held:
        held.pop(path)[1].close()


def _events(found: Pass, request: TurnRequest) -> Iterator[dict]:
    graded = False
    try:
        db = _db(found.db_path)
        if not store.opens(store.get_trainee(db, found.trainee_id), found.code):  # a new code since the pass
            yield {"type": "error", "message": SHUT_OUT, "saved": False}
            return
        events = conversation.answer(db, trainee_id=found.trainee_id, session_id=found.session_id,
                                     text=request.text, round_number=request.round,
                                     llm=client_for(found.llm) if found.llm else None)
        for event in events:
            graded = graded or event["type"] == "graded"
            yield event
    except (sqlite3.Error, store.StorageError) as error:
        event = conversation.not_saved(error, found.db_path, answer_saved=graded)
        if event is None:
            raise
        _drop(found.db_path)  # reopened, and checked, next time
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


def _from_elsewhere(request: Request) -> bool:
    """A request another site's page made, as the browser reports it (the pass cannot leak to another site,
    so this is a second lock; a proxy in front may rewrite Host, so Origin is not compared with it)."""
    return request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


async def sparring_turn(request: Request) -> Response:
    """POST {"pass", "text", "round"} -> the answer's events, one JSON object per line (`conversation.answer`)."""
    if _from_elsewhere(request):
        return _refuse(403, "Answers are taken from Closer Gym's own pages only.")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return _refuse(415, "That request is not an answer this page sends.")
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return _refuse(413, TOO_LARGE)
    body = b""
    try:
        async for piece in request.stream():
            body += piece
            if len(body) > MAX_BODY:
                return _refuse(413, TOO_LARGE)
    except ClientDisconnect:  # the page was closed while it sent: nothing to answer, nothing to log
        return Response(status_code=400)
    try:
        turn = TurnRequest.model_validate_json(body)
    except ValidationError:
        return _refuse(400, "That request is not an answer this page sends.")
    found = find_pass(turn.token)
    if found is None:
        return _refuse(403, STALE)
    return StreamingResponse(_in_one_thread(_events(found, turn)), media_type="application/x-ndjson",
                             headers={"Cache-Control": "no-store"})


def routes(base_url_path: str = "") -> list[Route]:
    """The routes `serve.py` mounts (under the app's `server.baseUrlPath`); mounting them is what turns the
    fast path on."""
    global _served_at
    base = base_url_path.strip("/")
    _served_at = f"/{base}{TURN_PATH}" if base else TURN_PATH
    return [Route(_served_at, sparring_turn, methods=["POST"])]
