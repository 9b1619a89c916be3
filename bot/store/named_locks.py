"""Named locks that hold across every process writing the database.

On PostgreSQL a named lock is a session-level `pg_try_advisory_lock` on a connection of
its own (never a pooled one, whose session outlives the lock's holder, and never
through a transaction-pooling proxy): the server releases it when the holder's
connection ends, however its process ended, so a killed worker never leaves a channel
locked. On SQLite only one process writes, so an in-process lock is the same guarantee.

Used where two processes must not do the same work at once even when the job queue
believes one of them dead (a worker too loaded to send its heartbeat): a channel's
digest, a paper's preparation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

# The advisory key space of named locks: (namespace, hashtext(name)). The writer and
# migration locks use namespace "pcub" (0x70637562); named locks "pcul".
NAMED_LOCK_NAMESPACE = 0x7063756C
RETRY_SECONDS = 0.25


class LockNotTaken(Exception):
    """The named lock was still held by another holder when the wait ran out."""

    def __init__(self, name: str, waited: float) -> None:
        super().__init__(f"the lock {name!r} is held elsewhere (waited {waited:g} s)")
        self.name = name


class NamedLocks(Protocol):
    def hold(self, name: str, *, wait: float) -> AbstractAsyncContextManager[None]: ...


class LocalLocks:
    """SQLite: the one writing process's own locks, forgotten once free."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, name: str, *, wait: float) -> AsyncIterator[None]:
        lock, users = self._locks.get(name, (asyncio.Lock(), 0))
        self._locks[name] = (lock, users + 1)
        try:
            try:
                await asyncio.wait_for(lock.acquire(), timeout=wait)
            except TimeoutError:
                raise LockNotTaken(name, wait) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[name]
            if users == 1:
                del self._locks[name]
            else:
                self._locks[name] = (lock, users - 1)


class AdvisoryLocks:
    """PostgreSQL: one connection per held lock, closed (so released) on exit."""

    def __init__(self, url: URL, connect_args: dict[str, str]) -> None:
        self._engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)

    @asynccontextmanager
    async def hold(self, name: str, *, wait: float) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        async with self._engine.connect() as connection:
            while True:
                taken = (
                    await connection.execute(
                        text("SELECT pg_try_advisory_lock(:space, hashtext(:name))"),
                        {"space": NAMED_LOCK_NAMESPACE, "name": name},
                    )
                ).scalar()
                await connection.commit()  # the lock is the session's, not a transaction's
                if taken:
                    break
                if loop.time() >= deadline:
                    raise LockNotTaken(name, wait)
                await asyncio.sleep(RETRY_SECONDS)
            # Closing the connection (the block's end, even when cancelled) releases the
            # lock with the session; no unlock statement that a cancellation could skip.
            yield

    async def close(self) -> None:
        await self._engine.dispose()
