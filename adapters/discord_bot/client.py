"""The discord.py client: wires the command Cogs and gateway events, and `run_discord`."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from adapters.discord_bot.channel_commands import ChannelCommands
from adapters.discord_bot.chat import NO_MENTIONS, DiscordChat
from adapters.discord_bot.club_commands import ClubCommands
from adapters.discord_bot.errors import EventErrors, InteractionErrors
from adapters.discord_bot.events import ThreadEvents
from adapters.discord_bot.interactions import AdminGate
from adapters.discord_bot.paper_commands import PaperCommands
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.translations import CommandTranslator
from adapters.discord_bot.vote_button import VoteButton, VoteClicks
from bot.bootstrap import Services
from bot.config import Settings
from bot.domain import Platform
from bot.errors import PlatformMisconfigured

logger = logging.getLogger(__name__)

MAX_RATELIMIT_TIMEOUT = 30.0  # longer Discord waits (thread creation can lock for minutes) raise


def intents() -> discord.Intents:
    """Guilds (threads, channels), guild messages, reactions on them (votes), and the
    privileged message-content intent."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.guild_reactions = True
    wanted.message_content = True
    return wanted


class PaperclubBot(commands.Bot):
    """paperclub on Discord. Slash commands only: there are no prefix commands."""

    def __init__(
        self,
        services: Services,
        *,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
        **client_options: Any,  # the sharded bot's shard_ids, shard_count ...
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; never used
            help_command=None,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_TIMEOUT,
            guild_ready_timeout=guild_ready_timeout,
            # No message cache: the bot reads every event from its payload (raw reactions,
            # thread ids from the message), and 1,000 cached messages are ~10,000 objects
            # that every full collection walks and a host holds per shard.
            max_messages=None,
            **client_options,
        )
        self.chat = DiscordChat(self)
        self._services = services
        self._sync_commands = sync_commands
        self._replies = Replies(services.outbound)
        self._event_errors = EventErrors(self._replies)
        self.tree.error(InteractionErrors(self._replies).handle)
        self.vote_clicks = VoteClicks(self, self._replies, services.votes, services.channels)
        self.chat.root_view = self.vote_clicks.root_view
        self.chat.root_posted = self.vote_clicks.posted

    async def setup_hook(self) -> None:
        s, replies = self._services, self._replies
        admins = AdminGate(s.settings.admin_rule)
        await self.add_cog(PaperCommands(replies, s.papers, s.answers, s.archive, s.channels))
        await self.add_cog(ChannelCommands(replies, admins, s.channels, s.digest))
        await self.add_cog(
            ClubCommands(
                replies,
                admins,
                s.votes,
                s.sessions,
                s.reading_list,
                s.recap,
                s.archive,
                outlines=s.outlines,
            )
        )
        await self.add_cog(
            ThreadEvents(
                self, replies, s.answers, s.votes, self.vote_clicks.refresh, feedback=s.feedback
            )
        )
        # Vote buttons on roots posted before this start answer too: one custom_id for all.
        self.add_dynamic_items(VoteButton)
        await self.tree.set_translator(CommandTranslator())
        if self._sync_commands:
            synced = await self.tree.sync()
            logger.info("registered %d slash commands with Discord", len(synced))

    async def on_ready(self) -> None:
        logger.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        self.chat.connected.set()

    async def on_message(self, message: discord.Message) -> None:
        """Not commands.Bot's prefix-command processing: ThreadEvents handles messages."""

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        await self._event_errors.handle(event_method, *args)


async def run_discord(
    services: Services, settings: Settings, *, bot: PaperclubBot | None = None
) -> None:
    """Connect to Discord with settings.discord_token and serve until cancelled (`bot`:
    the sharded one of `paperclub discord`; by default one unsharded connection)."""
    if settings.discord_token is None:
        raise PlatformMisconfigured(
            "DISCORD_TOKEN is not set: add the bot token to .env to use Discord."
        )
    bot = bot or PaperclubBot(services)
    services.chats.attach(Platform.DISCORD, bot.chat)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        raise token_refused() from None
    except discord.PrivilegedIntentsRequired:
        raise PlatformMisconfigured(
            "Discord refused the Message Content intent. Enable it in the Developer Portal "
            "(Applications → your app → Bot → Privileged Gateway Intents → Message Content Intent)."
        ) from None


def token_refused() -> PlatformMisconfigured:
    return PlatformMisconfigured(
        "Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal "
        "(Applications → your app → Bot → Reset Token) into .env."
    )
