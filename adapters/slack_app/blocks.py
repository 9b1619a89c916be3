"""A platform-neutral `Post` as one or more Slack messages that fit Slack's limits.

Limits (FACTS.md §1): header text 150, section text 3,000, 10 fields of 2,000 per
section, 50 blocks per message, and an undocumented ~13,200-character cap on all
blocks of a message, so we stay under 12,000. Text that does not fit continues in
further messages; every message carries a `text` fallback for notifications.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from adapters.slack_app.mrkdwn import escape, to_mrkdwn
from bot.render import Card, Post, split_text

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 1000  # Slack allows 2,000; ten of those would overflow the per-message cap
FIELDS_PER_SECTION = 10
BLOCKS_PER_MESSAGE = 50
CHARS_PER_MESSAGE = 12_000
FALLBACK_LIMIT = 3000
CONTEXT_ELEMENTS = 10
OPEN_PAPER_ACTION = "open_paper"

Block = dict[str, Any]
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    text: str
    blocks: tuple[Block, ...]


def render(post: Post) -> list[SlackMessage]:
    card_blocks = _card_blocks(post.card, post.card.open_label) if post.card else []
    text_blocks = [_section(piece) for piece in split_text(to_mrkdwn(post.text), SECTION_LIMIT)]
    messages = _pack(card_blocks + text_blocks)
    if not messages:
        return [SlackMessage(text=" ", blocks=())]
    first_fallback = _card_fallback(post.card) if post.card else _fallback(messages[0])
    return [
        SlackMessage(text=first_fallback if i == 0 else _fallback(m), blocks=tuple(m))
        for i, m in enumerate(messages)
    ]


def _card_blocks(card: Card, button_label: str) -> list[Block]:
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(card.title, HEADER_LIMIT), "emoji": False},
        }
    ]
    if card.subtitle:  # the translated title: its own line, never clipped
        subtitle = f"*{escape(' '.join(card.subtitle.split()))}*"
        blocks.extend(_section(p) for p in split_text(subtitle, SECTION_LIMIT))
    fields = [
        {"type": "mrkdwn", "text": _escaped_field(f.name, f.value)} for f in card.fields if f.value
    ]
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]})
    if card.links:
        links = " · ".join(_link(link.label, link.url) for link in card.links)
        blocks.append(_section(links))
    if card.description:
        blocks.extend(_section(p) for p in split_text(to_mrkdwn(card.description), SECTION_LIMIT))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": OPEN_PAPER_ACTION,
                    "text": {"type": "plain_text", "text": button_label},
                    "url": card.url,
                }
            ],
        }
    )
    if card.notes:  # last and small
        notes = [
            {"type": "mrkdwn", "text": _clip_mrkdwn(escape(n), SECTION_LIMIT)} for n in card.notes
        ]
        blocks.append({"type": "context", "elements": notes[:CONTEXT_ELEMENTS]})
    return blocks


def _link(label: str, url: str) -> str:
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{escape(label)}>"


def _clip_mrkdwn(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]).rstrip() + "…"


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _pack(blocks: list[Block]) -> list[list[Block]]:
    messages: list[list[Block]] = []
    current: list[Block] = []
    size = 0
    for block in blocks:
        length = _length(block)
        if current and (len(current) == BLOCKS_PER_MESSAGE or size + length > CHARS_PER_MESSAGE):
            messages.append(current)
            current, size = [], 0
        current.append(block)
        size += length
    if current:
        messages.append(current)
    return messages


def _length(block: Block) -> int:
    if "text" in block:
        return len(block["text"]["text"])
    parts = (*block.get("fields", ()), *block.get("elements", ()))
    return sum(len(str(f.get("text", ""))) for f in parts) + 100


def _escaped_field(name: str, value: str) -> str:
    text = f"*{escape(_clip(name, 100))}*\n{escape(' '.join(value.split()))}"
    if len(text) <= FIELD_LIMIT:
        return text
    cut = _PARTIAL_ENTITY.sub("", text[: FIELD_LIMIT - 1])
    return cut.rstrip() + "…"


def _fallback(blocks: list[Block]) -> str:
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    pieces = split_text("\n".join(texts), FALLBACK_LIMIT - 1)
    if not pieces:
        return " "
    return pieces[0] + ("…" if len(pieces) > 1 else "")


def _card_fallback(card: Card) -> str:
    subtitle = f" / {escape(' '.join(card.subtitle.split()))}" if card.subtitle else ""
    return f"{escape(_clip(card.title, HEADER_LIMIT))}{subtitle} {card.url}"


def _clip(text: str, limit: int) -> str:
    """Plain text on one line, at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
