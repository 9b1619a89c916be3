"""A platform-neutral Post as Discord messages: content + embeds, split to fit Discord's limits.

A post's image is uploaded with the message whose embed shows it (attachment://name): on
a paper's root, the key figure sits right under the card."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, replace
from itertools import zip_longest

import discord

from bot.render import Card, Image, Post, split_text

CONTENT_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000  # title + description + fields + footer, summed over a message's embeds
EMBEDS_PER_MESSAGE = 10
TITLE_LIMIT = 256
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
FOOTER_LIMIT = 2048
NONCE_LENGTH = 25  # Discord accepts a nonce of at most 25 characters
MAX_PIECES = 64  # the pieces of one keyed reply that carry their own marker
EMPTY = "…"  # Discord refuses a message with neither content nor embeds
MAX_FILENAME = 100

LEGACY_MARKER_PREFIX = "paperclub · "  # roots posted before the marker was made invisible
# The marker is written in invisible characters: members never see an internal hash, and
# find_thread still reads it from the footer (a card) or the content (any other root).
_HIDDEN_START = "\u2063"  # INVISIBLE SEPARATOR
_HIDDEN_BITS = ("\u200b", "\u200c")  # ZERO WIDTH SPACE = 0, ZERO WIDTH NON-JOINER = 1


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Discord message: at most 2,000 chars of content and embeds within 6,000 chars."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()
    image: Image | None = None  # uploaded with the message; an embed shows it

    def signature(self) -> tuple[str, ...]:
        """What Discord would show; equal signatures mean an edit would change nothing."""
        shown = (self.content or "", *(repr(sorted(e.to_dict().items())) for e in self.embeds))
        return (*shown, attachment_name(self.image)) if self.image else shown

    def files(self, size_limit: int) -> list[discord.File]:
        """The upload (a fresh File each send: discord.py reads it once), if it fits."""
        if self.image is None or len(self.image.data) > size_limit:
            return []
        return [discord.File(io.BytesIO(self.image.data), filename=attachment_name(self.image))]

    def without_image(self) -> Outgoing:
        """This message when its image cannot be uploaded: its embed goes too."""
        reference = f"attachment://{attachment_name(self.image)}" if self.image else ""
        kept = tuple(e for e in self.embeds if e.image.url != reference)
        return Outgoing(self.content if self.content or kept else EMPTY, kept)


def attachment_name(image: Image) -> str:
    """A file name an embed can refer to as attachment://name (ASCII, no spaces)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", image.filename).strip("._") or "image"
    return name[-MAX_FILENAME:]


def image_embed(image: Image) -> discord.Embed:
    """The picture and its caption, under the card (or alone on a reply)."""
    caption = image.caption.strip()
    embed = discord.Embed(
        description=_clip(caption, DESCRIPTION_LIMIT) or None, url=image.url or None
    )
    embed.set_image(url=f"attachment://{attachment_name(image)}")
    return embed


def _digest(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


def marker(idempotency_key: str) -> str:
    """What names a root post, so `find_thread` can recognise it in history: 64 bits of
    the key's hash as zero-width characters, invisible in Discord's client."""
    bits = bin(int(_digest(idempotency_key), 16))[2:].zfill(64)
    return _HIDDEN_START + "".join(_HIDDEN_BITS[int(b)] for b in bits)


def legacy_marker(idempotency_key: str) -> str:
    """The visible footer earlier versions wrote; still recognised after an upgrade."""
    return LEGACY_MARKER_PREFIX + _digest(idempotency_key)


def carries_marker(message: discord.Message, idempotency_key: str) -> bool:
    hidden, legacy = marker(idempotency_key), legacy_marker(idempotency_key)
    footers = [e.footer.text or "" for e in message.embeds]
    return hidden in (message.content or "") or any(hidden in f or f == legacy for f in footers)


_MARKER = re.compile(_HIDDEN_START + "[" + "".join(_HIDDEN_BITS) + "]{64}")


def markers_in(message: discord.Message) -> set[str]:
    """The hidden markers a message carries (in its content or its embeds' footers)."""
    texts = [message.content or "", *(e.footer.text or "" for e in message.embeds)]
    return {found for text in texts for found in _MARKER.findall(text)}


def keyed_pieces(post: Post, idempotency_key: str) -> list[tuple[str, Outgoing]]:
    """`post` as a keyed reply's messages, each with the marker of its own piece
    (`key#index`), so a reply cut short between its pieces resumes with the missing ones.
    A piece after a card's first message has no room kept for one: its marker is ""."""
    hidden = [marker(f"{idempotency_key}#{index}") for index in range(MAX_PIECES)]
    pieces = render(post, footer=hidden[0])
    keyed = [(hidden[0], pieces[0])]
    for index, piece in enumerate(pieces[1:], start=1):
        if post.card is None and index < MAX_PIECES:  # render kept room in every piece
            keyed.append(
                (hidden[index], replace(piece, content=(piece.content or EMPTY) + hidden[index]))
            )
        else:
            keyed.append(("", piece))
    return keyed


def nonce(idempotency_key: str) -> str:
    """Discord deduplicates a nonce (with enforce_nonce) from the same author for a few minutes."""
    return hashlib.sha256(b"nonce:" + idempotency_key.encode()).hexdigest()[:NONCE_LENGTH]


def render(post: Post, *, footer: str = "") -> list[Outgoing]:
    """`post` as one or more messages, never truncating the text a reader needs.

    `footer` is the root's invisible marker: in a card's footer, after its notes, or at
    the end of the first message's content when the post has no card."""
    in_content = footer if post.card is None else ""
    limit = CONTENT_LIMIT - len(in_content)
    contents = split_text(post.text, limit) if post.text.strip() else []
    if in_content:
        contents = [contents[0] + in_content, *contents[1:]] if contents else [EMPTY + in_content]
    embeds = _card_embeds(post.card, footer) if post.card else []
    if post.image is not None:
        embeds.append(image_embed(post.image))  # under the card
    groups = _pack(embeds)
    messages = [
        Outgoing(content=content, embeds=tuple(group or ()))
        for content, group in zip_longest(contents, groups)
    ]
    if not messages:
        return [Outgoing(content=EMPTY)]
    if post.image is not None:
        reference = f"attachment://{attachment_name(post.image)}"
        index = next(
            (i for i, m in enumerate(messages) if any(e.image.url == reference for e in m.embeds)),
            0,
        )
        messages[index] = Outgoing(messages[index].content, messages[index].embeds, post.image)
    return messages


def _card_embeds(card: Card, footer: str) -> list[discord.Embed]:
    """Title; the translated title, links and summary in the description; the fields;
    the notes small in the footer, with the marker after them."""
    head = []
    if card.subtitle:
        head.append(f"**{' '.join(card.subtitle.split())}**")
    if card.links:
        head.append(" · ".join(f"[{_label(link.label)}]({link.url})" for link in card.links))
    description = "\n".join(head)
    if card.description.strip():
        description = f"{description}\n\n{card.description}" if description else card.description
    pieces = split_text(description, DESCRIPTION_LIMIT) if description.strip() else []
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
    notes = "\n".join(card.notes)
    room = FOOTER_LIMIT - len(footer)
    if len(notes) > room:
        notes = notes[: room - 1].rstrip() + "…"
    if notes or footer:
        first.set_footer(text=notes + footer)
    return [first, *(discord.Embed(description=piece) for piece in pieces[1:])]


def _label(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


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
