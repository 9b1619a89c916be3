"""A platform-neutral Post as Discord messages: content + embeds, split to fit Discord's limits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import zip_longest

import discord

from bot.render import Card, Post, split_text

CONTENT_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000  # title + description + fields + footer, summed over a message's embeds
EMBEDS_PER_MESSAGE = 10
TITLE_LIMIT = 256
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
NONCE_LENGTH = 25  # Discord accepts a nonce of at most 25 characters
EMPTY = "…"  # Discord refuses a message with neither content nor embeds

MARKER_PREFIX = "paperclub · "


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Discord message: at most 2,000 chars of content and embeds within 6,000 chars."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()

    def signature(self) -> tuple[str, ...]:
        """What Discord would show; equal signatures mean an edit would change nothing."""
        return (self.content or "", *(repr(sorted(e.to_dict().items())) for e in self.embeds))


def marker(idempotency_key: str) -> str:
    """The footer that names a root post, so `find_thread` can recognise it in history."""
    return MARKER_PREFIX + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


def nonce(idempotency_key: str) -> str:
    """Discord deduplicates a nonce (with enforce_nonce) from the same author for a few minutes."""
    return hashlib.sha256(b"nonce:" + idempotency_key.encode()).hexdigest()[:NONCE_LENGTH]


def render(post: Post, *, footer: str = "") -> list[Outgoing]:
    """`post` as one or more messages, never truncating the text a reader needs."""
    contents = split_text(post.text, CONTENT_LIMIT) if post.text.strip() else []
    embeds = _card_embeds(post.card, footer) if post.card else []
    if footer and not embeds:
        embeds = [discord.Embed().set_footer(text=footer)]
    groups = _pack(embeds)
    messages = [
        Outgoing(content=content, embeds=tuple(group or ()))
        for content, group in zip_longest(contents, groups)
    ]
    return messages or [Outgoing(content=EMPTY)]


def _card_embeds(card: Card, footer: str) -> list[discord.Embed]:
    pieces = split_text(card.description, DESCRIPTION_LIMIT) if card.description.strip() else []
    first = discord.Embed(
        title=_clip(card.title, TITLE_LIMIT),
        url=card.url or None,
        description=pieces[0] if pieces else None,
    )
    for field in card.fields[:FIELDS_LIMIT]:
        first.add_field(
            name=_clip(field.name, FIELD_NAME_LIMIT),
            value=_clip(field.value, FIELD_VALUE_LIMIT) or "-",
            inline=True,
        )
    if footer:
        first.set_footer(text=footer)
    return [first, *(discord.Embed(description=piece) for piece in pieces[1:])]


def _pack(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 per message and 6,000 characters in total."""
    groups: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        length = len(embed)
        if not groups or size + length > EMBED_TOTAL_LIMIT or len(groups[-1]) >= EMBEDS_PER_MESSAGE:
            groups.append([])
            size = 0
        groups[-1].append(embed)
        size += length
    return groups


def _clip(text: str, limit: int) -> str:
    """For titles and field values only, where Discord allows no continuation."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
