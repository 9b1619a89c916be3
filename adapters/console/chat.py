"""The terminal as a chat platform: posts are printed with rich and kept in a transcript.

The transcript (JSON lines, appended and fsync'd per message) is this platform's
message history: `find_thread` and keyed replies look there, so a digest killed
mid-run and started again shows each paper exactly once, as on Discord or Slack.
With `transcript=None` (dry run) nothing is recorded.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.domain import ConversationRef, MessageRef, ThreadRef
from bot.errors import PlatformUnavailable
from bot.render import Image, Link, Post


class ConsoleChat:
    def __init__(self, console: Console, transcript: Path | None) -> None:
        self._console = console
        self._transcript = transcript
        self._keys: dict[str, dict[str, Any]] = {}
        self._recording = threading.Lock()  # a key's check and its record, as one step
        if transcript is not None and transcript.exists():
            for line in transcript.read_text("utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash was never shown as posted
                if entry.get("key"):
                    self._keys[entry["key"]] = entry

    async def open_thread(
        self, conversation: ConversationRef, post: Post, *, thread_name: str, idempotency_key: str
    ) -> ThreadRef:
        message_id, new = await asyncio.to_thread(self._record, idempotency_key, None, post)
        if new:
            await self._show(lambda: _root_panel(post, thread_name))
        return ThreadRef(conversation, message_id)

    async def find_thread(
        self, conversation: ConversationRef, idempotency_key: str
    ) -> ThreadRef | None:
        existing = self._keys.get(idempotency_key)
        return None if existing is None else ThreadRef(conversation, existing["id"])

    async def reply(
        self, thread: ThreadRef, post: Post, *, idempotency_key: str | None = None
    ) -> MessageRef:
        message_id, new = await asyncio.to_thread(
            self._record, idempotency_key, thread.root_id, post
        )
        if new:
            await self._show(lambda: _reply_panel(post))
        return MessageRef(thread.conversation, message_id, thread)

    async def edit(self, message: MessageRef, post: Post) -> None:
        root = message.thread.root_id if message.thread else None
        await asyncio.to_thread(self._record, None, root, post, edits=message.message_id)

    async def edit_root(self, thread: ThreadRef, post: Post, *, idempotency_key: str) -> None:
        """The transcript records the new text as an edit of the root; the terminal shows it."""
        await asyncio.to_thread(self._record, None, thread.root_id, post, edits=thread.root_id)
        await self._show(lambda: Panel(Markdown(post.text), border_style="dim", padding=(0, 1)))

    async def thread_link(self, thread: ThreadRef) -> str:
        """The terminal has no links: the key the thread was opened under names it."""
        for key, entry in self._keys.items():
            if entry.get("id") == thread.root_id:
                return key
        return thread.root_id

    async def _show(self, build: Callable[[], RenderableType]) -> None:
        """Parsing Markdown (rich parses it when a `Markdown` is made) and rendering it is
        CPU work: both happen off the event loop."""
        await asyncio.to_thread(lambda: self._console.print(build()))

    def _record(
        self, key: str | None, root: str | None, post: Post, *, edits: str | None = None
    ) -> tuple[str, bool]:
        """The message's id, and False when `key` was recorded before (nothing is written).
        Blocking (the transcript is fsync'd): call it in a thread."""
        with self._recording:
            existing = self._keys.get(key) if key else None
            if existing is not None:
                return str(existing["id"]), False
            return self._append(key, root, post, edits), True

    def _append(self, key: str | None, root: str | None, post: Post, edits: str | None) -> str:
        message_id = uuid.uuid4().hex[:12]
        entry: dict[str, Any] = {
            "id": message_id,
            "key": key,
            "root": root,
            "edits": edits,
            "text": post.text,
        }
        if post.card is not None:
            entry["title"] = post.card.title
            entry["notes"] = list(post.card.notes)
        if post.image is not None:
            entry["image"] = {"caption": post.image.caption, "url": post.image.url}
        if self._transcript is not None:
            try:
                with self._transcript.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as error:
                raise PlatformUnavailable(
                    f"The terminal transcript {self._transcript} cannot be written "
                    f"({error.strerror}): free disk space or fix its permissions, then run "
                    "again; what was already posted is kept."
                ) from None
        if key:
            self._keys[key] = entry
        return message_id


def _reply_panel(post: Post) -> Panel:
    shown: RenderableType = Markdown(post.text)
    if post.image is not None:
        shown = Group(shown, _image_lines(post.image))
    return Panel(shown, border_style="dim", padding=(0, 1))


def _image_lines(image: Image) -> RenderableType:
    """A terminal shows no picture: its caption, and the link to it on arXiv."""
    return Group(Markdown(image.caption), Text(image.url, style="underline"))


def _root_panel(post: Post, thread_name: str) -> Panel:
    card = post.card
    if card is None:
        return Panel(Markdown(post.text), title=thread_name)
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold")
    fields.add_column()
    for field in card.fields:
        fields.add_row(field.name, field.value)
    for link in card.links or (Link("arXiv", card.url),):
        fields.add_row(link.label, link.url)
    parts: list[RenderableType] = [Text(card.title, style="bold cyan")]
    if card.subtitle:
        parts.append(Text(card.subtitle, style="bold"))
    parts.extend([fields, Markdown(card.description)])
    if post.text.strip():
        parts.append(Markdown(post.text))
    if post.image is not None:
        parts.append(_image_lines(post.image))
    parts.extend(Text(note, style="dim") for note in card.notes)
    body = Group(*parts)
    return Panel(body, title=f"🧵 {thread_name}", border_style="cyan")
