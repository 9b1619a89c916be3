"""Three `paperclub worker` processes, SIGKILLed at seeded points, deliver 120 digests once.

A real PostgreSQL holds the club and the job queue; the workers post to the loopback
Slack Web API (tests/loopback/slack_server.py) and read papers from the loopback arXiv.
Every channel is due when the workers start. While they work, a worker chosen by the
seed is frozen (SIGSTOP) the moment the seeded number of messages has been posted,
killed (SIGKILL) and started again a moment later. Afterwards every channel shows its
week's header once, each of its papers once, each paper's replies once; no digest job
is left waiting or running, and every reserved post is complete.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.slack_app.votes_ui import VOTE_ACTION
from bot.domain import ConversationRef, Platform
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_server import FakeSlack
from tests.postgres_server import PostgresServer
from tests.queue_chaos import Workers, key_of, queue_left, subscribe_due, worker_env

CHANNELS = int(os.environ.get("CHAOS_CHANNELS", "120"))
WORKERS = 3
PAPERS = 10
REPLIES_PER_PAPER = 2  # key points, tags
SEED = int(os.environ.get("CHAOS_SEED", "20261201"))
KILLS = 4
TEAM = "T111"
FINISH_WITHIN = 600.0  # seconds, on a loaded 2-core machine
MESSAGES = CHANNELS * (1 + PAPERS * (1 + REPLIES_PER_PAPER))


def channel_id(number: int) -> str:
    return f"C{number:05d}"


async def subscribe_channels(database: str, now: datetime, count: int = CHANNELS) -> None:
    """Every channel subscribed a day before its weekly time, two minutes before now."""
    conversations = [ConversationRef(Platform.SLACK, TEAM, channel_id(n)) for n in range(count)]
    await subscribe_due(database, conversations, now - timedelta(minutes=2), PAPERS)


def posted(slack: FakeSlack) -> int:
    return sum(len(messages) for messages in slack.messages.values())


def complete(slack: FakeSlack, count: int = CHANNELS) -> bool:
    for number in range(count):
        messages = slack.channel_messages(TEAM, channel_id(number))
        roots = [m for m in messages if m.thread_ts is None]
        if len(roots) < 1 + PAPERS:
            return False
        for root in roots:
            key = key_of(root) or ""
            if key.startswith("digest-header:"):
                continue
            keyed = [m for m in messages if m.thread_ts == root.ts and key_of(m)]
            if len(keyed) < REPLIES_PER_PAPER:
                return False
    return True


async def run_chaos(database: str, env: dict[str, str], logs: Path) -> dict[str, Any]:
    rng = random.Random(SEED)
    points = sorted(rng.randint(MESSAGES // 20, MESSAGES * 17 // 20) for _ in range(KILLS))
    now = datetime.now(UTC)
    await subscribe_channels(database, now)
    kills: list[str] = []
    async with FakeSlack.running() as slack:
        workers = Workers({**env, "PAPERCLUB_SLACK_API_URL": slack.api_url}, logs)
        for slot in range(WORKERS):
            await workers.start(slot)

        deadline = time.monotonic() + FINISH_WITHIN
        try:
            for point in points:
                while posted(slack) < point:
                    assert time.monotonic() < deadline, f"stuck before kill point {point}"
                    await asyncio.sleep(0.01)
                slot = rng.randrange(WORKERS)
                await workers.kill_then_restart(slot, after=rng.uniform(0.2, 2.0))
                kills.append(f"worker {slot} at message {posted(slack)}")
            while not complete(slack):
                assert time.monotonic() < deadline, f"unfinished after {FINISH_WITHIN:g} s"
                await asyncio.sleep(0.2)
            while (left := await asyncio.to_thread(queue_left, database))["jobs"]:
                assert time.monotonic() < deadline, f"jobs left: {left}"
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # a duplicate posted late would land now
        finally:
            await workers.stop_all()
        return {
            "kills": kills,
            "left": await asyncio.to_thread(queue_left, database),
            "channels": {
                channel_id(n): slack.channel_messages(TEAM, channel_id(n)) for n in range(CHANNELS)
            },
            "history_calls": len(slack.calls_to("conversations.replies")),
        }


@pytest.mark.timeout(900)
def test_three_workers_killed_at_seeded_points_deliver_every_digest_exactly_once(
    arxiv_server: ArxivServer, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    database = postgres_server.new_database()
    env = worker_env(arxiv_server, tmp_path, database)
    result = asyncio.run(run_chaos(database, env, tmp_path))
    assert len(result["kills"]) == KILLS, result["kills"]
    problems: list[str] = []
    for channel, messages in result["channels"].items():
        keys = Counter(key for m in messages if (key := key_of(m)) is not None)
        repeated = {k: n for k, n in keys.items() if n > 1}
        if repeated:
            problems.append(f"{channel}: posted twice: {repeated}")
        roots = [m for m in messages if m.thread_ts is None]
        headers = [m for m in roots if (key_of(m) or "").startswith("digest-header:")]
        papers = [m for m in roots if m not in headers]
        if len(headers) != 1 or len(papers) != PAPERS:
            problems.append(f"{channel}: {len(headers)} headers, {len(papers)} papers")
        for root in papers:
            if VOTE_ACTION not in json.dumps(root.blocks):
                problems.append(f"{channel} {key_of(root)}: a card without its vote button")
            replies = [m for m in messages if m.thread_ts == root.ts]
            keyed = [m for m in replies if key_of(m)]
            if len(keyed) != REPLIES_PER_PAPER or len(replies) - len(keyed) > 1:
                problems.append(f"{channel} {key_of(root)}: {len(replies)} replies")
        unkeyed_roots = [m for m in roots if key_of(m) is None]
        if unkeyed_roots:
            problems.append(f"{channel}: {len(unkeyed_roots)} top-level messages without key")
    assert not problems, (result["kills"], problems[:20])
    assert result["left"]["jobs"] == {}, result["left"]
    assert set(result["left"]["posts"]) == {"complete"}, result["left"]
