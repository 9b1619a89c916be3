"""The Slack adapter end to end: the real bolt AsyncApp and slack_sdk clients against a
loopback Slack, real Services from `bootstrap` against the loopback arXiv."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import yaml  # type: ignore[import-untyped]
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack_app import build_slack_app, make_client, run_slack, serve_http
from adapters.slack_app.blocks import OPEN_PAPER_ACTION, render
from adapters.slack_app.chat import SlackChat
from adapters.slack_app.commands import COMMAND_PATTERN
from adapters.slack_app.mrkdwn import from_slack, to_mrkdwn
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, MessageRef, Platform, ThreadRef, Turn
from bot.errors import PlatformUnavailable
from bot.render import Card, Field, Post
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_payloads import (
    app_mention_event,
    load_json,
    message_event,
    reaction_event,
    slash_command,
)
from tests.loopback.slack_server import (
    Envelope,
    FakeSlack,
    ResponseUrlPost,
    StoredMessage,
    Workspace,
    eventually,
    signed_headers,
)

PAPER = "1605.08386"
PAPER_TITLE = "Heat-bath random walks with Markov bases"
TOKEN = "xoxb-fake"
SECRET = "loopback-signing-secret"
C1 = ConversationRef(Platform.SLACK, "T111", "C111")
REPO = Path(__file__).resolve().parents[1]
MENTION_OR_BROADCAST = re.compile(r"<[!@#]")


@dataclass
class Club:
    slack: FakeSlack
    club: Services
    chat: SlackChat
    handler: AsyncSocketModeHandler
    sent: int = 0

    async def command(
        self, text: str, *, team_id: str = "T111", channel: str = "C111", user: str = "W222"
    ) -> tuple[Envelope, str]:
        self.sent += 1
        name = f"cmd{self.sent}"
        form = slash_command(
            "/paperclub",
            text,
            response_url=self.slack.response_url(name),
            team_id=team_id,
            channel_id=channel,
            user_id=user,
        )
        return await self.slack.send_command(form), name

    async def result(self, name: str, within: float = 15.0) -> ResponseUrlPost:
        """The last post to a command's response_url, once it stops changing."""
        await eventually(lambda: any(r.path == name for r in self.slack.responses), within)
        await eventually(lambda: not _is_progress(self._responses(name)[-1]), within)
        return self._responses(name)[-1]

    def _responses(self, name: str) -> list[ResponseUrlPost]:
        return [r for r in self.slack.responses if r.path == name]

    async def paper(self, team_id: str = "T111", channel: str = "C111") -> StoredMessage:
        envelope, name = await self.command(f"paper {PAPER}", team_id=team_id, channel=channel)
        await self.slack.wait_ack(envelope)
        result = await self.result(name)
        assert "open it" in json.dumps(result.body)
        used = self._responses(name)
        assert 2 <= len(used) <= 5  # progress, then the result; Slack allows 5 uses
        assert all(r.body["replace_original"] is True for r in used)
        roots = self.slack.top_level(team_id, channel)
        assert len(roots) == 1
        return roots[0]


def _is_progress(post: ResponseUrlPost) -> bool:
    return "blocks" not in post.body


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    workspaces = [
        Workspace("T111", "Club One", TOKEN),
        Workspace("T222", "Club Two", TOKEN),
    ]
    async with FakeSlack.running(workspaces=workspaces) as fake:
        yield fake


@pytest.fixture
async def club(slack: FakeSlack, make_settings: Callable[..., Settings]) -> AsyncIterator[Club]:
    async with bootstrap(make_settings()) as paper_club:
        client = make_client(TOKEN, api_url=slack.api_url)
        # One token installed in both workspaces (an org-wide install).
        app, chat = build_slack_app(
            paper_club, client, post_interval=0.0, workspaces=("T111", "T222")
        )
        paper_club.chats.attach(Platform.SLACK, chat)
        handler = AsyncSocketModeHandler(app, slack.app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        try:
            yield Club(slack, paper_club, chat, handler)
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]


def all_text(message: StoredMessage) -> str:
    """Every string Slack would parse as mrkdwn: the fallback and each block's texts."""
    parts = [message.text]
    for block in message.blocks:
        if block.get("text", {}).get("type") == "mrkdwn":
            parts.append(block["text"]["text"])
        parts.extend(f["text"] for f in block.get("fields", []))
    return "\n".join(parts)


# ---- Socket Mode: commands -------------------------------------------------------------------


async def test_every_command_is_acked_within_3_seconds_then_answered(club: Club) -> None:
    commands = [
        "help",
        f"paper {PAPER}",
        "subscribe",
        "settings language=ja day=fri time=09:30",
        "unsubscribe",
        "search markov",
        f"ask {PAPER} What is a Markov basis?",
        "digest dry-run",
        "nonsense",
    ]
    sent = [await club.command(text) for text in commands]
    for envelope, _ in sent:
        ack = await club.slack.wait_ack(envelope, within=3.0)
        assert ack.at - envelope.sent_at < 3.0
        assert ack.payload is not None and ack.payload["text"].startswith("Working on")
    results = {
        text: json.dumps((await club.result(name)).body, ensure_ascii=False)
        for text, (_, name) in zip(commands, sent, strict=True)
    }
    assert "/paperclub paper" in results["help"]
    # The commands run at once, so each reply is in English or, once the settings
    # command has run, in Japanese.
    assert either(results["subscribe"], "Subscribed: the weekly", "購読しました: 週間")
    changed = results["settings language=ja day=fri time=09:30"]
    assert "設定を保存しました" in changed and "言語: 日本語" in changed
    assert "毎週金曜日 09:30 (UTC)" in changed
    assert either(results["unsubscribe"], "Weekly digest: off", "週間ダイジェスト: オフ")
    asked = results[f"ask {PAPER} What is a Markov basis?"]  # answered in the paper's thread
    assert either(asked, "Answered in <https://clubone.slack.com/archives/C111/p", "で回答しました")
    assert either(results["digest dry-run"], "Dry run", "試し実行")
    assert "/paperclub paper" in results["nonsense"]


def either(text: str, english: str, japanese: str) -> bool:
    return english in text or japanese in text


async def test_paper_posts_a_root_card_and_thread_replies(club: Club) -> None:
    root = await club.paper()
    kinds = [b["type"] for b in root.blocks]
    assert kinds[0] == "header" and "actions" in kinds and "section" in kinds
    assert root.blocks[0]["text"]["text"] == PAPER_TITLE
    button = next(b for b in root.blocks if b["type"] == "actions")["elements"][0]
    assert button["url"] == f"https://arxiv.org/abs/{PAPER}"
    assert PAPER_TITLE in root.text and f"https://arxiv.org/abs/{PAPER}" in root.text
    assert root.metadata is not None and root.metadata["event_type"] == "paperclub_post"
    replies = club.slack.thread("T111", "C111", root.ts)
    assert len(replies) == 2  # issue 14: key points first; the summary is on the card only
    assert "*Key points" in all_text(replies[0]) and "*Summary*" not in all_text(replies[0])
    notes = [b for b in root.blocks if b["type"] == "context"]
    assert notes and root.blocks[-1]["type"] == "context"  # the notes last, small
    posts = club.slack.calls_to("chat.postMessage")
    assert all(c.params["link_names"] is False for c in posts)
    recovered = await club.chat.find_thread(C1, root.metadata["event_payload"]["key"])
    assert recovered == ThreadRef(C1, root.ts)


async def test_paper_title_with_broadcast_and_mention_is_harmless(
    club: Club, arxiv_server: ArxivServer
) -> None:
    entry = arxiv_server.entries[PAPER]
    evil = "&lt;!channel&gt; Heat-bath &amp; &lt;@U999&gt; walks *with* &lt;https://evil.example|bases&gt;"
    arxiv_server.entries[PAPER] = entry.replace(PAPER_TITLE, evil)
    root = await club.paper()
    for message in [root, *club.slack.thread("T111", "C111", root.ts)]:
        text = all_text(message)
        assert not MENTION_OR_BROADCAST.search(text), text
        assert "<https://evil.example" not in text
    assert "&lt;!channel&gt; Heat-bath &amp; &lt;@U999&gt;" in root.text
    assert root.blocks[0]["text"]["type"] == "plain_text"


async def test_question_in_paper_thread_is_answered_once_despite_retries(club: Club) -> None:
    root = await club.paper()
    before = len(club.slack.thread("T111", "C111", root.ts))
    body = message_event(text="What does the paper prove about mixing?", thread_ts=root.ts)
    first = await club.slack.send_event(body)
    await club.slack.wait_ack(first)
    retry = await club.slack.send_event(body, retry_attempt=1, retry_reason="timeout")
    await club.slack.wait_ack(retry)
    mention = app_mention_event(
        text="What does the paper prove about mixing?",
        thread_ts=root.ts,
        ts=body["event"]["ts"],
    )
    await club.slack.wait_ack(await club.slack.send_event(mention))
    await eventually(lambda: len(club.slack.thread("T111", "C111", root.ts)) > before)
    await eventually(lambda: bool(club.slack.calls_to("chat.update")))
    await eventually(
        lambda: (
            "Sources" in club.slack.thread("T111", "C111", root.ts)[-1].text
            or "Extractive" in all_text(club.slack.thread("T111", "C111", root.ts)[-1])
        )
    )
    await _quiet()
    assert len(club.slack.thread("T111", "C111", root.ts)) == before + 1


async def test_bot_messages_own_messages_and_edits_are_ignored(club: Club) -> None:
    root = await club.paper()
    before = len(club.slack.calls)
    ignored = [
        message_event(
            text="I am another bot", thread_ts=root.ts, bot_id="B999", subtype="bot_message"
        ),
        message_event(text="my own post", thread_ts=root.ts, user="W111"),
        message_event(text="edited", thread_ts=root.ts, subtype="message_changed"),
        message_event(text="top-level chatter"),
    ]
    for body in ignored:
        await club.slack.wait_ack(await club.slack.send_event(body))
    await _quiet()
    assert club.slack.calls[before:] == []


async def test_unknown_thread_ignored_unless_the_bot_is_mentioned(club: Club) -> None:
    await club.slack.wait_ack(
        await club.slack.send_event(message_event(text="hello?", thread_ts="1595926230.000100"))
    )
    await _quiet()
    assert club.slack.calls_to("chat.postMessage") == []
    mention = app_mention_event(text="what is this?", thread_ts="1595926230.000100")
    await club.slack.wait_ack(await club.slack.send_event(mention))
    posts = await club.slack.wait_calls("chat.postMessage")
    assert posts[0].params["thread_ts"] == "1595926230.000100"
    assert "not one of paperclub's paper threads" in posts[0].params["text"]


async def test_top_level_mention_with_an_id_opens_the_paper(club: Club) -> None:
    mention = app_mention_event(text=f"<https://arxiv.org/abs/{PAPER}|arxiv.org/abs/{PAPER}>")
    await club.slack.wait_ack(await club.slack.send_event(mention))
    await eventually(lambda: len(club.slack.top_level("T111", "C111")) == 1, 10)
    await eventually(
        lambda: any(
            "open it" in m.text for m in club.slack.thread("T111", "C111", mention["event"]["ts"])
        ),
        10,
    )


async def test_slack_refusal_reaches_the_member_with_what_to_do(club: Club) -> None:
    club.slack.fail_next("chat.postMessage", status=200, error="not_in_channel")
    envelope, name = await club.command(f"paper {PAPER}")
    await club.slack.wait_ack(envelope)
    result = json.dumps((await club.result(name)).body)
    assert "not_in_channel" in result and "/invite @paperclub" in result
    assert club.slack.top_level("T111", "C111") == []


async def test_link_button_clicks_are_acknowledged(club: Club) -> None:
    payload = load_json("bolt-python/interactivity_block_actions.json")
    payload["actions"][0]["action_id"] = OPEN_PAPER_ACTION
    payload["actions"][0]["url"] = f"https://arxiv.org/abs/{PAPER}"
    envelope = await club.slack.send_envelope("interactive", payload)
    ack = await club.slack.wait_ack(envelope)
    assert ack.at - envelope.sent_at < 3.0


async def test_workspaces_are_isolated(club: Club) -> None:
    root = await club.paper(team_id="T111")
    # The same channel id and thread ts seen from another workspace is not our thread.
    await club.slack.wait_ack(
        await club.slack.send_event(
            message_event(team_id="T222", text="What is proved?", thread_ts=root.ts)
        )
    )
    await _quiet()
    assert club.slack.channel_messages("T222", "C111") == []
    _, theirs = await club.command("search markov", team_id="T222")
    assert "No paper" in json.dumps((await club.result(theirs)).body)
    _, ours = await club.command("search markov", team_id="T111")
    assert PAPER in json.dumps((await club.result(ours)).body)
    assert all(c.params.get("team_id") == "T111" for c in club.slack.calls_to("chat.postMessage"))


async def test_digest_survives_a_429_midway_without_losing_or_duplicating(club: Club) -> None:
    await club.club.channels.update_settings(C1, digest_size=3)
    club.slack.fail_next("chat.postMessage", skip=5, retry_after=1)
    envelope, name = await club.command("digest")
    await club.slack.wait_ack(envelope)
    result = json.dumps((await club.result(name, within=25)).body)
    assert "Posted 3" in result, result
    header, *roots = club.slack.top_level("T111", "C111")
    assert "Papers of the week" in header.text  # issue 14: the digest's header comes first
    titles = [r.blocks[0]["text"]["text"] for r in roots]
    assert len(roots) == 3 and len(set(titles)) == 3
    assert [t[:5] for t in titles] == ["[1/3]", "[2/3]", "[3/3]"]
    for i, root in enumerate(roots, 1):  # /digest answers with the header's list, linked
        assert f"[{i}/3] <https://slack.com/archives/C111/p{root.ts.replace('.', '')}|" in result
    for root in roots:
        assert len(club.slack.thread("T111", "C111", root.ts)) == 2
    posts = club.slack.calls_to("chat.postMessage")
    assert len(posts) == 1 + 9 + 1  # header, every message once, the one refused with 429
    refused, retried = posts[5], posts[6]
    assert retried.params == refused.params and retried.at - refused.at >= 1.0
    # Fresh reservations never read history (1 call/min limit); only crash recovery does.
    assert club.slack.calls_to("conversations.history") == []


# ---- HTTP mode --------------------------------------------------------------------------------


async def test_http_mode_verifies_signatures_and_dedupes_retries(
    slack: FakeSlack, make_settings: Callable[..., Settings]
) -> None:
    async with bootstrap(make_settings()) as paper_club:
        client = make_client(TOKEN, api_url=slack.api_url)
        app, chat = build_slack_app(paper_club, client, signing_secret=SECRET, post_interval=0.0)
        paper_club.chats.attach(Platform.SLACK, chat)
        runner, port = await serve_http(app, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{port}/slack/events"
        try:
            async with aiohttp.ClientSession() as http:
                form = urlencode(
                    slash_command(
                        "/paperclub", f"paper {PAPER}", response_url=slack.response_url("h1")
                    )
                ).encode()
                headers = signed_headers(
                    SECRET, form, content_type="application/x-www-form-urlencoded"
                )
                started = time.monotonic()
                async with http.post(url, data=form, headers=headers) as r:
                    assert r.status == 200 and (await r.text()).startswith("Working on")
                assert time.monotonic() - started < 3.0
                await eventually(lambda: len(slack.top_level("T111", "C111")) == 1, 10)
                root = slack.top_level("T111", "C111")[0]
                await eventually(lambda: len(slack.thread("T111", "C111", root.ts)) == 2, 10)

                challenge = json.dumps(load_json("bolt-python/url_verification.json")).encode()
                h = signed_headers(SECRET, challenge, content_type="application/json")
                async with http.post(url, data=challenge, headers=h) as r:
                    assert (await r.json())["challenge"].startswith("3eZbrw1aBm2")

                for secret, age in (("wrong-secret", 0), (SECRET, 301)):
                    bad = signed_headers(
                        secret,
                        form,
                        content_type="application/x-www-form-urlencoded",
                        age_seconds=age,
                    )
                    async with http.post(url, data=form, headers=bad) as r:
                        assert r.status == 401

                event = json.dumps(message_event(text="What is shown?", thread_ts=root.ts)).encode()
                for retry_num in (None, 1):
                    h = signed_headers(
                        SECRET, event, content_type="application/json", retry_num=retry_num
                    )
                    async with http.post(url, data=event, headers=h) as r:
                        assert r.status == 200
                await eventually(lambda: len(slack.thread("T111", "C111", root.ts)) == 3, 10)
                await _quiet()
                assert len(slack.thread("T111", "C111", root.ts)) == 3  # 2 replies, 1 answer
        finally:
            await runner.cleanup()


async def test_run_slack_socket_mode_and_missing_tokens(
    slack: FakeSlack, make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    async with bootstrap(make_settings()) as paper_club:
        with pytest.raises(PlatformUnavailable, match="SLACK_APP_TOKEN"):
            await run_slack(paper_club, make_settings(), api_url=slack.api_url)
        monkeypatch.setenv("SLACK_APP_TOKEN", slack.app_token)
        task = asyncio.create_task(run_slack(paper_club, make_settings(), api_url=slack.api_url))
        await slack.wait_connected()
        envelope = await slack.send_command(
            slash_command("/paperclub", "help", response_url=slack.response_url("r"))
        )
        await slack.wait_ack(envelope)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert slack.calls[0].method == "auth.test"  # the token is checked before connecting


# ---- SlackChat and rendering on their own ---------------------------------------------------


async def test_posts_are_paced_per_channel(slack: FakeSlack) -> None:
    chat = SlackChat(make_client(TOKEN, api_url=slack.api_url), post_interval=0.2)
    thread = await chat.open_thread(C1, Post("root"), thread_name="t", idempotency_key="k")
    other = ConversationRef(Platform.SLACK, "T111", "C222")
    await chat.reply(thread, Post("one"))
    started = time.monotonic()
    await chat.open_thread(other, Post("elsewhere"), thread_name="t", idempotency_key="k2")
    assert time.monotonic() - started < 0.1  # another channel does not wait
    await chat.reply(thread, Post("two"))
    times = [c.at for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C111"]
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(times))


async def test_long_answer_continues_and_edits_stay_in_step(slack: FakeSlack) -> None:
    chat = SlackChat(make_client(TOKEN, api_url=slack.api_url), post_interval=0.0)
    thread = await chat.open_thread(C1, Post("root"), thread_name="t", idempotency_key="k")
    message = await chat.reply(thread, Post("…"))
    long_text = "\n\n".join(f"Paragraph {i}. " + "word " * 500 for i in range(12))
    await chat.edit(message, Post(long_text))
    replies = slack.thread("T111", "C111", thread.root_id)
    assert len(replies) >= 3  # 30,000 characters do not fit one message
    assert sum(len(b["text"]["text"]) for m in replies for b in m.blocks) >= len(long_text) - 100
    await chat.edit(message, Post("short now"))
    assert [m.text for m in slack.thread("T111", "C111", thread.root_id)] == ["short now"]
    assert isinstance(message, MessageRef)


async def test_reply_key_prevents_a_repeat_and_errors_are_user_facing(slack: FakeSlack) -> None:
    chat = SlackChat(make_client(TOKEN, api_url=slack.api_url), post_interval=0.0)
    thread = await chat.open_thread(C1, Post("root"), thread_name="t", idempotency_key="k")
    first = await chat.reply(thread, Post("a"), idempotency_key="k#0")
    assert await chat.reply(thread, Post("a"), idempotency_key="k#0") == first
    assert len(slack.thread("T111", "C111", thread.root_id)) == 1
    slack.fail_next("chat.postMessage", status=200, error="not_in_channel")
    with pytest.raises(PlatformUnavailable, match="/invite @paperclub"):
        await chat.reply(thread, Post("b"))
    assert await chat.find_thread(C1, "missing") is None


def test_render_respects_slack_limits() -> None:
    card = Card(
        title="T" * 400,
        url="https://arxiv.org/abs/2309.12288",
        fields=tuple(Field(f"f{i}", "v & " * 900) for i in range(12)),
        description="d. " * 2000,
    )
    messages = render(Post(text="x. " * 9000, card=card))
    assert len(messages) > 1
    for m in messages:
        assert len(m.blocks) <= 50 and m.text
        assert sum(len(t) for b in m.blocks for t in _texts(b)) <= 12_000
        for b in m.blocks:
            if b["type"] == "header":
                assert len(b["text"]["text"]) <= 150
            if b["type"] == "section":
                assert len(b.get("text", {}).get("text", "")) <= 3000
                assert len(b.get("fields", [])) <= 10
                assert all(
                    len(f["text"]) <= 2000 and "&amp;" in f["text"] for f in b.get("fields", [])
                )


def test_commonmark_to_mrkdwn() -> None:
    source = "# Title\n**Q1. Why *this*?**\n- item with `a<b && c`\n> quoted <!here>\n[paper](https://arxiv.org/abs/1?a=1&b=2)"
    assert to_mrkdwn(source) == (
        "*Title*\n*Q1. Why _this_?*\n• item with `a&lt;b &amp;&amp; c`\n"
        "> quoted &lt;!here&gt;\n<https://arxiv.org/abs/1?a=1&amp;b=2|paper>"
    )
    assert to_mrkdwn("```\n<@U1> & x\n```") == "```\n&lt;@U1&gt; &amp; x\n```"
    assert to_mrkdwn("a * b * c and 2*3*4") == "a * b * c and 2*3*4"


def test_from_slack_decodes_what_a_member_typed() -> None:
    text = "<@W111> is <https://arxiv.org/abs/1605.08386|arxiv.org/abs/1605.08386> &amp; <#C1|general> &lt;ok&gt;"
    assert from_slack(text, bot_user_id="W111") == "is arxiv.org/abs/1605.08386 & #general <ok>"


def _texts(block: dict[str, Any]) -> list[str]:
    return (
        [block["text"]["text"]] if "text" in block else [f["text"] for f in block.get("fields", [])]
    )


async def _quiet(seconds: float = 0.3) -> None:
    """Give background listeners time to (wrongly) act before asserting they did nothing."""
    await asyncio.sleep(seconds)


def test_manifest_declares_what_the_app_handles() -> None:
    manifest = yaml.safe_load((REPO / "slack_manifest.yaml").read_text())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands and all(COMMAND_PATTERN.match(c) for c in commands)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.channels",
        "message.groups",
        "reaction_added",
        "reaction_removed",
        "app_home_opened",  # issue 17: the App Home tab
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "commands",
        "app_mentions:read",
        "channels:history",
        "reactions:read",
    } <= scopes
    [paperclub] = manifest["features"]["slash_commands"]
    assert paperclub["should_escape"] is True  # `present @member` needs the member's id


# ---- the club's workflow ----------------------------------------------------------------------

MEETING = "2099-03-11 18:00"


async def votes_for(club: Club, arxiv_id: str) -> int:
    standings = await club.club.votes.standings(C1)
    return next((t.votes for t in standings if t.paper.arxiv_id == arxiv_id), 0)


async def until(condition: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _has_votes(club: Club, expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await votes_for(club, PAPER) == expected

    return check


async def said(club: Club, text: str, **kwargs: str) -> str:
    """Run `/paperclub <text>` and return what the member was shown (fallback text)."""
    envelope, name = await club.command(text, **kwargs)
    await club.slack.wait_ack(envelope)
    return unescaped(str((await club.result(name)).body["text"]))


def unescaped(mrkdwn: str) -> str:
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def test_a_reaction_on_a_paper_root_is_a_vote_and_pick_opens_a_reading_session(
    club: Club,
) -> None:
    root = await club.paper()
    added = reaction_event(item_ts=root.ts, user="W333")
    events = [
        added,
        reaction_event(item_ts=root.ts, user="W444", reaction="fire"),
        reaction_event(item_ts=root.ts, user="W111"),  # paperclub's own reaction
    ]
    for body in events:
        await club.slack.wait_ack(await club.slack.send_event(body))
    retry = await club.slack.send_event(added, retry_attempt=1, retry_reason="timeout")
    await club.slack.wait_ack(retry)
    await until(_has_votes(club, 2))
    removed = reaction_event(item_ts=root.ts, user="W444", reaction="fire", removed=True)
    await club.slack.wait_ack(await club.slack.send_event(removed))
    await until(_has_votes(club, 1))
    reply_ts = club.slack.thread("T111", "C111", root.ts)[0].ts
    await club.slack.wait_ack(await club.slack.send_event(reaction_event(item_ts=reply_ts)))
    await _quiet(0.2)
    assert await votes_for(club, PAPER) == 1  # a reaction on a reply in the thread is no vote

    shown = await said(club, f"pick {MEETING}")
    assert (
        f"Picked for the next session: *{PAPER_TITLE}* (1 vote)" in shown
    )  # issue 14: was "(1 votes)"
    [_, session_root] = club.slack.top_level("T111", "C111")
    assert f"Reading session: {PAPER_TITLE}" in session_root.text
    assert "• Votes: 1" in session_root.text and MEETING in session_root.text
    assert f"/archives/C111/p{session_root.ts.replace('.', '')}" in shown  # links the session
    assert "No paper in this channel has a vote yet" in await said(club, "pick 1")


async def test_vote_command_counts_here_and_refuses_a_paper_of_another_channel(
    club: Club,
) -> None:
    await club.paper()
    assert f"Your vote for *{PAPER_TITLE}* counts: 1 in this channel" in await said(
        club,
        f"vote <https://arxiv.org/abs/{PAPER}>",  # a link as Slack escapes it
    )
    refused = await said(club, f"vote {PAPER}", channel="C222")
    assert "was not posted in this channel" in refused
    assert f"post it here first with /paperclub paper {PAPER}." in refused  # Slack's command
    envelope, _ = await club.command("vote")  # no paper: a picker of the channel's papers
    await club.slack.wait_ack(envelope)
    await eventually(lambda: len(club.slack.opened_views) == 1)
    assert await votes_for(club, PAPER) == 1


async def test_present_assigns_a_member_and_lists_the_session(club: Club) -> None:
    root = await club.paper()
    shown = await said(club, f"present {PAPER} <@W333|carol> {MEETING}")
    assert shown.startswith(f"🎤 carol presents *{PAPER_TITLE}* (Wed {MEETING}")
    [_, session_root] = club.slack.top_level("T111", "C111")
    session_thread = club.slack.thread("T111", "C111", session_root.ts)
    [listing] = [m for m in session_thread if "Presenter set" in m.text]  # beside the outline
    assert f"Presenter set: {PAPER_TITLE}" in listing.text
    assert "• Presenter: carol" in listing.text and f"• Meeting: Wed {MEETING}" in listing.text
    themselves = await said(club, f"present {PAPER} me")
    assert themselves.startswith(f"🎤 primary-owner presents *{PAPER_TITLE}*")
    assert "could not tell who '@carol' is" in await said(club, f"present {PAPER} @carol")
    assert "Unknown meeting time 'soon'" in await said(club, f"present {PAPER} me soon")
    assert root.ts != session_root.ts


async def test_save_saved_and_read_keep_a_members_reading_list(club: Club) -> None:
    assert await said(club, f"save {PAPER}") == f"🔖 Saved to your reading list: *{PAPER_TITLE}*"
    listing = await said(club, "saved")
    assert listing.startswith("*Your reading list* (1 unread of 1)")
    assert f"📄 *{PAPER_TITLE}* ({PAPER})" in listing
    assert (await said(club, f"read {PAPER}")).startswith("✅ Marked as read")
    assert "(0 unread of 1)" in await said(club, "saved")
    someone_else = slash_command(
        "/paperclub", "saved", response_url=club.slack.response_url("other"), user_id="W999"
    )
    await club.slack.wait_ack(await club.slack.send_command(someone_else))
    assert unescaped(str((await club.result("other")).body["text"])).startswith(
        "Your reading list is empty. Add a paper with `/paperclub save <arXiv id>`."
    )


async def test_recap_of_a_paper_thread_posts_meeting_notes(club: Club) -> None:
    root = await club.paper()
    thread = ThreadRef(C1, root.ts)
    question = message_event(
        text="What is the diameter of these graphs bounded by?", thread_ts=root.ts, user="W333"
    )
    await club.slack.wait_ack(await club.slack.send_event(question))

    async def answered() -> bool:
        return len(await club.club.store.turns(thread)) >= 2

    await until(answered, 10)
    await club.club.store.add_turn(thread, Turn("user", "W444", "Is there a cake recipe?"))

    shown = await said(club, f"recap {PAPER}")
    assert shown == "📝 Meeting notes posted in the thread: 1 key point, 1 open question."
    notes = club.slack.thread("T111", "C111", root.ts)[-1]
    assert notes.text.startswith(f"*📝 Meeting notes: {PAPER_TITLE}*")
    assert "• We show that the diameter" in notes.text
    assert "Is there a cake recipe? (asked by `W444`)" in notes.text

    before = len(club.slack.thread("T111", "C111", root.ts))
    mention = app_mention_event(text="recap", thread_ts=root.ts)
    await club.slack.wait_ack(await club.slack.send_event(mention))
    await eventually(lambda: len(club.slack.thread("T111", "C111", root.ts)) == before + 1)
    assert "Meeting notes" in club.slack.thread("T111", "C111", root.ts)[-1].text
    assert "nothing to recap" in await said(club, f"recap {PAPER}", channel="C222")


async def test_help_lists_the_workflow_commands_in_japanese(club: Club) -> None:
    await club.club.channels.update_settings(C1, language="ja")
    envelope, name = await club.command("help")
    await club.slack.wait_ack(envelope)
    shown = unescaped(json.dumps((await club.result(name)).body, ensure_ascii=False))
    assert "論文クラブのボット" in shown and "クラブの活動" in shown
    for sub in ("vote", "pick", "present", "save", "saved", "read", "recap", "paper"):
        assert f"`/paperclub {sub}" in shown, sub
    assert "`/paperclub recap <arXiv id>`" in shown  # Slack's commands name the paper
    assert "`/paperclub ask <arXiv id> <question>`" in shown


async def test_meeting_and_automatic_pick_in_korean(club: Club) -> None:
    """`/paperclub settings language=ko meeting=thu 18:00 autopick=24`, then the automatic
    picks and the reminder speak the channel's language."""
    shown = await said(club, "settings language=ko meeting=thu 18:00 autopick=24")
    assert "설정을 저장했습니다" in shown
    assert "모임: 매주 목요일 18:00 (UTC). 24시간 전에 최다 득표 논문을 자동으로 고릅니다" in shown
    settings = await club.club.channels.channel_settings(C1)
    assert (settings.meeting_weekday, settings.meeting_time, settings.auto_pick_hours) == (
        3,
        "18:00",
        24,
    )
    # refusals in the channel's language (Korean), quoting what was typed
    assert "모임 'thu'을(를) 알 수 없습니다" in await said(club, "settings meeting=thu")
    assert "1에서 167 사이의 정수" in await said(club, "settings autopick=200")
    assert "요일 'someday'을(를) 알 수 없습니다" in await said(
        club, "settings meeting=someday 18:00"
    )

    wednesday = datetime(2027, 3, 3, 18, 0, tzinfo=UTC)  # 24 h before Thursday's meeting
    assert await club.club.sessions.send_due_auto_picks(wednesday) == 1
    [notice] = club.slack.top_level("T111", "C111")
    assert "2027-03-04 (목) 18:00 UTC 모임 논문을 고르지 못했습니다" in notice.text
    assert "아직 표를 받은 논문이 없습니다. 논문 게시물에 반응을 달아 투표하세요." in notice.text

    thread = await club.club.papers.summon_paper(C1, PAPER)
    await club.slack.wait_ack(await club.slack.send_event(reaction_event(item_ts=thread.root_id)))
    await until(_has_votes(club, 1))
    assert await club.club.sessions.send_due_auto_picks(wednesday + timedelta(days=7)) == 1
    assert await club.club.sessions.send_due_auto_picks(wednesday + timedelta(days=7, hours=1)) == 0
    session_root = club.slack.top_level("T111", "C111")[-1]
    assert f"읽기 모임: {PAPER_TITLE}" in session_root.text
    assert (
        "• 득표: 1" in session_root.text
        and "• 일시: 2027-03-11 (목) 18:00 UTC" in session_root.text
    )
    assert "• 발표자: 미정 (/paperclub present <논문>으로 정합니다)" in unescaped(session_root.text)
    assert (
        await club.club.sessions.send_due_reminders(datetime(2027, 3, 11, 17, 0, tzinfo=UTC)) == 1
    )
    reminder = club.slack.thread("T111", "C111", session_root.ts)[-1]
    assert f"알림: 60분 후 모임이 시작됩니다: {PAPER_TITLE}" in reminder.text
