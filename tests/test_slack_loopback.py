"""The loopback Slack itself, driven by the unmodified slack-bolt AsyncApp (no paperclub code)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.loopback.slack_payloads import app_mention_event, message_event, slash_command
from tests.loopback.slack_server import FakeSlack, signed_headers

SECRET = "loopback-signing-secret"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack.running() as fake:
        yield fake


def bolt_app(slack: FakeSlack, seen: list[dict[str, Any]]) -> AsyncApp:
    client = AsyncWebClient(token=slack.workspaces[0].bot_token, base_url=slack.api_url)
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.event("app_mention")
    async def mention(event: dict[str, Any], say: Any) -> None:
        seen.append(event)
        await say(text="hello", thread_ts=event["ts"])

    @app.command("/paperclub")
    async def command(ack: Any, command: dict[str, Any]) -> None:
        await ack(text="Working on it…")
        seen.append(command)

    return app


async def test_socket_mode_event_and_command_are_acked(slack: FakeSlack) -> None:
    seen: list[dict[str, Any]] = []
    app = bolt_app(slack, seen)
    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        envelope = await slack.send_event(app_mention_event(text="hi"))
        ack = await slack.wait_ack(envelope)
        assert ack.payload is None
        assert ack.at - envelope.sent_at < 3.0
        form = slash_command("/paperclub", "help", response_url=slack.response_url("c1"))
        command_envelope = await slack.send_command(form)
        command_ack = await slack.wait_ack(command_envelope)
        assert command_ack.payload == {"text": "Working on it…"}
        await slack.wait_calls("chat.postMessage")
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
    assert slack.connections_opened == 1
    assert [c.method for c in slack.calls][:2] == ["apps.connections.open", "auth.test"]
    post = slack.calls_to("chat.postMessage")[0]
    assert post.params["text"] == "hello" and post.params["team_id"] == "T111"
    assert [e.get("type") for e in seen] == ["app_mention", None]
    assert seen[1]["text"] == "help"


async def test_disconnect_reconnects_and_acks_flow(slack: FakeSlack) -> None:
    app = bolt_app(slack, [])
    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await slack.wait_connected()
        await slack.disconnect()
        await slack.wait_connected()
        envelope = await slack.send_event(app_mention_event())
        await slack.wait_ack(envelope)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
    assert slack.connections_opened == 2


async def test_429_with_retry_after_then_success(slack: FakeSlack) -> None:
    client = AsyncWebClient(token=slack.workspaces[0].bot_token, base_url=slack.api_url)
    slack.fail_next("chat.postMessage", skip=1)
    await client.chat_postMessage(channel="C111", text="first")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C111", text="second")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    slack.fail_next("chat.postMessage", retry_after=0)
    started = time.monotonic()
    await client.chat_postMessage(channel="C111", text="third")
    assert time.monotonic() - started < 1.5
    assert [m.text for m in slack.top_level("T111", "C111")] == ["first", "third"]


async def test_limits_are_enforced_like_slack(slack: FakeSlack) -> None:
    client = AsyncWebClient(token=slack.workspaces[0].bot_token, base_url=slack.api_url)
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postMessage(channel="C111", text="t", blocks=[header])
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postMessage(channel="C111", text="t", blocks=[section])
    slack.fail_next("chat.update", status=200, error="cant_update_message")
    posted = await client.chat_postMessage(channel="C111", text="ok")
    with pytest.raises(SlackApiError, match="cant_update_message"):
        await client.chat_update(channel="C111", ts=posted["ts"], text="new")


async def test_http_mode_signatures(slack: FakeSlack) -> None:
    seen: list[dict[str, Any]] = []
    app = bolt_app(slack, seen)
    runner = web.AppRunner(AsyncSlackAppServer(port=0, path="/slack/events", app=app).web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/slack/events"
    body = json.dumps(app_mention_event()).encode()
    try:
        async with aiohttp.ClientSession() as http:
            ok = signed_headers(SECRET, body, content_type="application/json")
            async with http.post(url, data=body, headers=ok) as r:
                assert r.status == 200
            bad = signed_headers("wrong", body, content_type="application/json")
            async with http.post(url, data=body, headers=bad) as r:
                assert r.status == 401
            stale = signed_headers(SECRET, body, content_type="application/json", age_seconds=301)
            async with http.post(url, data=body, headers=stale) as r:
                assert r.status == 401
    finally:
        await runner.cleanup()
    assert len(seen) == 1


def test_fixture_builders_keep_real_shapes() -> None:
    body = message_event(text="What is the loss?", thread_ts="1.000100")
    assert body["type"] == "event_callback" and body["api_app_id"] == "A111"
    assert body["event"]["thread_ts"] == "1.000100"
    assert body["event"]["blocks"][0]["type"] == "rich_text"
