"""`paperclub run`: the club, its scheduler and every enabled platform in one event loop.

Started in order (club, platforms, scheduler) and stopped in reverse on SIGTERM or
SIGINT. A digest cut short by the stop resumes on the next start: the scheduler's
catch-up and the service's post keys finish it without posting anything twice.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from rich.console import Console

from adapters.console import ConsoleChat
from adapters.stop_signals import stop_requested
from bot.bootstrap import TERMINAL, Services, bootstrap
from bot.config import Settings
from bot.domain import Platform
from bot.errors import PaperclubError
from bot.heap import freeze_heap, settled_heap
from bot.publishing.keys import channel_name
from bot.schedule.scheduler import DigestScheduler
from bot.schedule.weekly import describe_schedule

log = logging.getLogger(__name__)

PLATFORM_HELP = (
    "No platform token is set, so paperclub runs in this terminal.\n"
    "  Discord: set DISCORD_TOKEN.\n"
    "  Slack: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode), "
    "or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode)."
)


def transcript_path(settings: Settings) -> Path:
    return settings.db_path.with_suffix(".terminal.jsonl")


async def run_bot(settings: Settings, console: Console) -> None:
    try:
        with stop_requested() as stop:
            async with bootstrap(settings) as club:
                await _serve(club, settings, console, stop)
    except* PaperclubError as group:
        raise group.exceptions[0] from None  # one clear message for the CLI, not a group
    console.print("paperclub stopped.")


async def _serve(club: Services, settings: Settings, console: Console, stop: asyncio.Event) -> None:
    scheduler = club.scheduler
    club.library.dense_in_background = True  # first questions never wait for embeddings
    platforms: list[asyncio.Task[None]] = []
    starting = _platforms(club, settings)  # imports the platforms' libraries
    try:
        async with settled_heap(), asyncio.TaskGroup() as group:
            for name, platform in starting:
                platforms.append(group.create_task(platform, name=name))
            if not platforms:
                await _start_terminal(club, settings, console)
            decisions = await scheduler.start()
            for decision in decisions:
                if decision.missed:
                    console.print(f"{channel_name(decision.conversation)}: {decision.reason}")
            _print_next_runs(scheduler, console)
            warming = group.create_task(warm_embedder(club), name="warm-embedder")
            console.print("Running; press Ctrl+C to stop.")
            await stop.wait()
            console.print("Stopping…")
            warming.cancel()
            for task in reversed(platforms):
                task.cancel()
    finally:
        await scheduler.shutdown()


WARM_AFTER_SECONDS = 3.0  # the platforms' connect and first events come first


async def warm_embedder(club: Services, delay: float = WARM_AFTER_SECONDS) -> None:
    """Start the embedding workers and load their model in the background once the
    platforms have had time to connect, so the first question does not wait for torch. A
    daemon thread: a stop during the load is not held up by it."""
    await asyncio.sleep(delay)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bool] = loop.create_future()

    def load() -> None:
        try:
            result = club.library.warm_embedder()
        except Exception as error:  # warming is a courtesy: the first use tries again
            log.warning("embedding model not warmed: %s", error)
            result = False

        def settle() -> None:
            if not done.done():
                done.set_result(result)

        if not loop.is_closed():
            loop.call_soon_threadsafe(settle)

    threading.Thread(target=load, name="warm-embedder", daemon=True).start()
    if await done:
        freeze_heap()  # the worker pool's modules and state: collections never walk them
        log.info("embedding model loaded")


def _platforms(club: Services, settings: Settings) -> list[tuple[str, Coroutine[Any, Any, None]]]:
    platforms: list[tuple[str, Coroutine[Any, Any, None]]] = []
    if settings.discord_token is not None:
        from adapters.discord_bot.client import run_discord

        platforms.append(("discord", run_discord(club, settings)))
    if settings.slack_bot_token is not None:
        from adapters.slack_app.runner import run_slack

        platforms.append(("slack", run_slack(club, settings)))
    return platforms


async def _start_terminal(club: Services, settings: Settings, console: Console) -> None:
    club.chats.attach(Platform.CONSOLE, ConsoleChat(console, transcript_path(settings)))
    if await club.store.channel(TERMINAL) is None:
        channel = await club.channels.subscribe(TERMINAL)
        console.print(
            f"Subscribed this terminal to the weekly digest ({describe_schedule(channel)})."
        )
    console.print(PLATFORM_HELP)


def _print_next_runs(scheduler: DigestScheduler, console: Console) -> None:
    runs = scheduler.next_runs()
    if not runs:
        console.print("No channel is subscribed to the weekly digest.")
    for channel, when in runs:
        console.print(
            f"Next digest for {channel_name(channel.conversation)}: "
            f"{when.strftime('%a %Y-%m-%d %H:%M %Z')} ({channel.timezone})"
        )
