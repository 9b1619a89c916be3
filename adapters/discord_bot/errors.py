"""The adapter's last-resort handlers: one for interactions (the command tree's on_error),
one for gateway events (the client's on_error). Nowhere else catches Exception."""

from __future__ import annotations

import logging
import sys

import discord
from discord import app_commands

from adapters.discord_bot.permissions import OPEN_THREADS, MissingPermission
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.translations import language_of
from bot.errors import PaperclubError
from bot.text import t

logger = logging.getLogger(__name__)

APOLOGY = t("apology", "en")


def shown_to_member(interaction: discord.Interaction, error: app_commands.AppCommandError) -> str:
    """What the member who ran the command is told about `error` (and what is logged)."""
    cause: BaseException = error
    if isinstance(error, app_commands.CommandInvokeError):
        cause = error.original
    name = interaction.command.name if interaction.command is not None else "?"
    language = language_of(interaction.locale)  # the member reads it: their client's language
    if isinstance(cause, PaperclubError):
        return cause.text(language)
    if isinstance(cause, discord.Forbidden):
        logger.warning("slash command /%s: Discord said 403: %s", name, cause)
        return MissingPermission("answer_here", OPEN_THREADS).text(language)
    if isinstance(cause, discord.RateLimited | discord.HTTPException):
        logger.warning("slash command /%s: Discord failed: %s", name, cause)
        return t("discord_busy", language)
    if isinstance(cause, app_commands.AppCommandError) and not isinstance(
        error, app_commands.CommandInvokeError
    ):
        return str(cause)  # a check or transformer failure: its message is for the member
    logger.exception("slash command /%s failed", name, exc_info=cause)
    return t("apology", language)


class InteractionErrors:
    """The command tree's on_error: explain the failure to the member, ephemerally."""

    def __init__(self, replies: Replies) -> None:
        self._replies = replies

    async def handle(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        text = shown_to_member(interaction, error)
        try:
            await self._replies.of(interaction).fail(text)
        except discord.HTTPException as failure:
            logger.warning("could not show an error to the member: %s", failure)


class EventErrors:
    """The client's on_error for gateway events: log, and apologise where a member wrote."""

    def __init__(self, replies: Replies) -> None:
        self._replies = replies

    async def handle(self, event: str, *args: object) -> None:
        logger.exception("handling the %s event failed", event, exc_info=sys.exc_info()[1])
        message = next((a for a in args if isinstance(a, discord.Message)), None)
        if message is not None:
            await self._replies.say(message.channel, APOLOGY)
