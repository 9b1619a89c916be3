"""How the store reaches its database: lanes of transactions, and what both backends share.

A `Lane` hands out one transaction at a time as a SQLAlchemy `AsyncConnection`; the
transaction commits when the block ends and rolls back when it raises. Every failure in
it passes through `faults.translate`, so a storage fault is one `StoreUnavailable`
whichever backend met it, and the transaction went with it.

- SQLite (`SerialLane`): one connection per lane, one transaction at a time, in the
  order asked for: SQLite has one writer, and a second connection would only wait on
  its lock. A file store has two lanes: the writer, and a read-only connection for hot
  reads (a question's quota) that, in WAL mode, reads the last commit without queueing
  behind the writer.
- PostgreSQL (`PoolLane`): a pool of connections; concurrent transactions are the
  server's to order.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.faults import driver_error, translate


class Lane(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]: ...


@asynccontextmanager
async def _translated(shown: str) -> AsyncIterator[None]:
    try:
        yield
    except Exception as error:
        translated = translate(error, shown)
        if translated is None or translated is error:
            raise
        raise translated from driver_error(error)


class SerialLane:
    """One held connection; transactions on it run one after another (FIFO).

    A transaction opened inside another on the same lane would wait for itself forever,
    so it is refused at once (`RuntimeError`)."""

    def __init__(self, connection: AsyncConnection, shown: str) -> None:
        self.connection = connection
        self._shown = shown
        self._turn = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise RuntimeError("a store transaction was opened inside another one")
        async with self._turn:
            self._holder = task
            try:
                async with _translated(self._shown), self.connection.begin():
                    yield self.connection
            finally:
                self._holder = None

    async def close(self) -> None:
        """Close the connection once no transaction is using it. A connection the driver
        already closed (a statement cancelled mid-way) has nothing left to undo."""
        async with self._turn:
            try:
                await self.connection.close()
            except DBAPIError as error:
                if not isinstance(error.orig, sqlite3.ProgrammingError):
                    raise


class PoolLane:
    """A transaction on a pooled connection."""

    def __init__(self, engine: AsyncEngine, shown: str) -> None:
        self.engine = engine
        self._shown = shown

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with _translated(self._shown), self.engine.begin() as connection:
            yield connection


def insert(dialect: str, table: Table) -> Any:
    """`INSERT` with `on_conflict_do_nothing` / `on_conflict_do_update` (and `excluded`):
    the same calls on both backends, each rendering its own `ON CONFLICT`."""
    if dialect == "postgresql":
        # Imported here: a SQLite-only process never loads the PostgreSQL dialect.
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    return sqlite.insert(table)
