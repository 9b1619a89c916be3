"""How long sharded gateway processes take to IDENTIFY every shard, paced per bucket.

Starts a real PostgreSQL (tests/postgres_server.py) and the loopback Discord, then, for
each layout, P `paperclub discord` gateways (`run_shards`, in one event loop, each with
its own store and bot) for N shards with the gateway's `max_concurrency` M, all started
at once. Prints the time until every shard was READY, the most IDENTIFYs the gateway
received within one window (Discord allows M), and the floor the rule sets:
(ceil(N / M) - 1) windows. The window is shortened (`--window`, default 0.5 s) so a run
takes seconds; the last column puts Discord's 5 s windows in (the floor scaled, the rest,
connecting and READY, as measured). The last row is the same first layout with
discord.py's own hook (each process sleeps 5 s between its own IDENTIFYs and knows
nothing of the others): what the database lock prevents.

    python bench/discord_shards.py [--window 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord

from adapters.discord_bot.sharding import ShardedPaperclubBot, parse_shards, run_shards
from bot.config import Settings
from tests.loopback.discord_server import FakeDiscord, Identify, pointed_at
from tests.postgres_server import PostgresServer

LAYOUTS = [(8, 2, 1), (8, 4, 1), (16, 4, 4), (16, 2, 16)]  # shards, processes, max_concurrency


def most_in_one_window(identifies: list[Identify], window: float) -> int:
    times = sorted(i.received_at for i in identifies)
    return max(len([t for t in times if start <= t < start + window]) for start in times)


async def one_layout(
    server: PostgresServer,
    folder: Path,
    shards: int,
    processes: int,
    concurrency: int,
    window: float,
) -> tuple[float, int]:
    database = server.new_database()
    per_process = shards // processes
    async with FakeDiscord(max_concurrency=concurrency) as fake:
        with pointed_at(fake):
            started = time.perf_counter()
            tasks = []
            for index in range(processes):
                first = index * per_process
                settings = Settings(
                    _env_file=None,  # type: ignore[call-arg]
                    db_url=database,
                    db_path=folder / "unused.db",
                    llm="extractive",
                    embeddings=False,
                    discord_identify_window_seconds=window,
                    DISCORD_TOKEN=f"bench-{index}",
                )
                plan = parse_shards(f"{first}-{first + per_process - 1}", shards)
                tasks.append(asyncio.create_task(run_shards(settings, plan)))
            while fake.ready_sessions < shards:
                if any(task.done() for task in tasks):
                    for task in tasks:
                        if task.done():
                            task.result()
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - started
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return elapsed, most_in_one_window(fake.identifies, window)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=0.5, help="IDENTIFY window, seconds")
    args = parser.parse_args()
    for name in list(os.environ):
        if name.startswith(("PAPERCLUB_", "DISCORD_")):
            del os.environ[name]
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            print(f"IDENTIFY window {args.window} s here; Discord's is 5 s (last column)")
            print(
                f"{'shards':>6} {'procs':>5} {'max_conc':>8} {'all READY s':>11} "
                f"{'floor s':>7} {'most per window':>15} {'≈ at 5 s':>14}"
            )
            for shards, processes, concurrency, unpaced in [
                *((*layout, False) for layout in LAYOUTS),
                (*LAYOUTS[0], True),
            ]:
                paced_hook = ShardedPaperclubBot.before_identify_hook
                if unpaced:
                    ShardedPaperclubBot.before_identify_hook = (  # type: ignore[method-assign]
                        discord.Client.before_identify_hook
                    )
                try:
                    elapsed, most = await one_layout(
                        server, Path(folder), shards, processes, concurrency, args.window
                    )
                finally:
                    ShardedPaperclubBot.before_identify_hook = paced_hook  # type: ignore[method-assign]
                windows = math.ceil(shards / concurrency) - 1
                floor = windows * args.window
                # discord.py's own hook already sleeps Discord's real 5 s.
                at_discord = elapsed if unpaced else elapsed - floor + windows * 5.0
                label = " (discord.py's hook: unpaced)" if unpaced else ""
                print(
                    f"{shards:>6} {processes:>5} {concurrency:>8} {elapsed:>11.2f} "
                    f"{floor:>7.2f} {most:>11} (≤{concurrency}) {at_discord:>12.1f} s{label}"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
