"""How often something may happen, counted in this process: one sliding window (`SlidingWindow`), used for
the LLM calls a trainee makes per minute (`closergym.llm`) and for wrong guesses at a secret (`Guesses`:
the instructor passcode, access codes, join codes).

No limit here is keyed on a network address: behind a proxy or a tunnel every visitor shares one address,
and a forwarded-for header says whatever the client wants. Guesses are limited per browser session (which
a visitor can neither share nor spoof) and, for the whole process, by a failure budget: past it, checks are
taken one at a time, further apart the more wrong guesses there were, so a crowd of sessions cannot guess
faster than one every few seconds altogether, while the right code still works for whoever types it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import TypeVar

Result = TypeVar("Result")


class SlidingWindow:
    """At most `limit` events per `seconds` for each key (a trainee, a browser session, the process). Keys
    that went quiet are dropped when next asked about, and all at once past `PURGE_FROM` keys (tabs that
    never come back)."""

    PURGE_FROM = 10_000

    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and now - events[0] > self.seconds:
            events.popleft()
        if not events:  # a key that went quiet takes no memory
            del self._events[key]
        return events

    def count(self, key: Hashable) -> int:
        """Events for `key` in the window."""
        with self._lock:
            return len(self._recent(key, time.monotonic()))

    def wait(self, key: Hashable) -> float:
        """Seconds until `key` may have another event (0 when it may now)."""
        now = time.monotonic()
        with self._lock:
            events = self._recent(key, now)
            return 0.0 if len(events) < self.limit else max(0.001, self.seconds - (now - events[0]))

    def add(self, key: Hashable) -> None:
        with self._lock:
            now = time.monotonic()
            if len(self._events) >= self.PURGE_FROM:
                for quiet in [k for k, events in self._events.items() if now - events[-1] > self.seconds]:
                    del self._events[quiet]
            self._recent(key, now)
            self._events.setdefault(key, deque()).append(now)

    def take(self, key: Hashable) -> float:
        """Count an event for `key` and return 0; or, when `key` is at its limit, count nothing and return
        the seconds until it may have another."""
        now = time.monotonic()
        with self._lock:
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return max(0.001, self.seconds - (now - events[0]))
            self._events.setdefault(key, events).append(now)
            return 0.0


class TooManyGuesses(Exception):
    """Too many wrong guesses: the message says how long to wait (in whole seconds, at least one)."""

    def __init__(self, wait: float, *, everyone: bool = False):
        self.wait = max(1, int(wait + 0.999))
        super().__init__(
            f"Too many wrong codes were tried on this server just now. Try again in {self.wait} seconds."
            if everyone else f"Too many wrong tries. Try again in {self.wait} seconds.")


class Guesses:
    """Wrong guesses at one kind of secret: at most `per_session` per browser session in `window` seconds;
    and past `budget` wrong guesses in the window for the whole process, one check at a time, each `step`
    seconds further apart per wrong guess over the budget (at most `max_gap`), a check that would wait more
    than `max_wait` being turned away at once."""

    def __init__(self, *, per_session: int, window: float, budget: int, step: float = 0.25,
                 max_gap: float = 4.0, max_wait: float = 20.0, sleep: Callable[[float], None] = time.sleep):
        self.sessions = SlidingWindow(per_session, window)
        self.failures = SlidingWindow(budget, window)  # one key: the whole process
        self.step, self.max_gap, self.max_wait = step, max_gap, max_wait
        self._sleep = sleep
        self._next = 0.0  # when the next check over the budget may run
        self._lock = threading.Lock()

    def check(self, session: Hashable, attempt: Callable[[], Result]) -> Result:
        """`attempt()` (a falsy result is a wrong guess), once this session and the process may guess again;
        raises `TooManyGuesses` instead when this session is at its limit or the queue is too long."""
        wait = self.sessions.wait(session)
        if wait:
            raise TooManyGuesses(wait)
        delay = self._turn()
        if delay:
            self._sleep(delay)
        result = attempt()
        if not result:
            self.sessions.add(session)
            self.failures.add(None)
        return result

    def _turn(self) -> float:
        """How long this check waits for its turn: nothing while the process is within its budget."""
        over = self.failures.count(None) - self.failures.limit
        if over < 0:
            return 0.0
        gap = min(self.max_gap, self.step * (over + 1))  # growing with every wrong guess over the budget
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            if start - now > self.max_wait:
                raise TooManyGuesses(start - now, everyone=True)
            self._next = start + gap
            return start - now


# One budget per kind of secret. An access code (12 characters) or a join code (6) is far beyond guessing at
# these rates; the instructor passcode is whatever the deployer chose, so its limit is the tightest.
PASSCODE = Guesses(per_session=5, window=300, budget=20)
ACCESS_CODES = Guesses(per_session=10, window=300, budget=60)
JOIN_CODES = Guesses(per_session=10, window=300, budget=60)
