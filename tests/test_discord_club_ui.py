"""The club's week on Discord, as members see it (issue 17): the vote button under every paper
root with its live count, /standings, the public pick with the tally, autocomplete of the paper
options and the typing indicator. The real discord.py client and our PaperclubBot run against
the loopback Discord; every payload is the wire format Discord sends and receives."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image as PILImage

from adapters.discord_bot import PaperclubBot
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform
from tests.loopback.discord_server import EPHEMERAL, FakeDiscord, RestCall, run_client

CALLBACK = "/interactions/{interaction_id}/{token}/callback"
FOLLOWUP = "/webhooks/{application_id}/{token}"
HOOK_MESSAGE = "/webhooks/{application_id}/{token}/messages/{message_id}"
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
TYPING = "/channels/{channel_id}/typing"
PAPER = "1605.08386"
TITLE = "Heat-bath random walks with Markov bases"
VOTE_ID = "paperclub:vote"


@dataclass
class World:
    fake: FakeDiscord
    club: Services
    bot: PaperclubBot
    channel: dict[str, Any]


@pytest.fixture
async def world(make_settings: Callable[..., Settings]) -> AsyncIterator[World]:
    async with FakeDiscord() as fake, bootstrap(make_settings()) as club:
        guild = fake.add_guild("Club A")
        channel = fake.add_text_channel(guild, "papers")
        bot = PaperclubBot(club, guild_ready_timeout=0.05)
        club.chats.attach(Platform.DISCORD, bot.chat)
        async with run_client(bot, fake):
            yield World(fake, club, bot, channel)


async def interact(fake: FakeDiscord, payload: dict[str, Any]) -> RestCall:
    """Dispatch an INTERACTION_CREATE and return the bot's callback to it."""
    await fake.dispatch("INTERACTION_CREATE", payload)
    [callback] = await fake.wait_for_call(
        lambda c: c.route == CALLBACK and c.path.split("/")[2] == payload["id"]
    )
    return callback


async def followup(
    fake: FakeDiscord, payload: dict[str, Any], predicate: Callable[[str], bool]
) -> RestCall:
    token = payload["token"]
    [call, *_] = await fake.wait_for_call(
        lambda c: (
            c.route in (FOLLOWUP, HOOK_MESSAGE)
            and c.method in ("POST", "PATCH")
            and f"/{token}" in c.path
            and predicate((c.json or {}).get("content") or "")
        ),
        within=10,
    )
    return call


async def command(world: World, name: str, options: dict[str, Any] | None = None) -> str:
    payload = world.fake.interaction_payload(world.channel, name, options)
    await interact(world.fake, payload)
    done = await followup(world.fake, payload, lambda text: bool(text) and "⏳" not in text)
    return str(done.json["content"])


async def open_paper(world: World) -> str:
    content = await command(world, "paper", {"reference": PAPER})
    return content.split("<#", 1)[1].split(">", 1)[0]


def button(message: dict[str, Any]) -> dict[str, Any]:
    [row] = message["components"]
    [vote] = [c for c in row["components"] if c.get("custom_id") == VOTE_ID]
    return vote


async def click(world: World, root_id: str, user: dict[str, Any]) -> tuple[RestCall, str]:
    """Click the vote button; the bot's callback and the note only the clicker sees."""
    fake = world.fake
    payload = fake.component_payload(world.channel, root_id, VOTE_ID, user=user)
    callback = await interact(fake, payload)
    note = await followup(fake, payload, lambda text: "🗳️" in text)
    assert int(note.json.get("flags", 0)) & EPHEMERAL
    return callback, str(note.json["content"])


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_every_paper_root_has_a_vote_button_whose_count_follows_clicks_and_reactions(
    world: World,
) -> None:
    fake = world.fake
    root_id = await open_paper(world)
    root = fake.messages[root_id]
    [post] = [
        c
        for c in fake.calls
        if c.route == MESSAGES and isinstance(c.response, dict) and c.response["id"] == root_id
    ]
    # The root is sent with its embed and, alongside, an action row with the vote button.
    assert post.json["embeds"][0]["title"] == TITLE
    [row] = post.json["components"]
    assert row["type"] == 1  # an action row
    [vote] = row["components"]
    assert vote["type"] == 2 and vote["style"] == 1  # a primary button
    assert (vote["custom_id"], vote["label"], vote["emoji"]["name"]) == (VOTE_ID, "Vote · 0", "🗳️")
    # The summary and Q&A replies in the thread carry no button.
    replies = [
        c for c in fake.calls if c.method == "POST" and c.path.endswith(f"{root_id}/messages")
    ]
    assert replies and all(not c.json.get("components") for c in replies)

    alice, bob = fake.user("alice"), fake.user("bob")
    callback, note = await click(world, root_id, alice)
    assert callback.json == {"type": 6}  # DEFERRED_UPDATE_MESSAGE: acknowledged at once
    assert note == f"🗳️ Your vote for **{TITLE}** counts: 1 in this channel."
    await until(lambda: button(root)["label"] == "Vote · 1")

    # A reaction is a vote too, and the card's count follows it.
    await fake.dispatch("MESSAGE_REACTION_ADD", fake.reaction_payload(world.channel, root_id, bob))
    await until(lambda: button(root)["label"] == "Vote · 2")
    edit = [c for c in fake.calls if c.method == "PATCH" and c.route == MESSAGE][-1]
    assert "embeds" not in edit.json and "content" not in edit.json  # only the button changes

    # Clicking again takes the vote back, as removing a reaction does.
    _, note = await click(world, root_id, alice)
    assert note == f"🗳️ Your vote for **{TITLE}** was taken back: 1 in this channel."
    await until(lambda: button(root)["label"] == "Vote · 1")
    assert root["embeds"][0]["title"] == TITLE


async def test_the_button_still_counts_after_a_restart(
    world: World, make_settings: Callable[..., Settings]
) -> None:
    fake = world.fake
    root_id = await open_paper(world)
    await world.bot.close()
    restarted = PaperclubBot(world.club, guild_ready_timeout=0.05, sync_commands=False)
    world.club.chats.attach(Platform.DISCORD, restarted.chat)
    async with run_client(restarted, fake):
        world.bot = restarted
        _, note = await click(world, root_id, fake.user("carol"))
        assert "counts: 1" in note
        await until(lambda: button(fake.messages[root_id])["label"] == "Vote · 1")


async def test_standings_and_the_public_pick_show_the_tally(world: World) -> None:
    fake = world.fake
    root_id = await open_paper(world)
    empty = await command(world, "standings")
    assert empty.startswith("No paper in this channel has a vote yet")
    await click(world, root_id, fake.user("alice"))
    await click(world, root_id, fake.user("bob"))

    payload = fake.interaction_payload(world.channel, "standings")
    assert (await interact(fake, payload)).json == {"type": 5}  # public, like /pick
    done = await followup(fake, payload, lambda text: "standings" in text)
    assert done.json["content"] == (
        f"**🗳️ This week's standings**\n1. **{TITLE}**: 2 votes <#{root_id}>"
    )

    payload = fake.interaction_payload(world.channel, "pick", {"meeting_time": "2099-03-11 18:00"})
    assert (await interact(fake, payload)).json == {"type": 5}  # not ephemeral: the channel sees it
    done = await followup(fake, payload, lambda text: text.startswith("📚"))
    content = done.json["content"]
    assert f"Picked for the next session: **{TITLE}** (2 votes)" in content
    assert f"**🗳️ The tally at the pick**\n1. **{TITLE}**: 2 votes <#{root_id}>" in content


async def test_paper_options_autocomplete_from_the_channels_papers(world: World) -> None:
    fake = world.fake
    await open_paper(world)
    for name in ("vote", "present", "save", "read", "pick"):
        payload = fake.autocomplete_payload(world.channel, name, {"paper": "mark"}, "paper")
        callback = await interact(fake, payload)
        assert callback.json["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
        choices = callback.json["data"]["choices"]
        assert choices[0]["value"] == PAPER, name
        assert choices[0]["name"] == f"{PAPER} · {TITLE}"
        assert all(len(c["name"]) <= 100 for c in choices)
    payload = fake.autocomplete_payload(world.channel, "vote", {"paper": "zzz-nothing"}, "paper")
    assert (await interact(fake, payload)).json["data"]["choices"] == []


async def test_the_bot_is_typing_while_it_prepares_an_answer(world: World) -> None:
    fake = world.fake
    root_id = await open_paper(world)
    thread = fake.channels[root_id]
    question = fake.message_payload(thread, "What is a Markov basis?", fake.user("alice"))
    await fake.dispatch("MESSAGE_CREATE", question)
    [typing] = await fake.wait_for_call(
        lambda c: c.route == TYPING and c.path == f"/channels/{root_id}/typing"
    )
    with contextlib.suppress(TimeoutError):
        await fake.wait_for_call(
            lambda c: (
                c.method == "POST"
                and c.path == f"/channels/{root_id}/messages"
                and c.received_at > typing.received_at
            ),
            within=10,
        )
    answers = [
        c
        for c in fake.calls
        if c.method == "POST"
        and c.path == f"/channels/{root_id}/messages"
        and c.received_at > typing.received_at
    ]
    assert answers  # the answer followed the typing indicator


async def test_standings_is_registered_with_localized_names(world: World) -> None:
    [put] = world.fake.calls_to("PUT", "/applications/{application_id}/commands")
    commands = {c["name"]: c for c in put.json}
    assert commands["standings"]["name_localizations"] == {"ja": "投票状況", "ko": "투표현황"}
    vote_paper = commands["vote"]["options"][0]
    assert vote_paper["autocomplete"] is True


async def test_pick_names_a_paper_from_the_autocomplete_list(world: World) -> None:
    fake = world.fake
    root_id = await open_paper(world)
    payload = fake.autocomplete_payload(world.channel, "pick", {"paper": "heat"}, "paper")
    [choice, *_] = (await interact(fake, payload)).json["data"]["choices"]
    payload = fake.interaction_payload(world.channel, "pick", {"paper": choice["value"]})
    assert (await interact(fake, payload)).json == {"type": 5}  # public
    done = await followup(fake, payload, lambda text: text.startswith("📚"))
    # No vote is needed when the admin names the paper; it is picked with its 0 votes.
    assert f"Picked for the next session: **{TITLE}** (0 votes)" in done.json["content"]
    conversation = ConversationRef(Platform.DISCORD, world.channel["guild_id"], world.channel["id"])
    session = await world.club.sessions.session(conversation, PAPER)
    assert session.paper.arxiv_id == PAPER and session.thread.root_id != root_id


SETTINGS_LABELS = (
    "Language (en, ja or ko)",
    "Weekly digest: day and time (Monday 09:00)",
    "Time zone (e.g. Asia/Tokyo)",
    "Topics, comma-separated (agents:2, diffusion)",
    "Paper sources (all, or arxiv, huggingface…)",
)


async def open_settings_form(world: World, **member: Any) -> dict[str, Any]:
    """/settings without options; the modal the bot answered with (callback type 9)."""
    payload = world.fake.interaction_payload(world.channel, "settings", **member)
    callback = await interact(world.fake, payload)
    assert callback.json["type"] == 9, callback.json  # MODAL: the form is the first response
    return dict(callback.json["data"])


async def submit_form(
    world: World, modal: dict[str, Any], values: dict[str, str], **member: Any
) -> tuple[RestCall, str]:
    payload = world.fake.modal_submit_payload(world.channel, modal, values, **member)
    callback = await interact(world.fake, payload)
    done = await followup(world.fake, payload, lambda text: bool(text) and "⏳" not in text)
    return callback, str(done.json["content"])


def prefilled(modal: dict[str, Any]) -> dict[str, str]:
    return {c["label"]: c["component"].get("value", "") for c in modal["components"]}


async def test_settings_without_options_opens_a_prefilled_form_that_saves(world: World) -> None:
    modal = await open_settings_form(world)
    assert modal["title"] == "This channel's paperclub settings"
    assert len(modal["components"]) == 5 and all(c["type"] == 18 for c in modal["components"])
    assert all(c["component"]["type"] == 4 for c in modal["components"])  # text inputs
    assert prefilled(modal) == dict(
        zip(SETTINGS_LABELS, ("en", "Monday 09:00", "UTC", "", "all"), strict=True)
    )

    callback, saved = await submit_form(
        world,
        modal,
        {
            SETTINGS_LABELS[0]: "ja",
            SETTINGS_LABELS[1]: "金曜日 18:30",
            SETTINGS_LABELS[2]: "Asia/Tokyo",
            SETTINGS_LABELS[3]: "LLM agents:2, Diffusion",
            SETTINGS_LABELS[4]: "arxiv, huggingface",
        },
    )
    assert callback.json["type"] == 5 and int(callback.json["data"]["flags"]) & EPHEMERAL
    assert saved.startswith("**設定を保存しました**")  # the channel speaks Japanese now
    conversation = ConversationRef(Platform.DISCORD, world.channel["guild_id"], world.channel["id"])
    settings = await world.club.channels.channel_settings(conversation)
    assert (settings.language, settings.weekday, settings.time) == ("ja", 4, "18:30")
    assert settings.timezone == "Asia/Tokyo" and settings.sources == ("arxiv", "huggingface")
    assert settings.topics == ("llm agents", "diffusion")
    assert settings.topic_weights == (("llm agents", 2.0),)

    # Opened again, the form shows what was saved, in the member's language.
    again = await open_settings_form(world, locale="ja")
    assert again["title"] == "このチャンネルの paperclub 設定"
    assert list(prefilled(again).values()) == [
        "ja",
        "金曜日 18:30",
        "Asia/Tokyo",
        "llm agents:2, diffusion",
        "arxiv, huggingface",
    ]


async def test_a_bad_value_in_the_form_is_refused_in_the_members_language_and_kept(
    world: World,
) -> None:
    modal = await open_settings_form(world)
    _, refused = await submit_form(
        world,
        modal,
        {SETTINGS_LABELS[2]: "Asia/Tokyp", SETTINGS_LABELS[0]: "ko"},
        locale="ja",
    )
    assert refused.startswith("タイムゾーン 'Asia/Tokyp' が分かりません。Asia/Tokyo, ")
    assert "Time zone (e.g. Asia/Tokyo): Asia/Tokyp" in refused  # what was typed, to retry
    note = [c for c in world.fake.calls if c.route in (FOLLOWUP, HOOK_MESSAGE)][-1]
    assert int(world.fake.messages[note.response["id"]]["flags"]) & EPHEMERAL
    conversation = ConversationRef(Platform.DISCORD, world.channel["guild_id"], world.channel["id"])
    settings = await world.club.channels.channel_settings(conversation)
    assert (settings.language, settings.timezone) == ("en", "UTC")  # nothing half-saved

    modal = await open_settings_form(world)  # a form is submitted once
    _, refused = await submit_form(world, modal, {SETTINGS_LABELS[1]: "someday"})
    assert refused.startswith("Unknown schedule 'someday'.")


async def test_the_form_follows_the_admin_rule_when_opened_and_when_submitted(
    world: World,
) -> None:
    fake = world.fake
    modal = await open_settings_form(world)
    payload = fake.interaction_payload(world.channel, "settings", member_permissions=0)
    refused = await interact(fake, payload)
    assert refused.json["type"] == 4 and "Manage Channels" in refused.json["data"]["content"]
    payload = fake.modal_submit_payload(
        world.channel, modal, {SETTINGS_LABELS[0]: "ja"}, member_permissions=0
    )
    callback = await interact(fake, payload)
    assert callback.json["type"] == 4 and "/settings" in callback.json["data"]["content"]
    conversation = ConversationRef(Platform.DISCORD, world.channel["guild_id"], world.channel["id"])
    assert (await world.club.channels.channel_settings(conversation)).language == "en"


async def test_standings_come_with_a_bar_chart(world: World) -> None:
    fake = world.fake
    root_id = await open_paper(world)
    payload = fake.interaction_payload(world.channel, "standings")
    await interact(fake, payload)
    empty = await followup(fake, payload, lambda text: text.startswith("No paper"))
    assert empty.files == []  # no votes: no chart
    await click(world, root_id, fake.user("alice"))
    await click(world, root_id, fake.user("bob"))

    payload = fake.interaction_payload(world.channel, "standings", locale="ko")
    await interact(fake, payload)
    done = await followup(fake, payload, lambda text: "투표" in text)
    [chart] = done.files  # multipart: payload_json + files[0]
    assert (chart["name"], chart["filename"]) == ("files[0]", "standings.png")
    with PILImage.open(io.BytesIO(chart["data"])) as picture:
        assert picture.format == "PNG" and picture.size[0] > picture.size[1]
    assert done.json["attachments"] == [{"id": 0, "filename": "standings.png"}]
    [shown] = fake.messages[done.response["id"]]["attachments"]
    assert shown["filename"] == "standings.png" and shown["size"] == len(chart["data"])
