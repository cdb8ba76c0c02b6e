"""The one place that talks to an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).

Every call has one deadline (5 s to connect, 30 s in all for a turn, 60 s for the generator), at most
two retries (the openai client's own, with backoff) on 429 / 5xx / connection errors, and none once a stream has begun. Every
failure becomes an `LLMError` with a short message that is safe to show and log: the API key is
never part of it. Callers catch `LLMError` and fall back to the built-in engine, visibly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from closergym.config import Config
from closergym.limits import SlidingWindow

if TYPE_CHECKING:
    import httpx2


def sdk():
    """`openai` and `httpx2`, imported on first use: the offline engine never pays their ~0.6 s import."""
    import httpx2
    import openai

    return openai, httpx2

CONNECT_TIMEOUT = 5.0
TURN_DEADLINE = 30.0
JUDGE_SHARE = 0.5  # of a turn's time left, what the judge may use: the prospect's reply needs the rest
GENERATOR_DEADLINE = 60.0
MAX_RETRIES = 2
MAX_OUTPUT_TOKENS = 120
CALLS_PER_MINUTE = 20
OWN_FAILURE_SECONDS = CONNECT_TIMEOUT  # see LLMClient._call
OWN_LLM_ENGINE = "own-llm"  # a turn graded by a visitor's own model: private practice

Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")


class LLMError(Exception):
    """The LLM could not answer; `kind` is one of timeout, connection, rate_limited, busy, auth,
    bad_output, server. The message is safe to show: it never contains the key."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class LLMSettings:
    model: str
    base_url: str = ""
    api_key: str = ""
    own: bool = False  # a visitor's own endpoint, typed in a browser session (not the operator's)

    @classmethod
    def from_config(cls, config: Config) -> LLMSettings | None:
        """The operator's LLM (environment or st.secrets) when one is configured, else None."""
        if not config.llm_configured:
            return None
        return cls(model=config.model, base_url=config.openai_base_url, api_key=config.openai_api_key)

    @property
    def host(self) -> str:
        """The server, with its port when it has one: two local servers differ only by port."""
        if not self.base_url:
            return "api.openai.com"
        parts = urlsplit(self.base_url)
        try:
            port = parts.port
        except ValueError:
            port = None
        return f"{parts.hostname}:{port}" if parts.hostname and port else parts.hostname or self.base_url

    @property
    def label(self) -> str:
        return f"{'Your LLM' if self.own else 'LLM'}: {self.model} at {self.host}"

    def __repr__(self) -> str:  # never print the key
        return f"LLMSettings(model={self.model!r}, host={self.host!r})"


OWN_ENDPOINT_FAILED = ("Your endpoint did not answer as an OpenAI-compatible server with that key and model, "
                       "so the built-in engine answers.")


def session_settings(config: Config, *, base_url: str = "", api_key: str = "", model: str = "") -> LLMSettings | None:
    """The LLM a browser session uses: the operator's, or, when the visitor typed any of a base URL, key or
    model, the visitor's own endpoint, which never borrows the operator's key or URL (the operator's key goes
    only to the operator's endpoint). Raises `LLMError("refused")` when the operator does not let visitors
    choose endpoints, or not that host."""
    base_url, api_key, model = base_url.strip(), api_key.strip(), model.strip()
    if not (base_url or api_key or model):
        return LLMSettings.from_config(config)
    if not config.allow_visitor_llm:
        raise LLMError("refused", "This server does not let visitors connect their own LLM.")
    if not (api_key and model):
        raise LLMError("refused", "Your own endpoint needs your own API key and a model name.")
    parts = urlsplit(base_url or "https://api.openai.com/v1")
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise LLMError("refused", "The base URL must be an http:// or https:// address such as "
                                  "https://api.openai.com/v1.")
    host = parts.hostname.casefold()
    if config.visitor_llm_hosts and host not in config.visitor_llm_hosts and f"{host}:{port}" not in config.visitor_llm_hosts:
        raise LLMError("refused", "This server lets visitors connect only to the LLM hosts it names: "
                                  + ", ".join(config.visitor_llm_hosts) + ".")
    return LLMSettings(model=model, base_url=base_url, api_key=api_key, own=True)


class Deadline:
    """One time budget shared by the calls of a turn (the judge, then the prospect)."""

    def __init__(self, seconds: float | None = None):
        self.ends = time.monotonic() + (TURN_DEADLINE if seconds is None else seconds)

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())


class RateLimiter:
    """LLM calls per trainee per minute, counted in this process (`limits.SlidingWindow`)."""

    def __init__(self, per_minute: int = CALLS_PER_MINUTE):
        self.per_minute = per_minute
        self._window = SlidingWindow(per_minute, 60.0)

    def take(self, who: object) -> None:
        if self._window.take(who):
            raise LLMError("busy", f"You've reached {self.per_minute} AI calls this minute; "
                                   "the built-in engine answers until it eases off.")


rate_limiter = RateLimiter()

# The HTTP client's timeouts are per read: a server that sends a byte a second, or keeps a stream alive
# with comment lines and no words, would hold a turn for ever. So every blocking step of a call runs on
# one of these threads, waited for only as long as the turn has left. A step that overruns is left to end
# on its own (its connection is closed when it can be); the pool bounds how many can be left at once.
_steps = ThreadPoolExecutor(max_workers=32, thread_name_prefix="closergym-llm")
_END = object()


def in_time(step: Callable[[], Result], seconds: float) -> Result:
    """`step()`, or `LLMError("timeout")` once `seconds` have passed without its result."""
    future = _steps.submit(step)
    try:
        return future.result(timeout=max(0.0, seconds))
    except FutureTimeout:
        future.cancel()
        raise LLMError("timeout", "The AI model took too long to answer.") from None


class LLMClient:
    """A thin wrapper over `openai.OpenAI` with our deadlines, retries and error mapping."""

    def __init__(self, settings: LLMSettings, *, http_client: httpx2.Client | None = None,
                 limiter: RateLimiter | None = None):
        self.settings = settings
        self._limiter = limiter  # None: the process-wide limiter
        self._unreachable: LLMError | None = None  # set by a call that could not reach the server: see `_call`
        openai, _ = sdk()
        self._client = openai.OpenAI(
            api_key=settings.api_key or "not-needed",
            base_url=settings.base_url or None,
            max_retries=MAX_RETRIES,  # the client's own, with backoff; `_call` holds them to the deadline
            http_client=http_client,
        )

    # -- errors ------------------------------------------------------------------------------------

    def _error(self, error: Exception) -> LLMError:
        mapped = self._mapped(error)
        if self.settings.own and mapped.kind != "busy":  # a visitor's endpoint: no clue to what is behind it
            return LLMError(mapped.kind, OWN_ENDPOINT_FAILED)
        return mapped

    def _mapped(self, error: Exception) -> LLMError:
        if isinstance(error, LLMError):
            return error
        openai, httpx2 = sdk()
        if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException):
            return LLMError("timeout", "The AI model took too long to answer.")
        if isinstance(error, openai.APIConnectionError | httpx2.TransportError):
            return LLMError("connection", f"Could not reach the AI server at {self.settings.host}.")
        if isinstance(error, openai.RateLimitError):
            return LLMError("rate_limited", "The AI provider is rate-limiting requests (HTTP 429).")
        if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
            return LLMError("auth", "The AI provider refused the API key: check it in Settings.")
        if isinstance(error, openai.NotFoundError):
            return LLMError("server", f"The AI server does not know the model “{self.settings.model}”.")
        if isinstance(error, openai.APIStatusError):
            return LLMError("server", f"The AI server answered with an error (HTTP {error.status_code}).")
        if isinstance(error, ValidationError | ValueError):
            return LLMError("bad_output", "The AI model's answer was not in the expected format.")
        return LLMError("server", f"The AI call failed ({type(error).__name__}).")

    def _call(self, make, *, deadline: float, who: object):
        """Run `make(timeout)` inside `deadline` seconds, the openai client's own retries (429, 5xx, a dropped
        connection; with backoff and Retry-After) included: whatever is still going at the deadline is a
        timeout. A client is made per page run (`client_for`): once it could not reach the server, its later
        calls in that run (the prospect's reply after the judge's grade) fail at once instead of waiting again."""
        if self._unreachable:
            raise self._unreachable
        (self._limiter or rate_limiter).take(who)
        _, httpx2 = sdk()
        started = time.monotonic()
        try:
            return in_time(partial(make, httpx2.Timeout(deadline, connect=min(CONNECT_TIMEOUT, deadline))), deadline)
        except Exception as error:  # noqa: BLE001 - mapped to LLMError below
            if self.settings.own:  # every failure of a visitor's endpoint takes as long: no probing by time
                time.sleep(max(0.0, min(OWN_FAILURE_SECONDS, deadline) - (time.monotonic() - started)))
            failed = self._error(error)
            if failed.kind == "connection":
                self._unreachable = failed
            raise failed from None

    # -- calls ----------------------------------------------------------------------------------------

    def stream_chat(self, messages: list[dict], *, max_tokens: int = MAX_OUTPUT_TOKENS,
                    deadline: float | None = None, who: object = None, temperature: float = 0.8) -> Iterator[str]:
        """Text chunks of one reply. Retries happen only before the first chunk arrives."""
        deadline = TURN_DEADLINE if deadline is None else deadline
        started = time.monotonic()
        stream = self._call(lambda timeout: self._client.chat.completions.create(
            model=self.settings.model, messages=messages, stream=True, max_tokens=max_tokens,
            temperature=temperature, timeout=timeout), deadline=deadline, who=who)
        finished = False
        chunks = iter(stream)
        try:
            while (chunk := in_time(lambda: next(chunks, _END), deadline - (time.monotonic() - started))) is not _END:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
                finished = finished or bool(chunk.choices and chunk.choices[0].finish_reason)
            if not finished:  # the connection closed mid-reply: what arrived is not the whole answer
                raise LLMError("connection", "The AI reply was cut off before it finished.")
        except LLMError:
            raise
        except Exception as error:  # noqa: BLE001 - a stream cut mid-way
            raise self._error(error) from None
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()

    def structured(self, messages: list[dict], schema: type[Model], *, max_tokens: int = 400,
                   deadline: float | None = None, who: object = None) -> Model:
        """One JSON answer validated against the pydantic model `schema`."""
        deadline = TURN_DEADLINE if deadline is None else deadline
        response_format = {"type": "json_schema", "json_schema": {
            "name": schema.__name__, "schema": schema.model_json_schema(), "strict": True}}
        response = self._call(lambda timeout: self._client.chat.completions.create(
            model=self.settings.model, messages=messages, response_format=response_format,
            max_tokens=max_tokens, temperature=0, timeout=timeout), deadline=deadline, who=who)
        try:
            content = response.choices[0].message.content or ""
            return schema.model_validate_json(_json_part(content))
        except (ValidationError, ValueError, IndexError, AttributeError) as error:
            raise self._error(ValueError(str(error))) from None

    def test_connection(self, *, deadline: float = 15.0, who: object = None) -> str:
        """A tiny request that proves the endpoint, the key and the model work (counted against `who`'s
        calls per minute, like any other call)."""
        chunks = self.stream_chat([{"role": "user", "content": "Reply with the single word: ready"}],
                                  max_tokens=5, deadline=deadline, who=who)
        text = "".join(chunks).strip()
        return text[:40] or "(empty reply)"


@lru_cache(maxsize=8)
def client_for(settings: LLMSettings) -> LLMClient:
    """One client (and its connection pool) per distinct setting, shared by sessions and threads."""
    return LLMClient(settings)


def _json_part(content: str) -> str:
    """The JSON object in a reply, tolerating code fences or text around it."""
    start, end = content.find("{"), content.rfind("}")
    if start == -1 or end <= start:
        raise ValueError("no JSON object in the reply")
    return content[start:end + 1]
