"""Slack for many workspaces: bolt's OAuth install flow, slack_sdk's installation and state
stores on paperclub's database (a SQLite file, then a real PostgreSQL), per-team tokens
for every post, and `paperclub slack-http` receiving signed requests from installed and
uninstalled teams. Real bolt and slack_sdk against the loopback Slack throughout."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import yaml  # type: ignore[import-untyped]
from pydantic import SecretStr
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.web.async_client import AsyncWebClient

from adapters.cli import main
from adapters.logging_setup import RedactSecrets
from adapters.slack_app.http_receiver import slack_http_receiver
from adapters.slack_app.installations import SlackInstallations, open_installations
from adapters.slack_app.runner import make_client as real_client
from adapters.slack_app.team_clients import InstalledTeams
from adapters.slack_app.worker_chat import slack_worker_chat
from bot.bootstrap import Services, bootstrap
from bot.config import SLACK_BOT_SCOPES, Settings
from bot.domain import ConversationRef, Platform
from bot.errors import PlatformMisconfigured, PlatformUnavailable
from bot.render import Post
from bot.store.postgres_backend import is_postgres
from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_payloads import app_mention_event, load_json
from tests.loopback.slack_server import FakeSlack, OAuthApp, Workspace, signed_headers
from tests.postgres_server import free_port

SECRET = "loopback-signing-secret"
CLIENT = OAuthApp()
REPO = Path(__file__).resolve().parents[1]
STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class Receiver:
    """One `paperclub slack-http` receiver, as a browser and Slack reach it."""

    slack: FakeSlack
    url: str
    http: aiohttp.ClientSession

    async def start_install(self, team_id: str) -> tuple[str, str]:
        """GET /slack/install: (the authorize URL it redirects to, the state cookie set)."""
        async with self.http.get(
            f"{self.url}/slack/install", params={"team": team_id}, allow_redirects=False
        ) as response:
            assert response.status == 302, await response.text()
            cookie = response.cookies[STATE_COOKIE].value
            return response.headers["Location"], cookie

    async def approve(self, authorize_url: str) -> str:
        """The member approves on Slack's page: the redirect back, with code and state."""
        async with self.http.get(authorize_url, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            return response.headers["Location"]

    async def redirect(self, url: str, cookie: str) -> tuple[int, str]:
        headers = {"Cookie": f"{STATE_COOKIE}={cookie}"}
        async with self.http.get(url, headers=headers, allow_redirects=False) as response:
            return response.status, await response.text()

    async def install(self, team_id: str) -> None:
        authorize, cookie = await self.start_install(team_id)
        status, page = await self.redirect(await self.approve(authorize), cookie)
        assert status == 200, page

    async def send_event(self, body: dict[str, Any]) -> tuple[int, str]:
        raw = json.dumps(body).encode()
        headers = signed_headers(SECRET, raw, content_type="application/json")
        async with self.http.post(f"{self.url}/slack/events", data=raw, headers=headers) as r:
            return r.status, await r.text()


@dataclass
class Host(Receiver):
    """A receiver in this process, with its settings and club."""

    settings: Settings
    club: Services


def grid_workspaces() -> list[Workspace]:
    """Three workspaces of one Enterprise Grid org (the recorded payloads carry E111)."""
    return [
        Workspace("T111", "Club One", "xoxb-none-T111", enterprise_id="E111"),
        Workspace("T222", "Club Two", "xoxb-none-T222", enterprise_id="E111"),
        Workspace("T333", "Never Installed", "xoxb-none-T333", enterprise_id="E111"),
    ]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack.running(workspaces=grid_workspaces()) as fake:
        yield fake


def distributed_settings(
    make_settings: Callable[..., Settings], database: str | Path, slack: FakeSlack
) -> Settings:
    where: dict[str, Any] = (
        {"db_url": SecretStr(str(database))} if is_postgres(database) else {"db_path": database}
    )
    return make_settings(
        **where,
        slack_client_id=CLIENT.client_id,
        slack_client_secret=SecretStr(CLIENT.client_secret),
        slack_signing_secret=SecretStr(SECRET),
        slack_api_url=slack.api_url,
    )


@pytest.fixture
async def host(
    slack: FakeSlack, database: str | Path, make_settings: Callable[..., Settings]
) -> AsyncIterator[Host]:
    """The receiver on both backends: on PostgreSQL opened as `paperclub slack-http`
    opens it (shared, no writer lock); on SQLite the one process writing the file."""
    settings = distributed_settings(make_settings, database, slack)
    async with AsyncExitStack() as stack:
        club = await stack.enter_async_context(bootstrap(settings, shared=is_postgres(database)))
        port = await stack.enter_async_context(
            slack_http_receiver(club, settings, host="127.0.0.1", port=0)
        )
        url = f"http://127.0.0.1:{port}"
        slack.oauth_app = OAuthApp(redirect_url=f"{url}/slack/oauth_redirect")
        http = await stack.enter_async_context(aiohttp.ClientSession())
        yield Host(slack, url, http, settings, club)


async def test_install_flow_stores_the_workspace_and_each_state_works_once(
    host: Host, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)  # slack_sdk logs oauth.v2.access's body at DEBUG
    # A CLI test earlier in the same run leaves the production handler on the root logger;
    # its filter redacts records in place, so caplog would see them redacted already.
    root = logging.getLogger()
    monkeypatch.setattr(
        root,
        "handlers",
        [h for h in root.handlers if not any(isinstance(f, RedactSecrets) for f in h.filters)],
    )
    authorize, cookie = await host.start_install("T222")
    assert authorize.startswith(host.slack.authorize_url)
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert query["client_id"] == CLIENT.client_id
    assert query["scope"].split(",") == list(SLACK_BOT_SCOPES)
    assert query["state"] == cookie and len(cookie) >= 32

    back = await host.approve(authorize)
    assert back.startswith(f"{host.url}/slack/oauth_redirect?")
    status, page = await host.redirect(back, cookie)
    assert status == 200, page
    [exchange] = host.slack.calls_to("oauth.v2.access")
    assert exchange.token == f"{CLIENT.client_id}:{CLIENT.client_secret}"  # HTTP Basic
    assert exchange.params["code"] == host.slack.authorizations[0].code
    assert CLIENT.client_secret not in json.dumps(exchange.params)  # never in the body

    async with open_installations(host.settings.database, CLIENT.client_id) as stores:
        bot = await stores.installation_store.async_find_bot(enterprise_id="E111", team_id="T222")
        assert bot is not None and bot.bot_token == host.slack.workspace("T222").bot_token
        assert bot.bot_id == "B111" and bot.bot_user_id == "W111"
        assert await stores.installation_store.bot_token("T111") is None

    # The same redirect again (a replay): its state is spent, Slack is not asked again.
    status, _ = await host.redirect(back, cookie)
    assert status == 401
    # A state nobody issued, even with a matching cookie; a state not this browser's.
    status, _ = await host.redirect(
        f"{host.url}/slack/oauth_redirect?code=x&state=forged", "forged"
    )
    assert status == 401
    _, other_cookie = await host.start_install("T111")
    status, _ = await host.redirect(back, other_cookie)
    assert status == 400
    assert len(host.slack.calls_to("oauth.v2.access")) == 1

    token = host.slack.workspace("T222").bot_token
    assert any(token in record.getMessage() for record in caplog.records)  # slack_sdk's debug
    shown = RedactSecrets(host.settings.secrets())
    for record in caplog.records:
        shown.filter(record)
        assert token not in record.getMessage()
        assert CLIENT.client_secret not in record.getMessage()


async def test_two_workspaces_each_get_posts_with_their_own_token(host: Host) -> None:
    await host.install("T111")
    await host.install("T222")
    token_a, token_b = (host.slack.workspace(t).bot_token for t in ("T111", "T222"))
    assert token_a != token_b
    a = ConversationRef(Platform.SLACK, "T111", "C111")
    b = ConversationRef(Platform.SLACK, "T222", "C222")
    async with (
        aiohttp.ClientSession() as session,
        slack_worker_chat(host.settings, session, post_interval=0.0) as chat,
    ):
        for conversation, text in ((a, "digest for A"), (b, "digest for B"), (a, "notice A")):
            thread = await chat.open_thread(
                conversation, Post(text), thread_name=text, idempotency_key=text
            )
            await chat.reply(thread, Post(f"{text}, first paper"))
        with pytest.raises(PlatformUnavailable, match="not_installed"):
            await chat.open_thread(
                ConversationRef(Platform.SLACK, "T333", "C333"),
                Post("never"),
                thread_name="never",
                idempotency_key="never",
            )
    posts = host.slack.calls_to("chat.postMessage")
    assert [(c.params["team_id"], c.token) for c in posts] == [
        ("T111", token_a),
        ("T111", token_a),
        ("T222", token_b),
        ("T222", token_b),
        ("T111", token_a),
        ("T111", token_a),
    ]
    assert [m.text for m in host.slack.top_level("T222", "C222")] == ["digest for B"]
    assert host.slack.channel_messages("T333", "C333") == []


async def test_a_refused_token_is_dropped_so_a_reinstall_is_used_at_once(host: Host) -> None:
    await host.install("T222")
    b = ConversationRef(Platform.SLACK, "T222", "C222")
    async with (
        aiohttp.ClientSession() as session,
        slack_worker_chat(host.settings, session, post_interval=0.0) as chat,
    ):
        await chat.open_thread(b, Post("before"), thread_name="b", idempotency_key="before")
        host.slack.fail_next("chat.postMessage", status=200, error="token_revoked")
        with pytest.raises(PlatformUnavailable, match="token_revoked"):
            await chat.open_thread(b, Post("refused"), thread_name="r", idempotency_key="r")
        first_token = host.slack.workspace("T222").bot_token
        await host.install("T222")  # the workspace's admin installs paperclub again
        await chat.open_thread(b, Post("after"), thread_name="a", idempotency_key="after")
    tokens = [c.token for c in host.slack.calls_to("chat.postMessage")]
    assert tokens == [first_token, first_token, host.slack.workspace("T222").bot_token]
    assert tokens[-1] != first_token
    assert [m.text for m in host.slack.top_level("T222", "C222")] == ["before", "after"]


async def test_uninstall_removes_the_team_and_its_token(host: Host) -> None:
    await host.install("T222")
    body = load_json("bolt-python/events_app_mention.json")
    body.update(team_id="T222", event_id="EvUninstall1")
    body["event"] = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}
    status, _ = await host.send_event(body)
    assert status == 200
    async with open_installations(host.settings.database, CLIENT.client_id) as stores:
        await _until_uninstalled(stores, "T222")
    async with (
        aiohttp.ClientSession() as session,
        slack_worker_chat(host.settings, session, post_interval=0.0) as chat,
    ):
        with pytest.raises(PlatformUnavailable, match="not_installed"):
            await chat.open_thread(
                ConversationRef(Platform.SLACK, "T222", "C222"),
                Post("after"),
                thread_name="after",
                idempotency_key="after",
            )


async def _until_uninstalled(stores: SlackInstallations, team_id: str) -> None:
    for _ in range(500):  # the listener runs after bolt's ack
        if await stores.installation_store.bot_token(team_id) is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{team_id} is still installed")


async def test_events_are_answered_with_their_teams_token_and_strangers_refused(
    host: Host,
) -> None:
    await host.install("T111")
    await host.install("T222")
    mention = app_mention_event(team_id="T222", channel="C222", thread_ts="1595926230.000100")
    assert (await host.send_event(mention))[0] == 200
    [reply] = await host.slack.wait_calls("chat.postMessage")
    assert reply.token == host.slack.workspace("T222").bot_token
    assert reply.params["team_id"] == "T222" and reply.params["channel"] == "C222"
    assert "not one of paperclub's paper threads" in reply.params["text"]

    stranger = app_mention_event(team_id="T333", channel="C333")
    status, body = await host.send_event(stranger)
    assert status == 200 and "reinstall this app" in body  # bolt's standard refusal
    assert not any(c.params.get("team_id") == "T333" for c in host.slack.calls)

    again = app_mention_event(team_id="T111", channel="C111", thread_ts="1595926230.000200")
    assert (await host.send_event(again))[0] == 200
    await host.slack.wait_calls("chat.postMessage", 2)
    last = host.slack.calls_to("chat.postMessage")[-1]
    assert last.token == host.slack.workspace("T111").bot_token


async def test_a_reinstall_is_used_once_the_remembered_token_expires(
    slack: FakeSlack, database: str | Path, make_settings: Callable[..., Settings]
) -> None:
    settings = distributed_settings(make_settings, database, slack)
    clock = [0.0]
    made: list[str] = []

    def make_client(token: str) -> AsyncWebClient:
        made.append(token)
        return real_client(token, api_url=slack.api_url)

    async with (
        bootstrap(settings, shared=is_postgres(database)),
        open_installations(settings.database, CLIENT.client_id) as stores,
    ):
        teams = InstalledTeams(
            stores.installation_store, make_client, ttl=60, clock=lambda: clock[0]
        )
        assert await teams.client_for("T222") is None
        await _save_bot(stores, "T222", "xoxb-first")
        first = await teams.client_for("T222")
        assert first is not None and first.token == "xoxb-first"
        await _save_bot(stores, "T222", "xoxb-second", later=True)
        assert await teams.client_for("T222") is first  # remembered for up to a minute
        clock[0] = 61.0
        second = await teams.client_for("T222")
        assert second is not None and second.token == "xoxb-second"
        teams.forget("T222")
        assert (await teams.client_for("T222")) is not second  # read again after a refusal
    assert made == ["xoxb-first", "xoxb-second", "xoxb-second"]


async def _save_bot(
    stores: SlackInstallations, team_id: str, token: str, *, later: bool = False
) -> None:
    installed = datetime.now(UTC) + timedelta(seconds=10 if later else 0)
    await stores.installation_store.async_save_bot(
        Bot(
            app_id="A111",
            enterprise_id="E111",
            team_id=team_id,
            bot_token=token,
            bot_id="B111",
            bot_user_id="W111",
            installed_at=installed.timestamp(),
        )
    )


async def test_tables_are_created_once_however_many_open_together(
    database: str | Path, make_settings: Callable[..., Settings], slack: FakeSlack
) -> None:
    settings = distributed_settings(make_settings, database, slack)
    async with bootstrap(settings, shared=is_postgres(database)):

        async def open_and_save(n: int) -> str | None:
            async with open_installations(settings.database, CLIENT.client_id) as stores:
                await _save_bot(stores, f"T{n}", f"xoxb-{n}")
                return await stores.installation_store.bot_token(f"T{n}")

        saved = await asyncio.gather(*(open_and_save(n) for n in range(8)))
        assert saved == [f"xoxb-{n}" for n in range(8)]


async def test_a_state_is_consumed_once_by_concurrent_redirects(
    database: str | Path, make_settings: Callable[..., Settings], slack: FakeSlack
) -> None:
    settings = distributed_settings(make_settings, database, slack)
    async with (
        bootstrap(settings, shared=is_postgres(database)),
        open_installations(settings.database, CLIENT.client_id) as one,
        open_installations(settings.database, CLIENT.client_id) as two,
    ):
        state = await one.state_store.async_issue()
        results = await asyncio.gather(
            *(store.state_store.async_consume(state) for store in (one, two, one, two))
        )
        assert sorted(results) == [False, False, False, True]


def test_slack_http_refuses_sqlite_with_what_to_do(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_settings()  # the loopback environment, with the SQLite file
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("PAPERCLUB_SLACK_CLIENT_ID", CLIENT.client_id)
    monkeypatch.setenv("PAPERCLUB_SLACK_CLIENT_SECRET", CLIENT.client_secret)
    assert main(["slack-http", "--host", "127.0.0.1", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "PAPERCLUB_DB_URL=postgresql://" in err and "paperclub run" in err
    assert CLIENT.client_secret not in err


def test_half_an_oauth_configuration_is_refused(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_settings()
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("PAPERCLUB_SLACK_CLIENT_ID", CLIENT.client_id)
    assert main(["slack-http", "--port", "0"]) == 1
    assert "PAPERCLUB_SLACK_CLIENT_SECRET is not set" in capsys.readouterr().err


async def test_worker_chat_without_any_slack_setting_says_what_to_set(
    make_settings: Callable[..., Settings],
) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(PlatformMisconfigured, match="SLACK_BOT_TOKEN"):
            async with slack_worker_chat(make_settings(), session):
                pass


async def test_worker_chat_with_one_token_posts_with_it(
    make_settings: Callable[..., Settings],
) -> None:
    async with FakeSlack.running() as slack, aiohttp.ClientSession() as session:
        settings = make_settings(
            slack_bot_token=SecretStr("xoxb-fake-T111"), slack_api_url=slack.api_url
        )
        async with slack_worker_chat(settings, session, post_interval=0.0) as chat:
            await chat.open_thread(
                ConversationRef(Platform.SLACK, "T111", "C111"),
                Post("digest"),
                thread_name="d",
                idempotency_key="d",
            )
        [post] = slack.calls_to("chat.postMessage")
        assert post.token == "xoxb-fake-T111" and post.params["team_id"] == "T111"


def test_distribution_doc_manifest_matches_what_the_app_asks_for() -> None:
    doc = (REPO / "docs" / "slack-distribution.md").read_text("utf-8")
    [block] = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    manifest = yaml.safe_load(block)
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == SLACK_BOT_SCOPES
    assert manifest["oauth_config"]["redirect_urls"] == ["https://your.host/slack/oauth_redirect"]
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == "https://your.host/slack/events"
    assert {"app_uninstalled", "tokens_revoked"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert settings["token_rotation_enabled"] is False
    main_manifest = yaml.safe_load((REPO / "slack_manifest.yaml").read_text())
    assert set(main_manifest["settings"]["event_subscriptions"]["bot_events"]) <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert "docs/slack-distribution.md" in (REPO / "README.md").read_text("utf-8")


# ---- `paperclub slack-http` as processes: two receivers behind one (imaginary) balancer --------


async def test_two_slack_http_processes_share_installs_states_and_answer_by_team(
    slack: FakeSlack,
    postgres_url: str,
    arxiv_server: ArxivServer,
    tmp_path: Path,
) -> None:
    """An install started on one receiver finishes on the other (the state is in the
    database), and an event reaching either is answered with its team's token."""
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    slack.oauth_app = OAuthApp(redirect_url=f"{urls[1]}/slack/oauth_redirect")
    env = {
        **os.environ,
        **loopback_env(arxiv_server, tmp_path),
        "PAPERCLUB_DB_URL": postgres_url,
        "PAPERCLUB_SLACK_CLIENT_ID": CLIENT.client_id,
        "PAPERCLUB_SLACK_CLIENT_SECRET": CLIENT.client_secret,
        "SLACK_SIGNING_SECRET": SECRET,
        "PAPERCLUB_SLACK_API_URL": slack.api_url,
    }
    logs = [tmp_path / f"receiver{i}.log" for i in range(2)]
    receivers = [
        await _start_receiver(port, log, env, tmp_path)
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        for log, receiver in zip(logs, receivers, strict=True):
            await _until_text(log, "Slack HTTP receiver on", receiver)
        async with aiohttp.ClientSession() as http:
            first, second = (Receiver(slack, url, http) for url in urls)
            authorize, cookie = await first.start_install("T222")
            status, page = await second.redirect(await first.approve(authorize), cookie)
            assert status == 200, page
            mention = app_mention_event(team_id="T222", channel="C222", thread_ts="1.000100")
            assert (await first.send_event(mention))[0] == 200
            [reply] = await slack.wait_calls("chat.postMessage", within=30)
            assert reply.token == slack.workspace("T222").bot_token
            status, body = await second.send_event(app_mention_event(team_id="T333"))
            assert status == 200 and "reinstall this app" in body
    finally:
        for receiver in receivers:
            receiver.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(receiver.wait(), 60) for receiver in receivers]
    output = [await _read(log) for log in logs]
    assert codes == [0, 0], output
    assert all("paperclub slack-http stopped." in text for text in output)
    assert not any(CLIENT.client_secret in text for text in output)
    assert not any(slack.workspace("T222").bot_token in text for text in output)


async def _start_receiver(
    port: int, log: Path, env: dict[str, str], cwd: Path
) -> asyncio.subprocess.Process:
    out = await asyncio.to_thread(log.open, "wb")
    try:
        return await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "adapters", "slack-http", "--host", "127.0.0.1"),
            *("--port", str(port)),
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    finally:
        out.close()


async def _read(log: Path) -> str:
    return await asyncio.to_thread(log.read_text, "utf-8", errors="replace")


async def _until_text(log: Path, text: str, process: asyncio.subprocess.Process) -> None:
    for _ in range(3000):  # imports and the store's first open, on a busy machine
        if text in await _read(log):
            return
        assert process.returncode is None, await _read(log)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {log}")


async def test_slack_http_with_one_token_serves_its_workspace_only(
    database: str | Path, make_settings: Callable[..., Settings]
) -> None:
    """Without the OAuth settings, `slack-http` is the single-workspace HTTP mode: the
    token's workspace (auth.test) is served and no install routes exist."""
    async with FakeSlack.running() as slack:
        where: dict[str, Any] = (
            {"db_url": SecretStr(str(database))} if is_postgres(database) else {"db_path": database}
        )
        settings = make_settings(
            **where,
            slack_bot_token=SecretStr("xoxb-fake-T111"),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_url=slack.api_url,
        )
        async with (
            bootstrap(settings, shared=is_postgres(database)) as club,
            slack_http_receiver(club, settings, host="127.0.0.1", port=0) as port,
            aiohttp.ClientSession() as http,
        ):
            receiver = Receiver(slack, f"http://127.0.0.1:{port}", http)
            async with http.get(f"{receiver.url}/slack/install", allow_redirects=False) as r:
                assert r.status == 404
            mention = app_mention_event(thread_ts="1595926230.000100")
            assert (await receiver.send_event(mention))[0] == 200
            [reply] = await slack.wait_calls("chat.postMessage")
            assert reply.token == "xoxb-fake-T111" and reply.params["team_id"] == "T111"
            await receiver.send_event(app_mention_event(team_id="T999", channel="C999"))
            later = app_mention_event(thread_ts="1595926230.000200")
            assert (await receiver.send_event(later))[0] == 200
            await slack.wait_calls("chat.postMessage", 2)  # the gate's verdict came first
            assert not any(c.params.get("channel") == "C999" for c in slack.calls)
