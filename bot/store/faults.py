"""SQLite's failures as one error a person can act on (`StoreUnavailable`).

`translate` maps an `sqlite3.Error` (or an `OSError` met while opening) to the message
naming the file and what to do; `StoreConnection` is the `sqlite3.Connection` factory
the store connects with, so every statement and commit of every table module raises
`StoreUnavailable` instead of a bare `sqlite3` error. A failed statement also rolls its
transaction back, so a half-done write (an UPDATE whose INSERT hit a full disk) can never
be committed later by an unrelated commit.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterable
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

from bot.errors import StoreUnavailable

# Primary result codes (https://www.sqlite.org/rescode.html); extended codes keep them
# in their low byte.
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

RESTORE = "restore it from a backup, or move it aside and paperclub starts an empty one"
PERMISSIONS = (
    "fix the permissions so the user running paperclub can write the file and its folder "
    "(or set PAPERCLUB_DB_PATH to a writable place)"
)
FREE_SPACE = "free disk space, then run paperclub again (nothing written before was lost)"


def shown_path(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))


def damaged(path: str, detail: str) -> StoreUnavailable:
    return StoreUnavailable(path, f"is damaged ({detail})", RESTORE, "damaged")


def translate(error: BaseException, path: str) -> StoreUnavailable | None:
    """The StoreUnavailable for a storage fault, or None for an error of the code itself
    (a constraint, an SQL mistake), which must keep its own type and traceback."""
    if isinstance(error, StoreUnavailable):
        return error
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is None:
            return None
        primary = int(code) & 0xFF
        detail = str(error)
        if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return damaged(path, detail)
        if primary == SQLITE_FULL:
            return StoreUnavailable(
                path, "could not be written because the disk is full", FREE_SPACE, "disk_full"
            )
        if primary in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
            return StoreUnavailable(
                path, f"cannot be opened for writing ({detail})", PERMISSIONS, "permissions"
            )
        if primary == SQLITE_IOERR:
            return StoreUnavailable(
                path,
                f"could not be read or written ({detail})",
                "check the disk (free space, that it is still mounted), then run paperclub again",
                "io",
            )
        if primary in (SQLITE_BUSY, SQLITE_LOCKED):
            return StoreUnavailable(
                path,
                "stayed locked by another program for longer than the busy timeout",
                "close the other program that has it open (an SQLite browser, a backup), "
                "then try again",
                "busy",
            )
        return None
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            return StoreUnavailable(
                path, "could not be written because the disk is full", FREE_SPACE, "disk_full"
            )
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            where = f" ({error.strerror}: {error.filename})" if error.filename else ""
            return StoreUnavailable(
                path, f"cannot be opened for writing{where}", PERMISSIONS, "permissions"
            )
        return StoreUnavailable(
            path,
            f"could not be opened ({error.strerror or error})",
            "check the path in PAPERCLUB_DB_PATH and the disk, then run paperclub again",
            "io",
        )
    return None


class StoreCursor(sqlite3.Cursor):
    """A cursor whose failures are StoreUnavailable (see the module docstring)."""

    def _fail(self, error: sqlite3.Error) -> NoReturn:
        connection = self.connection
        assert isinstance(connection, StoreConnection)
        connection.fail(error)

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        try:
            super().execute(sql, parameters)
        except sqlite3.Error as error:
            self._fail(error)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> StoreCursor:
        try:
            super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as error:
            self._fail(error)
        return self

    def executescript(self, sql_script: str, /) -> StoreCursor:
        try:
            super().executescript(sql_script)
        except sqlite3.Error as error:
            self._fail(error)
        return self

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as error:
            self._fail(error)

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.Error as error:
            self._fail(error)

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as error:
            self._fail(error)


class StoreConnection(sqlite3.Connection):
    """`sqlite3.connect(path, factory=StoreConnection)`: every cursor is a StoreCursor."""

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        if database == ":memory:":
            self.shown_path = database
        elif database.startswith("file:"):  # a read-only open: file:///...?mode=ro
            self.shown_path = shown_path(unquote(urlsplit(database).path))
        else:
            self.shown_path = shown_path(database)
        try:
            super().__init__(database, *args, **kwargs)
        except sqlite3.Error as error:
            translated = translate(error, self.shown_path)
            if translated is None:
                raise
            raise translated from error

    def fail(self, error: sqlite3.Error) -> NoReturn:
        """Raise StoreUnavailable for a storage fault (after rolling the transaction back),
        else the error itself."""
        translated = translate(error, self.shown_path)
        if translated is None:
            raise error
        if self.in_transaction:
            try:
                super().rollback()
            except sqlite3.Error:
                pass  # the transaction went with the fault; nothing is left to undo
        raise translated from error

    def cursor(self, factory: Any = None) -> StoreCursor:  # type: ignore[override]
        return super().cursor(StoreCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> StoreCursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> StoreCursor:
        return self.cursor().executescript(sql_script)

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as error:
            self.fail(error)
