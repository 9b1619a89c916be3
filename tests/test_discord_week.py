"""A club's week on Discord, end to end (issue 17): the real discord.py client and our
PaperclubBot against the loopback Discord, the loopback arXiv serving the recorded week
(and the real PDF and HTML fixture papers), the extractive engine, SQLite.

Monday the digest; a member brings a paper whose card shows its key figure; members vote by button and by reaction; /standings with its chart; the
admin picks, and the presenter's outline lands in the session thread; a member asks in a
paper's thread and rates the answer 👍; arXiv publishes v2 of a paper and its thread gets
one note. Every step is what members see: the payloads Discord receives.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image as PILImage

from adapters.discord_bot import PaperclubBot
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform
from tests.loopback.arxiv_entries import register_paper
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.discord_server import EPHEMERAL, FakeDiscord, RestCall, run_client

SEPTEMBER_27_2023 = datetime(2023, 9, 27, 12, 0, tzinfo=UTC)  # the recorded arXiv pages' week
CALLBACK = "/interactions/{interaction_id}/{token}/callback"
FOLLOWUP = "/webhooks/{application_id}/{token}"
HOOK_MESSAGE = "/webhooks/{application_id}/{token}/messages/{message_id}"
MESSAGES = "/channels/{channel_id}/messages"
VOTE_ID = "paperclub:vote"
REVERSAL = "2309.12288"  # a fixture paper the loopback arXiv has as a PDF only


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Week:
    fake: FakeDiscord
    club: Services
    channel: dict[str, Any]
    arxiv: ArxivServer

    @property
    def conversation(self) -> ConversationRef:
        return ConversationRef(Platform.DISCORD, self.channel["guild_id"], self.channel["id"])

    async def command(
        self, name: str, options: dict[str, Any] | None = None, *, within: float = 60
    ) -> RestCall:
        """A slash command; its final reply (the deferred message edited, not progress)."""
        payload = self.fake.interaction_payload(self.channel, name, options)
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        [callback] = await self.fake.wait_for_call(
            lambda c: c.route == CALLBACK and c.path.split("/")[2] == payload["id"]
        )
        assert callback.json["type"] == 5, name  # deferred within Discord's 3 s
        [done, *_] = await self.fake.wait_for_call(
            lambda c: (
                c.route in (FOLLOWUP, HOOK_MESSAGE)
                and payload["token"] in c.path
                and bool((c.json or {}).get("content"))
                and "⏳" not in c.json["content"]
            ),
            within=within,
        )
        return done

    async def click_vote(self, root_id: str, user: dict[str, Any]) -> str:
        payload = self.fake.component_payload(self.channel, root_id, VOTE_ID, user=user)
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        [note, *_] = await self.fake.wait_for_call(
            lambda c: (
                c.route == FOLLOWUP
                and payload["token"] in c.path
                and "🗳️" in ((c.json or {}).get("content") or "")
            ),
            within=10,
        )
        assert int(note.json.get("flags", 0)) & EPHEMERAL  # only the voter sees it
        return str(note.json["content"])

    def posted_in(self, channel_id: str) -> list[dict[str, Any]]:
        """The messages the bot has in a channel or thread, oldest first."""
        return sorted(
            (m for m in self.fake.messages.values() if m["channel_id"] == channel_id),
            key=lambda m: int(m["id"]),
        )


@pytest.fixture
async def week(
    make_settings: Callable[..., Settings], arxiv_server: ArxivServer
) -> AsyncIterator[Week]:
    async with (
        FakeDiscord() as fake,
        bootstrap(make_settings(), now=Clock(SEPTEMBER_27_2023)) as club,
    ):
        guild = fake.add_guild("Reading Club")
        channel = fake.add_text_channel(guild, "papers")
        bot = PaperclubBot(club, guild_ready_timeout=0.05)
        club.chats.attach(Platform.DISCORD, bot.chat)
        async with run_client(bot, fake):
            yield Week(fake, club, channel, arxiv_server)


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def vote_label(message: dict[str, Any]) -> str:
    [row] = message["components"]
    [button] = [c for c in row["components"] if c.get("custom_id") == VOTE_ID]
    return str(button["label"])


async def test_a_club_week_on_discord(week: Week) -> None:
    fake = week.fake
    alice, bob, carol = fake.user("alice"), fake.user("bob"), fake.user("carol")

    # Monday: three papers this week, posted by /digest (an admin runs it by hand here).
    saved = await week.command("settings", {"size": 3})
    assert "Papers per digest: 3" in saved.json["content"]
    report = await week.command("digest", within=180)
    assert report.json["content"].startswith("**Digest")
    cards = [
        m
        for m in week.posted_in(week.channel["id"])
        if m["embeds"] and m.get("components")  # a paper's card carries the vote button
    ]
    assert len(cards) == 3
    titles = [card["embeds"][0]["title"] for card in cards]
    assert [t.split(" ", 1)[0] for t in titles] == ["[1/3]", "[2/3]", "[3/3]"]
    assert all(vote_label(card) == "Vote · 0" for card in cards)
    for card in cards:  # each card has its thread: the key points, then the tags
        thread = week.posted_in(card["id"])
        assert thread and thread[0]["content"].startswith("**Key points")
    assert not any(card.get("attachments") for card in cards)  # abstracts only: no figure

    # A member brings a paper of their own; arXiv has only its PDF, so the card shows the
    # page of its Figure 1, with the caption.
    register_paper(
        week.arxiv,
        REVERSAL,
        version=1,
        title="The Reversal Curse: LLMs trained on “A is B” fail to learn “B is A”",
        abstract="We expose a surprising failure of generalization in auto-regressive LLMs.",
        published=datetime(2023, 9, 21, tzinfo=UTC),
        updated=datetime(2023, 9, 21, tzinfo=UTC),
    )
    summoned = await week.command("paper", {"reference": REVERSAL}, within=120)
    summoned_id = summoned.json["content"].split("<#", 1)[1].split(">", 1)[0]
    card = fake.messages[summoned_id]
    [attachment] = card["attachments"]
    assert attachment["filename"] == f"figure-{REVERSAL}-page1.png"
    title_embed, figure_embed = card["embeds"]
    assert title_embed["title"].startswith("The Reversal Curse")
    assert figure_embed["image"]["url"] == attachment["url"]
    assert figure_embed["description"].startswith(
        "🖼️ **Key figure** (page 1 of the PDF)\nFigure 1: Inconsistent knowledge in GPT-4."
    )
    assert figure_embed["url"] == f"https://arxiv.org/pdf/{REVERSAL}v1#page=1"
    assert vote_label(card) == "Vote · 0"

    # Tuesday: votes, by the button and by a reaction; the card's count follows both.
    first, second = cards[0], cards[1]
    assert "counts: 1" in await week.click_vote(first["id"], alice)
    assert "counts: 2" in await week.click_vote(first["id"], bob)
    await fake.dispatch(
        "MESSAGE_REACTION_ADD", fake.reaction_payload(week.channel, second["id"], carol)
    )
    await until(lambda: vote_label(fake.messages[first["id"]]) == "Vote · 2")
    await until(lambda: vote_label(fake.messages[second["id"]]) == "Vote · 1")

    # Wednesday: the standings, as text and as a chart.
    standings = await week.command("standings")
    lines = standings.json["content"].splitlines()
    assert lines[0] == "**🗳️ This week's standings**"
    assert lines[1].endswith(f"2 votes <#{first['id']}>") and lines[1].startswith("1. ")
    assert lines[2].endswith(f"1 vote <#{second['id']}>") and lines[2].startswith("2. ")
    [chart] = standings.files
    with PILImage.open(io.BytesIO(chart["data"])) as picture:
        assert picture.format == "PNG"

    # Thursday: the pick, public with the tally; the presenter's outline in the session thread.
    picked = await week.command("pick", {"meeting_time": "2023-09-28 18:00"})
    content = picked.json["content"]
    assert content.startswith("📚") and "(2 votes)" in content
    session_id = content.split("<#", 1)[1].split(">", 1)[0]
    assert session_id not in (first["id"], second["id"])  # a reading session's own thread
    await until(
        lambda: any(
            "Presenter outline" in (m["content"] or "") for m in week.posted_in(session_id)
        ),
        within=60,
    )
    [outline] = [m for m in week.posted_in(session_id) if "Presenter outline" in m["content"]]
    assert outline["content"].startswith("**🎤 Presenter outline: ")
    assert "\n• " in outline["content"] and "\n> [" in outline["content"]  # items, cited

    # A member asks in the first paper's thread; the bot answers there, citing the paper.
    before = {m["id"] for m in week.posted_in(first["id"])}
    question = fake.message_payload(
        fake.channels[first["id"]], "What problem does this paper address?", alice
    )
    await fake.dispatch("MESSAGE_CREATE", question)

    def answers() -> list[dict[str, Any]]:
        return [
            m
            for m in week.posted_in(first["id"])
            if m["id"] not in before
            and m["author"]["id"] == fake.bot_user["id"]
            and (m["content"] or "").strip()
        ]

    await until(lambda: bool(answers()), within=60)
    reply = answers()[0]
    # Once the answer is complete the bot puts 👍 and 👎 under it, to be clicked.
    await fake.wait_for_call(
        lambda c: c.method == "PUT" and f"/messages/{reply['id']}/reactions/" in c.path,
        within=60,
        count=2,
    )

    # Feedback: 👍 on the answer is stored with its question, for the club's own eval set.
    first_thread = fake.channels[first["id"]]
    await fake.dispatch(
        "MESSAGE_REACTION_ADD", fake.reaction_payload(first_thread, reply["id"], bob)
    )

    async def rated() -> list[dict[str, Any]]:
        return await week.club.feedback.export(week.conversation)

    deadline = time.monotonic() + 30
    exported = await rated()
    while not exported:
        assert time.monotonic() < deadline, "the 👍 was not stored"
        await asyncio.sleep(0.1)
        exported = await rated()
    assert "What problem does this paper address?" in str(exported)
    assert vote_label(fake.messages[first["id"]]) == "Vote · 2"  # a rating is not a vote

    # Later: arXiv publishes v2 of the first paper; its thread gets one note, no new thread.
    arxiv_id = _arxiv_id(first)
    paper = await week.club.papers.known_paper(arxiv_id)
    register_paper(
        week.arxiv,
        arxiv_id,
        version=paper.version + 1,
        title=paper.title,
        abstract=paper.abstract + " We add a new experiment in this version.",
        published=paper.published,
        updated=datetime(2023, 10, 20, tzinfo=UTC),
        comment="a new experiment",
        category=paper.primary_category,
    )
    roots_before = len(week.posted_in(week.channel["id"]))
    assert await week.club.new_versions.check() >= 1
    notes = [m for m in week.posted_in(first["id"]) if "arXiv published version" in m["content"]]
    assert len(notes) == 1
    assert f"version {paper.version + 1}" in notes[0]["content"]
    assert await week.club.new_versions.check() == 0  # told once
    assert len(week.posted_in(week.channel["id"])) == roots_before  # never a second thread


def _arxiv_id(card: dict[str, Any]) -> str:
    field = next(f for f in card["embeds"][0]["fields"] if f["name"] == "arXiv")
    return str(field["value"]).rsplit("v", 1)[0]
