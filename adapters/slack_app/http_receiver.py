"""`paperclub slack-http`: Slack's events, commands and interactivity over HTTP, with the
OAuth install routes when the app is distributed, for as many processes as the load
needs behind any load balancer.

It keeps nothing of its own between requests: installations, OAuth states, event dedupe
and everything the club knows are in the shared PostgreSQL database (the store is opened
with `bootstrap(shared=True)`, which refuses SQLite). It runs no schedules: `paperclub
worker` does. Answers to questions asked here are posted from here, as in `paperclub run`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial

import aiohttp
from rich.console import Console

from adapters.slack_app.app import build_slack_app
from adapters.slack_app.distribution import client_id_of, distribution, oauth_configured
from adapters.slack_app.installations import open_installations
from adapters.slack_app.runner import EVENTS_PATH, check_token, make_client, serve_http
from adapters.stop_signals import stop_requested
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import Platform
from bot.errors import PlatformMisconfigured
from bot.heap import settled_heap

log = logging.getLogger(__name__)


def signing_secret_of(settings: Settings) -> str:
    secret = settings.slack_signing_secret
    if secret is None or not secret.get_secret_value():
        raise PlatformMisconfigured(
            "SLACK_SIGNING_SECRET is not set: `paperclub slack-http` checks every request "
            "against it (Basic Information > App Credentials > Signing Secret)."
        )
    return secret.get_secret_value()


@asynccontextmanager
async def slack_http_receiver(
    club: Services, settings: Settings, *, host: str, port: int
) -> AsyncIterator[int]:
    """Serve Slack at http://host:port/slack/events (and /slack/install,
    /slack/oauth_redirect when distributed) while the block runs; yields the port bound
    (`port` 0: any free one)."""
    secret = signing_secret_of(settings)
    distributed = oauth_configured(settings)
    if not distributed and settings.slack_bot_token is None:
        raise PlatformMisconfigured(
            "Set PAPERCLUB_SLACK_CLIENT_ID and PAPERCLUB_SLACK_CLIENT_SECRET (a distributed "
            "app, docs/slack-distribution.md) or SLACK_BOT_TOKEN (one workspace)."
        )
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        if distributed:
            stores = await stack.enter_async_context(
                open_installations(settings.database, client_id_of(settings))
            )
            factory = partial(make_client, api_url=settings.slack_api_url, session=session)
            app, chat = build_slack_app(
                club,
                make_client(None, api_url=settings.slack_api_url, session=session),
                signing_secret=secret,
                distributed=distribution(settings, stores, factory),
            )
        else:
            assert settings.slack_bot_token is not None
            client = make_client(
                settings.slack_bot_token.get_secret_value(),
                api_url=settings.slack_api_url,
                session=session,
            )
            identity = await check_token(client)
            app, chat = build_slack_app(
                club, client, signing_secret=secret, workspaces={identity.get("team_id", "")}
            )
        club.chats.attach(Platform.SLACK, chat)
        runner, bound = await serve_http(app, host, port)
        stack.push_async_callback(runner.cleanup)
        log.info(
            "Slack HTTP receiver on http://%s:%d%s (%s)",
            host,
            bound,
            EVENTS_PATH,
            "every installed workspace" if distributed else "one workspace token",
        )
        yield bound


async def run_slack_http(settings: Settings, console: Console, *, host: str, port: int) -> None:
    """Until SIGTERM or Ctrl+C: the store shared with the other processes, no scheduler."""
    signing_secret_of(settings)  # refuse a missing setting before opening anything
    oauth_configured(settings)
    with stop_requested() as stop:
        async with (
            bootstrap(settings, shared=True) as club,
            slack_http_receiver(club, settings, host=host, port=port) as bound,
        ):
            async with settled_heap():
                console.print(f"Slack HTTP receiver on {host}:{bound}; press Ctrl+C to stop.")
                await stop.wait()
    console.print("paperclub slack-http stopped.")
