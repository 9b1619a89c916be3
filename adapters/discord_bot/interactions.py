"""What an interaction is about, in the core's terms: its channel, thread, member and language,
and the checks a command makes before any work (the bot's permissions, the admin rule)."""

from __future__ import annotations

from typing import Literal

import discord

from adapters.discord_bot.permissions import MissingPermission, missing
from adapters.discord_bot.translations import language_of
from bot.domain import Author, ConversationRef, Platform, ThreadRef
from bot.errors import PaperclubError, PlatformUnavailable
from bot.text import t

AdminRule = Literal["managers", "everyone"]
ADMIN_PERMISSION = "manage_channels"  # also each admin command's default_member_permissions


class AdminOnly(PaperclubError):
    """The member may not change how paperclub runs in this channel (settings.admin_rule)."""


def conversation_of(interaction: discord.Interaction) -> ConversationRef:
    """The channel a command was used in; inside a thread, the thread's parent channel."""
    channel = interaction.channel
    if interaction.guild_id is None or channel is None:
        raise PlatformUnavailable(key="discord_no_direct_messages")
    channel_id = channel.parent_id if isinstance(channel, discord.Thread) else channel.id
    return ConversationRef(Platform.DISCORD, str(interaction.guild_id), str(channel_id))


def thread_of(interaction: discord.Interaction) -> ThreadRef | None:
    """The thread a command was used in, or None outside a thread."""
    channel = interaction.channel
    if not isinstance(channel, discord.Thread) or channel.parent_id is None:
        return None
    return ThreadRef(conversation_of(interaction), str(channel.id))


def author_of(user: discord.User | discord.Member) -> Author:
    return Author(str(user.id), user.display_name, is_bot=user.bot)


def member_language(interaction: discord.Interaction) -> str:
    """The language of the member's Discord client (en unless ja or ko)."""
    return language_of(interaction.locale)


def require_bot_permissions(
    interaction: discord.Interaction, needed: tuple[str, ...], action: str
) -> None:
    """Refuse up front, naming the permissions, instead of failing halfway through the work."""
    lacking = missing(interaction.app_permissions, needed)
    if lacking:
        raise MissingPermission(action, lacking)


class AdminGate:
    """The server-side half of the admin rule; default_member_permissions is the other half.

    Discord hides an admin command from members without Manage Channels, but a server can
    override that in its Integrations settings, so each invocation is checked again here.
    """

    def __init__(self, rule: AdminRule) -> None:
        self._rule = rule

    def require(self, interaction: discord.Interaction, *, command: str | None = None) -> None:
        """Raise AdminOnly unless the rule lets this member run the command in this channel.

        `command` names it where the interaction has no command (a modal's submission)."""
        if self._rule == "everyone":
            return
        granted = interaction.permissions  # the member's, resolved in this channel
        if granted.administrator or getattr(granted, ADMIN_PERMISSION):
            return
        if command is None:
            command = interaction.command.name if interaction.command is not None else "?"
        raise AdminOnly(t("admin_only", member_language(interaction), command=command))
