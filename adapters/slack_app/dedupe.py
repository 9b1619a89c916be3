"""Slack redelivers events (at 3 s, ~1 min, ~5 min) and bolt does not dedupe: we do."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class SeenEvents:
    """Keys seen in the last `ttl` seconds (an event_id, or one message's team:channel:ts).

    A member's mention in a thread arrives twice, as `message` and as `app_mention`,
    with different event_ids, so callers pass both keys and act on the first only.
    """

    def __init__(
        self,
        ttl: float = 900.0,
        capacity: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, *keys: str) -> bool:
        now = self._clock()
        while self._seen and (
            len(self._seen) > self._capacity or next(iter(self._seen.values())) < now - self._ttl
        ):
            self._seen.popitem(last=False)
        keys = tuple(k for k in keys if k)
        if any(k in self._seen for k in keys):
            return False
        for k in keys:
            self._seen[k] = now
        return True
