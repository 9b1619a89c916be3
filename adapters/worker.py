"""`paperclub worker`: a job-queue worker of a hosted paperclub (PostgreSQL only).

Any number of workers run beside the receivers (`paperclub slack-http`, `paperclub
discord --shards …`); together they run every channel's weekly digest once, the
club's minute jobs (picks, reminders) and the recovery of jobs whose worker died
(bot/jobs/). A worker has no gateway or Socket Mode connection: it posts through
the platforms' Web APIs with the bot tokens.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import aiohttp
from rich.console import Console

from adapters.discord_bot.rest_chat import discord_rest_chat
from adapters.slack_app.distribution import oauth_configured
from adapters.slack_app.votes_ui import CardVotes
from adapters.slack_app.worker_chat import slack_worker_chat
from adapters.stop_signals import stop_requested
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import Platform
from bot.heap import settled_heap
from bot.jobs.queue import run_worker, worker_name

log = logging.getLogger(__name__)


def slack_configured(settings: Settings) -> bool:
    return settings.slack_bot_token is not None or oauth_configured(settings)


async def run_queue_worker(settings: Settings, console: Console) -> None:
    with stop_requested() as stop:
        async with (
            bootstrap(settings, shared=True) as club,
            aiohttp.ClientSession() as session,
            AsyncExitStack() as platforms,
        ):
            if slack_configured(settings):
                chat = await platforms.enter_async_context(
                    slack_worker_chat(settings, session, post_interval=settings.slack_post_interval)
                )
                cards = CardVotes(chat, club.outbound, club.channels)  # the 🗳️ button
                chat.decorate_card, chat.card_posted = cards.decorate, cards.posted
                club.chats.attach(Platform.SLACK, chat)
            if settings.discord_token is not None:
                discord_chat = await platforms.enter_async_context(discord_rest_chat(club))
                club.chats.attach(Platform.DISCORD, discord_chat)
            async with settled_heap():
                console.print(f"paperclub worker {worker_name()}: working the queue; Ctrl+C stops.")
                await run_worker(club, settings, stop)
    console.print("paperclub worker stopped.")
