"""What the queue's chaos tests share: worker processes to freeze, kill and restart, the
key a Slack post carries, and what is left in the queue afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bot.domain import ChannelSettings, ConversationRef
from bot.store import Store
from bot.store.schedule_runs import ScheduleRuns
from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_server import StoredMessage

WORKER = ("-m", "adapters", "worker")
TOKEN = "xoxb-fake-T111"


async def subscribe_due(
    database: str, conversations: list[ConversationRef], due: datetime, papers: int = 10
) -> None:
    """Every channel subscribed a day ago, its weekly time `due`."""
    async with Store.open(database) as store:
        runs = ScheduleRuns(store)
        for conversation in conversations:
            await store.save_channel(
                ChannelSettings(
                    conversation,
                    language="en",
                    subscribed=True,
                    weekday=due.weekday(),
                    time=due.strftime("%H:%M"),
                    timezone="UTC",
                    digest_size=papers,
                )
            )
            await runs.record(conversation, due - timedelta(days=1))


def worker_env(arxiv: ArxivServer, tmp_path: Path, database: str, **extra: str) -> dict[str, str]:
    """Workers on `database` that find due channels every second, count a worker silent
    for 4 s as gone, and post to Slack without pacing (`extra` overrides any of it)."""
    chosen = {
        "PAPERCLUB_DB_URL": database,
        "SLACK_BOT_TOKEN": TOKEN,
        "PAPERCLUB_SLACK_POST_INTERVAL": "0",
        "PAPERCLUB_WORKER_TICK_SECONDS": "1",
        "PAPERCLUB_WORKER_STALLED_SECONDS": "4",
        "PAPERCLUB_WORKER_CONCURRENCY": "8",
        "PAPERCLUB_WORKER_GRACEFUL_SECONDS": "2",
        "PAPERCLUB_LOG_LEVEL": "INFO",
    }
    return loopback_env(arxiv, tmp_path, **{**chosen, **extra})


@dataclass
class Workers:
    """`paperclub worker` processes by slot; `argv` is what follows the interpreter (a
    wrapper such as tests/loopback/discord_pointed.py may come first)."""

    env: dict[str, str]
    logs: Path
    argv: tuple[str, ...] = WORKER
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    started: int = 0
    restarts: dict[int, asyncio.Task[None]] = field(default_factory=dict)

    async def start(self, slot: int) -> None:
        self.started += 1
        log = (self.logs / f"worker-{slot}-{self.started}.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.argv,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=log,
        )
        log.close()
        if slot < len(self.processes):
            self.processes[slot] = process
        else:
            self.processes.append(process)

    async def kill(self, slot: int) -> None:
        process = self.processes[slot]
        process.send_signal(signal.SIGSTOP)  # frozen at the point, however loaded the machine
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def kill_then_restart(self, slot: int, after: float) -> None:
        """Kill the worker in `slot` (waiting first for its restart if it was killed a
        moment ago) and start it again `after` seconds later."""
        if slot in self.restarts:
            await self.restarts[slot]
        await self.kill(slot)
        self.restarts[slot] = asyncio.create_task(self._start_later(slot, after))

    async def _start_later(self, slot: int, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.start(slot)

    async def stop_all(self) -> None:
        await asyncio.gather(*self.restarts.values(), return_exceptions=True)
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


def key_of(message: StoredMessage) -> str | None:
    """The idempotency key a Slack post carries in its metadata, if any."""
    payload = (message.metadata or {}).get("event_payload") or {}
    key = payload.get("key")
    return key if isinstance(key, str) else None


def queue_left(database: str) -> dict[str, Any]:
    """Digest jobs still waiting or running, and the reserved posts by state."""
    with psycopg.connect(database) as db:
        jobs = db.execute(
            "SELECT status, count(*) FROM procrastinate_jobs "
            "WHERE task_name = 'paperclub.weekly_digest' AND status IN ('todo', 'doing') "
            "GROUP BY status"
        ).fetchall()
        posts = db.execute("SELECT state, count(*) FROM posts GROUP BY state").fetchall()
    return {"jobs": dict(jobs), "posts": dict(posts)}
