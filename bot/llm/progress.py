"""A stream given up after too long without its next chunk, at one timer per stream.

`asyncio.timeout` around every chunk's read arms and cancels a timer each time: two
timer-heap operations, a context object and a coroutine per chunk, about 20 µs of the
event loop's CPU a chunk (bench/digest.py; a summary is ~500 chunks). Here the reader
only stamps when it starts and stops waiting, and one timer reads the stamps when it
fires: it cancels the waiting task if the wait has lasted `seconds`, else it re-arms
for when it would. Only time spent waiting for a chunk counts, never the time the
consumer of the stream spends between chunks (posting an edit, say).
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class ProgressDeadline:
    """`with deadline:` (or `async with`, beside the stream's own) around reading a
    stream; `waiting()` before each read and `arrived()` after it. An expired wait raises
    TimeoutError out of the `with`. With `seconds` None nothing is timed."""

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._since: float | None = None  # when the current wait began; None: not waiting
        self._task: asyncio.Task[object] | None = None
        self._cancelling = 0
        self._expired = False

    def __enter__(self) -> ProgressDeadline:
        if self._seconds is not None:
            self._loop = asyncio.get_running_loop()
            self._handle = self._loop.call_at(self._loop.time() + self._seconds, self._check)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._expired and self._task is not None:
            self._expired = False
            if self._task.uncancel() <= self._cancelling and kind is asyncio.CancelledError:
                raise TimeoutError("no progress in time") from error

    async def __aenter__(self) -> ProgressDeadline:
        return self.__enter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.__exit__(kind, error, trace)

    def waiting(self) -> None:
        if self._loop is not None:
            self._since = self._loop.time()
            self._task = asyncio.current_task()

    def arrived(self) -> None:
        self._since = None

    def _check(self) -> None:
        assert self._loop is not None and self._seconds is not None
        now = self._loop.time()
        due = (now if self._since is None else self._since) + self._seconds
        if self._since is not None and now >= due and self._task is not None:
            self._expired = True
            self._cancelling = self._task.cancelling()
            self._task.cancel()
            return
        self._handle = self._loop.call_at(due, self._check)
