"""Named locks that hold across every process writing the database.

On PostgreSQL a named lock is a session-level `pg_try_advisory_lock` on the process's
lock session, a connection of its own (never a pooled one, whose session outlives the
lock's holder, and never through a transaction-pooling proxy): the server releases it
when that connection ends, however its process ended, so a killed worker never leaves
a channel locked. On SQLite only one process writes, so an in-process lock is the same guarantee.

Used where two processes must not do the same work at once even when the job queue
believes one of them dead (a worker too loaded to send its heartbeat): a channel's
digest, a paper's preparation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
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


_local: dict[str, LocalLocks] = {}


def local_locks(database: str) -> LocalLocks:
    """The process's locks for the SQLite `database`, shared by every store open on it."""
    return _local.setdefault(database, LocalLocks())


class AdvisoryLocks:
    """PostgreSQL: every named lock of this process on one session of its own.

    One connection however many locks are held (a worker preparing 80 papers at once
    would otherwise open 80). Session locks are re-entrant within their session, so a
    name is first held in the process (LocalLocks), then on the server. If the
    session is lost (a server restart), its locks go with it and the next statement
    opens a new one; like the writer lock, a holder is not told.
    """

    def __init__(self, url: URL, connect_args: dict[str, str]) -> None:
        self._engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
        self._session: AsyncConnection | None = None
        self._turn = asyncio.Lock()  # one statement at a time on the session
        self._local = LocalLocks()

    @asynccontextmanager
    async def hold(self, name: str, *, wait: float) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        async with self._local.hold(name, wait=wait):
            while not await self._ask("SELECT pg_try_advisory_lock(:space, hashtext(:name))", name):
                if loop.time() >= deadline:
                    raise LockNotTaken(name, wait)
                await asyncio.sleep(RETRY_SECONDS)
            try:
                yield
            finally:
                # Shielded: a cancelled holder still releases (the release runs to its end).
                await asyncio.shield(self._release(name))

    async def _release(self, name: str) -> None:
        try:
            await self._ask("SELECT pg_advisory_unlock(:space, hashtext(:name))", name)
        except Exception:  # the session is gone, and its locks with it
            await self._drop_session()

    async def _ask(self, statement: str, name: str) -> bool:
        async with self._turn:
            if self._session is None or self._session.invalidated:
                self._session = await self._engine.connect()
            try:
                answer = (
                    await self._session.execute(
                        text(statement), {"space": NAMED_LOCK_NAMESPACE, "name": name}
                    )
                ).scalar()
                await self._session.commit()  # the locks are the session's, not a transaction's
            except Exception:
                await self._drop_session_now()
                raise
            return bool(answer)

    async def _drop_session(self) -> None:
        async with self._turn:
            await self._drop_session_now()

    async def _drop_session_now(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):
                await session.close()

    async def close(self) -> None:
        await self._drop_session()
        await self._engine.dispose()
