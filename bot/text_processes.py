"""Pure-Python text work on a paper, run in worker processes so it never holds our GIL.

Checking a summary's key-point quotes against every passage of a paper, and picking
extractive key points from its ~1,000 sentences, are tenths of a second to seconds of
pure Python a paper. In a thread they hold the GIL, and the event loop (which takes the
GIL back after every socket call) waited for it: the load bench's longest loop stalls
were the loop thread waiting while such threads ran (bench/load.py --watch,
docs/performance.md). Here they run in a small pool of processes started from the parse
workers' forkserver, at a lower priority than the bot, so the loop keeps its core.

Only module-level functions of picklable arguments can be sent. A pool broken by a
killed worker is replaced, and that call runs in a thread instead: slower for the loop,
never lost.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from bot.reading.worker import mp_context, start_pool_worker

log = logging.getLogger(__name__)

T = TypeVar("T")

TEXT_WORKERS = 2  # processes; each holds a copy of the passages it is sent, briefly
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _current_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                TEXT_WORKERS, mp_context=mp_context(), initializer=start_pool_worker
            )
        return _pool


def _forget(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


async def run_text_work(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` in a text worker process, awaited off the loop."""
    pool = _current_pool()
    call = partial(function, *args, **kwargs)
    try:
        # Submitting may start a worker process (the forkserver itself, the first time:
        # 0.6 s that held the loop in bench/digest.py), so it is done from a thread.
        submitted = await asyncio.to_thread(pool.submit, call)
        return await asyncio.wrap_future(submitted)
    except BrokenProcessPool:
        log.warning("a text worker process died; %s runs in a thread", function.__name__)
        _forget(pool)
        return await asyncio.to_thread(call)
