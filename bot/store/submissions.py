"""Members' paper submissions (`paperclub add`, `/add`) in the `submissions` table."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import Author, Candidate, ConversationRef
from bot.sources.ids import canonical_id
from bot.sources.submissions import SOURCE_NAME
from bot.store.db import Store
from bot.store.schedule_runs import conversation_key


class SqliteSubmissions:
    """The SubmissionStore protocol (bot/sources/submissions.py) kept in SQLite."""

    def __init__(self, store: Store) -> None:
        self._db = store.connection

    async def add(self, conversation: ConversationRef, reference: str, member: Author) -> str:
        arxiv_id = canonical_id(reference)
        await self._db.execute(
            "INSERT OR IGNORE INTO submissions VALUES (?,?,?,?,?,?)",
            (
                *conversation_key(conversation),
                arxiv_id,
                member.user_id,
                datetime.now(UTC).isoformat(),
            ),
        )
        await self._db.commit()
        return arxiv_id

    async def pending(self, conversation: ConversationRef) -> list[Candidate]:
        async with self._db.execute(
            "SELECT arxiv_id, submitted_by FROM submissions WHERE platform=? AND workspace_id=? "
            "AND channel_id=? ORDER BY created_at, arxiv_id",
            conversation_key(conversation),
        ) as cur:
            rows = await cur.fetchall()
        return [Candidate(row[0], SOURCE_NAME, submitted_by=row[1]) for row in rows]

    async def mark_used(self, conversation: ConversationRef, arxiv_ids: list[str]) -> None:
        await self._db.executemany(
            "DELETE FROM submissions WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND arxiv_id=?",
            [(*conversation_key(conversation), arxiv_id) for arxiv_id in arxiv_ids],
        )
        await self._db.commit()
