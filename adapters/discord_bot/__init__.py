"""Discord adapter (discord.py). Named discord_bot so it cannot shadow the `discord` library."""

from adapters.discord_bot.chat import DiscordChat
from adapters.discord_bot.client import PaperclubBot, run_discord

__all__ = ["DiscordChat", "PaperclubBot", "run_discord"]
