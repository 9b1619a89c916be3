"""Slack security (issue 13), each through the real slack-bolt app and the loopback Slack:
secrets and mass mentions never reach Slack, `/paperclub ask` reads no local file,
admin commands follow `admin_rule`, other workspaces are refused, the Web API base URL
is a setting, a malformed request timestamp is a 401, and search shows only this
channel's threads."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import yaml
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack_app import build_slack_app, make_client, run_slack, serve_http
from adapters.slack_app.admins import needs_manager
from adapters.slack_app.commands import parse_command
from adapters.slack_app.payloads import team_of
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform
from tests.loopback.openai_server import OpenAIServer, echo_model
from tests.loopback.slack_payloads import message_event, slash_command
from tests.loopback.slack_server import FakeSlack, Workspace, eventually, signed_headers
from tests.test_slack_adapter import PAPER, Club

BOT_TOKEN = "xoxb-sec.fake.token"  # not shaped like a real token (secret scanners)
APP_TOKEN = "xapp-1-A111-security-0123456789"
SIGNING_SECRET = "signing-secret-security-0123456789"
OPENAI_KEY = "sk-security-0123456789abcdef"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, OPENAI_KEY)
LIVE_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
QUOTE = "We show that the diameter of these graphs on fibers"
C1 = ConversationRef(Platform.SLACK, "T111", "C111")


def everything_sent(slack: FakeSlack) -> str:
    """Every body paperclub sent to Slack: Web API calls, response_url posts, acks."""
    parts = [json.dumps(c.params, ensure_ascii=False) for c in slack.calls]
    parts += [json.dumps(r.body, ensure_ascii=False) for r in slack.responses]
    parts += [json.dumps(a.payload, ensure_ascii=False) for a in slack.acks]
    return "\n".join(parts)


@asynccontextmanager
async def running(
    settings: Settings, *, members: dict[str, dict[str, bool]] | None = None
) -> AsyncIterator[Club]:
    workspace = Workspace("T111", "Club One", BOT_TOKEN)
    if members is not None:
        workspace.members = members
    async with (
        FakeSlack.running(workspaces=[workspace]) as slack,
        bootstrap(settings) as services,
    ):
        client = make_client(BOT_TOKEN, api_url=slack.api_url)
        app, chat = build_slack_app(services, client, post_interval=0.0, workspaces=("T111",))
        services.chats.attach(Platform.SLACK, chat)
        handler = AsyncSocketModeHandler(app, slack.app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        try:
            yield Club(slack, services, chat, handler)
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]


async def shown(club: Club, text: str, **kwargs: str) -> str:
    """`/paperclub <text>` as member `user_id` (default W222, an admin in the loopback)."""
    club.sent += 1
    name = f"sec{club.sent}"
    form = slash_command("/paperclub", text, response_url=club.slack.response_url(name), **kwargs)
    await club.slack.wait_ack(await club.slack.send_command(form))
    return json.dumps((await club.result(name)).body, ensure_ascii=False)


# ---- every adapter-written reply is cleaned -------------------------------------------------


async def test_ask_answer_echoing_secrets_and_everyone_is_cleaned(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    leak = " ".join(SECRETS)

    def model(body: dict[str, Any]) -> str:
        if body.get("response_format"):
            return echo_model(body)
        return f'@everyone the keys are {leak}. The paper says [1] it is bounded.\n[1] "{QUOTE}"'

    openai_server.reply = model
    settings = make_settings(
        llm="openai",
        openai_api_key=OPENAI_KEY,
        openai_base_url=openai_server.base_url,
        llm_retries=0,
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
    )
    async with running(settings) as club:
        await shown(club, f"ask {PAPER} What is the diameter bounded by?")
        [root] = club.slack.top_level("T111", "C111")  # the answer is in the paper's thread
        answer = json.dumps(
            [m.blocks for m in club.slack.thread("T111", "C111", root.ts)], ensure_ascii=False
        )
        assert "[redacted]" in answer, answer
        assert "@\u200beveryone" in answer
        sent = everything_sent(club.slack)
    for secret in SECRETS:
        assert secret not in sent
    assert not LIVE_MASS_MENTION.search(sent), sent


# ---- 1. `/paperclub ask` reads no local file --------------------------------------------------


@pytest.mark.parametrize("form", ["etc-passwd", "absolute", "home", "file-url", "relative"])
async def test_ask_refuses_local_paths_without_reading_them(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    form: str,
) -> None:
    marker = f"MARKER-{uuid.uuid4().hex}"
    notes = tmp_path / "x.md"
    notes.write_text(f"# Private notes\n\n{marker} is the password.\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    reference = {
        "etc-passwd": "/etc/passwd",
        "absolute": str(notes),
        "home": "~/x.md",
        "file-url": f"file://{notes}",
        "relative": "./x.md",
    }[form]
    async with running(make_settings()) as club:
        result = await shown(club, f"ask {reference} what is in it")
        assert "is not an arXiv paper reference" in result, result
        sent = everything_sent(club.slack)
    assert marker not in sent
    assert "root:x:" not in sent


# ---- 2. admin commands follow admin_rule --------------------------------------------------------

MEMBERS = {
    "W222": {"is_admin": True},
    "W500": {"is_owner": True},
    "W501": {"is_primary_owner": True},
}
ADMIN_COMMANDS = [
    "subscribe",
    "unsubscribe",
    "settings language=ja",
    "digest dry-run",
    "pick",
    f"present {PAPER} me",
]


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_admin_commands_are_refused_to_ordinary_members(
    make_settings: Callable[..., Settings], command: str
) -> None:
    async with running(make_settings(), members=MEMBERS) as club:
        before = await club.club.channels.channel_settings(C1)
        result = await shown(club, command, user_id="W333")
        assert "Only workspace admins and owners" in result, result
        assert "PAPERCLUB_SLACK_ADMIN_USERS" in result and "Ask one of them" in result
        assert await club.club.channels.channel_settings(C1) == before
        assert club.slack.top_level("T111", "C111") == []
        assert [c.params["user"] for c in club.slack.calls_to("users.info")] == ["W333"]


async def test_admins_owners_and_listed_members_may_and_read_only_commands_stay_open(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(slack_admin_users="W777,W778")
    async with running(settings, members=MEMBERS) as club:
        for user in ("W222", "W500", "W501", "W777"):
            assert "Only workspace admins" not in await shown(club, "subscribe", user_id=user)
        assert (await club.club.channels.channel_settings(C1)).subscribed
        looked_up = [c.params["user"] for c in club.slack.calls_to("users.info")]
        assert looked_up == ["W222", "W500", "W501"]  # the allow-list needs no lookup
        await shown(club, "unsubscribe", user_id="W500")
        assert len(club.slack.calls_to("users.info")) == 3  # cached per (team, user)
        for command in ("help", "settings", "search markov", f"save {PAPER}", "saved"):
            result = await shown(club, command, user_id="W333")
            assert "Only workspace admins" not in result, (command, result)


async def test_everyone_rule_lets_any_member_run_admin_commands(
    make_settings: Callable[..., Settings],
) -> None:
    async with running(make_settings(admin_rule="everyone"), members={}) as club:
        assert "Subscribed" in await shown(club, "subscribe", user_id="W333")
        assert club.slack.calls_to("users.info") == []


async def test_failed_lookup_refuses_and_is_not_cached(
    make_settings: Callable[..., Settings],
) -> None:
    async with running(make_settings(), members=MEMBERS) as club:
        club.slack.fail_next("users.info", status=200, error="ratelimited")
        assert "Only workspace admins" in await shown(club, "subscribe")
        assert "Only workspace admins" not in await shown(club, "subscribe")


# ---- 3. other workspaces are refused --------------------------------------------------------------


async def test_signed_command_and_event_from_another_workspace_are_refused(
    make_settings: Callable[..., Settings],
) -> None:
    workspaces = [Workspace("T111", "Club One", BOT_TOKEN), Workspace("T999", "Other", BOT_TOKEN)]
    workspaces[1].members = {"W222": {"is_admin": True}}
    async with (
        FakeSlack.running(workspaces=workspaces) as slack,
        bootstrap(make_settings()) as services,
    ):
        client = make_client(BOT_TOKEN, api_url=slack.api_url)
        # No `workspaces`: the installed one is the bot token's own, from auth.test.
        app, chat = build_slack_app(
            services, client, signing_secret=SIGNING_SECRET, post_interval=0.0
        )
        services.chats.attach(Platform.SLACK, chat)
        runner, port = await serve_http(app, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{port}/slack/events"
        elsewhere = ConversationRef(Platform.SLACK, "T999", "C111")
        try:
            async with aiohttp.ClientSession() as http:
                form = urlencode(
                    slash_command(
                        "/paperclub",
                        "subscribe",
                        response_url=slack.response_url("x"),
                        team_id="T999",
                    )
                ).encode()
                headers = signed_headers(
                    SIGNING_SECRET, form, content_type="application/x-www-form-urlencoded"
                )
                async with http.post(url, data=form, headers=headers) as r:
                    assert r.status == 200
                    text = await r.text()
                assert "installed for another Slack workspace" in text, text
                event = json.dumps(
                    message_event(team_id="T999", text="hello?", thread_ts="1.000100")
                ).encode()
                h = signed_headers(SIGNING_SECRET, event, content_type="application/json")
                async with http.post(url, data=event, headers=h) as r:
                    assert r.status == 200
                await asyncio.sleep(0.3)
                assert not (await services.channels.channel_settings(elsewhere)).subscribed
                assert slack.responses == []
                assert {c.method for c in slack.calls} == {"auth.test"}

                ours = urlencode(
                    slash_command("/paperclub", "subscribe", response_url=slack.response_url("o"))
                ).encode()
                h = signed_headers(
                    SIGNING_SECRET, ours, content_type="application/x-www-form-urlencoded"
                )
                async with http.post(url, data=ours, headers=h) as r:
                    assert r.status == 200
                await eventually(lambda: any(r.path == "o" for r in slack.responses))
                await eventually(
                    lambda: "Subscribed" in json.dumps([r.body for r in slack.responses])
                )
                assert (await services.channels.channel_settings(C1)).subscribed
        finally:
            await runner.cleanup()


# ---- 4. the Web API base URL is a setting ---------------------------------------------------------


async def test_slack_api_url_setting_points_the_real_client(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeSlack.running(workspaces=[Workspace("T111", "Club One", BOT_TOKEN)]) as slack:
        monkeypatch.setenv("PAPERCLUB_SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_APP_TOKEN", slack.app_token)
        settings = make_settings()
        assert settings.slack_api_url == slack.api_url
        async with bootstrap(settings) as services:
            task = asyncio.create_task(run_slack(services, settings))
            try:
                await slack.wait_connected()
                envelope = await slack.send_command(
                    slash_command("/paperclub", "help", response_url=slack.response_url("h"))
                )
                await slack.wait_ack(envelope)
            finally:
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
        assert [c.method for c in slack.calls][:2] == ["auth.test", "apps.connections.open"]


# ---- 5. a malformed request timestamp is a 401 ----------------------------------------------------


@pytest.mark.parametrize("timestamp", ["abc", "", "12.5", "1e9", " 1"])
async def test_non_integer_timestamp_is_401_not_500(
    make_settings: Callable[..., Settings], timestamp: str
) -> None:
    async with (
        FakeSlack.running(workspaces=[Workspace("T111", "Club One", BOT_TOKEN)]) as slack,
        bootstrap(make_settings()) as services,
    ):
        client = make_client(BOT_TOKEN, api_url=slack.api_url)
        app, _ = build_slack_app(services, client, signing_secret=SIGNING_SECRET)
        runner, port = await serve_http(app, "127.0.0.1", 0)
        try:
            body = json.dumps(message_event(text="hi", thread_ts="1.000100")).encode()
            headers = signed_headers(SIGNING_SECRET, body, content_type="application/json")
            headers["X-Slack-Request-Timestamp"] = timestamp
            async with (
                aiohttp.ClientSession() as http,
                http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as r,
            ):
                assert r.status == 401
                assert await r.json() == {"error": "invalid request"}
        finally:
            await runner.cleanup()
        assert slack.calls == []


# ---- 6. search names only this channel's threads --------------------------------------------------


async def test_search_never_names_a_channel_the_member_cannot_see(
    make_settings: Callable[..., Settings],
) -> None:
    private = ConversationRef(Platform.SLACK, "T111", "GPRIVATE1")
    async with running(make_settings()) as club:
        thread = await club.club.papers.summon_paper(private, PAPER)
        public = await shown(club, "search markov", channel_id="C111")
        assert "No paper" in public, public
        assert "GPRIVATE1" not in public and thread.root_id.replace(".", "") not in public
        here = await shown(club, "search markov", channel_id="GPRIVATE1")
        assert PAPER in here and "/archives/GPRIVATE1/" in here


# ---- the rules on their own -----------------------------------------------------------------------


def test_which_commands_need_a_manager() -> None:
    def needs(text: str) -> bool:
        return needs_manager(parse_command("/paperclub", text))

    assert all(needs(c) for c in ADMIN_COMMANDS)
    assert needs("settings timezone=Asia/Tokyo") and not needs("settings")
    for open_to_all in ("help", f"paper {PAPER}", f"ask {PAPER} why?", "search x", "saved"):
        assert not needs(open_to_all), open_to_all
    assert needs_manager(parse_command("/subscribe", ""))  # the manifest's extra commands too


def test_team_of_reads_commands_events_and_interactive_payloads() -> None:
    assert team_of({"team_id": "T1"}) == "T1"
    assert team_of({"type": "block_actions", "team": {"id": "T2"}}) == "T2"
    assert team_of({}) == ""


def test_the_manifest_grants_the_scope_the_admin_check_needs() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[1] / "slack_manifest.yaml").read_text())
    assert "users:read" in manifest["oauth_config"]["scopes"]["bot"]
