"""Named locks shared by every process on the database (`Store.advisory_lock(name)`).

On PostgreSQL a name is a session-level advisory lock (`pg_try_advisory_lock`) taken on
a connection of its own, outside the store's pool (a held lock never keeps a query
waiting for a pooled connection), and held for the block; the server drops it with that session,
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
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.store.lanes import PoolLane, _translated
from bot.store.postgres_backend import application_name
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
            async with _postgres_lock(self._writes.engine, self.shown, lock_key(name)):
                yield
            return
        lock = _local_locks.setdefault((self.shown, name), asyncio.Lock())
        async with lock:
            yield


@asynccontextmanager
async def _postgres_lock(pooled: AsyncEngine, shown: str, key: int) -> AsyncIterator[None]:
    params = {"space": ADVISORY_NAMESPACE, "key": key}
    engine = create_async_engine(
        pooled.url, poolclass=NullPool, connect_args={"application_name": application_name()}
    )
    try:
        async with _translated(shown):
            connection = await engine.connect()
        async with _held(connection, shown, params):
            yield
    finally:
        await engine.dispose()


@asynccontextmanager
async def _held(
    connection: AsyncConnection, shown: str, params: dict[str, int]
) -> AsyncIterator[None]:
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
            # Cut short (cancelled, a fault): the session may hold the lock; dropping the
            # connection makes the server let go of it.
            await connection.invalidate()
        await connection.close()
