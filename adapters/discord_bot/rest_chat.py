"""A Discord `Chat` over REST alone, for workers that post without a gateway connection.

`paperclub worker` posts digests, summons and answers but receives no events, so it
needs no websocket and no shard: `client.login(token)` checks the token and learns the
bot's user over HTTP, and that is all `DiscordChat` needs. Channels are fetched over
REST (nothing is cached by a gateway here) and kept for the next post; sending, editing,
starting threads and finding a crash-left root (`find_thread`) are DiscordChat's own,
so a worker posts exactly what the gateway process would, under the same idempotency
keys. Vote buttons are attached as `paperclub run` attaches them; their clicks reach a
gateway process, which answers them whichever process posted the root.

    async with discord_rest_chat(club) as chat:
        club.chats.attach(Platform.DISCORD, chat)
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord

from adapters.discord_bot.chat import NO_MENTIONS, DiscordChat
from adapters.discord_bot.client import MAX_RATELIMIT_TIMEOUT, token_refused
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.vote_button import VoteClicks
from bot.bootstrap import Services
from bot.errors import PlatformMisconfigured


@asynccontextmanager
async def discord_rest_chat(services: Services) -> AsyncIterator[DiscordChat]:
    """A DiscordChat logged in over HTTP with settings.discord_token; logged out after."""
    token = services.settings.discord_token
    if token is None:
        raise PlatformMisconfigured(
            "DISCORD_TOKEN is not set: add the bot token to .env to post to Discord."
        )
    client = discord.Client(
        intents=discord.Intents.none(),  # never sent: there is no IDENTIFY
        allowed_mentions=NO_MENTIONS,
        max_ratelimit_timeout=MAX_RATELIMIT_TIMEOUT,
    )
    try:
        try:
            await client.login(token.get_secret_value())
        except discord.LoginFailure:
            raise token_refused() from None
        chat = DiscordChat(client)
        clicks = VoteClicks(client, Replies(services.outbound), services.votes, services.channels)
        chat.root_view = clicks.root_view
        chat.root_posted = clicks.posted
        chat.connected.set()  # logged in is all a REST-only chat waits for
        yield chat
    finally:
        await client.close()
