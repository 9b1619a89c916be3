"""`paperclub discord --shards 0-3 --shard-count 16`: a gateway process for some shards.

Discord routes a guild's events to shard `(guild_id >> 22) % shard_count`; a bot in
2,500 or more guilds must shard (docs/discord-sharding.md). Each gateway process runs
discord.py's `AutoShardedClient` for the shard ids it is given, with the same Cogs and
commands as `paperclub run`, on a store shared with every other process (PostgreSQL,
`bootstrap(shared=True)`). It answers its guilds' commands and questions; the weekly
schedule is the `paperclub worker`'s, so it runs no scheduler.

IDENTIFY is rate limited per bucket `shard_id % max_concurrency`: one per 5 s, across
every process of the bot. discord.py 2.7 launches a process's shards one after another
and, by default, sleeps 5 s before each IDENTIFY but the first: nothing stops two
processes from identifying together. `before_identify_hook` is where that is decided,
so the sharded bot takes the bucket's database lock there (`Store.held`, bot/store/named_locks.py) and
holds it until the shard's READY came back and the window passed: the next IDENTIFY in
that bucket, from any process, reaches Discord at least one window after this one.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from discord.ext import commands

from adapters.discord_bot.client import PaperclubBot, run_discord
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.errors import InvalidSetting
from bot.heap import settled_heap
from bot.store import Store

logger = logging.getLogger(__name__)

READY_GRACE_SECONDS = 30.0  # an IDENTIFY that never got its READY still held its bucket
CONNECT_TIMEOUT_SECONDS = 180.0  # discord.py's shard_connect_timeout, before bucket waits
BUCKET_WAIT_SECONDS = 24 * 3600.0  # a bucket is waited for as long as discord.py lets it
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """The shards one process runs, out of the bot's `count`."""

    ids: tuple[int, ...]
    count: int

    def __str__(self) -> str:
        return f"{_spans(self.ids)} of {self.count}"


def parse_shards(spec: str, count: int) -> ShardPlan:
    """`--shards 0-3,8 --shard-count 16` as a plan; a clear InvalidSetting otherwise."""
    if count < 1:
        raise InvalidSetting(f"--shard-count must be 1 or more (got {count}).")
    ids: list[int] = []
    for part in spec.replace(" ", "").split(","):
        found = _RANGE.match(part)
        if found is None:
            raise InvalidSetting(
                f"--shards '{spec[:40]}' is not a list of shard ids: use e.g. 0-3 or 0,2,5-7."
            )
        first = int(found.group(1))
        last = int(found.group(2) or first)
        if last < first:
            raise InvalidSetting(f"--shards range {part} runs backwards: write {last}-{first}.")
        ids.extend(range(first, last + 1))
    beyond = sorted(i for i in set(ids) if i >= count)
    if beyond:
        raise InvalidSetting(
            f"--shards {spec[:40]} names shard {beyond[0]}, but with --shard-count {count} "
            f"the shard ids are 0 to {count - 1}."
        )
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InvalidSetting(f"--shards {spec[:40]} names shard {twice[0]} more than once.")
    return ShardPlan(tuple(sorted(ids)), count)


def _spans(ids: tuple[int, ...]) -> str:
    spans: list[str] = []
    start = previous = ids[0]
    for shard in [*ids[1:], None]:
        if shard is not None and shard == previous + 1:
            previous = shard
            continue
        spans.append(str(start) if start == previous else f"{start}-{previous}")
        if shard is not None:
            start = previous = shard
    return ",".join(spans)


def identify_lock_name(shard_id: int, max_concurrency: int) -> str:
    """The database lock of the shard's IDENTIFY bucket."""
    return f"discord:identify:{shard_id % max_concurrency}"


class ShardedPaperclubBot(PaperclubBot, commands.AutoShardedBot):
    """PaperclubBot on discord.py's AutoShardedClient, for the shards of `plan`.

    Plain `paperclub run` keeps the unsharded PaperclubBot: one process, one connection,
    no `/gateway/bot` call and nothing paced across processes.
    """

    def __init__(
        self,
        services: Services,
        plan: ShardPlan,
        *,
        identify_window: float = 5.0,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        super().__init__(
            services,
            sync_commands=sync_commands,
            guild_ready_timeout=guild_ready_timeout,
            shard_ids=list(plan.ids),
            shard_count=plan.count,
            # Waiting for a bucket counts against discord.py's connect timeout: allow for
            # every shard of the bot queueing in one bucket.
            shard_connect_timeout=CONNECT_TIMEOUT_SECONDS + (identify_window + 1) * plan.count,
        )
        self.plan = plan
        self._store: Store = services.store
        self._identify_window = identify_window
        self._max_concurrency: int | None = None
        self._holds: set[asyncio.Task[None]] = set()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's IDENTIFY bucket, shared with every process of the bot."""
        if shard_id is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        name = identify_lock_name(shard_id, await self.max_concurrency())
        taken = asyncio.Event()
        hold = asyncio.create_task(self._hold_bucket(name, shard_id, taken))
        self._holds.add(hold)
        hold.add_done_callback(self._holds.discard)
        waiting = asyncio.create_task(taken.wait())
        try:
            await asyncio.wait({hold, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            if not taken.is_set():  # given up (discord.py's connect timeout): stop queueing
                hold.cancel()
        if not taken.is_set():
            hold.result()  # the lock could not be taken: discord.py retries the launch
        logger.debug("shard %s may IDENTIFY (bucket %s)", shard_id, name)

    async def _hold_bucket(self, name: str, shard_id: int, taken: asyncio.Event) -> None:
        async with self._store.held(name, wait=BUCKET_WAIT_SECONDS):
            ready = self.wait_for("shard_connect", check=lambda connected: connected == shard_id)
            taken.set()
            try:
                await asyncio.wait_for(ready, READY_GRACE_SECONDS)
            except TimeoutError:
                logger.warning("shard %s got no READY in %.0f s", shard_id, READY_GRACE_SECONDS)
            await asyncio.sleep(self._identify_window)

    async def max_concurrency(self) -> int:
        """IDENTIFY buckets per window, from `GET /gateway/bot` (1 when it cannot be read:
        the strictest pacing)."""
        if self._max_concurrency is None:
            try:
                limits = await self.fetch_session_start_limits()
                self._max_concurrency = max(1, int(limits.max_concurrency))
            except Exception as error:
                logger.warning(
                    "session start limits unknown, pacing as max_concurrency 1: %s", error
                )
                self._max_concurrency = 1
        return self._max_concurrency

    async def close(self) -> None:
        for hold in list(self._holds):
            hold.cancel()
        await super().close()


async def run_shards(settings: Settings, plan: ShardPlan) -> None:
    """Serve `plan`'s shards on the shared store until SIGTERM or SIGINT."""
    async with bootstrap(settings, shared=True) as club:
        club.library.dense_in_background = True  # as in `paperclub run`: questions never wait
        async with settled_heap():
            bot = ShardedPaperclubBot(
                club, plan, identify_window=settings.discord_identify_window_seconds
            )
            logger.info("Discord gateway for shards %s", plan)
            await _until_stopped(run_discord(club, settings, bot=bot))


async def _until_stopped(serving: Coroutine[Any, Any, None]) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(serving, name="discord-shards")
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
