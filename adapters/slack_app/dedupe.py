"""Slack redelivers events (at 3 s, ~1 min, ~5 min) and bolt does not dedupe: we do, in
the database, so a retry that reaches another process (HTTP mode behind a load balancer,
or a restarted one) is still recognised (`Store.first_sighting`)."""

from __future__ import annotations

from datetime import timedelta

from bot.store import Store

SLACK_RETRY_WINDOW = timedelta(minutes=15)  # Slack's last retry comes ~5 minutes after


class SeenEvents:
    """Keys seen in the last `ttl` (an event_id, or one message's team:channel:ts).

    A member's mention in a thread arrives twice, as `message` and as `app_mention`,
    with different event_ids, so callers pass both keys and act on the first only.
    """

    def __init__(self, store: Store, ttl: timedelta = SLACK_RETRY_WINDOW) -> None:
        self._store = store
        self._ttl = ttl

    async def first_time(self, *keys: str) -> bool:
        return await self._store.first_sighting([f"slack:{k}" for k in keys if k], self._ttl)
