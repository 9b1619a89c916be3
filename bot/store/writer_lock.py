"""One writing process per database: an OS lock on `<db>.lock`, held while the Store is open.

SQLite lets two processes write one file in turn, but paperclub's "post exactly once"
locks live in its process, so two `paperclub digest` (or `run`) on one database would
both post. The first process to open the store takes `fcntl.flock(LOCK_EX)` on the
sidecar file and writes its pid and command into it; a second process is refused at
once with `StoreUnavailable` naming them. The kernel drops the lock when the holder
exits, however it exits (SIGKILL included), so there is never a stale lock to delete.

Within one process the lock is counted, not refused: opening the same database again
while it is open (a test inspecting the store of a running club, a command that opens it
twice) shares the one lock. The in-process locks of the code already serialise that
process's work; the lock here is about other processes.

The sidecar file is never deleted: unlinking a lock file races with a process that has
opened it but not locked it yet (both would then hold "the" lock on different files).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StoreUnavailable
from bot.store.faults import shown_path, translate

if sys.platform != "win32":
    import fcntl


@dataclass
class _Held:
    fd: int
    count: int


_held: dict[str, _Held] = {}
_guard = threading.Lock()


def lock_path(db_path: Path) -> Path:
    return Path(os.path.realpath(db_path) + ".lock")


def this_command() -> str:
    """What `ps` would show, shortened; `python -m adapters x` reads as `paperclub x`."""
    argv = list(sys.orig_argv) or list(sys.argv)
    if len(sys.argv) >= 1 and (
        Path(sys.argv[0]).name == "paperclub"
        or Path(sys.argv[0]).parts[-2:] == ("adapters", "__main__.py")
    ):
        argv = ["paperclub", *sys.argv[1:]]
    text = shlex.join(argv)
    return text if len(text) <= 120 else text[:117] + "..."


def holder(path: Path) -> str:
    """ "pid 1234: paperclub run" from the lock file, as far as it can be read."""
    try:
        data = json.loads(path.read_text("utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    pid = data.get("pid") if isinstance(data, dict) else None
    command = data.get("command") if isinstance(data, dict) else None
    if not isinstance(pid, int):
        return "pid unknown"
    return f"pid {pid}: {command}" if isinstance(command, str) and command else f"pid {pid}"


def acquire(db_path: Path) -> str:
    """Take (or share, within this process) the database's writer lock; returns its key."""
    key = os.path.realpath(db_path)
    with _guard:
        held = _held.get(key)
        if held is not None:
            held.count += 1
            return key
        if sys.platform == "win32":  # no flock: one writer is the user's to ensure
            _held[key] = _Held(-1, 1)
            return key
        path = lock_path(db_path)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise (translate(error, shown_path(db_path)) or error) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreUnavailable(
                shown_path(db_path),
                f"is in use by another paperclub process ({holder(path)})",
                "stop that process or wait for it to finish; only one paperclub may write "
                "to a database at a time",
                "in_use",
            ) from None
        except OSError as error:
            os.close(fd)
            raise (translate(error, shown_path(db_path)) or error) from error
        try:
            record = json.dumps({"pid": os.getpid(), "command": this_command()})
            os.ftruncate(fd, 0)
            os.pwrite(fd, record.encode("utf-8") + b"\n", 0)
        except OSError:
            pass  # the lock holds without its label (a full disk); the refusal says "pid unknown"
        _held[key] = _Held(fd, 1)
        return key


def release(key: str) -> None:
    with _guard:
        held = _held[key]
        held.count -= 1
        if held.count > 0:
            return
        del _held[key]
        if held.fd < 0:
            return
        try:
            os.ftruncate(held.fd, 0)
            fcntl.flock(held.fd, fcntl.LOCK_UN)  # explicit: a forked child may share the fd
        except OSError:
            pass
        os.close(held.fd)
