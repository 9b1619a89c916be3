"""The PostgreSQL backend, chosen by `PAPERCLUB_DB_URL=postgresql://…` (psycopg 3).

The same checks as on SQLite, in the same order and with the same refusals:

- a database written by a newer paperclub is refused before anything is written;
- migrations run in one transaction holding `pg_advisory_xact_lock`, which reads the
  schema version again once it holds the lock, so however many processes start
  together each migration runs once (`schema_migrations` records when);
- a writing open holds the database's writer lock, a session-level advisory lock on a
  connection of its own, for as long as the store is open: a second writing process is
  refused naming the first (its pid and command, from `application_name`), and the
  server drops the lock when the holder's connection goes, however the process ended.
  The hosting roles (`shared_writer=True`) hold it shared: any number of them together,
  never beside a `paperclub run`.
  Within one process the lock is counted, as on SQLite. `exclusive=False` opens without
  it, for processes that coordinate their own work (the benches);
- `read_only=True` takes no lock, and every session is `default_transaction_read_only`.

Every session runs in UTC, so `TIMESTAMPTZ` values come back as UTC datetimes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.errors import StoreUnavailable
from bot.store import schema
from bot.store.faults import driver_error, translate
from bot.store.lanes import PoolLane
from bot.store.migrations import (
    MIGRATIONS,
    refuse_newer_schema,
    refuse_older_schema_read_only,
    statements,
)
from bot.store.named_locks import AdvisoryLocks
from bot.store.writer_lock import this_command

# Advisory lock keys: (namespace, what). The namespace spells "pcub".
LOCK_NAMESPACE = 0x70637562
WRITER_LOCK = 1
MIGRATION_LOCK = 2


def is_postgres(target: object) -> bool:
    return isinstance(target, str) and target.startswith(
        ("postgresql:", "postgresql+", "postgres:")
    )


def engine_url(target: str) -> URL:
    """The URL with psycopg 3 as its driver (`postgresql://` and `postgres://` given)."""
    url = make_url(target.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql+psycopg")


def shown_url(url: URL) -> str:
    """The database as messages name it: never its password."""
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database)
    return bare.render_as_string(hide_password=False)


def application_name() -> str:
    """What `pg_stat_activity` shows for this process, and a refused writer reads."""
    return f"pid {os.getpid()}: {this_command()}"[:63]  # NAMEDATALEN - 1


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, shown: str, lane: PoolLane, locks: AdvisoryLocks) -> None:
        self.shown = shown
        self.writes = self.reads = self.hot_reads = lane
        self.locks = locks

    async def schema_version(self) -> int:
        async with self.reads.transaction() as db:
            return await _schema_version(db)

    async def integrity_check(self) -> str:
        """ "ok" when every table and column the queries use is there (PostgreSQL checks
        its pages itself; what can drift is the schema)."""
        async with self.reads.transaction() as db:
            problems = await db.run_sync(schema.problems)
        return "; ".join(problems) or "ok"


async def _schema_version(db: AsyncConnection) -> int:
    exists = (await db.execute(text("SELECT to_regclass('schema_migrations')"))).scalar()
    if exists is None:
        return 0
    return int((await db.execute(text("SELECT max(number) FROM schema_migrations"))).scalar() or 0)


async def postgres_schema_version(target: str) -> int:
    """The schema version of the database at `target`, read on a connection of its own."""
    url = engine_url(target)
    engine = create_async_engine(
        url, poolclass=NullPool, connect_args={"application_name": application_name()}
    )
    try:
        async with engine.connect() as db:
            return await _schema_version(db)
    except Exception as error:
        raise (translate(error, shown_url(url)) or error) from driver_error(error)
    finally:
        await engine.dispose()


@dataclass
class _HeldLock:
    engine: AsyncEngine
    connection: AsyncConnection
    count: int


_writer_locks: dict[tuple[str, bool], _HeldLock] = {}


@asynccontextmanager
async def open_postgres(
    target: str,
    *,
    read_only: bool,
    exclusive: bool,
    shared_writer: bool = False,
    pool_size: int = 5,
) -> AsyncIterator[PostgresDatabase]:
    url = engine_url(target)
    shown = shown_url(url)
    options = "-c timezone=UTC" + (" -c default_transaction_read_only=on" if read_only else "")
    connect_args = {"application_name": application_name(), "options": options}
    # pre_ping: a connection the server dropped (a restart, an idle timeout) is replaced
    # before use instead of failing the statement.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        pool_pre_ping=True,
        connect_args=connect_args,
    )
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        locks = AdvisoryLocks(url, connect_args)
        stack.push_async_callback(locks.close)
        database = PostgresDatabase(shown, PoolLane(engine, shown), locks)
        version = await database.schema_version()
        refuse_newer_schema(shown, version)
        if read_only:
            refuse_older_schema_read_only(shown, version)
            yield database
            return
        if exclusive or shared_writer:
            await stack.enter_async_context(
                _writer_lock(url, shown, connect_args, shared=shared_writer and not exclusive)
            )
        async with database.writes.transaction() as db:
            await _migrate(db)
        yield database


async def _migrate(db: AsyncConnection) -> None:
    await db.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"),
        {"space": LOCK_NAMESPACE, "key": MIGRATION_LOCK},
    )
    await db.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    )
    applied = await _schema_version(db)
    for number, script in enumerate(MIGRATIONS[applied:], start=applied + 1):
        for statement in statements(script, "postgresql"):
            await db.exec_driver_sql(statement)
        await db.execute(text("INSERT INTO schema_migrations (number) VALUES (:n)"), {"n": number})


@asynccontextmanager
async def _writer_lock(
    url: URL, shown: str, connect_args: dict[str, str], *, shared: bool
) -> AsyncIterator[None]:
    key = (url.render_as_string(hide_password=False), shared)
    held = _writer_locks.get(key)
    if held is None:
        taken = await _take_writer_lock(url, shown, connect_args, shared=shared)
        held = _writer_locks.get(key)  # a shared lock: another open may have taken it too
        if held is None:
            held = _writer_locks[key] = taken
        else:
            held.count += 1
            await taken.connection.close()
            await taken.engine.dispose()
    else:
        held.count += 1
    try:
        yield
    finally:
        held.count -= 1
        if held.count == 0:
            del _writer_locks[key]
            await held.connection.close()  # the server releases the lock with the session
            await held.engine.dispose()


async def _take_writer_lock(
    url: URL, shown: str, connect_args: dict[str, str], *, shared: bool
) -> _HeldLock:
    engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        connection = await engine.connect()
    except Exception as error:
        await engine.dispose()
        raise (translate(error, shown) or error) from driver_error(error)
    try:
        taken = (
            await connection.execute(
                text(
                    f"SELECT {'pg_try_advisory_lock_shared' if shared else 'pg_try_advisory_lock'}(:space, :key)"
                ),
                {"space": LOCK_NAMESPACE, "key": WRITER_LOCK},
            )
        ).scalar()
        holder = None if taken else await _lock_holder(connection)
        await connection.commit()  # the lock is the session's, not the transaction's
    except Exception as error:
        await connection.close()
        await engine.dispose()
        raise (translate(error, shown) or error) from driver_error(error)
    if not taken:
        await connection.close()
        await engine.dispose()
        raise StoreUnavailable(
            shown,
            f"is in use by another paperclub process ({holder})",
            (
                "it runs alone (`paperclub run` does everything itself); stop it to run "
                "the hosting processes (worker, slack-http, discord --shards) instead"
            )
            if shared
            else "stop that process or wait for it to finish; only one paperclub may write "
            "to a database at a time",
            "in_use",
        )
    return _HeldLock(engine, connection, 1)


async def _lock_holder(connection: AsyncConnection) -> str:
    """ "pid 1234: paperclub run": the holding session's application_name."""
    name = (
        await connection.execute(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = "
                "current_database()) AND l.classid = CAST(:space AS oid) AND l.objid = CAST(:key AS oid) "
                "AND l.objsubid = 2"
            ),
            {"space": LOCK_NAMESPACE, "key": WRITER_LOCK},
        )
    ).scalar()
    return str(name) if name and str(name).startswith("pid ") else "pid unknown"
