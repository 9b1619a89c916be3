"""Members' paper submissions (`paperclub add`, `/add`) in the `submissions` table."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.domain import Author, Candidate, ConversationRef
from bot.sources.ids import canonical_id
from bot.sources.submissions import SOURCE_NAME
from bot.store.db import Store
from bot.store.rows import conv_params, in_conversation, now
from bot.store.schema import submissions


class StoredSubmissions:
    """The SubmissionStore protocol (bot/sources/submissions.py) kept in the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, conversation: ConversationRef, reference: str, member: Author) -> str:
        arxiv_id = canonical_id(reference)
        platform, workspace_id, channel_id = conv_params(conversation)
        async with self._store.transaction() as db:
            await db.execute(
                self._store.insert(submissions)
                .values(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    arxiv_id=arxiv_id,
                    submitted_by=member.user_id,
                    created_at=now(),
                )
                .on_conflict_do_nothing()
            )
        return arxiv_id

    async def pending(self, conversation: ConversationRef) -> list[Candidate]:
        async with self._store.reading() as db:
            rows = await db.execute(
                select(submissions.c.arxiv_id, submissions.c.submitted_by)
                .where(in_conversation(submissions, conversation))
                .order_by(submissions.c.created_at, submissions.c.arxiv_id)
            )
            return [Candidate(row[0], SOURCE_NAME, submitted_by=row[1]) for row in rows]

    async def mark_used(self, conversation: ConversationRef, arxiv_ids: list[str]) -> None:
        if not arxiv_ids:
            return
        async with self._store.transaction() as db:
            await db.execute(
                delete(submissions).where(
                    in_conversation(submissions, conversation),
                    submissions.c.arxiv_id.in_(arxiv_ids),
                )
            )
