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
from typing import Any


class GCPauses:
    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[int(info["generation"])].append(time.perf_counter() - self._started)

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
