"""Who a model call is for: the conversation in scope when the engine reports its usage.

The engines report tokens per call without knowing about channels; the service sets
the conversation for the duration of a use case, and the ledger reads it here.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.domain import ConversationRef

_current: ContextVar[ConversationRef | None] = ContextVar("paperclub_conversation", default=None)


@contextmanager
def billed_to(conversation: ConversationRef | None) -> Iterator[None]:
    token = _current.set(conversation)
    try:
        yield
    finally:
        _current.reset(token)


def current_conversation() -> ConversationRef | None:
    return _current.get()


class RateLimiter:
    """At most `limit` events per `period` seconds per key (a sliding window, in memory)."""

    def __init__(self, limit: int, period: float) -> None:
        self._limit = limit
        self._period = period
        self._events: dict[tuple[str, ...], deque[float]] = {}

    def allow(self, key: tuple[str, ...], now: float | None = None) -> float:
        """0 if allowed (and counted), else the seconds until the next event is allowed."""
        if self._limit <= 0:
            return 0.0
        moment = time.monotonic() if now is None else now
        events = self._events.setdefault(key, deque())
        while events and moment - events[0] >= self._period:
            events.popleft()
        if len(events) >= self._limit:
            return self._period - (moment - events[0])
        events.append(moment)
        return 0.0
