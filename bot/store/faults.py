"""The database's failures as one error a person can act on (`StoreUnavailable`).

`translate` maps an `sqlite3.Error`, a `psycopg.Error` (either as SQLAlchemy wraps it) or
an `OSError` met while opening to the message naming the database and what to do. The
store's connections (bot/store/lanes.py) pass every failure of every statement through
it, inside the transaction, so the transaction is rolled back with the fault: a half-done
write (an UPDATE whose INSERT hit a full disk) can never be committed later. A fault
means the same on both backends (the same `kind`); errors of the code itself (a
constraint, an SQL mistake) keep their own type and traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from bot.errors import StoreUnavailable

if TYPE_CHECKING:
    import psycopg

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


UNREACHABLE = (
    "check PAPERCLUB_DB_URL and that the PostgreSQL server is running and accepts this "
    "user, then run paperclub again"
)


def driver_error(error: BaseException) -> BaseException:
    """The driver's own exception inside SQLAlchemy's wrapper (what a log should show)."""
    if isinstance(error, DBAPIError) and isinstance(error.orig, BaseException):
        return error.orig
    return error


def translate(error: BaseException, path: str) -> StoreUnavailable | None:
    """The StoreUnavailable for a storage fault, or None for an error of the code itself
    (a constraint, an SQL mistake), which must keep its own type and traceback."""
    error = driver_error(error)
    if isinstance(error, StoreUnavailable):
        return error
    psycopg = sys.modules.get("psycopg")  # loaded only by a PostgreSQL store
    if psycopg is not None and isinstance(error, psycopg.Error):
        return _postgres(error, path)
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


def _postgres(error: psycopg.Error, path: str) -> StoreUnavailable | None:
    """PostgreSQL's SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html)
    as the kinds SQLite's result codes give."""
    import psycopg  # already loaded: `error` is one of its exceptions

    state = error.sqlstate or ""
    detail = (str(error).strip().splitlines() or ["no detail"])[0][:200]
    if state in ("XX001", "XX002"):
        return damaged(path, detail)
    if state == "53100":
        return StoreUnavailable(
            path,
            "could not be written because the server's disk is full",
            "free disk space on the database server, then run paperclub again (nothing "
            "written before was lost)",
            "disk_full",
        )
    if state in ("42501", "25006"):
        return StoreUnavailable(
            path,
            f"cannot be written by this user ({detail})",
            "grant the PostgreSQL user in PAPERCLUB_DB_URL the right to write the "
            "database's tables (or use another user)",
            "permissions",
        )
    if state.startswith("58"):
        return StoreUnavailable(
            path,
            f"could not be read or written ({detail})",
            "check the database server's disk and log, then run paperclub again",
            "io",
        )
    if state in ("55P03", "40P01", "57014"):
        return StoreUnavailable(
            path,
            f"stayed locked by another session for longer than the timeout ({detail})",
            "end the other session that holds the lock, then try again",
            "busy",
        )
    if (
        not state
        or state.startswith("08")
        or state.startswith("57P")
        or state in ("53300", "28000", "28P01", "3D000")
    ) and isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return StoreUnavailable(
            path, f"could not be reached ({detail})", UNREACHABLE, "unreachable"
        )
    return None
