"""The SQLite store (aiosqlite, WAL): opening, checking and migrating the file.

`Store` is one facade over the table groups (papers.py, posts.py, channels.py); the
club's own tables (club_tables.py, unfinished_answers.py ...) take the store's
connection. Everything a club owns is keyed by (platform, workspace_id, channel_id), so
one workspace's queries never see another's rows.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.errors import StoreUnavailable
from bot.store import writer_lock
from bot.store.channels import ChannelRows
from bot.store.faults import PERMISSIONS, StoreConnection, damaged, shown_path, translate
from bot.store.migrations import MIGRATIONS
from bot.store.papers import PaperRows
from bot.store.posts import PostRows


def _file_uri(target: str) -> str:
    return Path(target).absolute().as_uri()


class Store(PaperRows, PostRows, ChannelRows):
    def __init__(
        self, connection: aiosqlite.Connection, reader: aiosqlite.Connection | None = None
    ) -> None:
        self._db = connection
        self._reader = reader or connection

    @property
    def connection(self) -> aiosqlite.Connection:
        """For the feature tables kept in their own modules (bot/store/club_tables.py ...)."""
        return self._db

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path | str, *, read_only: bool = False) -> AsyncIterator[Store]:
        """The store at `path`, migrated to this code's schema, for as long as the block runs.

        Refused with one StoreUnavailable (naming the file and what to do) when the file is
        damaged, was written by a newer paperclub (checked before anything is written, so
        such a file is left exactly as it was), cannot be written, or is open for writing
        in another paperclub process (see bot/store/writer_lock.py). Later storage faults
        (a full disk ...) raise the same error from the statement that met them.

        `read_only=True` takes no writer lock, so it works beside a running `paperclub run`
        (`schedule list`, `usage`, `export`); it needs a database already at this schema.
        """
        if str(path) == ":memory:":
            async with cls._connect(":memory:", ":memory:", read_only=False) as store:
                yield store
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
            async with cls._connect(path.absolute().as_uri() + "?mode=ro", shown, True) as store:
                yield store
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise (translate(error, shown) or error) from error
        if path.exists() and not os.access(path, os.W_OK):  # SQLite would open it read-only
            raise StoreUnavailable(shown, "is read-only for this user", PERMISSIONS, "permissions")
        key = writer_lock.acquire(path)
        try:
            async with cls._connect(str(path), shown, read_only=False) as store:
                yield store
        finally:
            writer_lock.release(key)

    @classmethod
    @asynccontextmanager
    async def _connect(cls, target: str, shown: str, read_only: bool) -> AsyncIterator[Store]:
        # StoreConnection turns SQLite's faults into StoreUnavailable, here and later.
        async with aiosqlite.connect(
            target, timeout=30, factory=StoreConnection, uri=read_only
        ) as db:
            db.row_factory = aiosqlite.Row
            store = cls(db)
            # Reads only, before any PRAGMA or migration that writes: a file this code
            # must not use is left byte for byte as it was.
            version = await store.schema_version()
            if version > len(MIGRATIONS):
                raise StoreUnavailable(
                    shown,
                    f"was written by a newer paperclub (schema {version}; this version knows "
                    f"up to {len(MIGRATIONS)}) and was left unchanged",
                    "upgrade paperclub (pip install -U paperclub) to use it",
                    "newer",
                )
            problems = await db.execute_fetchall("PRAGMA quick_check")
            verdict = "; ".join(str(row[0]) for row in problems)
            if verdict != "ok":
                raise damaged(shown, verdict[:200])
            await db.execute("PRAGMA busy_timeout=10000")
            if read_only:
                if version < len(MIGRATIONS):
                    raise StoreUnavailable(
                        shown,
                        f"has an older schema ({version}; this version needs "
                        f"{len(MIGRATIONS)}) and was opened read-only",
                        "run a paperclub command that writes (such as `paperclub run`) once "
                        "to upgrade it",
                        "older",
                    )
                await db.execute("PRAGMA query_only=ON")
            else:
                await db.execute("PRAGMA journal_mode=WAL")
                await db.execute("PRAGMA synchronous=NORMAL")
                await db.execute("PRAGMA foreign_keys=ON")
                await store._migrate()
            if read_only or target == ":memory:":
                yield store
                return
            async with cls._reader_for(target) as reader:
                store._reader = reader
                yield store

    @classmethod
    @asynccontextmanager
    async def _reader_for(cls, target: str) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only second connection to the file at `target` (WAL: it never blocks on,
        nor is queued behind, the writer)."""
        uri = _file_uri(target) + "?mode=ro"
        async with aiosqlite.connect(uri, timeout=30, factory=StoreConnection, uri=True) as reader:
            reader.row_factory = aiosqlite.Row
            await reader.execute("PRAGMA busy_timeout=10000")
            await reader.execute("PRAGMA query_only=ON")
            yield reader

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        applied = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[applied:], start=applied + 1):
            await self._db.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def integrity_check(self) -> str:
        async with self._db.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else "no answer"
