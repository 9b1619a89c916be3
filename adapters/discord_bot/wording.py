"""How command results read on Discord: settings, digest reports, search hits, time zones."""

from __future__ import annotations

import zoneinfo
from functools import cache

import discord

from bot.domain import ArchiveHit, ChannelSettings, DigestReport, Session, ThreadRef
from bot.text import t
from bot.text.presenters import digest_lines, settings_lines

SEARCH_HITS_SHOWN = 10


def describe_settings(settings: ChannelSettings, heading: str = "settings_heading") -> str:
    """The channel's settings in its own language; `heading` is a catalog key."""
    language = settings.language
    title = f"**{t(heading, language)}** (<#{settings.conversation.channel_id}>)"
    return "\n".join([title, *settings_lines(settings, language, "/")])


def describe_digest(report: DigestReport, language: str) -> str:
    return "\n".join(digest_lines(report, language, "/", thread_url=thread_url))


def thread_url(thread: ThreadRef) -> str:
    """A link that opens the thread in Discord's client (a `<#id>` mention cannot carry a
    label, and the header line names the paper)."""
    c = thread.conversation
    return f"https://discord.com/channels/{c.workspace_id}/{thread.root_id}"


def describe_hits(query: str, hits: list[ArchiveHit]) -> str:
    if not hits:
        return (
            f"No paper in this server's archive matches “{discord.utils.escape_markdown(query)}”. "
            "Try fewer words, or open one with /paper <arXiv id>."
        )
    lines = [f"**{len(hits)} paper{'s' if len(hits) != 1 else ''} found**"]
    for hit in hits[:SEARCH_HITS_SHOWN]:
        title = discord.utils.escape_markdown(hit.title)
        lines.append(
            f"• **{title}** ({hit.arxiv_id}), {hit.posted_at.date().isoformat()}: "
            f"<#{hit.thread.root_id}>"
        )
    if len(hits) > SEARCH_HITS_SHOWN:
        lines.append(f"… and {len(hits) - SEARCH_HITS_SHOWN} more: add words to narrow it down.")
    return "\n".join(lines)


def title(text: str) -> str:
    """A paper title on one line, its markdown escaped."""
    return discord.utils.escape_markdown(" ".join(text.split()))


def session_link(session: Session) -> str:
    return f"<#{session.thread.root_id}>"


@cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def matching_timezones(typed: str, limit: int = 25) -> list[str]:
    """IANA zones for the autocomplete list: names starting with the words typed, then others."""
    needle = typed.strip().lower().replace(" ", "_")
    starts = [z for z in _timezones() if z.lower().split("/")[-1].startswith(needle)]
    contains = [z for z in _timezones() if needle in z.lower() and z not in starts]
    return (starts + contains)[:limit]
