"""The loopback Discord itself, driven by the unmodified discord.py client (no paperclub code)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import discord
import discord.http
import pytest

from tests.loopback.discord_server import FakeDiscord, run_client


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


def plain_client() -> discord.Client:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    return discord.Client(intents=intents, guild_ready_timeout=0.05, max_ratelimit_timeout=30.0)


async def test_real_client_logs_in_and_receives_a_thread_message(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Club A")
    channel = fake.add_text_channel(guild, "papers")
    thread = fake.add_thread(channel, "Attention Is All You Need")
    client = plain_client()
    received: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        await received.put(message)

    old_base = discord.http.Route.BASE
    async with run_client(client, fake, token="secret-token"):
        assert discord.http.Route.BASE == fake.api_base
        assert client.user is not None and str(client.user.id) == fake.bot_user["id"]
        member = fake.user("alice")
        await fake.dispatch("MESSAGE_CREATE", fake.message_payload(thread, "what is RoPE?", member))
        message = await asyncio.wait_for(received.get(), 5)
    assert discord.http.Route.BASE == old_base
    assert "Bot secret-token" in fake.tokens_seen
    assert message.content == "what is RoPE?"
    assert isinstance(message.channel, discord.Thread)
    assert message.channel.parent_id == int(channel["id"])
    assert message.guild is not None and message.guild.id == int(guild["id"])
    assert message.author.id == int(member["id"])


async def test_thread_created_over_rest_is_dispatched_and_known(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Club A")
    channel = fake.add_text_channel(guild, "papers")
    client = plain_client()
    async with run_client(client, fake):
        text_channel = client.get_channel(int(channel["id"]))
        assert isinstance(text_channel, discord.TextChannel)
        root = await text_channel.send("root", nonce="k1")
        thread = await root.create_thread(name="discussion")
        assert thread.id == root.id
        for _ in range(50):
            if client.get_channel(thread.id) is not None:
                break
            await asyncio.sleep(0.02)
        assert isinstance(client.get_channel(thread.id), discord.Thread)
        again = await text_channel.send("root", nonce="k1")
        assert again.id == root.id  # enforce_nonce: the same nonce returns the same message
        with pytest.raises(discord.HTTPException) as exc:
            await again.create_thread(name="discussion")
        assert exc.value.code == 160004
    post = fake.calls_to("POST", "/channels/{channel_id}/messages")[0]
    assert post.json["nonce"] == "k1" and post.json["enforce_nonce"] is True


async def test_429_with_via_and_retry_after_is_waited_out(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Club A")
    channel = fake.add_text_channel(guild, "papers")
    client = plain_client()
    async with run_client(client, fake):
        fake.fail_next("POST", "/channels/{channel_id}/messages", status=429, retry_after=0.4)
        started = time.monotonic()
        sent = await client.get_partial_messageable(int(channel["id"])).send("hello")
        waited = time.monotonic() - started
    assert sent.content == "hello"
    posts = fake.calls_to("POST", "/channels/{channel_id}/messages")
    assert [c.status for c in posts] == [429, 200]
    assert waited >= 0.4
    assert posts[1].received_at - posts[0].received_at >= 0.4


async def test_retry_after_beyond_max_ratelimit_timeout_raises(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Club A")
    channel = fake.add_text_channel(guild, "papers")
    async with run_client(plain_client(), fake) as client:
        fake.fail_next("POST", "/channels/{channel_id}/messages", status=429, retry_after=219)
        with pytest.raises(discord.RateLimited):
            await client.get_partial_messageable(int(channel["id"])).send("hello")


async def test_403_missing_permissions(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Club A")
    channel = fake.add_text_channel(guild, "papers")
    async with run_client(plain_client(), fake) as client:
        fake.fail_next("POST", "/channels/{channel_id}/messages", status=403)
        with pytest.raises(discord.Forbidden) as exc:
            await client.get_partial_messageable(int(channel["id"])).send("hello")
    assert exc.value.code == 50013


async def test_oversized_content_is_refused_like_discord(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Club A")
    channel = fake.add_text_channel(guild, "papers")
    async with run_client(plain_client(), fake) as client:
        with pytest.raises(discord.HTTPException) as exc:
            await client.get_partial_messageable(int(channel["id"])).send("x" * 2001)
    assert exc.value.status == 400 and exc.value.code == 50035
