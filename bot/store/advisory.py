"""Named locks shared by every process on the database (`Store.advisory_lock(name)`).

On PostgreSQL a name is a session-level advisory lock (`pg_try_advisory_lock`) taken on
a connection of its own and held for the block; the server drops it with that session,
however the holding process ended, so a killed holder never leaves it stuck. Waiting
polls `pg_try_advisory_lock` rather than blocking in `pg_advisory_lock`, so a cancelled
waiter leaves no query behind on the server.

On SQLite there is one writing process (bot/store/writer_lock.py), so a lock within the
process is the whole truth: an `asyncio.Lock` per database and name.

Keys are `(ADVISORY_NAMESPACE, crc32(name))` as two int4s, apart from the store's own
writer and migration locks (bot/store/postgres_backend.py, namespace "pcub").
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from bot.store.lanes import PoolLane, _translated
from bot.store.rows import Rows

ADVISORY_NAMESPACE = 0x70636E6D  # "pcnm": paperclub named locks
POLL_SECONDS = 0.1

_local_locks: dict[tuple[str, str], asyncio.Lock] = {}


def lock_key(name: str) -> int:
    """The name's key, a signed int4 as `pg_try_advisory_lock(int4, int4)` takes it."""
    value = zlib.crc32(name.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


class AdvisoryLocks(Rows):
    @property
    def shown(self) -> str:
        raise NotImplementedError  # the Store's: the database as messages name it

    @asynccontextmanager
    async def advisory_lock(self, name: str) -> AsyncIterator[None]:
        """Hold the lock `name` for the block, waiting for it while another holds it."""
        if isinstance(self._writes, PoolLane):
            async with _postgres_lock(self._writes, self.shown, lock_key(name)):
                yield
            return
        lock = _local_locks.setdefault((self.shown, name), asyncio.Lock())
        async with lock:
            yield


@asynccontextmanager
async def _postgres_lock(lane: PoolLane, shown: str, key: int) -> AsyncIterator[None]:
    params = {"space": ADVISORY_NAMESPACE, "key": key}
    async with _translated(shown):
        connection = await lane.engine.connect()
    released = False
    try:
        while True:
            async with _translated(shown):
                taken = (
                    await connection.execute(
                        text("SELECT pg_try_advisory_lock(:space, :key)"), params
                    )
                ).scalar()
                await connection.commit()  # the lock is the session's, not a transaction's
            if taken:
                break
            await asyncio.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            async with _translated(shown):
                await connection.execute(text("SELECT pg_advisory_unlock(:space, :key)"), params)
                await connection.commit()
            released = True
    finally:
        if not released:
            # Cut short (cancelled, a fault): the session may hold the lock, so it never
            # goes back to the pool; closing it makes the server drop the lock.
            await connection.invalidate()
        await connection.close()
