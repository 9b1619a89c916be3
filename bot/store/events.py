"""Events seen, shared by every process on the database: a platform's redeliveries are
acted on once, whichever process receives them (Slack retries at 3 s, ~1 min, ~5 min)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete

from bot.store.rows import Rows, now
from bot.store.schema import seen_events

PURGE_EVERY = 500  # first sightings between two deletions of expired keys


class EventRows(Rows):
    _sightings_since_purge = 0

    async def first_sighting(self, keys: Sequence[str], ttl: timedelta) -> bool:
        """True when none of `keys` was seen in the last `ttl`; new ones are recorded either way.

        One event can come under several keys (Slack sends a member's mention in a thread
        as a `message` and an `app_mention`, with different event ids, and the same
        channel:ts), so the first of them to arrive wins. An `INSERT … ON CONFLICT` per
        key: a key seen before counts only while it has not expired.
        """
        keys = [key for key in dict.fromkeys(keys) if key]
        if not keys:
            return True
        moment = now()
        fresh = True
        async with self.transaction() as db:
            for key in keys:
                statement = self.insert(seen_events).values(key=key, expires_at=moment + ttl)
                statement = statement.on_conflict_do_update(
                    index_elements=["key"],
                    set_={"expires_at": statement.excluded.expires_at},
                    where=seen_events.c.expires_at <= moment,
                ).returning(seen_events.c.key)  # a row only when inserted or renewed
                if (await db.execute(statement)).first() is None:
                    fresh = False
            self._sightings_since_purge += 1
            if self._sightings_since_purge >= PURGE_EVERY:
                self._sightings_since_purge = 0
                await db.execute(delete(seen_events).where(seen_events.c.expires_at <= moment))
        return fresh
