"""Japanese and Korean names and descriptions for the slash commands (Discord localizations)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.text.command_names import COMMAND_TEXTS

LOCALES = {discord.Locale.japanese: "ja", discord.Locale.korean: "ko"}


class CommandTranslator(app_commands.Translator):
    """Serves COMMAND_TEXTS to discord.py when it syncs the command tree."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = LOCALES.get(locale)
        if language is None:
            return None
        return COMMAND_TEXTS.get(string.message, {}).get(language)


def language_of(locale: discord.Locale) -> str:
    """The output language for a member's Discord client locale (en unless ja or ko)."""
    return LOCALES.get(locale, "en")
