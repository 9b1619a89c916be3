"""The core's seams: what it needs from a chat platform, a paper source and a model.

The wiring in `bot.bootstrap` picks the implementations from settings; tests use the
same wiring with real clients pointed at loopback servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from bot.domain import (
    Candidate,
    ConversationRef,
    MessageRef,
    Paper,
    Summary,
    ThreadRef,
    Turn,
    Window,
)
from bot.reading.model import PaperText, Passage
from bot.render import Post


class Chat(Protocol):
    """Implemented by each adapter (console, Discord, Slack)."""

    async def open_thread(
        self, conversation: ConversationRef, post: Post, *, thread_name: str, idempotency_key: str
    ) -> ThreadRef:
        """Post `post` at the top level of `conversation` and start a thread rooted at it.

        Implementations attach `idempotency_key` to the root message where the platform
        can carry it, so `find_thread` can recover it after a crash.
        """
        ...

    async def find_thread(
        self, conversation: ConversationRef, idempotency_key: str
    ) -> ThreadRef | None:
        """The thread an earlier `open_thread` with this key created, if the platform shows one."""
        ...

    async def reply(
        self, thread: ThreadRef, post: Post, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """Post in `thread`. With a key, a platform that can deduplicate (a Discord nonce,
        the console transcript) returns the earlier message instead of posting again."""
        ...

    async def edit(self, message: MessageRef, post: Post) -> None: ...

    async def edit_root(self, thread: ThreadRef, post: Post, *, idempotency_key: str) -> None:
        """Replace the root message `open_thread` posted under `idempotency_key` (the
        digest's header, once its papers' threads exist), keeping the key it carries."""
        ...

    async def thread_link(self, thread: ThreadRef) -> str:
        """Where a member opens `thread`: a Discord jump URL, a Slack permalink, the
        terminal's thread key."""
        ...


class PaperSource(Protocol):
    name: str

    async def candidates(self, window: Window) -> list[Candidate]:
        """Papers this source proposes for `window`; raises SourceUnavailable on failure."""
        ...


class PaperCatalog(Protocol):
    """Authoritative metadata lookup (arXiv)."""

    async def lookup(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """Metadata for each id arXiv knows; unknown ids are absent from the result."""
        ...


class LLM(Protocol):
    name: str

    async def summarise(self, paper: Paper, text: PaperText, language: str) -> Summary: ...

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn],
        language: str,
    ) -> AsyncIterator[str]:
        """Stream an answer grounded only in `passages`."""
        ...

    async def search_queries(self, question: str) -> list[str]:
        """English search queries for a question in another language ([] when not needed)."""
        ...
