"""Time until the last of N channels' digests is delivered, with 1 and 3 workers.

For each (channels, workers): a fresh database on a real PostgreSQL (the image's, in a
temporary folder: tests/postgres_server.py), N Slack channels all due at once, and W
`paperclub worker` processes (PAPERCLUB_WORKER_CONCURRENCY each) posting to the
loopback Slack Web API and reading the loopback arXiv, with no pacing: the figure is
the bot's own throughput on this machine. Printed beside it, what the platforms' limits
alone would cost the same load (FACTS.md): Slack 1 message per second per channel,
Discord 50 requests per second per bot token, arXiv 1 request per 3 seconds.

    python bench/queue_workers.py [--channels 100 1000] [--workers 1 3] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_server import FakeSlack
from tests.postgres_server import PostgresServer
from tests.queue_chaos import Workers, worker_env
from tests.test_queue_chaos import (
    PAPERS,
    REPLIES_PER_PAPER,
    complete,
    posted,
    subscribe_channels,
)

MESSAGES_PER_DIGEST = 1 + PAPERS * (1 + REPLIES_PER_PAPER)  # header, cards, their replies
SLACK_PER_CHANNEL = 1.0  # messages per second
DISCORD_PER_TOKEN = 50.0  # requests per second
ARXIV_INTERVAL = 3.0  # seconds between requests


async def deliver(
    server: PostgresServer, arxiv: ArxivServer, channels: int, workers: int, concurrency: int
) -> dict[str, float]:
    database = server.new_database()
    await subscribe_channels(database, datetime.now(UTC), count=channels)
    arxiv_before = len(arxiv.requests)
    with tempfile.TemporaryDirectory() as folder:
        env = worker_env(
            arxiv,
            Path(folder),
            database,
            PAPERCLUB_WORKER_STALLED_SECONDS="60",
            PAPERCLUB_WORKER_CONCURRENCY=str(concurrency),
            PAPERCLUB_LOG_LEVEL="WARNING",
        )
        async with FakeSlack.running() as slack:
            pool = Workers({**env, "PAPERCLUB_SLACK_API_URL": slack.api_url}, Path(folder))
            started = time.monotonic()
            for slot in range(workers):
                await pool.start(slot)
            first = math.nan
            try:
                while not complete(slack, channels):
                    if math.isnan(first) and posted(slack) >= MESSAGES_PER_DIGEST:
                        first = time.monotonic() - started
                    await asyncio.sleep(0.2)
                last = time.monotonic() - started
            finally:
                await pool.stop_all()
            messages = posted(slack)
    return {
        "first": first,
        "last": last,
        "messages": messages,
        "arxiv": len(arxiv.requests) - arxiv_before,
    }


def floors(channels: int, workers: int, concurrency: int, arxiv_requests: int) -> str:
    at_once = workers * concurrency
    slack = math.ceil(channels / at_once) * MESSAGES_PER_DIGEST / SLACK_PER_CHANNEL
    discord = channels * MESSAGES_PER_DIGEST / DISCORD_PER_TOKEN
    arxiv = max(0, arxiv_requests - 1) * ARXIV_INTERVAL
    return f"Slack {slack:,.0f} s · Discord {discord:,.0f} s · arXiv {arxiv:,.0f} s"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    server = PostgresServer().start()
    arxiv = ArxivServer().start()
    try:
        print(
            f"{'channels':>8} {'workers':>7} {'first digest':>12} {'last digest':>11} "
            f"{'messages':>8} {'arXiv calls':>11}  platform limits alone (same load)"
        )
        for channels in args.channels:
            for workers in args.workers:
                row = await deliver(server, arxiv, channels, workers, args.concurrency)
                print(
                    f"{channels:>8} {workers:>7} {row['first']:>11.1f}s {row['last']:>10.1f}s "
                    f"{row['messages']:>8.0f} {row['arxiv']:>11.0f}  "
                    f"{floors(channels, workers, args.concurrency, int(row['arxiv']))}",
                    flush=True,
                )
    finally:
        arxiv.stop()
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
