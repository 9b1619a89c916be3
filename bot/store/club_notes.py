"""Notes the club posts once (a presenter's outline, a paper's new version), the club's
periodic checks, and what the threads of a paper are (for a note to reach each of them)."""

from __future__ import annotations

from datetime import datetime

from bot.domain import ConversationRef, Platform, ThreadRef
from bot.store.db import Store
from bot.store.rows import now_iso


class ClubNotes:
    def __init__(self, store: Store) -> None:
        self._db = store.connection

    async def posted(self, key: str) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM club_notes WHERE key=? AND message_id IS NOT NULL", (key,)
        ) as cur:
            return await cur.fetchone() is not None

    async def mark_posted(self, key: str, message_id: str) -> None:
        await self._db.execute(
            "INSERT INTO club_notes VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET "
            "message_id=excluded.message_id",
            (key, message_id, now_iso()),
        )
        await self._db.commit()

    async def last_check(self, name: str) -> datetime | None:
        async with self._db.execute(
            "SELECT checked_at FROM club_checks WHERE name=?", (name,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else datetime.fromisoformat(row[0])

    async def record_check(self, name: str, moment: datetime) -> None:
        await self._db.execute(
            "INSERT INTO club_checks VALUES (?,?) ON CONFLICT(name) DO UPDATE SET "
            "checked_at=excluded.checked_at",
            (name, moment.isoformat()),
        )
        await self._db.commit()

    async def papers_with_threads(self) -> list[str]:
        """Every paper some channel has a thread for, oldest thread first."""
        async with self._db.execute(
            "SELECT arxiv_id FROM threads GROUP BY arxiv_id ORDER BY MIN(created_at), arxiv_id"
        ) as cur:
            rows = await cur.fetchall()
        return [str(r[0]) for r in rows]

    async def paper_threads(self, arxiv_id: str) -> list[ThreadRef]:
        """The paper's first thread in each channel that has one."""
        async with self._db.execute(
            "SELECT platform, workspace_id, channel_id, root_id FROM threads t WHERE arxiv_id=? "
            "AND created_at = (SELECT MIN(created_at) FROM threads u WHERE u.arxiv_id=t.arxiv_id "
            "AND u.platform=t.platform AND u.workspace_id=t.workspace_id "
            "AND u.channel_id=t.channel_id) ORDER BY platform, workspace_id, channel_id",
            (arxiv_id,),
        ) as cur:
            rows = await cur.fetchall()
        seen: set[ConversationRef] = set()
        threads: list[ThreadRef] = []
        for row in rows:
            conversation = ConversationRef(Platform(row[0]), str(row[1]), str(row[2]))
            if conversation not in seen:
                seen.add(conversation)
                threads.append(ThreadRef(conversation, str(row[3])))
        return threads
