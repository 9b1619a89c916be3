"""Who a model call is for: the conversation in scope when the engine reports its usage.

The engines report tokens per call without knowing about channels; the service sets
the conversation for the duration of a use case, and the ledger reads it here.
"""

from __future__ import annotations

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
