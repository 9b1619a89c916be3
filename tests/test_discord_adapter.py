"""The Discord adapter end to end: the real discord.py client, our PaperclubBot and a real
Services (loopback arXiv, extractive engine, SQLite), against the loopback Discord."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from adapters.discord_bot import PaperclubBot, run_discord
from adapters.discord_bot.messages import CONTENT_LIMIT, DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT
from adapters.runner import run_bot
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import Author, ConversationRef, Platform, ThreadRef, Turn
from bot.errors import PaperclubError
from bot.render import Card, Post
from tests.loopback.discord_server import (
    ALL_PERMISSIONS,
    EPHEMERAL,
    FakeDiscord,
    RestCall,
    pointed_at,
    run_client,
)
from tests.loopback.openai_server import OpenAIServer, echo_model

CALLBACK = "/interactions/{interaction_id}/{token}/callback"
FOLLOWUP = "/webhooks/{application_id}/{token}"
HOOK_MESSAGE = "/webhooks/{application_id}/{token}/messages/{message_id}"
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
THREADS = "/channels/{channel_id}/messages/{message_id}/threads"
PAPER = "1605.08386"  # "Heat-bath random walks with Markov bases", in the recorded arXiv feeds
PAPER_WORD = "Markov"
CREATE_PUBLIC_THREADS = 1 << 35


@dataclass
class World:
    fake: FakeDiscord
    club: Services
    bot: PaperclubBot
    guild_a: dict[str, Any]
    channel_a: dict[str, Any]
    guild_b: dict[str, Any]
    channel_b: dict[str, Any]
    stray_thread: dict[str, Any]  # a thread paperclub knows nothing about


@pytest.fixture
async def world(make_settings: Callable[..., Settings]) -> AsyncIterator[World]:
    async with FakeDiscord() as fake, bootstrap(make_settings()) as club:
        guild_a = fake.add_guild("Club A")
        channel_a = fake.add_text_channel(guild_a, "papers")
        stray = fake.add_thread(channel_a, "off-topic chat")
        guild_b = fake.add_guild("Club B")
        channel_b = fake.add_text_channel(guild_b, "reading-group")
        bot = PaperclubBot(club, guild_ready_timeout=0.05)
        club.chats.attach(Platform.DISCORD, bot.chat)
        async with run_client(bot, fake):
            yield World(fake, club, bot, guild_a, channel_a, guild_b, channel_b, stray)


@dataclass
class Invocation:
    payload: dict[str, Any]
    dispatched_at: float
    callback: RestCall


async def invoke(
    fake: FakeDiscord,
    channel: dict[str, Any],
    command: str,
    options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Invocation:
    payload = fake.interaction_payload(channel, command, options, **kwargs)
    dispatched_at = time.monotonic()
    await fake.dispatch("INTERACTION_CREATE", payload)
    [callback] = await fake.wait_for_call(
        lambda c: c.route == CALLBACK and c.path.split("/")[2] == payload["id"]
    )
    return Invocation(payload, dispatched_at, callback)


async def reply_to(
    fake: FakeDiscord, invocation: Invocation, predicate: Callable[[str], bool], within: float = 10
) -> RestCall:
    """The interaction's follow-up (an edit of the deferred message, or a follow-up message)."""
    token = invocation.payload["token"]

    def matches(call: RestCall) -> bool:
        return (
            call.route in (HOOK_MESSAGE, FOLLOWUP)
            and call.method in ("PATCH", "POST")
            and f"/{token}" in call.path
            and predicate((call.json or {}).get("content") or "")
        )

    [call, *_] = await fake.wait_for_call(matches, within=within)
    return call


def thread_id_in(content: str) -> str:
    return content.split("<#", 1)[1].split(">", 1)[0]


async def open_paper(world: World) -> str:
    invocation = await invoke(world.fake, world.channel_a, "paper", {"reference": PAPER})
    done = await reply_to(world.fake, invocation, lambda text: "<#" in text)
    return thread_id_in(done.json["content"])


async def member_says(world: World, thread_id: str, text: str, *, bot: bool = False) -> None:
    thread = world.fake.channels[thread_id]
    author = world.fake.user("bot-friend" if bot else "alice", bot=bot)
    await world.fake.dispatch("MESSAGE_CREATE", world.fake.message_payload(thread, text, author))


def message_calls(fake: FakeDiscord) -> list[RestCall]:
    """Every call that creates or edits a visible message."""
    return [
        c
        for c in fake.calls
        if (c.method == "POST" and c.route in (MESSAGES, FOLLOWUP))
        or (c.method == "PATCH" and c.route in (MESSAGE, HOOK_MESSAGE))
    ]


# -- slash commands ------------------------------------------------------------------------------


async def test_commands_are_registered_with_ja_and_ko_localizations(world: World) -> None:
    [put] = world.fake.calls_to("PUT", "/applications/{application_id}/commands")
    commands = {c["name"]: c for c in put.json}
    assert set(commands) == {
        "paper",
        "digest",
        "ask",
        "subscribe",
        "unsubscribe",
        "settings",
        "search",
        "help",
        "vote",
        "standings",
        "pick",
        "present",
        "save",
        "saved",
        "read",
        "recap",
        "outline",
    }
    paper = commands["paper"]
    assert paper["name_localizations"] == {"ja": "論文", "ko": "논문"}
    assert paper["description_localizations"]["ja"].startswith("arXiv 論文")
    [reference] = paper["options"]
    assert reference["type"] == 3 and reference["required"] is True
    assert reference["name_localizations"]["ko"] == "논문id"
    assert "2309.12288" in reference["description"]
    options = {o["name"]: o for o in commands["settings"]["options"]}
    assert [c["value"] for c in options["language"]["choices"]] == ["en", "ja", "ko"]
    assert options["day"]["choices"][0]["name_localizations"]["ja"] == "月曜日"
    assert options["size"]["min_value"] == 1 and options["size"]["max_value"] == 25
    assert int(commands["settings"]["default_member_permissions"]) == 1 << 4  # Manage Channels
    for command in commands.values():
        for item in [command, *command.get("options", [])]:
            assert set(item["name_localizations"]) == {"ja", "ko"}, item["name"]
            for name in item["name_localizations"].values():
                assert valid_command_name(name), name
            for text in item["description_localizations"].values():
                assert 1 <= len(text) <= 100


def valid_command_name(name: str) -> bool:
    """Discord's rule: 1-32 letters, digits, - or _, lowercase where the script has case."""
    allowed = all(unicodedata.category(c)[0] in "LN" or c in "-_" for c in name)
    return allowed and 1 <= len(name) <= 32 and name == name.lower()


async def test_paper_defers_at_once_then_opens_root_thread_and_replies(world: World) -> None:
    fake = world.fake
    invocation = await invoke(fake, world.channel_a, "paper", {"reference": PAPER})
    assert invocation.callback.json == {"type": 5}  # deferred, public
    assert invocation.callback.received_at - invocation.dispatched_at < 3.0
    done = await reply_to(fake, invocation, lambda text: "<#" in text)
    assert done.received_at > invocation.callback.received_at
    thread_id = thread_id_in(done.json["content"])

    [root] = [
        c
        for c in fake.calls_to("POST", MESSAGES)
        if c.path.endswith(f"{world.channel_a['id']}/messages")
    ]
    [embed] = root.json["embeds"]
    assert embed["title"] == "Heat-bath random walks with Markov bases"
    assert embed["url"] == f"https://arxiv.org/abs/{PAPER}"
    assert {f["name"] for f in embed["fields"]} >= {"Authors", "Published", "Category", "arXiv"}
    # issue 14: the notes are the footer, small and last; the marker is not visible text
    footer = embed["footer"]["text"]
    assert "Extractive summary" in footer or "Written by" in footer
    assert "paperclub · " not in footer
    assert not re.search(r"[0-9a-f]{16}", footer.replace("\u200b", "").replace("\u200c", ""))
    assert root.json["enforce_nonce"] is True and len(root.json["nonce"]) == 25
    [thread_call] = fake.calls_to("POST", THREADS)
    assert thread_call.path.split("/")[4] == thread_id  # the thread is started from the root
    assert thread_call.json["name"] == "Heat-bath random walks with Markov bases"
    in_thread = [
        c for c in fake.calls_to("POST", MESSAGES) if c.path == f"/channels/{thread_id}/messages"
    ]
    assert len(in_thread) == 2  # key points, tags (issue 14: the summary is on the card only)
    assert "Key points" in in_thread[0].json["content"]
    assert thread_call.received_at > root.received_at
    progress = [c for c in fake.calls_to("PATCH", HOOK_MESSAGE) if "⏳" in c.json["content"]]
    assert progress, "long work shows progress by editing the deferred message"


async def test_every_command_is_acknowledged_within_3s_and_followed_up(world: World) -> None:
    fake = world.fake
    thread_id = await open_paper(world)
    thread = fake.channels[thread_id]
    cases: list[tuple[dict[str, Any], str, dict[str, Any], bool, Callable[[str], bool]]] = [
        (
            world.channel_a,
            "settings",
            {"size": 2, "language": "ja"},
            True,
            lambda t: "設定を保存しました" in t and "1回のダイジェストの論文数: 2" in t,
        ),  # the channel speaks Japanese from here on
        (
            world.channel_a,
            "subscribe",
            {},
            True,
            lambda t: "週間ダイジェスト: オン、毎週月曜日" in t,
        ),
        (
            world.channel_a,
            "unsubscribe",
            {},
            True,
            lambda t: "購読を解除しました" in t and "オフ (/subscribe でオンにします)" in t,
        ),
        (world.channel_a, "help", {}, True, lambda t: "/paper" in t),
        (world.channel_a, "search", {"words": PAPER_WORD}, False, lambda t: PAPER in t),
        (
            thread,
            "ask",
            {"question": "What is a Markov basis?"},
            False,
            lambda t: t.startswith("> What is"),
        ),
        (world.channel_a, "digest", {}, False, lambda t: t.startswith("**ダイジェスト")),
    ]
    for channel, command, options, ephemeral, expected in cases:
        invocation = await invoke(fake, channel, command, options)
        flags = EPHEMERAL if ephemeral else 0
        assert invocation.callback.json == (
            {"type": 5, "data": {"flags": flags}} if flags else {"type": 5}
        ), command
        assert invocation.callback.received_at - invocation.dispatched_at < 3.0, command
        follow_up = await reply_to(fake, invocation, expected, within=20)
        assert follow_up.received_at >= invocation.callback.received_at, command
    settings = await world.club.channels.channel_settings(
        ConversationRef(Platform.DISCORD, world.guild_a["id"], world.channel_a["id"])
    )
    assert settings.digest_size == 2 and settings.language == "ja" and not settings.subscribed


async def test_ask_outside_a_paper_thread_is_refused_ephemerally(world: World) -> None:
    fake = world.fake
    invocation = await invoke(fake, world.stray_thread, "ask", {"question": "hello?"})
    note = await reply_to(fake, invocation, lambda t: "not one of paperclub's paper threads" in t)
    assert note.json.get("flags") == EPHEMERAL
    outside = await invoke(fake, world.channel_a, "ask", {"question": "hello?"})
    assert outside.callback.json["type"] == 4  # answered at once, no work to defer
    assert outside.callback.json["data"]["flags"] == EPHEMERAL


# -- questions in threads ------------------------------------------------------------------------


async def test_question_in_a_paper_thread_is_answered_by_editing_one_message(world: World) -> None:
    fake = world.fake
    thread_id = await open_paper(world)
    before = len(fake.calls)
    await member_says(
        world, thread_id, "What does the heat-bath random walk converge to? @everyone"
    )
    [placeholder] = await fake.wait_for_call(
        lambda c: (
            c.method == "POST"
            and c.path == f"/channels/{thread_id}/messages"
            and fake.calls.index(c) >= before
        )
    )
    assert placeholder.json["content"] == "…"
    answer_id = placeholder.response["id"]
    [final, *_] = await fake.wait_for_call(
        lambda c: c.method == "PATCH" and c.path == f"/channels/{thread_id}/messages/{answer_id}"
    )
    assert final.json["content"] and final.json["content"] != "…"
    assert final.json["allowed_mentions"] == {"parse": []}


async def test_bot_messages_and_unknown_threads_are_ignored(world: World) -> None:
    fake = world.fake
    thread_id = await open_paper(world)
    await member_says(world, thread_id, "I am a bot, answer me", bot=True)
    await member_says(world, world.stray_thread["id"], "What is a Markov basis?")
    await member_says(world, thread_id, "What is a Markov basis?")
    await fake.wait_for_call(
        lambda c: c.method == "PATCH" and c.path.startswith(f"/channels/{thread_id}/messages/")
    )
    await asyncio.sleep(0.2)
    placeholders = [
        c
        for c in fake.calls_to("POST", MESSAGES)
        if c.path == f"/channels/{thread_id}/messages" and c.json["content"] == "…"
    ]
    assert len(placeholders) == 1  # the member's question only; not the bot's, not our own echo
    assert not [c for c in fake.calls if c.path.startswith(f"/channels/{world.stray_thread['id']}")]


async def test_messages_seen_are_answered_from_their_payload_and_never_cached(world: World) -> None:
    """discord.py would keep the last 1,000 messages (~10,000 objects a full collection
    walks, per shard); the bot reads everything from the event itself."""
    fake = world.fake
    thread_id = await open_paper(world)
    await member_says(world, thread_id, "What is a Markov basis?")
    await fake.wait_for_call(
        lambda c: c.method == "PATCH" and c.path.startswith(f"/channels/{thread_id}/messages/")
    )
    assert list(world.bot.cached_messages) == []


# -- limits, mentions, rate limits, permissions -----------------------------------------------


async def test_long_posts_are_split_at_discord_limits_and_edits_keep_in_step(world: World) -> None:
    fake = world.fake
    thread_id = await open_paper(world)
    conversation = ConversationRef(Platform.DISCORD, world.guild_a["id"], world.channel_a["id"])
    thread = ThreadRef(conversation, thread_id)
    sentence = "Markov bases connect every fibre of the model with `moves` of degree two. "
    text = sentence * 70  # ~5,000 characters
    start = len(fake.calls)
    message = await world.bot.chat.reply(thread, Post(text=text))
    posts = [c for c in fake.calls[start:] if c.method == "POST"]
    assert len(posts) == 3 and all(c.status == 200 for c in posts)
    assert all(len(c.json["content"]) <= CONTENT_LIMIT for c in posts)
    assert all(c.json["content"].endswith(".") for c in posts)  # split at sentence ends
    assert " ".join(c.json["content"] for c in posts) == text.strip()

    start = len(fake.calls)
    await world.bot.chat.edit(message, Post(text=text * 2))  # grows from 3 to 6 messages
    grown = fake.calls[start:]
    # the first two pieces read the same as before, so only the third is edited
    assert [c.method for c in grown] == ["PATCH", "POST", "POST", "POST"]
    assert grown[0].path == f"/channels/{thread_id}/messages/{posts[2].response['id']}"
    start = len(fake.calls)
    await world.bot.chat.edit(message, Post(text="Short now."))
    shrunk = fake.calls[start:]
    assert [c.method for c in shrunk] == ["PATCH"] + ["DELETE"] * 5

    card = Card(title="T" * 300, url="https://arxiv.org/abs/1605.08386", description="word " * 2000)
    start = len(fake.calls)
    await world.bot.chat.reply(thread, Post(text="", card=card))
    embeds_posts = [c for c in fake.calls[start:] if c.method == "POST"]
    assert all(c.status == 200 for c in embeds_posts)
    embeds = [e for c in embeds_posts for e in c.json["embeds"]]
    assert len(embeds[0]["title"]) == 256
    assert all(len(e.get("description", "")) <= DESCRIPTION_LIMIT for e in embeds)
    assert sum(len(e.get("description", "")) for e in embeds) >= 9990 - len(embeds)
    for call in embeds_posts:
        size = sum(
            len(e.get("title", "")) + len(e.get("description", "")) for e in call.json["embeds"]
        )
        assert size <= EMBED_TOTAL_LIMIT


async def test_nothing_the_bot_sends_can_ping(world: World) -> None:
    fake = world.fake
    thread_id = await open_paper(world)
    await member_says(world, thread_id, "@everyone <@&123> what is the mixing time?")
    await fake.wait_for_call(
        lambda c: c.method == "PATCH" and c.path.startswith(f"/channels/{thread_id}/")
    )
    await invoke(fake, world.channel_a, "help")
    sent = message_calls(fake)
    assert len(sent) >= 7  # issue 14: one reply fewer (the summary is on the card only)
    for call in sent:
        assert call.json["allowed_mentions"] == {"parse": []}, (call.method, call.path)


async def test_429_is_waited_out_without_blocking_other_guilds(world: World) -> None:
    fake = world.fake
    fake.fail_next("POST", THREADS, status=429, retry_after=1.0)
    invocation = await invoke(fake, world.channel_a, "paper", {"reference": PAPER})
    limited = (await fake.wait_for_call(lambda c: c.route == THREADS))[0]
    other = await invoke(fake, world.channel_b, "help")
    await reply_to(fake, other, lambda t: "/paper" in t)
    done = await reply_to(fake, invocation, lambda text: "<#" in text)
    first, retried = fake.calls_to("POST", THREADS)
    assert (first.status, retried.status) == (429, 201)
    assert retried.received_at - first.received_at >= 1.0
    assert other.callback.received_at < retried.received_at  # guild B was not held up
    assert limited is first and thread_id_in(done.json["content"]) == retried.path.split("/")[4]


async def test_403_on_thread_creation_is_explained_ephemerally(world: World) -> None:
    fake = world.fake
    fake.fail_next("POST", THREADS, status=403)
    invocation = await invoke(fake, world.channel_a, "paper", {"reference": PAPER})
    note = await reply_to(fake, invocation, lambda t: "Create Public Threads" in t)
    assert note.route == FOLLOWUP and note.json["flags"] == EPHEMERAL
    assert "could not start a thread" in note.json["content"]
    assert "Embed Links" not in note.json["content"]  # only what that call lacked
    deleted = fake.calls_to("DELETE", HOOK_MESSAGE)
    assert deleted and deleted[0].received_at < note.received_at  # the public "thinking" is gone


async def test_403_on_the_root_message_names_send_messages_and_embed_links(world: World) -> None:
    fake = world.fake
    fake.fail_next("POST", MESSAGES, status=403)
    invocation = await invoke(fake, world.channel_a, "paper", {"reference": PAPER})
    note = await reply_to(fake, invocation, lambda t: "permission" in t)
    assert "**Send Messages**, **Embed Links**" in note.json["content"]
    assert note.json["flags"] == EPHEMERAL
    assert fake.calls_to("POST", THREADS) == []


async def test_an_invalid_setting_is_explained_to_the_member_only(world: World) -> None:
    fake = world.fake
    invocation = await invoke(fake, world.channel_a, "settings", {"timezone": "Mars/Olympus"})
    note = await reply_to(fake, invocation, lambda t: "Unknown time zone" in t)
    assert "Asia/Tokyo" in note.json["content"]  # says what would work
    assert invocation.callback.json["data"]["flags"] == EPHEMERAL


async def test_missing_permission_is_named_before_any_work(world: World) -> None:
    fake = world.fake
    invocation = await invoke(
        fake,
        world.channel_a,
        "paper",
        {"reference": PAPER},
        app_permissions=ALL_PERMISSIONS & ~CREATE_PUBLIC_THREADS & ~(1 << 3),  # no admin either
    )
    note = await reply_to(fake, invocation, lambda t: "Create Public Threads" in t)
    assert note.json["flags"] == EPHEMERAL
    assert "Send Messages" not in note.json["content"].replace("Send Messages in Threads", "")
    assert fake.calls_to("POST", MESSAGES) == []  # nothing posted in the channel


async def test_search_only_sees_this_servers_papers(world: World) -> None:
    fake = world.fake
    await open_paper(world)
    in_b = await invoke(fake, world.channel_b, "search", {"words": PAPER_WORD})
    answer_b = await reply_to(fake, in_b, lambda t: bool(t))
    assert "No paper in this server's archive" in answer_b.json["content"]
    in_a = await invoke(fake, world.channel_a, "search", {"words": PAPER_WORD})
    answer_a = await reply_to(fake, in_a, lambda t: PAPER in t)
    assert "Heat-bath random walks" in answer_a.json["content"]


# -- start-up failures ---------------------------------------------------------------------------


async def test_run_discord_explains_a_rejected_token_and_missing_intent(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(discord_token="bad-token")
    async with FakeDiscord() as fake, bootstrap(settings) as club:
        with pointed_at(fake):
            fake.fail_next("GET", "/users/@me", status=401, code=0, message="401: Unauthorized")
            with pytest.raises(PaperclubError, match="Reset Token"):
                await asyncio.wait_for(run_discord(club, settings), 10)
            fake.identify_close_code = 4014
            with pytest.raises(PaperclubError, match="Message Content Intent"):
                await asyncio.wait_for(run_discord(club, settings), 10)
        assert "Bot bad-token" in fake.tokens_seen
        with pytest.raises(PaperclubError, match="DISCORD_TOKEN is not set"):
            await run_discord(club, make_settings(discord_token=None))


async def test_a_post_requested_before_the_gateway_is_up_waits_for_it(
    make_settings: Callable[..., Settings],
) -> None:
    async with FakeDiscord() as fake, bootstrap(make_settings()) as club:
        guild = fake.add_guild("Club A")
        channel = fake.add_text_channel(guild, "papers")
        bot = PaperclubBot(club, guild_ready_timeout=0.05)
        conversation = ConversationRef(Platform.DISCORD, guild["id"], channel["id"])
        early = asyncio.create_task(
            bot.chat.open_thread(
                conversation, Post(text="hello"), thread_name="early", idempotency_key="k"
            )
        )
        await asyncio.sleep(0.1)
        assert not early.done() and fake.calls == []
        async with run_client(bot, fake):
            thread = await asyncio.wait_for(early, 5)
        assert thread.root_id in fake.channels


async def test_a_streamed_model_answer_edits_one_message_as_it_grows(
    make_settings: Callable[..., Settings],
) -> None:
    """The real openai client streams a slow answer; the placeholder is edited while the text
    grows (each edit ending " …"), every edit within Discord's 2,000 characters."""
    words = [f"heat-bath-walk-{i:03d}" for i in range(100)]

    def slow_answer(body: dict[str, Any]) -> str:
        if body.get("response_format", {}).get("type") == "json_schema":
            return echo_model(body)
        return " ".join(words)

    model = OpenAIServer(reply=slow_answer).start()
    model.chunk_delay = 0.025  # 100 chunks: about 2.5 s of generation
    try:
        settings = make_settings(
            llm="openai", openai_api_key="sk-loopback", openai_base_url=model.base_url
        )
        async with FakeDiscord() as fake, bootstrap(settings) as club:
            guild = fake.add_guild("Club A")
            channel = fake.add_text_channel(guild, "papers")
            bot = PaperclubBot(club, guild_ready_timeout=0.05)
            club.chats.attach(Platform.DISCORD, bot.chat)
            async with run_client(bot, fake):
                conversation = ConversationRef(Platform.DISCORD, guild["id"], channel["id"])
                thread = await club.papers.summon_paper(conversation, PAPER)
                member = fake.user("alice")
                question = fake.message_payload(
                    fake.channels[thread.root_id], "How fast does the walk mix?", member
                )
                await fake.dispatch("MESSAGE_CREATE", question)
                path = f"/channels/{thread.root_id}/messages"
                [placeholder] = await fake.wait_for_call(
                    lambda c: c.method == "POST" and c.path == path and c.json["content"] == "…"
                )
                own = f"{path}/{placeholder.response['id']}"
                await fake.wait_for_call(
                    lambda c: (
                        c.method == "PATCH"
                        and c.path == own
                        and not c.json["content"].endswith(" …")
                    ),
                    within=20,
                )
                await asyncio.sleep(0.2)  # the answer's bookkeeping after its last edit
    finally:
        model.stop()
    edits = [c.json["content"] for c in fake.calls if c.method == "PATCH" and c.path == own]
    streaming = [text.removesuffix(" …").strip() for text in edits if text.endswith(" …")]
    assert len(streaming) >= 2, edits
    assert all(len(text) <= CONTENT_LIMIT for text in edits)
    assert streaming[0] == " ".join(words[: len(streaming[0].split())])  # a prefix of the answer
    assert len(streaming[1]) > len(streaming[0])


async def test_timezone_autocomplete_offers_iana_names(world: World) -> None:
    fake = world.fake
    payload = fake.autocomplete_payload(
        world.channel_a, "settings", {"timezone": "tok"}, focused="timezone"
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    [callback] = await fake.wait_for_call(
        lambda c: c.route == CALLBACK and c.path.split("/")[2] == payload["id"]
    )
    assert callback.json["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    names = [c["value"] for c in callback.json["data"]["choices"]]
    assert names[0] == "Asia/Tokyo" and len(names) <= 25


# -- the club's workflow -------------------------------------------------------------------------

MEETING = "2099-03-11 18:00"


def conversation_a(world: World) -> ConversationRef:
    return ConversationRef(Platform.DISCORD, world.guild_a["id"], world.channel_a["id"])


async def votes_for(world: World, arxiv_id: str) -> int:
    standings = await world.club.votes.standings(conversation_a(world))
    return next((t.votes for t in standings if t.paper.arxiv_id == arxiv_id), 0)


async def until(condition: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def react(
    world: World,
    message_id: str,
    user: dict[str, Any],
    *,
    removed: bool = False,
    emoji: str = "👍",
    channel: dict[str, Any] | None = None,
) -> None:
    event = "MESSAGE_REACTION_REMOVE" if removed else "MESSAGE_REACTION_ADD"
    payload = world.fake.reaction_payload(
        channel or world.channel_a, message_id, user, emoji=emoji, removed=removed
    )
    await world.fake.dispatch(event, payload)


def channel_posts(world: World) -> list[RestCall]:
    path = f"/channels/{world.channel_a['id']}/messages"
    return [c for c in world.fake.calls_to("POST", MESSAGES) if c.path == path]


async def test_a_reaction_on_a_paper_root_is_a_vote_and_pick_opens_a_reading_session(
    world: World,
) -> None:
    fake = world.fake
    root_id = await open_paper(world)  # the thread is started from the root: same id
    alice, bob = fake.user("alice"), fake.user("bob")
    await react(world, root_id, alice)
    await react(world, root_id, bob, emoji="🔥")
    await react(world, root_id, fake.user("helper-bot", bot=True))  # bots do not vote
    await react(world, root_id, fake.bot_user)  # nor does paperclub itself
    await until(lambda: _equals(votes_for(world, PAPER), 2))
    await react(world, root_id, bob, emoji="🔥", removed=True)  # taken back
    await until(lambda: _equals(votes_for(world, PAPER), 1))
    summary = next(
        c for c in fake.calls_to("POST", MESSAGES) if c.path.endswith(f"{root_id}/messages")
    )
    # a reaction on a message inside the paper's thread is not a vote
    await react(world, summary.response["id"], alice, channel=fake.channels[root_id])
    await asyncio.sleep(0.2)
    assert await votes_for(world, PAPER) == 1

    before = len(channel_posts(world))
    invocation = await invoke(fake, world.channel_a, "pick", {"meeting_time": MEETING})
    assert invocation.callback.json == {"type": 5}  # public: the pick is announced
    done = await reply_to(fake, invocation, lambda t: t.startswith("📚"))
    content = done.json["content"]
    assert "Picked for the next session: **Heat-bath random walks with Markov bases**" in content
    assert "(1 vote)" in content  # issue 14: "(1 votes)" was the bug
    session_id = thread_id_in(content)
    [session_root] = channel_posts(world)[before:]
    assert session_root.response["id"] == session_id
    text = session_root.json["content"]
    assert "Reading session: Heat-bath random walks with Markov bases" in text
    assert "• Votes: 1" in text and "2099-03-11 18:00" in text
    [started] = [c for c in fake.calls_to("POST", THREADS) if c.path.split("/")[4] == session_id]
    assert started.json["name"] == "Reading session: Heat-bath random walks with Markov bases"
    assert all(c.json["allowed_mentions"] == {"parse": []} for c in message_calls(fake))

    again = await invoke(fake, world.channel_a, "pick")  # the picked paper left the race
    note = await reply_to(fake, again, lambda t: "No paper in this channel has a vote" in t)
    assert note.json["flags"] == EPHEMERAL


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def test_vote_command_counts_here_and_refuses_a_paper_of_another_channel(
    world: World,
) -> None:
    fake = world.fake
    await open_paper(world)
    voted = await invoke(fake, world.channel_a, "vote", {"paper": PAPER}, locale="ja")
    assert voted.callback.json["data"]["flags"] == EPHEMERAL
    answer = await reply_to(fake, voted, lambda t: "🗳️" in t)
    assert "**Heat-bath random walks with Markov bases** に投票しました" in answer.json["content"]
    assert "1 票" in answer.json["content"]

    elsewhere = await invoke(fake, world.channel_b, "vote", {"paper": PAPER})
    refused = await reply_to(fake, elsewhere, lambda t: "not posted in this channel" in t)
    assert elsewhere.callback.json["data"]["flags"] == EPHEMERAL
    assert f"/paper {PAPER}" in refused.json["content"]  # says what to do instead
    assert await votes_for(world, PAPER) == 1


async def test_present_assigns_a_member_and_lists_the_session(world: World) -> None:
    fake = world.fake
    await open_paper(world)
    carol = fake.user("carol")
    invocation = await invoke(
        fake, world.channel_a, "present", {"paper": PAPER, "member": carol, "meeting_time": MEETING}
    )
    done = await reply_to(fake, invocation, lambda t: t.startswith("🎤"))
    content = done.json["content"]
    assert content.startswith("🎤 carol presents **Heat-bath random walks with Markov bases**")
    assert "<t:" in content  # a Discord timestamp: each member sees their own time zone
    session_id = thread_id_in(content)
    [listing] = await fake.wait_for_call(  # beside the presenter's outline
        lambda c: (
            c.method == "POST"
            and c.path == f"/channels/{session_id}/messages"
            and "Presenter set" in (c.json or {}).get("content", "")
        )
    )
    assert "Presenter set: Heat-bath random walks with Markov bases" in listing.json["content"]
    assert "• Presenter: carol" in listing.json["content"]
    assert f"• Meeting: Wed {MEETING}" in listing.json["content"]

    bad = await invoke(
        fake, world.channel_a, "present", {"paper": PAPER, "member": carol, "meeting_time": "soon"}
    )
    note = await reply_to(fake, bad, lambda t: "Unknown meeting time" in t)
    assert note.json["flags"] == EPHEMERAL and "YYYY-MM-DD HH:MM" in note.json["content"]


async def test_save_saved_and_read_keep_a_members_reading_list(world: World) -> None:
    fake = world.fake
    alice = fake.user("alice")

    async def command(name: str, options: dict[str, Any] | None = None, **kwargs: Any) -> str:
        invocation = await invoke(fake, world.channel_a, name, options, user=alice, **kwargs)
        assert invocation.callback.json["data"]["flags"] == EPHEMERAL  # personal: only to them
        return (await reply_to(fake, invocation, lambda t: t != "")).json["content"]

    saved = await command("save", {"paper": f"https://arxiv.org/abs/{PAPER}"})
    assert saved == "🔖 Saved to your reading list: **Heat-bath random walks with Markov bases**"
    listing = await command("saved")
    assert listing.startswith("**Your reading list** (1 unread of 1)")
    assert f"📄 **Heat-bath random walks with Markov bases** ({PAPER})" in listing
    assert (await command("read", {"paper": PAPER})).startswith("✅ Marked as read")
    listing = await command("saved", locale="ko")
    assert listing.startswith("**내 읽기 목록** (안 읽음 0 / 전체 1)")
    assert f"✅ **Heat-bath random walks with Markov bases** ({PAPER})" in listing
    someone_else = await invoke(fake, world.channel_a, "saved")
    empty = await reply_to(fake, someone_else, lambda t: t != "")
    assert empty.json["content"].startswith("Your reading list is empty")


async def test_recap_in_a_paper_thread_posts_meeting_notes(world: World) -> None:
    fake = world.fake
    thread_id = await open_paper(world)
    thread = ThreadRef(conversation_a(world), thread_id)
    await member_says(world, thread_id, "What is the diameter of these graphs bounded by?")
    await until(lambda: _has_turns(world.club, thread, 2))
    await world.club.store.add_turn(thread, Turn("user", "u-bob", "Is there a cake recipe?"))

    invocation = await invoke(fake, fake.channels[thread_id], "recap", locale="ja")
    done = await reply_to(fake, invocation, lambda t: t.startswith("📝"))
    assert done.json["content"] == (
        "📝 スレッドに議事メモを投稿しました: 要点 1 件、未解決の質問 1 件。"
    )
    [notes] = [
        c
        for c in fake.calls_to("POST", MESSAGES)
        if c.path == f"/channels/{thread_id}/messages" and "Meeting notes" in c.json["content"]
    ]
    text = notes.json["content"]
    assert text.startswith("**📝 Meeting notes: Heat-bath random walks with Markov bases**")
    assert "**Key points**\n• We show that the diameter" in text
    assert "• Is there a cake recipe? (asked by `u-bob`)" in text
    assert notes.json["allowed_mentions"] == {"parse": []}

    outside = await invoke(fake, world.channel_a, "recap")
    assert (
        outside.callback.json["type"] == 4 and outside.callback.json["data"]["flags"] == EPHEMERAL
    )
    assert "not one of paperclub's paper threads" in outside.callback.json["data"]["content"]
    stray = await invoke(fake, world.stray_thread, "recap")
    await reply_to(fake, stray, lambda t: "not one of paperclub's paper threads" in t)


async def _has_turns(club: Services, thread: ThreadRef, count: int) -> bool:
    return len(await club.store.turns(thread)) >= count


async def test_help_lists_the_workflow_commands_in_japanese(world: World) -> None:
    invocation = await invoke(world.fake, world.channel_a, "help", locale="ja")
    done = await reply_to(world.fake, invocation, lambda t: "paperclub" in t)
    text = done.json["content"]
    assert text.startswith("**paperclub** — 論文クラブのボット")
    for command in ("/vote", "/pick", "/present", "/save", "/saved", "/read", "/recap", "/paper"):
        assert f"`{command}" in text, command
    assert "**クラブの活動**" in text and "投票します" in text and "議事メモ" in text


async def test_run_bot_posts_meeting_reminders_in_the_discord_session_thread(
    make_settings: Callable[..., Settings],
) -> None:
    """`paperclub run` with DISCORD_TOKEN: its scheduler gets the club's reminders, and a
    meeting due within the reminder window is announced in the reading-session thread."""
    settings = make_settings(discord_token="loopback-token")
    soon = (datetime.now(UTC) + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")  # zone: UTC
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Club A")
        channel = fake.add_text_channel(guild, "papers")
        conversation = ConversationRef(Platform.DISCORD, guild["id"], channel["id"])
        async with bootstrap(settings) as club:
            bot = PaperclubBot(club, guild_ready_timeout=0.05)
            club.chats.attach(Platform.DISCORD, bot.chat)
            async with run_client(bot, fake):
                await club.papers.summon_paper(conversation, PAPER)
                session = await club.sessions.present(
                    conversation, PAPER, Author("u-ada", "Ada"), soon
                )
        session_path = f"/channels/{session.thread.root_id}/messages"
        with pointed_at(fake):
            running = asyncio.create_task(run_bot(settings, Console(file=io.StringIO())))
            try:
                [reminder] = await fake.wait_for_call(
                    lambda c: (
                        c.method == "POST"
                        and c.path == session_path
                        and "Reminder" in (c.json or {}).get("content", "")
                    ),
                    within=15,
                )
                await asyncio.sleep(0.2)  # let the job record the reminder before stopping
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
    text = reminder.json["content"]
    assert re.search(r"Reminder: the meeting starts in (29|30) min: Heat-bath random walks", text)
    assert "• Presenter: Ada" in text and reminder.json["allowed_mentions"] == {"parse": []}


async def test_settings_set_the_meeting_and_automatic_pick_and_answer_in_korean(
    world: World,
) -> None:
    fake = world.fake
    [put] = fake.calls_to("PUT", "/applications/{application_id}/commands")
    options = {
        o["name"]: o for o in next(c for c in put.json if c["name"] == "settings")["options"]
    }
    assert options["auto_pick"]["min_value"] == 0 and options["auto_pick"]["max_value"] == 167
    assert options["auto_pick"]["name_localizations"] == {"ja": "自動選出", "ko": "자동선정"}
    assert options["meeting_day"]["choices"][3]["name_localizations"]["ko"] == "목요일"
    assert options["meeting_day"]["choices"][-1]["name"] == "No meeting"

    invocation = await invoke(
        fake,
        world.channel_a,
        "settings",
        {"language": "ko", "meeting_day": 3, "meeting_time": "18:00", "auto_pick": 24},
    )
    saved = await reply_to(fake, invocation, lambda t: "설정을 저장했습니다" in t)
    text = saved.json["content"]
    assert "모임: 매주 목요일 18:00 (UTC). 24시간 전에 최다 득표 논문을 자동으로 고릅니다" in text
    assert "주간 다이제스트: 꺼짐 (/subscribe로 켭니다)" in text
    settings = await world.club.channels.channel_settings(conversation_a(world))
    assert (settings.meeting_weekday, settings.meeting_time, settings.auto_pick_hours) == (
        3,
        "18:00",
        24,
    )

    refused = await invoke(fake, world.channel_b, "settings", {"auto_pick": 12})
    note = await reply_to(fake, refused, lambda t: "Set the meeting's day and time first" in t)
    assert note.json["content"]
    cleared = await invoke(fake, world.channel_a, "settings", {"meeting_day": -1})
    await reply_to(fake, cleared, lambda t: "모임: 미설정" in t)
    settings = await world.club.channels.channel_settings(conversation_a(world))
    assert (settings.meeting_weekday, settings.auto_pick_hours) == (None, 0)
