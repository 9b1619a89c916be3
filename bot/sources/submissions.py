"""Papers members add (`paperclub add ID`): they join the channel's next digest, strongly boosted."""

from __future__ import annotations

from typing import Protocol

from bot.domain import Author, Candidate, ConversationRef, Window
from bot.sources.ids import canonical_id

SOURCE_NAME = "member submissions"


class SubmissionStore(Protocol):
    async def add(self, conversation: ConversationRef, reference: str, member: Author) -> str:
        """Record a member's paper for the channel's next digest; returns its canonical id.

        Raises InvalidPaperId for a reference that names no arXiv paper. Adding a
        paper already pending keeps the first submitter.
        """
        ...

    async def pending(self, conversation: ConversationRef) -> list[Candidate]:
        """The channel's submissions not yet used by a digest, oldest first."""
        ...

    async def mark_used(self, conversation: ConversationRef, arxiv_ids: list[str]) -> None:
        """Forget these submissions once a digest has posted them."""
        ...


class InMemorySubmissions:
    """A SubmissionStore for the console and tests; the SQLite store keeps them for real."""

    def __init__(self) -> None:
        self._pending: dict[ConversationRef, dict[str, Candidate]] = {}

    async def add(self, conversation: ConversationRef, reference: str, member: Author) -> str:
        arxiv_id = canonical_id(reference)
        channel = self._pending.setdefault(conversation, {})
        channel.setdefault(arxiv_id, Candidate(arxiv_id, SOURCE_NAME, submitted_by=member.user_id))
        return arxiv_id

    async def pending(self, conversation: ConversationRef) -> list[Candidate]:
        return list(self._pending.get(conversation, {}).values())

    async def mark_used(self, conversation: ConversationRef, arxiv_ids: list[str]) -> None:
        channel = self._pending.get(conversation, {})
        for arxiv_id in arxiv_ids:
            channel.pop(arxiv_id, None)


class SubmissionSource:
    """One channel's pending submissions as a PaperSource; the window does not filter them."""

    name = SOURCE_NAME

    def __init__(self, store: SubmissionStore, conversation: ConversationRef) -> None:
        self._store = store
        self._conversation = conversation

    async def candidates(self, window: Window) -> list[Candidate]:
        return await self._store.pending(self._conversation)
