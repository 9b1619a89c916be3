"""Posting to Slack without receiving from it: the Chat a `paperclub worker` delivers
digests, notices and answers through, over the Web API only (no Socket Mode, no HTTP
receiver)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import aiohttp

from adapters.slack_app.chat import SlackChat
from adapters.slack_app.distribution import client_id_of, oauth_configured
from adapters.slack_app.installations import open_installations
from adapters.slack_app.runner import make_client
from adapters.slack_app.team_clients import InstalledTeams
from bot.config import Settings
from bot.errors import PlatformMisconfigured


@asynccontextmanager
async def slack_worker_chat(
    settings: Settings, session: aiohttp.ClientSession, *, post_interval: float = 1.0
) -> AsyncIterator[SlackChat]:
    """A SlackChat for as long as the block runs: each team's own token from the
    installation store when the app is distributed (PAPERCLUB_SLACK_CLIENT_ID/SECRET),
    else SLACK_BOT_TOKEN for every team. Every call reuses `session`'s connections.

    A context manager, not a plain function: the installation store's database
    connections are closed when the block ends."""
    factory = partial(make_client, api_url=settings.slack_api_url, session=session)
    if oauth_configured(settings):
        async with open_installations(settings.database, client_id_of(settings)) as stores:
            teams = InstalledTeams(stores.installation_store, factory)
            yield SlackChat(teams, post_interval=post_interval)
        return
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        raise PlatformMisconfigured(
            "Slack is not configured: set SLACK_BOT_TOKEN (one workspace) or "
            "PAPERCLUB_SLACK_CLIENT_ID and PAPERCLUB_SLACK_CLIENT_SECRET (a distributed "
            "app, docs/slack-distribution.md)."
        )
    yield SlackChat(
        factory(settings.slack_bot_token.get_secret_value()), post_interval=post_interval
    )
