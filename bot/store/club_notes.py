"""Notes the club posts once (a presenter's outline, a paper's new version), the club's
periodic checks, and what the threads of a paper are (for a note to reach each of them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.domain import ConversationRef, Platform, ThreadRef
from bot.store.db import Store
from bot.store.rows import now
from bot.store.schema import club_checks, club_notes, threads


class ClubNotes:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def posted(self, key: str) -> bool:
        async with self._store.reading() as db:
            found = (
                await db.execute(
                    select(club_notes.c.key).where(
                        club_notes.c.key == key, club_notes.c.message_id.is_not(None)
                    )
                )
            ).first()
        return found is not None

    async def mark_posted(self, key: str, message_id: str) -> None:
        statement = self._store.insert(club_notes).values(
            key=key, message_id=message_id, created_at=now()
        )
        statement = statement.on_conflict_do_update(
            index_elements=["key"], set_={"message_id": statement.excluded.message_id}
        )
        async with self._store.transaction() as db:
            await db.execute(statement)

    async def last_check(self, name: str) -> datetime | None:
        async with self._store.reading() as db:
            moment: datetime | None = (
                await db.execute(select(club_checks.c.checked_at).where(club_checks.c.name == name))
            ).scalar()
        return moment

    async def record_check(self, name: str, moment: datetime) -> None:
        async with self._store.transaction() as db:
            await db.execute(self._store.upsert(club_checks, {"name": name, "checked_at": moment}))

    async def papers_with_threads(self) -> list[str]:
        """Every paper some channel has a thread for, oldest thread first."""
        async with self._store.reading() as db:
            rows = await db.execute(
                select(threads.c.arxiv_id)
                .group_by(threads.c.arxiv_id)
                .order_by(func.min(threads.c.created_at), threads.c.arxiv_id)
            )
            return [str(arxiv_id) for arxiv_id in rows.scalars()]

    async def paper_threads(self, arxiv_id: str) -> list[ThreadRef]:
        """The paper's first thread in each channel that has one."""
        t, u = threads, threads.alias("u")
        first = (
            select(func.min(u.c.created_at))
            .where(
                u.c.arxiv_id == t.c.arxiv_id,
                u.c.platform == t.c.platform,
                u.c.workspace_id == t.c.workspace_id,
                u.c.channel_id == t.c.channel_id,
            )
            .scalar_subquery()
        )
        async with self._store.reading() as db:
            rows = (
                await db.execute(
                    select(t.c.platform, t.c.workspace_id, t.c.channel_id, t.c.root_id)
                    .where(t.c.arxiv_id == arxiv_id, t.c.created_at == first)
                    .order_by(t.c.platform, t.c.workspace_id, t.c.channel_id)
                )
            ).all()
        seen: set[ConversationRef] = set()
        found: list[ThreadRef] = []
        for row in rows:
            conversation = ConversationRef(Platform(row[0]), str(row[1]), str(row[2]))
            if conversation not in seen:
                seen.add(conversation)
                found.append(ThreadRef(conversation, str(row[3])))
        return found
