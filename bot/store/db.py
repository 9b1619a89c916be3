"""The store: one facade over the table groups, on SQLite (default) or PostgreSQL.

`Store.open(target)` takes a SQLite file path (or ":memory:") or a `postgresql://` URL
(`PAPERCLUB_DB_URL`); each backend module opens, checks and migrates its database the
same way (bot/store/sqlite_backend.py, bot/store/postgres_backend.py). The queries are
written once, in SQLAlchemy Core (bot/store/schema.py), in the table groups mixed in
here (papers.py, posts.py, channels.py, events.py); the club's own tables
(club_tables.py, unfinished_answers.py ...) use the store's transactions the same way.
Everything a club owns is keyed by (platform, workspace_id, channel_id), so one
workspace's queries never see another's rows.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol

from bot.store import schema
from bot.store.channels import ChannelRows
from bot.store.events import EventRows
from bot.store.lanes import Lane
from bot.store.named_locks import NamedLocks
from bot.store.papers import PaperRows
from bot.store.postgres_backend import is_postgres, open_postgres, postgres_schema_version
from bot.store.posts import PostRows
from bot.store.sqlite_backend import open_sqlite


class Database(Protocol):
    @property
    def dialect(self) -> str: ...
    @property
    def shown(self) -> str: ...
    @property
    def writes(self) -> Lane: ...
    @property
    def reads(self) -> Lane: ...
    @property
    def hot_reads(self) -> Lane: ...
    @property
    def locks(self) -> NamedLocks: ...

    async def schema_version(self) -> int: ...

    async def integrity_check(self) -> str: ...


class Store(PaperRows, PostRows, ChannelRows, EventRows):
    def __init__(self, database: Database) -> None:
        self._database = database
        self._dialect = database.dialect
        self._writes = database.writes
        self._reads = database.reads
        self._hot_reads = database.hot_reads
        self._thread_papers = OrderedDict()

    def held(self, name: str, *, wait: float) -> AbstractAsyncContextManager[None]:
        """Hold the lock `name` for the block, against every process writing this
        database (bot/store/named_locks.py); LockNotTaken after `wait` seconds."""
        return self._database.locks.hold(name, wait=wait)

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._dialect

    @property
    def shown(self) -> str:
        """The database as messages name it (a file's path; a URL without its password)."""
        return self._database.shown

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        target: Path | str,
        *,
        read_only: bool = False,
        exclusive: bool = True,
        shared_writer: bool = False,
    ) -> AsyncIterator[Store]:
        """The store at `target`, migrated to this code's schema, for as long as the block runs.

        `target` is a SQLite file (or ":memory:") or a `postgresql://` URL. Refused with
        one StoreUnavailable (naming the database and what to do) when it is damaged, was
        written by a newer paperclub (checked before anything is written, so such a
        database is left exactly as it was), cannot be written or reached, or is open for
        writing in another paperclub process (see bot/store/writer_lock.py and
        bot/store/postgres_backend.py). Later storage faults (a full disk ...) raise the
        same error from the statement that met them.

        `read_only=True` takes no writer lock, so it works beside a running `paperclub run`
        (`schedule list`, `usage`, `export`); it needs a database already at this schema.
        `exclusive=False` takes no writer lock either but writes: for processes that
        coordinate their own work (the benches' concurrent writers). With
        `shared_writer=True` (PostgreSQL, the hosting roles) it holds the writer lock
        shared: any number of such processes together, refused beside a `paperclub run`
        and refusing one.
        """
        if is_postgres(target):
            assert isinstance(target, str)
            async with open_postgres(
                target, read_only=read_only, exclusive=exclusive, shared_writer=shared_writer
            ) as db:
                yield cls(db)
        else:
            async with open_sqlite(target, read_only=read_only, exclusive=exclusive) as lite:
                yield cls(lite)

    @classmethod
    async def exists(cls, target: Path | str) -> bool:
        """Whether `target` holds a paperclub database (a read-only open could use it)."""
        if not is_postgres(target):
            return str(target) != ":memory:" and await asyncio.to_thread(Path(target).is_file)
        assert isinstance(target, str)
        return await postgres_schema_version(target) > 0

    async def schema_version(self) -> int:
        return await self._database.schema_version()

    async def integrity_check(self) -> str:
        return await self._database.integrity_check()

    async def schema_problems(self) -> list[str]:
        """The tables and columns the queries use that the database lacks (none: [])."""
        async with self.reading() as db:
            return await db.run_sync(schema.problems)
