"""issue 14: once a digest's cards are posted, its header is edited once so each ranked
paper links to its thread (Discord jump URL, Slack permalink from chat.getPermalink);
a rerun in the same week edits and posts nothing; a failed edit loses nothing."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from adapters.discord_bot import PaperclubBot
from adapters.slack_app import build_slack_app, make_client
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform
from tests.loopback.discord_server import FakeDiscord, run_client
from tests.loopback.slack_server import FakeSlack, Workspace

SEPTEMBER_27_2023 = datetime(2023, 9, 27, 12, 0, tzinfo=UTC)  # the recorded arXiv pages' week
SLACK_CHANNEL = ConversationRef(Platform.SLACK, "T111", "C111")
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
async def slack_club(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[FakeSlack, Services]]:
    async with (
        FakeSlack.running(workspaces=[Workspace("T111", "Club One", "xoxb-fake")]) as fake,
        bootstrap(make_settings()) as club,
    ):
        client = make_client("xoxb-fake", api_url=fake.api_url)
        _app, chat = build_slack_app(club, client, post_interval=0.0, workspaces=("T111",))
        club.chats.attach(Platform.SLACK, chat)
        await club.channels.update_settings(SLACK_CHANNEL, digest_size=3)
        yield fake, club


async def test_slack_header_links_each_paper_to_its_threads_permalink_once(
    slack_club: tuple[FakeSlack, Services],
) -> None:
    fake, club = slack_club
    report = await club.digest.weekly_digest(SLACK_CHANNEL, now=SEPTEMBER_27_2023)
    assert len(report.posted) == 3
    header, *cards = fake.top_level("T111", "C111")
    assert len(cards) == 3
    [edit] = fake.calls_to("chat.update")
    assert edit.params["ts"] == header.ts
    assert len(fake.calls_to("chat.getPermalink")) == 3
    for rank, card in enumerate(cards, 1):
        permalink = f"https://clubone.slack.com/archives/C111/p{card.ts.replace('.', '')}"
        assert re.search(rf"\[{rank}/3\] <{re.escape(permalink)}\|", header.text), header.text
    assert "arxiv.org/abs" not in header.text  # every line now opens its thread
    assert header.metadata is not None and header.metadata["event_payload"]["key"].startswith(
        "digest-header:"
    )
    posts = len(fake.calls_to("chat.postMessage"))

    again = await club.digest.weekly_digest(SLACK_CHANNEL, now=SEPTEMBER_27_2023)
    assert again.posted == [] and len(again.already_posted) == 3
    assert len(fake.calls_to("chat.update")) == 1  # nothing edited twice
    assert len(fake.calls_to("chat.postMessage")) == posts  # nothing posted twice


async def test_a_failed_header_edit_loses_nothing_and_is_logged(
    slack_club: tuple[FakeSlack, Services], caplog: pytest.LogCaptureFixture
) -> None:
    fake, club = slack_club
    fake.fail_next("chat.update", status=200, error="cant_update_message")
    with caplog.at_level(logging.WARNING, logger="bot.usecases.digest"):
        report = await club.digest.weekly_digest(SLACK_CHANNEL, now=SEPTEMBER_27_2023)
    assert len(report.posted) == 3 and not report.failed
    header, *cards = fake.top_level("T111", "C111")
    assert len(cards) == 3 and all(len(fake.thread("T111", "C111", c.ts)) == 2 for c in cards)
    assert header.text.count("arxiv.org/abs/") == 3  # as first posted: linking arXiv
    assert any("was not linked to its threads" in r.getMessage() for r in caplog.records)


async def test_discord_header_links_each_paper_to_its_thread_once(
    make_settings: Callable[..., Settings],
) -> None:
    async with FakeDiscord() as fake, bootstrap(make_settings()) as club:
        guild = fake.add_guild("Club A")
        channel = fake.add_text_channel(guild, "papers")
        bot = PaperclubBot(club, guild_ready_timeout=0.05)
        club.chats.attach(Platform.DISCORD, bot.chat)
        conversation = ConversationRef(Platform.DISCORD, guild["id"], channel["id"])
        async with run_client(bot, fake):
            await club.channels.update_settings(conversation, digest_size=3)
            report = await club.digest.weekly_digest(conversation, now=SEPTEMBER_27_2023)
            assert len(report.posted) == 3
            roots = [
                m
                for m in fake.messages.values()
                if m["channel_id"] == channel["id"] and m["author"]["id"] == fake.bot_user["id"]
            ]
            header, *cards = sorted(roots, key=lambda m: int(m["id"]))
            assert len(cards) == 3
            [edit] = [c for c in fake.calls_to("PATCH", MESSAGE) if header["id"] in c.path]
            assert edit.path.endswith(f"/channels/{channel['id']}/messages/{header['id']}")
            for rank, card in enumerate(cards, 1):
                jump = f"https://discord.com/channels/{guild['id']}/{card['id']}"
                assert f"[{rank}/3] [" in header["content"]
                assert f"]({jump})" in header["content"], header["content"]
            assert "arxiv.org/abs" not in header["content"]
            assert "@everyone" not in header["content"]
            posts = len(fake.calls_to("POST", MESSAGES))
            edits = len(fake.calls_to("PATCH", MESSAGE))

            again = await club.digest.weekly_digest(conversation, now=SEPTEMBER_27_2023)
            assert again.posted == []
            assert len(fake.calls_to("PATCH", MESSAGE)) == edits
            assert len(fake.calls_to("POST", MESSAGES)) == posts
