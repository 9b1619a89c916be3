"""The garbage collector in a long-running bot: what start-up built is never scanned again.

A full (generation 2) collection walks every tracked object and holds the GIL while it
does, in whichever thread happened to allocate. In a bot that has imported discord.py,
slack_sdk, openai, SQLAlchemy and rich, most of those objects are modules, classes and
functions that live as long as the process, and one pass over them stopped the event
loop for 140-210 ms under the load bench (290 ms with torch loaded): a stall with no hot
frame of its own (bench/gc_pauses.py shows it). `gc.freeze()` moves them to the permanent
generation, so later collections walk only what the bot allocated since: its caches and
requests.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


def settle_heap() -> None:
    """Collect what start-up left behind, then freeze the rest. Blocking (a full
    collection): call it once, when start-up is done and before serving."""
    gc.collect()
    gc.freeze()


def freeze_heap() -> None:
    """Freeze what was allocated since (a late import, e.g. the embedding workers' pool
    when it starts): cheap, it scans nothing."""
    gc.freeze()


QUIET_EVERY = 0.5  # seconds between two looks at the loop
QUIET_TASKS = 8  # tasks beyond the fewest seen: more is work in flight, not a quiet loop
DUE_AFTER = 10  # younger (generation-1) collections before a full one: CPython's rule
OVERDUE_AFTER = 50  # then a full collection runs whatever the loop holds
GROWTH = 1.25  # and only once the old generation has grown by a quarter: CPython's rule


async def collect_when_quiet(
    *,
    every: float = QUIET_EVERY,
    quiet_tasks: int = QUIET_TASKS,
    due_after: int = DUE_AFTER,
    overdue_after: int = OVERDUE_AFTER,
) -> None:
    """Run the full collections of the loop's process at quiet moments (a task for the
    bot's life; cancel it to give the collector its own thresholds back).

    With start-up's heap frozen, a full collection walks what is in flight: under the
    load bench's flood of 200 questions, 33-44k coroutines, cells and contexts, 22-54 ms
    inside one event's step. CPython runs one after every ten younger collections,
    whichever step that happens in. Here it runs when due and the loop holds few tasks
    beyond its quietest moment, when there is least to walk and nobody waits; under load
    that never quiets, once overdue, so cyclic garbage stays bounded.
    """
    _take_full_collections()
    quietest = len(asyncio.all_tasks())
    survivors = len(gc.get_objects(generation=2))
    try:
        while True:
            await asyncio.sleep(every)
            tasks = len(asyncio.all_tasks())
            quietest = min(quietest, tasks)
            younger = gc.get_count()[2]
            quiet = tasks <= quietest + quiet_tasks
            if younger >= overdue_after or (younger >= due_after and quiet):
                if len(gc.get_objects(generation=2)) > survivors * GROWTH:
                    gc.collect()
                    survivors = len(gc.get_objects(generation=2))
    finally:
        _give_back_full_collections()


_holders = 0  # collectors running in this process (two bots in one test process)
_cpython_old_threshold = 0


def _take_full_collections() -> None:
    """Turn CPython's own full collections off; the first of overlapping collectors
    keeps the threshold to give back when the last one ends."""
    global _holders, _cpython_old_threshold
    young, middle, old = gc.get_threshold()
    if _holders == 0:
        _cpython_old_threshold = old
    _holders += 1
    gc.set_threshold(young, middle, 2**30)


def _give_back_full_collections() -> None:
    global _holders
    _holders -= 1
    if _holders == 0:
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _cpython_old_threshold)


@asynccontextmanager
async def settled_heap() -> AsyncIterator[None]:
    """`settle_heap()`, then `collect_when_quiet()` for as long as the block serves."""
    settle_heap()
    collector = asyncio.create_task(collect_when_quiet(), name="quiet-collections")
    try:
        yield
    finally:
        collector.cancel()
        await asyncio.gather(collector, return_exceptions=True)
