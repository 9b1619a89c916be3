"""Starting the Slack app: Socket Mode when an app token is set, HTTP mode otherwise."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.app import build_slack_app
from bot.bootstrap import Services
from bot.config import Settings
from bot.domain import Platform
from bot.errors import PlatformMisconfigured

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
_TIMESTAMP = re.compile(r"[0-9]{1,15}")


def make_client(
    token: str | None,
    *,
    api_url: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """A Web API client that waits out 429s (Retry-After) and retries dropped connections.

    slack_sdk retries neither rate limits by default nor more than once on a connection error.
    With `session`, every call reuses its connections (without one, slack_sdk opens a new
    session, and a new TLS connection, for each call). `token` None: a distributed app's
    client, whose token bolt sets for each request's team.
    """
    return AsyncWebClient(
        token=token,
        base_url=api_url or AsyncWebClient.BASE_URL,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


async def serve_http(app: AsyncApp, host: str, port: int) -> tuple[web.AppRunner, int]:
    """bolt's aiohttp server (signature + 5-minute timestamp check) on our own runner."""
    server = AsyncSlackAppServer(port=port, path=EVENTS_PATH, app=app, host=host)
    server.web_app.middlewares.append(_reject_malformed_timestamp)
    runner = web.AppRunner(server.web_app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, int(runner.addresses[0][1])


@web.middleware
async def _reject_malformed_timestamp(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A request-timestamp that is not an integer is unsigned, not a crash: bolt's
    verifier calls int() on it and answers 500, so it is refused here with 401."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp):
        return web.json_response({"error": "invalid request"}, status=401)
    return await handler(request)


async def run_slack(
    club: Services,
    settings: Settings,
    *,
    api_url: str | None = None,  # default: settings.slack_api_url (PAPERCLUB_SLACK_API_URL)
    http_host: str = "0.0.0.0",
) -> None:
    """Run until cancelled. Needs SLACK_BOT_TOKEN, plus SLACK_APP_TOKEN (Socket Mode) or
    SLACK_SIGNING_SECRET (HTTP mode, events at http://<host>:<slack_http_port>/slack/events)."""
    if settings.slack_bot_token is None:
        raise PlatformMisconfigured(
            "SLACK_BOT_TOKEN is not set; see docs/slack.md to create the app."
        )
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    if app_token is None and secret is None:
        raise PlatformMisconfigured(
            "Set SLACK_APP_TOKEN (Socket Mode, recommended) or SLACK_SIGNING_SECRET (HTTP mode)."
        )
    async with aiohttp.ClientSession() as session:
        client = make_client(
            settings.slack_bot_token.get_secret_value(),
            api_url=api_url or settings.slack_api_url,
            session=session,
        )
        await _serve_slack(club, settings, client, app_token, secret, http_host)


async def _serve_slack(
    club: Services,
    settings: Settings,
    client: AsyncWebClient,
    app_token: str | None,
    secret: str | None,
    http_host: str,
) -> None:
    identity = await check_token(client)
    log.info("Slack: connected as %s in %s", identity.get("user"), identity.get("team"))
    app, chat = build_slack_app(
        club,
        client,
        signing_secret=None if app_token else secret,
        workspaces={identity.get("team_id", "")},
    )
    club.chats.attach(Platform.SLACK, chat)
    if app_token is not None:
        handler = AsyncSocketModeHandler(app, app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack: Socket Mode connected")
        try:
            await asyncio.Event().wait()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
    else:
        runner, port = await serve_http(app, http_host, settings.slack_http_port)
        log.info("Slack: HTTP mode, events at http://%s:%d%s", http_host, port, EVENTS_PATH)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


async def check_token(client: AsyncWebClient) -> dict[str, str]:
    """Fail at start-up, with advice, rather than on the first event."""
    try:
        response = await client.auth_test()
    except SlackApiError as e:
        raise PlatformMisconfigured(
            f"Slack rejected SLACK_BOT_TOKEN ({e.response.get('error')}). "
            "Copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page."
        ) from e
    return {k: str(v) for k, v in response.data.items()} if isinstance(response.data, dict) else {}
