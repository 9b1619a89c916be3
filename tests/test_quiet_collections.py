"""Full collections run when the loop is quiet (bot/heap.py's collect_when_quiet): not
inside a burst of events, unless they are overdue, and they still free cyclic garbage."""

from __future__ import annotations

import asyncio
import gc
import weakref

from bot.heap import collect_when_quiet


class Cycle:
    def __init__(self) -> None:
        self.me = self


def full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


def old_garbage() -> weakref.ref[Cycle]:
    """Enough reference cycles moved into the old generation to make a full collection
    due (a quarter more than it holds), then dropped: only a full collection frees them."""
    count = len(gc.get_objects(generation=2)) // 3 + 1_000
    cycles = [Cycle() for _ in range(count)]
    for _ in range(3):
        gc.collect(1)  # the survivors move to the old generation; one more younger pass
    return weakref.ref(cycles[0])


async def until(condition: object, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)


async def test_a_due_full_collection_waits_for_a_quiet_loop_then_frees_the_garbage() -> None:
    thresholds = gc.get_threshold()
    collector = asyncio.create_task(
        collect_when_quiet(every=0.01, quiet_tasks=5, due_after=2, overdue_after=10_000)
    )
    await asyncio.sleep(0.05)  # it sees the loop at rest
    release = asyncio.Event()
    in_flight = [asyncio.create_task(release.wait()) for _ in range(50)]
    before = full_collections()
    garbage = old_garbage()
    await asyncio.sleep(0.3)
    assert full_collections() == before and garbage() is not None  # not during the burst
    release.set()
    await asyncio.gather(*in_flight)
    await until(lambda: garbage() is None)
    assert garbage() is None and full_collections() > before
    collector.cancel()
    await asyncio.gather(collector, return_exceptions=True)
    assert gc.get_threshold() == thresholds


async def test_an_overdue_full_collection_runs_however_busy_the_loop_is() -> None:
    collector = asyncio.create_task(
        collect_when_quiet(every=0.01, quiet_tasks=5, due_after=2, overdue_after=3)
    )
    await asyncio.sleep(0.05)
    release = asyncio.Event()
    in_flight = [asyncio.create_task(release.wait()) for _ in range(50)]
    before = full_collections()
    garbage = old_garbage()
    gc.collect(1)  # a fourth younger pass: overdue
    await until(lambda: garbage() is None)
    assert garbage() is None and full_collections() > before
    release.set()
    await asyncio.gather(*in_flight)
    collector.cancel()
    await asyncio.gather(collector, return_exceptions=True)


async def test_without_it_the_collector_keeps_its_own_full_collections() -> None:
    young, middle, old = gc.get_threshold()
    collector = asyncio.create_task(collect_when_quiet(every=0.01))
    await asyncio.sleep(0.02)
    assert gc.get_threshold()[2] > old  # CPython's automatic full collections are off
    collector.cancel()
    await asyncio.gather(collector, return_exceptions=True)
    assert gc.get_threshold() == (young, middle, old)


async def test_overlapping_collectors_give_the_thresholds_back_once_the_last_ends() -> None:
    """Two bots in one process (shards, tests): whichever ends first, CPython's own full
    collections stay off until the other ends too, then come back as they were."""
    thresholds = gc.get_threshold()
    first = asyncio.create_task(collect_when_quiet(every=0.01))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(collect_when_quiet(every=0.01))
    await asyncio.sleep(0.02)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert gc.get_threshold()[2] > thresholds[2]
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    assert gc.get_threshold() == thresholds
