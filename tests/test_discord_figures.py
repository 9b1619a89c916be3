"""The key figure on the Discord card: the real discord.py uploads it as multipart/form-data
(payload_json + files[0]) with an embed that shows attachment://name under the card; the
loopback Discord records the upload and answers with the attachment as Discord does. A
paper without a figure posts exactly as before."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image as PILImage

from adapters.discord_bot import PaperclubBot
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import Platform
from tests.loopback.arxiv_entries import register_paper
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.discord_server import FakeDiscord, RestCall, run_client
from tests.loopback.fulltext_server import TELL_ME_HTML, FullTextServer, html_file

CALLBACK = "/interactions/{interaction_id}/{token}/callback"
HOOK_MESSAGE = "/webhooks/{application_id}/{token}/messages/{message_id}"
MESSAGES = "/channels/{channel_id}/messages"
HTML_PAPER = "2501.11120"
TITLE = "Tell me about yourself: LLMs are aware of their learned behaviors"
PLAIN_PAPER = "1605.08386"  # the recorded feed's paper: no full text on the loopback arXiv


@dataclass
class World:
    fake: FakeDiscord
    club: Services
    channel: dict[str, Any]
    picture: bytes


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (120, 60), (200, 80, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def world(
    make_settings: Callable[..., Settings], arxiv_server: ArxivServer
) -> AsyncIterator[World]:
    register_paper(
        arxiv_server,
        HTML_PAPER,
        version=1,
        title=TITLE,
        abstract="We study behavioral self-awareness: an LLM's ability to articulate its behaviors.",
        published=datetime(2025, 1, 19, tzinfo=UTC),
        updated=datetime(2025, 1, 19, tzinfo=UTC),
    )
    fulltext = await FullTextServer().start()
    fulltext.html[f"{HTML_PAPER}v1"] = html_file(TELL_ME_HTML)
    picture = png()
    fulltext.images[f"{HTML_PAPER}v1/x1.png"] = (picture, "image/png")
    settings = make_settings(arxiv_html_url=fulltext.html_base, arxiv_pdf_url=fulltext.pdf_base)
    try:
        async with FakeDiscord() as fake, bootstrap(settings) as club:
            guild = fake.add_guild("Club A")
            channel = fake.add_text_channel(guild, "papers")
            bot = PaperclubBot(club, guild_ready_timeout=0.05)
            club.chats.attach(Platform.DISCORD, bot.chat)
            async with run_client(bot, fake):
                yield World(fake, club, channel, picture)
    finally:
        await fulltext.stop()


async def summon(world: World, paper: str) -> RestCall:
    """/paper `paper`; the POST of the card it opened the thread from."""
    fake = world.fake
    payload = fake.interaction_payload(world.channel, "paper", {"reference": paper})
    await fake.dispatch("INTERACTION_CREATE", payload)
    [done, *_] = await fake.wait_for_call(
        lambda c: (
            c.route == HOOK_MESSAGE
            and payload["token"] in c.path
            and "📄" in ((c.json or {}).get("content") or "")
        ),
        within=60,
    )
    root_id = done.json["content"].split("<#", 1)[1].split(">", 1)[0]
    [card] = [
        c
        for c in fake.calls
        if c.route == MESSAGES and isinstance(c.response, dict) and c.response.get("id") == root_id
    ]
    return card


async def test_the_key_figure_is_uploaded_with_the_card_and_shown_under_it(world: World) -> None:
    card = await summon(world, HTML_PAPER)
    # multipart: payload_json plus files[0], the figure's bytes as arXiv served them
    [upload] = card.files
    name = f"figure-{HTML_PAPER}.png"
    assert (upload["name"], upload["filename"], upload["data"]) == ("files[0]", name, world.picture)
    assert card.json["attachments"] == [{"id": 0, "filename": name}]
    first, figure = card.json["embeds"]
    assert first["title"] == TITLE
    assert figure["image"]["url"] == f"attachment://{name}"
    assert figure["url"] == f"https://arxiv.org/html/{HTML_PAPER}v1#S1.F1"
    assert figure["description"].startswith(
        "🖼️ **Key figure**\nFigure 1: Models can describe a learned behavioral policy"
    )
    assert card.json["allowed_mentions"] == {"parse": []}
    # Discord keeps the upload and shows it in the embed, by its CDN address.
    message = world.fake.messages[card.response["id"]]
    [attachment] = message["attachments"]
    assert attachment["filename"] == name and attachment["size"] == len(world.picture)
    assert message["embeds"][1]["image"]["url"] == attachment["url"]
    assert [c["type"] for c in message["components"]] == [1]  # the vote button is still there


async def test_a_paper_without_a_figure_posts_as_before(world: World) -> None:
    card = await summon(world, PLAIN_PAPER)
    assert card.files == []
    assert "attachments" not in card.json
    [embed] = card.json["embeds"]
    assert "image" not in embed


async def test_without_attach_files_the_card_is_posted_without_its_figure(world: World) -> None:
    world.fake.fail_next("POST", MESSAGES, status=403)  # Missing Permissions, for the upload
    card = await summon(world, HTML_PAPER)
    refused, posted = [c for c in world.fake.calls_to("POST", MESSAGES) if c.json.get("embeds")]
    assert refused.status == 403 and refused.files  # the upload Discord refused
    assert posted is card and posted.files == [] and "attachments" not in posted.json
    assert [e.get("image") for e in posted.json["embeds"]] == [None]  # the card, alone
    assert posted.json["nonce"] == refused.json["nonce"]  # one post: the same nonce
