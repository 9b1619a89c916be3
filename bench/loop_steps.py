"""The event loop's steps: when each callback ran and for how long, while it is recorded.

A late timer means either one step that ran long (a blocking call, or a C call that held
the GIL) or many short steps ready at once (a flood of work: the loop runs every ready
callback before it looks at its timers again). `LoopSteps` tells them apart: for any
window it gives the number of steps run and the longest one, named. It wraps
`asyncio.Handle._run` for the duration (about a microsecond a step), so it is for
benches only.

    with LoopSteps() as steps:
        ...
    count, longest, name = steps.within(start, end)
"""

from __future__ import annotations

import asyncio
import time
from array import array
from typing import Any

NAMED_OVER = 0.01  # seconds: a step this long is named (repr is not free)


class LoopSteps:
    def __init__(self) -> None:
        # Arrays, not lists: the collector has nothing to walk in them (a list of 60,000
        # floats is 60,000 references a full collection would visit).
        self.starts = array("d")
        self.lengths = array("d")
        self.names: dict[int, str] = {}  # index of a long step -> what it ran
        self._original: Any = None

    def __enter__(self) -> LoopSteps:
        original = self._original = asyncio.Handle._run
        starts, lengths, names = self.starts, self.lengths, self.names

        def timed_run(handle: asyncio.Handle) -> None:
            started = time.perf_counter()
            try:
                original(handle)
            finally:
                took = time.perf_counter() - started
                if took > NAMED_OVER:
                    names[len(starts)] = _name(handle)
                starts.append(started)
                lengths.append(took)

        asyncio.Handle._run = timed_run  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.Handle._run = self._original  # type: ignore[method-assign]

    def within(self, start: float, end: float) -> tuple[int, float, str]:
        """Steps that began in [start, end): how many, the longest (s), and what it ran."""
        count, longest, name = 0, 0.0, ""
        for index, (began, took) in enumerate(zip(self.starts, self.lengths, strict=True)):
            if start <= began < end:
                count += 1
                if took > longest:
                    longest, name = took, self.names.get(index, "")
        return count, longest, name


def _name(handle: asyncio.Handle) -> str:
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f", then waiting at {_place(frame)}" if frame is not None else ""
        return f"task {getattr(coro, '__qualname__', coro)}{where}"
    return getattr(callback, "__qualname__", repr(callback))[:80]


def _place(frame: Any) -> str:
    return f"{'/'.join(frame.f_code.co_filename.split('/')[-2:])}:{frame.f_lineno}"
