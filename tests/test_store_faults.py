"""Store faults: damaged, newer, read-only and full databases end in one clear sentence, and
one database has one writing process (the second is refused, naming the first).

The damaged files are real damage (zeroed, truncated, a wiped page); the full disk is
SQLite's own SQLITE_FULL, reached with `PRAGMA max_page_count` (the code a full disk
gives); permissions are the OS's (as an unprivileged user when the tests run as root,
who would otherwise bypass them); the lock is fought over by real processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.domain import Paper
from bot.errors import StoreUnavailable
from bot.store import Store
from bot.store.migrations import MIGRATIONS
from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer

RESTORE = "restore it from a backup"


def paper(number: int) -> Paper:
    moment = datetime(2023, 9, 21, tzinfo=UTC)
    return Paper(
        f"2309.{12288 + number}",
        1,
        f"Paper {number}",
        ("Ada",),
        "An abstract.",
        moment,
        moment,
        "cs.CL",
    )


async def seed(path: Path | str, papers: int = 3) -> None:
    async with Store.open(path) as store:
        for number in range(papers):
            await store.save_paper(paper(number))
        await store.save_text("padding", "html", {"text": "words " * 40_000})  # ~60 pages


def paperclub(
    *args: str, env: dict[str, str], cwd: Path, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "adapters", *args],
        env={**os.environ, "COLUMNS": "200", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_clean_refusal(result: subprocess.CompletedProcess[str], db: Path, *words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "unexpected error" not in result.stderr, result.stderr
    assert f"paperclub: The database {db} " in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# -- damaged files -------------------------------------------------------------------------


def zero_all(path: Path) -> None:
    path.write_bytes(b"\0" * path.stat().st_size)


def truncate_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2 + 123)  # mid-page, as a cut-off copy leaves it


def wipe_a_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096 * 5 : 4096 * 6] = bytes(4096)
    path.write_bytes(bytes(data))


def garbage_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:100] = b"not a database, a text editor saved over it".ljust(100, b"!")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [zero_all, truncate_half, wipe_a_page, garbage_header])
async def test_a_damaged_file_is_refused_naming_it_and_left_as_it_was(
    tmp_path: Path, damage: Any
) -> None:
    path = tmp_path / "club.db"
    await seed(path)
    damage(path)
    before = path.read_bytes()
    with pytest.raises(StoreUnavailable) as raised:
        async with Store.open(path):
            pass
    error = raised.value
    assert error.kind == "damaged"
    message = str(error)
    assert message.startswith(f"The database {path} is damaged (")
    assert message.endswith(
        ": restore it from a backup, or move it aside and paperclub starts an empty one."
    )
    assert message.count(". ") == 0  # one sentence
    assert path.read_bytes() == before


# -- written by a newer paperclub ------------------------------------------------------------


@pytest.mark.parametrize("journal", ["delete", "wal"])
async def test_a_newer_schema_is_refused_and_not_a_byte_changes(
    tmp_path: Path, journal: str
) -> None:
    path = tmp_path / "club.db"
    newer = len(MIGRATIONS) + 1
    setup = sqlite3.connect(path)
    setup.execute(f"PRAGMA journal_mode={journal}")
    setup.execute("CREATE TABLE papers (arxiv_id TEXT PRIMARY KEY, future_column TEXT)")
    setup.execute("INSERT INTO papers VALUES ('2309.12288', 'kept')")
    setup.execute(f"PRAGMA user_version={newer}")
    setup.commit()
    setup.close()
    before = path.read_bytes()

    with pytest.raises(StoreUnavailable) as raised:
        async with Store.open(path):
            pass
    assert raised.value.kind == "newer"
    assert str(raised.value) == (
        f"The database {path} was written by a newer paperclub (schema {newer}; this "
        f"version knows up to {len(MIGRATIONS)}) and was left unchanged: upgrade paperclub "
        "(pip install -U paperclub) to use it."
    )
    assert path.read_bytes() == before  # no migration, and journal_mode untouched
    assert leftovers(path) == []
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == journal
    check.close()


def leftovers(path: Path) -> list[str]:
    return [p.name for p in path.parent.iterdir() if p.name.endswith(("-wal", "-journal"))]


# -- a full disk -----------------------------------------------------------------------------


async def test_a_full_disk_says_free_disk_space_and_keeps_what_was_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "club.db"
    async with Store.open(path) as store:
        for number in range(3):
            await store.save_paper(paper(number))
        async with store.transaction() as db:
            pages = (await db.exec_driver_sql("PRAGMA page_count")).scalar()
            await db.exec_driver_sql(f"PRAGMA max_page_count={pages}")  # the disk is now full

        with pytest.raises(StoreUnavailable) as raised:
            await store.save_text("big", "html", {"text": "words " * 50_000})
        assert raised.value.kind == "disk_full"
        assert str(raised.value) == (
            f"The database {path} could not be written because the disk is full: free disk "
            "space, then run paperclub again (nothing written before was lost)."
        )
        assert isinstance(raised.value.__cause__, sqlite3.OperationalError)  # kept for the log

        # A write of several statements in one transaction (as the table modules do): the
        # one that fails takes the whole transaction with it, so nothing of it is stored.
        with pytest.raises(StoreUnavailable):
            async with store.transaction() as db:
                await db.execute(
                    text("UPDATE papers SET title='half-done' WHERE arxiv_id='2309.12288'")
                )
                await db.execute(
                    text("INSERT INTO paper_texts VALUES (:k, :s, :p, :at)"),
                    {"k": "k", "s": "s", "p": "x" * 300_000, "at": "now"},
                )
        kept = await store.paper("2309.12288")
        assert kept is not None and kept.title == "Paper 0"

        async with store.transaction() as db:  # space freed: the same store goes on
            await db.exec_driver_sql("PRAGMA max_page_count=1073741823")
        await store.save_text("big", "html", {"text": "words " * 50_000})

    async with Store.open(path) as store:
        assert [
            p.title for p in [await store.paper(f"2309.{12288 + n}") for n in range(3)] if p
        ] == [
            "Paper 0",
            "Paper 1",
            "Paper 2",
        ]
        assert await store.text("big") is not None
        assert await store.integrity_check() == "ok"


# -- permissions (a read-only folder or file) -------------------------------------------------


# Root ignores file modes through two capabilities; without them it is bound by the mode
# bits like anyone (it owns these files). Other users are bound by them anyway.
WITHOUT_DAC_OVERRIDE = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
    "--",
]


def as_ordinary_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file modes cannot be made to apply")
    return WITHOUT_DAC_OVERRIDE


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[list[Path]]:
    """Paths made read-only by the test, made writable again afterwards."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        path.chmod(0o755)


def test_a_read_only_folder_is_refused_with_fix_the_permissions(
    arxiv_server: ArxivServer, tmp_path: Path, read_only: list[Path]
) -> None:
    folder = tmp_path / "data"
    db = folder / "paperclub.db"
    asyncio.run(seed(db))
    read_only.append(folder)
    folder.chmod(0o555)
    before = db.read_bytes()
    env = loopback_env(arxiv_server, folder)
    result = paperclub("digest", env=env, cwd=tmp_path, prefix=as_ordinary_user())
    assert_clean_refusal(result, db, "cannot be opened for writing", "fix the permissions")
    assert arxiv_server.requests == []
    assert db.read_bytes() == before


def test_a_read_only_file_is_refused_with_fix_the_permissions(
    arxiv_server: ArxivServer, tmp_path: Path, read_only: list[Path]
) -> None:
    db = tmp_path / "paperclub.db"
    asyncio.run(seed(db))
    read_only.append(db)
    db.chmod(0o444)
    before = db.read_bytes()
    env = loopback_env(arxiv_server, tmp_path)
    result = paperclub("digest", "--dry-run", env=env, cwd=tmp_path, prefix=as_ordinary_user())
    assert_clean_refusal(result, db, "is read-only for this user", "fix the permissions")
    assert db.read_bytes() == before
    # A command that only reads opens it read-only, and works.
    listed = paperclub("schedule", "list", env=env, cwd=tmp_path, prefix=as_ordinary_user())
    assert listed.returncode == 0, listed.stderr
    assert db.read_bytes() == before


# -- the real CLI on a damaged file ---------------------------------------------------------


@pytest.mark.parametrize("command", [("schedule", "list"), ("digest", "--dry-run")])
def test_the_cli_on_a_damaged_file_prints_one_line_and_exits_non_zero(
    arxiv_server: ArxivServer, tmp_path: Path, command: tuple[str, ...]
) -> None:
    db = tmp_path / "paperclub.db"
    asyncio.run(seed(db))
    zero_all(db)
    result = paperclub(*command, env=loopback_env(arxiv_server, tmp_path), cwd=tmp_path)
    assert_clean_refusal(result, db, "is damaged (file is not a database)", RESTORE)
    assert result.returncode == 1
    assert arxiv_server.requests == []


# -- one writer per database ----------------------------------------------------------------


async def test_one_process_may_open_its_database_twice(database: Path | str) -> None:
    path = database
    async with Store.open(path) as first, Store.open(path) as second:
        await first.save_paper(paper(1))
        assert await second.paper(paper(1).arxiv_id) is not None
    async with Store.open(path) as again:  # released once both closed
        assert await again.paper(paper(1).arxiv_id) is not None


HOLDER = """
import asyncio, sys
from bot.store import Store

async def hold(path):
    async with Store.open(path):
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.read)

asyncio.run(hold(sys.argv[1]))
"""


async def refusal(path: Path | str) -> StoreUnavailable:
    with pytest.raises(StoreUnavailable) as raised:
        async with Store.open(path):
            pass
    return raised.value


async def schema_version(path: Path | str) -> int:
    async with Store.open(path) as store:
        return await store.schema_version()


async def read_only_titles(path: Path | str) -> list[str]:
    async with Store.open(path, read_only=True) as store, store.reading() as db:
        rows = await db.execute(text("SELECT title FROM papers ORDER BY 1"))
        return [str(title) for title in rows.scalars()]


async def test_read_only_opens_need_the_file_at_this_schema_and_write_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "club.db"
    missing = await refusal_read_only(path)
    assert missing.kind == "missing" and str(missing).startswith(
        f"The database {path} does not exist: "
    )
    assert not path.exists()
    await seed(path, papers=2)
    before = path.read_bytes()
    assert await read_only_titles(path) == ["Paper 0", "Paper 1"]
    async with Store.open(path, read_only=True) as store:
        with pytest.raises(StoreUnavailable):
            await store.save_paper(paper(5))
    assert path.read_bytes() == before


async def refusal_read_only(path: Path | str) -> StoreUnavailable:
    with pytest.raises(StoreUnavailable) as raised:
        async with Store.open(path, read_only=True):
            pass
    return raised.value


def test_a_second_process_is_refused_naming_the_first_until_it_dies(database: Path | str) -> None:
    path = database
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "ready\n"
        error = asyncio.run(refusal(path))
        assert error.kind == "in_use"
        message = str(error)
        assert message.startswith(
            f"The database {path} is in use by another paperclub process (pid {holder.pid}: "
        )
        assert " -c " in message  # its command, as far as the lock file tells
        assert message.endswith(
            "stop that process or wait for it to finish; only one paperclub may write to a "
            "database at a time."
        )
        assert asyncio.run(read_only_titles(path)) == []  # a reader needs no lock
        holder.send_signal(signal.SIGKILL)  # no clean-up: the kernel (or the server) drops it
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert asyncio.run(schema_version_once_free(path)) == len(MIGRATIONS)


async def schema_version_once_free(path: Path | str) -> int:
    """The version, opening for writing as soon as the lock is free: the kernel drops a
    killed holder's flock at once; PostgreSQL drops its session lock once it has seen the
    connection close (a moment later)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return await schema_version(path)
        except StoreUnavailable as error:
            if error.kind != "in_use" or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def wait_for_text(log: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if text in log.read_text("utf-8"):
            return
        assert process.poll() is None, log.read_text("utf-8")
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not seen: {log.read_text('utf-8')[-2000:]}")


def roots(folder: Path) -> list[str]:
    transcript = folder / "paperclub.terminal.jsonl"
    if not transcript.exists():
        return []
    entries = [json.loads(line) for line in transcript.read_text("utf-8").splitlines()]
    # the paper cards (the digest's header, issue 14, has no title)
    return [str(e["title"]) for e in entries if e["root"] is None and "title" in e]


def test_digest_beside_a_running_bot_is_refused_and_nothing_is_posted_twice(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    env = loopback_env(arxiv_server, tmp_path)
    log = tmp_path / "run.log"
    with log.open("wb") as sink:
        bot = subprocess.Popen(
            [sys.executable, "-m", "adapters", "run"],
            env={**os.environ, "COLUMNS": "200", **env},
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_text(log, "press Ctrl+C", bot)
        refused = paperclub("digest", env=env, cwd=tmp_path)
        assert_clean_refusal(
            refused,
            tmp_path / "paperclub.db",
            f"is in use by another paperclub process (pid {bot.pid}: paperclub run)",
            "stop that process or wait for it to finish",
        )
        assert refused.returncode == 1
        assert arxiv_server.requests == []  # refused before any work
        assert roots(tmp_path) == []
        bot.send_signal(signal.SIGINT)
        bot.wait(timeout=30)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    assert bot.returncode == 0, log.read_text("utf-8")

    first = paperclub("digest", env=env, cwd=tmp_path)  # the lock went with the bot
    assert first.returncode == 0, first.stderr
    assert "Posted 10 papers" in first.stdout
    again = paperclub("digest", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Posted 0 papers" in again.stdout
    titles = roots(tmp_path)
    assert len(titles) == 10 and max(Counter(titles).values()) == 1


# -- PostgreSQL: the same refusals, from the server ------------------------------------------


async def test_postgresql_newer_schema_is_refused_and_nothing_changes(postgres_url: str) -> None:
    import psycopg

    newer = len(MIGRATIONS) + 1
    with psycopg.connect(postgres_url, autocommit=True) as setup:
        setup.execute("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY)")
        setup.execute(f"INSERT INTO schema_migrations VALUES ({newer})")
        setup.execute("CREATE TABLE papers (arxiv_id TEXT PRIMARY KEY, future_column TEXT)")
        setup.execute("INSERT INTO papers VALUES ('2309.12288', 'kept')")
    with pytest.raises(StoreUnavailable) as raised:
        async with Store.open(postgres_url):
            pass
    assert raised.value.kind == "newer"
    shown = postgres_url.replace("postgresql://", "postgresql://", 1)
    assert str(raised.value) == (
        f"The database {shown} was written by a newer paperclub (schema {newer}; this "
        f"version knows up to {len(MIGRATIONS)}) and was left unchanged: upgrade paperclub "
        "(pip install -U paperclub) to use it."
    )
    with psycopg.connect(postgres_url) as check:
        tables = check.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "ORDER BY 1"
        ).fetchall()
        rows = check.execute("SELECT * FROM papers").fetchall()
    assert tables == [("papers",), ("schema_migrations",)]
    assert rows == [("2309.12288", "kept")]


async def test_postgresql_read_only_opens_need_this_schema_and_write_nothing(
    postgres_url: str,
) -> None:
    empty = await refusal_read_only(postgres_url)
    assert empty.kind == "older"
    await seed(postgres_url, papers=2)
    assert await read_only_titles(postgres_url) == ["Paper 0", "Paper 1"]
    async with Store.open(postgres_url, read_only=True) as store:
        with pytest.raises(StoreUnavailable) as raised:
            await store.save_paper(paper(5))
    assert raised.value.kind == "permissions"
    assert "read-only" in str(raised.value)
    assert await read_only_titles(postgres_url) == ["Paper 0", "Paper 1"]


async def test_an_unreachable_server_is_one_sentence_without_the_password() -> None:
    from tests.postgres_server import free_port

    url = f"postgresql://paperclub:s3cret-pw@127.0.0.1:{free_port()}/club"
    with pytest.raises(StoreUnavailable) as raised:
        async with Store.open(url):
            pass
    message = str(raised.value)
    assert raised.value.kind == "unreachable"
    assert message.startswith(
        f"The database postgresql://paperclub@127.0.0.1:{url.split(':')[3].split('/')[0]}/club "
        "could not be reached ("
    )
    assert message.endswith(
        "check PAPERCLUB_DB_URL and that the PostgreSQL server is running and accepts this "
        "user, then run paperclub again."
    )
    assert "s3cret-pw" not in message


async def test_sessions_the_server_ends_are_replaced_and_the_store_goes_on(
    postgres_url: str,
) -> None:
    import psycopg

    async with Store.open(postgres_url, exclusive=False) as store:
        await store.save_paper(paper(1))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                "datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert ended is not None and ended[0] >= 1
        assert await store.paper(paper(1).arxiv_id) is not None
        await store.save_paper(paper(2))
        assert await store.paper(paper(2).arxiv_id) is not None


async def test_a_user_who_may_only_read_is_told_to_grant_writes(postgres_url: str) -> None:
    import psycopg

    await seed(postgres_url, papers=1)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS reader")
        admin.execute("CREATE ROLE reader LOGIN")
        admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    reader_url = postgres_url.replace("paperclub@", "reader@", 1)
    with pytest.raises(StoreUnavailable) as raised:  # refused at once, as a read-only file is
        async with Store.open(reader_url):
            pass
    assert raised.value.kind == "permissions"
    assert str(raised.value).endswith(
        "grant the PostgreSQL user in PAPERCLUB_DB_URL the right to write the database's "
        "tables (or use another user)."
    )
