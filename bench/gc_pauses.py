"""Garbage-collector pauses: how long each collection held the interpreter, by generation.

A collection runs in whichever thread allocated last and holds the GIL throughout, so a
full (generation 2) pass over a large heap stalls the event loop wherever it happens to
be, which makes a stall with no consistent hot frame.

    with GCPauses() as pauses:
        ...
    print(pauses.report())
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from typing import Any


class GCPauses:
    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.spans: list[tuple[float, float, int]] = []  # (start, end, generation), perf_counter
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            ended = time.perf_counter()
            self.pauses[int(info["generation"])].append(ended - self._started)
            self.spans.append((self._started, ended, int(info["generation"])))

    def within(self, start: float, end: float) -> float:
        """Seconds of collection between `start` and `end` (perf_counter)."""
        return sum(max(0.0, min(end, b) - max(start, a)) for a, b, _ in self.spans)

    def __enter__(self) -> GCPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)

    def report(self) -> str:
        parts = []
        for generation, pauses in self.pauses.items():
            if pauses:
                parts.append(
                    f"gen{generation} {len(pauses)}x max {max(pauses) * 1000:.1f} ms "
                    f"total {sum(pauses) * 1000:.0f} ms"
                )
        return ", ".join(parts) or "none"


def heap_census(top: int = 8) -> str:
    """What a full collection walks now (frozen objects are not walked), by type, and how
    long one full pass takes over it."""
    walked = gc.get_objects()
    kinds = Counter(type(o).__qualname__ for o in walked)
    edges = sorted(((len(gc.get_referents(o)), type(o).__qualname__) for o in walked), reverse=True)
    del walked
    started = time.perf_counter()
    gc.collect()
    took = time.perf_counter() - started
    common = ", ".join(f"{name} {n}" for name, n in kinds.most_common(top))
    largest = ", ".join(f"{name} {n}" for n, name in edges[:5])
    return (
        f"{sum(kinds.values())} tracked objects walked ({gc.get_freeze_count()} frozen), "
        f"{sum(n for n, _ in edges)} references among them, a full pass {took * 1000:.1f} ms; "
        f"most: {common}; the largest: {largest}"
    )
