"""Store throughput on SQLite and on PostgreSQL, side by side, in one run.

Each operation is what the bot does per post or per question, through the `Store`
facade: post reservations (the "post exactly once" row, one transaction each), the
quota check a question makes (the member's recent questions and the workspace's tokens,
two hot reads), events seen (Slack's dedupe), each 1,000 times one after another, then
reservations 20 at a time in one process, then writers in 3 processes at once on one
database (no writer lock: `exclusive=False`, as the later job queue's workers will run),
checking afterwards that every row is there exactly once.

PostgreSQL is a real server: the one in the machine image, started in a temporary
folder (tests/postgres_server.py), or `--url postgresql://…` for another.

    python bench/store_backends.py [--operations 1000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.domain import ConversationRef, Platform
from bot.store import Store
from bot.store.schema import posts

CHANNEL = ConversationRef(Platform.SLACK, "T1", "C1")
WRITERS = 3
CONCURRENCY = 20


async def timed(count: int, operation: Callable[[int], Awaitable[object]]) -> float:
    """Operations per second, `count` of them one after another."""
    started = time.perf_counter()
    for index in range(count):
        await operation(index)
    return count / (time.perf_counter() - started)


async def timed_concurrently(count: int, operation: Callable[[int], Awaitable[object]]) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def bounded(index: int) -> None:
        async with gate:
            await operation(index)

    started = time.perf_counter()
    await asyncio.gather(*(bounded(i) for i in range(count)))
    return count / (time.perf_counter() - started)


async def one_process(target: Path | str, count: int) -> dict[str, float]:
    since = datetime.now(UTC) - timedelta(hours=1)
    window = timedelta(minutes=15)
    async with Store.open(target) as store:
        return {
            "post reservations, one by one": await timed(
                count, lambda i: store.reserve_post(f"seq-{i}", CHANNEL, f"2309.{i:05d}", "W")
            ),
            f"post reservations, {CONCURRENCY} at a time": await timed_concurrently(
                count, lambda i: store.reserve_post(f"con-{i}", CHANNEL, f"2310.{i:05d}", "W")
            ),
            "quota checks (2 hot reads each)": await timed(
                count,
                lambda i: asyncio.gather(
                    store.member_questions_since("slack", "T1", f"U{i % 50}", since),
                    store.workspace_tokens_since("slack", "T1", since),
                ),
            ),
            "events seen (Slack dedupe)": await timed(
                count, lambda i: store.first_sighting([f"Ev{i}", f"T1:C1:{i}.0"], window)
            ),
        }


WORKER = "--writer"


async def writer(target: str, name: str, count: int) -> None:
    async with Store.open(target, exclusive=False) as store:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.to_thread(sys.stdin.readline)
        for index in range(count):
            await store.reserve_post(f"{name}-{index}", CHANNEL, f"2311.{index:05d}", "W")
            # every writer also tries the others' keys: exactly one of them creates each row
            await store.reserve_post(f"shared-{index}", CHANNEL, f"2312.{index:05d}", "W")


async def stored_posts(target: Path | str, prefix: str) -> int:
    async with Store.open(target, exclusive=False) as store, store.reading() as db:
        return int(
            (
                await db.execute(
                    select(func.count()).select_from(posts).where(posts.c.key.like(prefix + "%"))
                )
            ).scalar()
            or 0
        )


def processes(target: Path | str, count: int) -> tuple[float, str]:
    """Reservations per second by WRITERS processes at once, and whether every row is
    there exactly once."""
    children = [
        subprocess.Popen(
            [sys.executable, __file__, WORKER, str(target), f"w{n}", str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline() != "ready\n":
            raise RuntimeError(child.communicate()[1][-2000:])
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    failures = [child.communicate(timeout=1800)[1] for child in children]
    elapsed = time.perf_counter() - started
    failed = [f[-300:] for f, child in zip(failures, children, strict=True) if child.returncode]
    if failed:
        return 0.0, f"failed: {failed[0]}"
    own = sum(asyncio.run(stored_posts(target, f"w{n}-")) for n in range(WRITERS))
    shared = asyncio.run(stored_posts(target, "shared-"))
    exact = own == WRITERS * count and shared == count
    return WRITERS * count * 2 / elapsed, ("every row once" if exact else "ROWS WRONG")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == WORKER:
        asyncio.run(writer(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--url", help="a PostgreSQL database to use instead of a temporary one")
    args = parser.parse_args()

    from tests.postgres_server import PostgresServer

    server = None if args.url else PostgresServer().start()
    try:
        folder = Path(tempfile.mkdtemp(prefix="paperclub-bench-"))
        targets: dict[str, Path | str] = {
            "SQLite": folder / "bench.db",
            "PostgreSQL": args.url or (server.new_database() if server else ""),
        }
        figures: dict[str, dict[str, float]] = {}
        notes: dict[str, str] = {}
        for name, target in targets.items():
            figures[name] = asyncio.run(one_process(target, args.operations))
            rate, note = processes(target, args.operations // WRITERS)
            figures[name][f"reservations, {WRITERS} processes at once"] = rate
            notes[name] = note
    finally:
        if server is not None:
            server.stop()
    width = max(len(k) for k in figures["SQLite"])
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"store operations per second ({args.operations:,} each; load average {load})")
    print(f"{'operation'.ljust(width)}  {'SQLite':>10}  {'PostgreSQL':>10}")
    for operation in figures["SQLite"]:
        row = [f"{figures[name][operation]:>10,.0f}" for name in targets]
        print(f"{operation.ljust(width)}  {'  '.join(row)}")
    print(f"{WRITERS} processes: SQLite {notes['SQLite']}; PostgreSQL {notes['PostgreSQL']}")


if __name__ == "__main__":
    main()
