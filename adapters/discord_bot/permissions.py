"""Discord permissions by their UI names, and discord.py exceptions as paperclub errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import discord

from bot.errors import PlatformUnavailable
from bot.text import Phrase

# The names Discord shows in Server Settings -> Roles, so an admin can find them.
NAMES = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "add_reactions": "Add Reactions",
    "attach_files": "Attach Files",
}

# What each call needs, so a 403 names the permission that call lacked.
ROOT_POST = ("send_messages", "embed_links")
START_THREAD = ("create_public_threads",)
REPLY_IN_THREAD = ("send_messages_in_threads",)
READ_HISTORY = ("read_message_history",)
# What a command checks up front, before any work (the invite URL asks for all of NAMES).
OPEN_THREADS = ("view_channel", *ROOT_POST, *READ_HISTORY, *START_THREAD, *REPLY_IN_THREAD)
ANSWER_IN_THREAD = ("view_channel", *REPLY_IN_THREAD, *READ_HISTORY)

INVITE_PERMISSIONS = discord.Permissions(**dict.fromkeys(NAMES, True))


class MissingPermission(PlatformUnavailable):
    """Discord answered 403: the bot lacks a permission in that channel.

    `action` is what paperclub could not do, a `discord_action_*` catalog entry."""

    def __init__(self, action: str, permissions: tuple[str, ...]) -> None:
        names = ", ".join(f"**{NAMES[p]}**" for p in permissions)
        super().__init__(
            key="discord_missing_permission",
            action=Phrase(f"discord_action_{action}"),
            names=names,
        )
        self.permissions = permissions


class DiscordRefused(PlatformUnavailable):
    """Discord rate-limited or refused a call; `action` as for MissingPermission."""


def missing(granted: discord.Permissions, needed: tuple[str, ...]) -> tuple[str, ...]:
    """The permissions in `needed` that `granted` lacks (administrator grants everything)."""
    if granted.administrator or granted.value == 0:
        return ()  # 0: Discord sent no app_permissions; let a 403 name what is missing instead
    return tuple(p for p in needed if not getattr(granted, p))


@contextmanager
def translated(action: str, needs: tuple[str, ...]) -> Iterator[None]:
    """Turn discord.py's exceptions from `action` into paperclub errors a member can act on.

    A 403 names the permissions `action` needs; a rate limit beyond max_ratelimit_timeout and
    any other HTTP failure become PlatformUnavailable with what to do next.
    """
    try:
        yield
    except discord.Forbidden as error:
        if error.code == 50001:  # Missing Access: the bot cannot see the channel at all
            raise MissingPermission(action, ("view_channel", "read_message_history")) from error
        raise MissingPermission(action, needs) from error
    except discord.RateLimited as error:
        raise DiscordRefused(
            key="discord_rate_limited",
            action=Phrase(f"discord_action_{action}"),
            seconds=f"{error.retry_after:.0f}",
        ) from error
    except discord.HTTPException as error:
        raise DiscordRefused(
            key="discord_refused",
            action=Phrase(f"discord_action_{action}"),
            status=error.status,
            code=error.code,
        ) from error
