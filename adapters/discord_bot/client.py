"""The discord.py client: slash commands, questions in paper threads, and `run_discord`."""

from __future__ import annotations

import logging
from contextlib import suppress

import discord

from adapters.discord_bot.chat import NO_MENTIONS, DiscordChat
from adapters.discord_bot.club_commands import register_club_commands
from adapters.discord_bot.commands import APOLOGY, PaperclubTree, register_commands
from adapters.discord_bot.messages import CONTENT_LIMIT
from adapters.discord_bot.translations import CommandTranslator
from bot.bootstrap import Services
from bot.config import Settings
from bot.domain import Author, ConversationRef, Platform, ThreadRef
from bot.errors import NotAPaperThread, PaperclubError

logger = logging.getLogger(__name__)

MAX_RATELIMIT_TIMEOUT = 30.0  # longer Discord waits (thread creation can lock for minutes) raise
USER_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def intents() -> discord.Intents:
    """Guilds (threads, channels), guild messages, reactions on them (votes), and the
    privileged message-content intent."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.guild_reactions = True
    wanted.message_content = True
    return wanted


class PaperclubBot(discord.Client):
    def __init__(
        self, club: Services, *, sync_commands: bool = True, guild_ready_timeout: float = 2.0
    ) -> None:
        super().__init__(
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_TIMEOUT,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.club = club
        self.chat = DiscordChat(self)
        self.tree = PaperclubTree(self)
        self._sync_commands = sync_commands
        register_commands(self.tree)
        register_club_commands(self.tree)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CommandTranslator())
        if self._sync_commands:
            synced = await self.tree.sync()
            logger.info("registered %d slash commands with Discord", len(synced))

    async def on_ready(self) -> None:
        logger.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        self.chat.connected.set()

    async def on_message(self, message: discord.Message) -> None:
        thread = self._paper_thread_candidate(message)
        if thread is None:
            return
        author = Author(str(message.author.id), message.author.display_name, is_bot=False)
        try:
            await self.club.answers.answer(thread, author, self._question(message))
        except PaperclubError as error:
            await self._say(message.channel, str(error))
        except Exception:
            logger.exception("answering message %s in thread %s failed", message.id, thread)
            await self._say(message.channel, APOLOGY)

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=True)

    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=False)

    async def _reaction(self, event: discord.RawReactionActionEvent, *, added: bool) -> None:
        """A reaction on a paper's root post is a vote; removing it takes the vote back.
        Reactions anywhere else are ordinary reactions and are left alone."""
        if event.guild_id is None or (self.user is not None and event.user_id == self.user.id):
            return
        if event.member is not None and event.member.bot:
            return
        conversation = ConversationRef(Platform.DISCORD, str(event.guild_id), str(event.channel_id))
        # A paper's thread is started from its root post, so it has the root's id.
        root = ThreadRef(conversation, str(event.message_id))
        name = event.member.display_name if event.member is not None else str(event.user_id)
        member = Author(str(event.user_id), name)
        try:
            if added:
                await self.club.votes.vote(root, member)
            else:
                await self.club.votes.unvote(root, member)
        except NotAPaperThread:
            return
        except PaperclubError as error:
            logger.warning("reaction on %s not counted: %s", root, error)

    def _paper_thread_candidate(self, message: discord.Message) -> ThreadRef | None:
        """The thread a member's message was written in, or None for anything to ignore."""
        if message.author.bot or (self.user is not None and message.author.id == self.user.id):
            return None
        if message.type not in USER_MESSAGE_TYPES or message.guild is None:
            return None
        channel = message.channel
        if not isinstance(channel, discord.Thread) or channel.parent_id is None:
            return None
        conversation = ConversationRef(
            Platform.DISCORD, str(message.guild.id), str(channel.parent_id)
        )
        return ThreadRef(conversation, str(channel.id))

    def _question(self, message: discord.Message) -> str:
        text = message.clean_content  # mentions become @name: nothing to ping, nothing opaque
        if self.user is not None and message.guild is not None:
            me = message.guild.me
            for name in {self.user.display_name, me.display_name if me else ""} - {""}:
                text = text.replace(f"@{name}", "")
        return text.strip()

    async def _say(self, channel: discord.abc.Messageable, text: str) -> None:
        with suppress(discord.HTTPException):
            await channel.send(text[:CONTENT_LIMIT], allowed_mentions=NO_MENTIONS)


async def run_discord(club: Services, settings: Settings) -> None:
    """Connect to Discord with settings.discord_token and serve until cancelled."""
    if settings.discord_token is None:
        raise PaperclubError("DISCORD_TOKEN is not set: add the bot token to .env to use Discord.")
    bot = PaperclubBot(club)
    club.chats.attach(Platform.DISCORD, bot.chat)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        raise PaperclubError(
            "Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal "
            "(Applications → your app → Bot → Reset Token) into .env."
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise PaperclubError(
            "Discord refused the Message Content intent. Enable it in the Developer Portal "
            "(Applications → your app → Bot → Privileged Gateway Intents → Message Content Intent)."
        ) from None
