"""Event-loop lag: how late a 10 ms timer fires while the benchmark runs (peak and p99)."""

from __future__ import annotations

import asyncio
import time
from array import array


class LoopLag:
    def __init__(self, tick: float = 0.01) -> None:
        self.tick = tick
        self.peak = 0.0
        # arrays, not lists: a list of floats is a container every full collection in the
        # bot's process walks, and the bench would time the harness's own samples
        self.samples = array("d")
        self.at = array("d")  # when each sample was taken, seconds from the start
        self.began = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.tick)
            late = max(0.0, time.perf_counter() - started - self.tick)
            self.samples.append(late)
            self.at.append(started - self.began)
            self.peak = max(self.peak, late)

    def quantile(self, q: float) -> float:
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def longest(self, n: int = 5) -> list[tuple[float, float]]:
        """The `n` longest lags as (seconds from the start, lag), longest first."""
        return sorted(zip(self.at, self.samples, strict=True), key=lambda x: -x[1])[:n]

    def window(self, at: float) -> tuple[float, float]:
        """The perf_counter span of the sample taken `at` seconds from the start."""
        index = self.at.index(at)
        start = self.began + at
        return start, start + self.tick + self.samples[index]

    def __enter__(self) -> LoopLag:
        self.began = time.perf_counter()
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
