"""The SQLite backend (the default): a file in WAL mode, through aiosqlite.

Opening checks before it writes anything: a file this code must not use (damaged, or
written by a newer paperclub) is left byte for byte as it was. A writing open holds the
file's writer lock (bot/store/writer_lock.py) and two connections: the writer, and a
read-only one for hot reads that never queue behind a write (bot/store/lanes.py).
Migrations run in one `BEGIN IMMEDIATE` transaction that reads the schema version again
once it holds SQLite's write lock, so two openers never apply one twice.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bot.errors import StoreUnavailable
from bot.store import writer_lock
from bot.store.faults import PERMISSIONS, damaged, shown_path, translate
from bot.store.lanes import SerialLane
from bot.store.migrations import (
    MIGRATIONS,
    refuse_newer_schema,
    refuse_older_schema_read_only,
    statements,
)
from bot.store.named_locks import local_locks

BUSY_TIMEOUT_MS = 10_000


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, shown: str, writes: SerialLane, hot_reads: SerialLane) -> None:
        self.shown = shown
        self.writes = writes
        self.reads = writes  # reads share the writer's connection, in turn, as they always did
        self.hot_reads = hot_reads
        self.locks = local_locks(shown)

    async def schema_version(self) -> int:
        async with self.writes.transaction() as db:
            return await _user_version(db)

    async def integrity_check(self) -> str:
        async with self.writes.transaction() as db:
            verdict = (await db.exec_driver_sql("PRAGMA integrity_check")).scalar()
        return "no answer" if verdict is None else str(verdict)


async def _user_version(db: AsyncConnection) -> int:
    return int((await db.exec_driver_sql("PRAGMA user_version")).scalar() or 0)


@asynccontextmanager
async def open_sqlite(
    path: Path | str, *, read_only: bool, exclusive: bool
) -> AsyncIterator[SqliteDatabase]:
    if str(path) == ":memory:":
        async with AsyncExitStack() as stack:
            lane = await _connect(stack, ":memory:", ":memory:", uri=False, pragmas=WRITER)
            await _prepare(lane, ":memory:", read_only=False)
            yield SqliteDatabase(":memory:", lane, lane)
        return
    path = Path(path)
    shown = shown_path(path)
    if read_only:
        if not path.is_file():
            raise StoreUnavailable(
                shown,
                "does not exist",
                "check PAPERCLUB_DB_PATH, or run a paperclub command that writes "
                "(such as `paperclub run`) to create it",
                "missing",
            )
        async with AsyncExitStack() as stack:
            lane = await _connect(stack, _read_only_uri(path), shown, uri=True, pragmas=READER)
            await _prepare(lane, shown, read_only=True)
            yield SqliteDatabase(shown, lane, lane)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise (translate(error, shown) or error) from error
    if path.exists() and not os.access(path, os.W_OK):  # SQLite would open it read-only
        raise StoreUnavailable(shown, "is read-only for this user", PERMISSIONS, "permissions")
    key = writer_lock.acquire(path) if exclusive else None
    try:
        async with AsyncExitStack() as stack:
            writes = await _connect(stack, str(path), shown, uri=False, pragmas=WRITER)
            await _prepare(writes, shown, read_only=False)
            hot_reads = await _connect(stack, _read_only_uri(path), shown, uri=True, pragmas=READER)
            yield SqliteDatabase(shown, writes, hot_reads)
    finally:
        if key is not None:
            writer_lock.release(key)


def _read_only_uri(path: Path) -> str:
    return path.absolute().as_uri() + "?mode=ro"


# Set on every connection as it is made (none of them writes to the file), so one that
# SQLAlchemy replaces (after a statement was cancelled) is prepared like the first.
WRITER = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
READER = (f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}", "PRAGMA query_only=ON")


async def _connect(
    stack: AsyncExitStack, target: str, shown: str, *, uri: bool, pragmas: tuple[str, ...]
) -> SerialLane:
    """One connection to `target`, closed with `stack`, as a lane of transactions."""

    async def connect() -> aiosqlite.Connection:
        return await aiosqlite.connect(target, timeout=30, uri=uri)

    engine = create_async_engine("sqlite+aiosqlite://", async_creator=connect, poolclass=NullPool)

    def prepare(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    event.listen(engine.sync_engine, "connect", prepare)
    stack.push_async_callback(engine.dispose)
    try:
        connection = await engine.connect()
    except Exception as error:
        translated = translate(error, shown)
        if translated is None:
            raise
        raise translated from error
    lane = SerialLane(connection, shown)
    stack.push_async_callback(lane.close)
    return lane


async def _prepare(lane: SerialLane, shown: str, *, read_only: bool) -> None:
    async with lane.transaction() as db:
        # Reads only, before any PRAGMA or migration that writes.
        version = await _user_version(db)
        refuse_newer_schema(shown, version)
        problems = (await db.exec_driver_sql("PRAGMA quick_check")).all()
        verdict = "; ".join(str(row[0]) for row in problems)
        if verdict != "ok":
            raise damaged(shown, verdict[:200])
        if read_only:
            refuse_older_schema_read_only(shown, version)
            return
        await db.exec_driver_sql("PRAGMA journal_mode=WAL")
        if version < len(MIGRATIONS):
            await _migrate(db)


async def _migrate(db: AsyncConnection) -> None:
    """Every pending migration in one transaction, under SQLite's write lock."""
    raw = await db.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, aiosqlite.Connection)
    await driver.execute("BEGIN IMMEDIATE")
    try:
        async with driver.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        applied = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[applied:], start=applied + 1):
            for statement in statements(script, "sqlite"):
                await driver.execute(statement)
            await driver.execute(f"PRAGMA user_version={number}")
        await driver.commit()
    except BaseException:
        await driver.rollback()
        raise
