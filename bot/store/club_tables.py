"""The club's own tables: votes, reading sessions and members' reading lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, or_, select, update

from bot.domain import ConversationRef, Platform, ReadingEntry
from bot.store.db import Store
from bot.store.rows import conv_params, in_conversation, now
from bot.store.schema import auto_picks, papers, reading_list, sessions, votes


@dataclass(frozen=True, slots=True)
class VoteCount:
    arxiv_id: str
    votes: int
    first_vote: datetime


@dataclass(frozen=True, slots=True)
class SessionRow:
    conversation: ConversationRef
    arxiv_id: str
    root_id: str | None
    votes: int
    presenter_id: str | None
    presenter_name: str | None
    meeting_at: datetime | None
    reminded_for: datetime | None


@dataclass(frozen=True, slots=True)
class AutoPickRow:
    arxiv_id: str | None  # None: no paper had a vote when the pick ran
    done: bool


class ClubTables:
    def __init__(self, store: Store) -> None:
        self._store = store

    # Votes ------------------------------------------------------------------------

    async def add_vote(self, conversation: ConversationRef, arxiv_id: str, member_id: str) -> None:
        platform, workspace_id, channel_id = conv_params(conversation)
        async with self._store.transaction() as db:
            await db.execute(
                self._store.insert(votes)
                .values(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    arxiv_id=arxiv_id,
                    member_id=member_id,
                    created_at=now(),
                )
                .on_conflict_do_nothing()
            )

    async def remove_vote(
        self, conversation: ConversationRef, arxiv_id: str, member_id: str
    ) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                delete(votes).where(
                    in_conversation(votes, conversation),
                    votes.c.arxiv_id == arxiv_id,
                    votes.c.member_id == member_id,
                )
            )

    async def vote_counts(self, conversation: ConversationRef) -> list[VoteCount]:
        """Votes per paper not yet picked for a session, most votes first, then first voted."""
        picked = (
            select(sessions.c.arxiv_id)
            .where(
                sessions.c.platform == votes.c.platform,
                sessions.c.workspace_id == votes.c.workspace_id,
                sessions.c.channel_id == votes.c.channel_id,
                sessions.c.arxiv_id == votes.c.arxiv_id,
            )
            .exists()
        )
        first_vote = func.min(votes.c.created_at)
        query = (
            select(votes.c.arxiv_id, func.count(), first_vote)
            .where(in_conversation(votes, conversation), ~picked)
            .group_by(votes.c.arxiv_id)
            .order_by(func.count().desc(), first_vote, votes.c.arxiv_id)
        )
        async with self._store.reading() as db:
            rows = (await db.execute(query)).all()
        return [VoteCount(r[0], int(r[1]), r[2]) for r in rows]

    async def votes_for(self, conversation: ConversationRef, arxiv_id: str) -> int:
        async with self._store.reading() as db:
            count = (
                await db.execute(
                    select(func.count()).where(
                        in_conversation(votes, conversation), votes.c.arxiv_id == arxiv_id
                    )
                )
            ).scalar()
        return int(count or 0)

    # Reading sessions ---------------------------------------------------------------

    async def reserve_session(
        self, conversation: ConversationRef, arxiv_id: str, votes: int
    ) -> SessionRow:
        platform, workspace_id, channel_id = conv_params(conversation)
        async with self._store.transaction() as db:
            await db.execute(
                self._store.insert(sessions)
                .values(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    arxiv_id=arxiv_id,
                    votes=votes,
                    created_at=now(),
                )
                .on_conflict_do_nothing()
            )
        row = await self.session(conversation, arxiv_id)
        assert row is not None
        return row

    async def set_session_root(
        self, conversation: ConversationRef, arxiv_id: str, root_id: str
    ) -> None:
        await self._update(conversation, arxiv_id, root_id=root_id)

    async def set_presenter(
        self,
        conversation: ConversationRef,
        arxiv_id: str,
        member_id: str,
        member_name: str,
        meeting_at: datetime | None,
    ) -> None:
        changes: dict[str, Any] = {
            "presenter_id": member_id,
            "presenter_name": member_name,
            "reminded_for": None,
        }
        if meeting_at is not None:
            changes["meeting_at"] = meeting_at.astimezone(UTC)
        await self._update(conversation, arxiv_id, **changes)

    async def set_meeting(
        self, conversation: ConversationRef, arxiv_id: str, meeting_at: datetime
    ) -> None:
        await self._update(conversation, arxiv_id, meeting_at=meeting_at.astimezone(UTC))

    async def mark_reminded(
        self, conversation: ConversationRef, arxiv_id: str, meeting_at: datetime
    ) -> None:
        await self._update(conversation, arxiv_id, reminded_for=meeting_at.astimezone(UTC))

    async def _update(self, conversation: ConversationRef, arxiv_id: str, **changes: Any) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                update(sessions)
                .where(in_conversation(sessions, conversation), sessions.c.arxiv_id == arxiv_id)
                .values(**changes)
            )

    async def session(self, conversation: ConversationRef, arxiv_id: str) -> SessionRow | None:
        async with self._store.reading() as db:
            row = (
                await db.execute(
                    select(sessions).where(
                        in_conversation(sessions, conversation), sessions.c.arxiv_id == arxiv_id
                    )
                )
            ).first()
        return None if row is None else _session(row)

    async def next_sessions(
        self, platform: str, workspace_id: str, after: datetime, limit: int = 5
    ) -> list[SessionRow]:
        """A workspace's reading sessions whose meeting is after `after`, soonest first."""
        async with self._store.reading() as db:
            rows = await db.execute(
                select(sessions)
                .where(
                    sessions.c.platform == platform,
                    sessions.c.workspace_id == workspace_id,
                    sessions.c.meeting_at > after.astimezone(UTC),
                    sessions.c.root_id.is_not(None),
                )
                .order_by(sessions.c.meeting_at)
                .limit(limit)
            )
            return [_session(r) for r in rows]

    async def upcoming_sessions(self, until: datetime) -> list[SessionRow]:
        """Sessions with a meeting at or before `until` whose meeting was not yet reminded."""
        async with self._store.reading() as db:
            rows = await db.execute(
                select(sessions)
                .where(
                    sessions.c.meeting_at.is_not(None),
                    sessions.c.meeting_at <= until.astimezone(UTC),
                    sessions.c.root_id.is_not(None),
                    or_(
                        sessions.c.reminded_for.is_(None),
                        sessions.c.reminded_for != sessions.c.meeting_at,
                    ),
                )
                .order_by(sessions.c.meeting_at)
            )
            return [_session(r) for r in rows]

    # Automatic picks ------------------------------------------------------------------

    async def auto_pick(
        self, conversation: ConversationRef, meeting_at: datetime
    ) -> AutoPickRow | None:
        async with self._store.reading() as db:
            row = (
                await db.execute(
                    select(auto_picks.c.arxiv_id, auto_picks.c.done).where(
                        in_conversation(auto_picks, conversation),
                        auto_picks.c.meeting_at == meeting_at.astimezone(UTC),
                    )
                )
            ).first()
        return None if row is None else AutoPickRow(row.arxiv_id, bool(row.done))

    async def reserve_auto_pick(
        self, conversation: ConversationRef, meeting_at: datetime, arxiv_id: str | None
    ) -> AutoPickRow:
        """The paper picked for this meeting: the first choice recorded wins, so a pick
        resumed after a crash finishes with the paper it began with."""
        platform, workspace_id, channel_id = conv_params(conversation)
        async with self._store.transaction() as db:
            await db.execute(
                self._store.insert(auto_picks)
                .values(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    meeting_at=meeting_at.astimezone(UTC),
                    arxiv_id=arxiv_id,
                    done=0,
                    created_at=now(),
                )
                .on_conflict_do_nothing()
            )
        row = await self.auto_pick(conversation, meeting_at)
        assert row is not None
        return row

    async def finish_auto_pick(self, conversation: ConversationRef, meeting_at: datetime) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                update(auto_picks)
                .where(
                    in_conversation(auto_picks, conversation),
                    auto_picks.c.meeting_at == meeting_at.astimezone(UTC),
                )
                .values(done=1)
            )

    # Reading lists ------------------------------------------------------------------

    async def save(
        self, platform: Platform, workspace_id: str, member_id: str, arxiv_id: str
    ) -> None:
        async with self._store.transaction() as db:
            await db.execute(self._saving(platform, workspace_id, member_id, arxiv_id))

    def _saving(self, platform: Platform, workspace_id: str, member_id: str, arxiv_id: str) -> Any:
        return (
            self._store.insert(reading_list)
            .values(
                platform=str(platform),
                workspace_id=workspace_id,
                member_id=member_id,
                arxiv_id=arxiv_id,
                saved_at=now(),
                read_at=None,
            )
            .on_conflict_do_nothing()
        )

    async def mark_read(
        self, platform: Platform, workspace_id: str, member_id: str, arxiv_id: str
    ) -> None:
        async with self._store.transaction() as db:
            await db.execute(self._saving(platform, workspace_id, member_id, arxiv_id))
            await db.execute(
                update(reading_list)
                .where(
                    reading_list.c.platform == str(platform),
                    reading_list.c.workspace_id == workspace_id,
                    reading_list.c.member_id == member_id,
                    reading_list.c.arxiv_id == arxiv_id,
                    reading_list.c.read_at.is_(None),
                )
                .values(read_at=now())
            )

    async def reading_list(
        self, platform: Platform, workspace_id: str, member_id: str
    ) -> list[ReadingEntry]:
        """Unread papers first (oldest saved first), then read ones (latest read first)."""
        r, p = reading_list, papers
        query = (
            select(r.c.arxiv_id, func.coalesce(p.c.title, r.c.arxiv_id), r.c.saved_at, r.c.read_at)
            .select_from(r.outerjoin(p, p.c.arxiv_id == r.c.arxiv_id))
            .where(
                r.c.platform == str(platform),
                r.c.workspace_id == workspace_id,
                r.c.member_id == member_id,
            )
            .order_by(r.c.read_at.is_not(None), r.c.read_at.desc(), r.c.saved_at, r.c.arxiv_id)
        )
        async with self._store.reading() as db:
            rows = (await db.execute(query)).all()
        return [ReadingEntry(row[0], row[1], row[2], row[3]) for row in rows]


def _session(row: Row[Any]) -> SessionRow:
    return SessionRow(
        conversation=ConversationRef(Platform(row.platform), row.workspace_id, row.channel_id),
        arxiv_id=row.arxiv_id,
        root_id=row.root_id,
        votes=row.votes,
        presenter_id=row.presenter_id,
        presenter_name=row.presenter_name,
        meeting_at=row.meeting_at,
        reminded_for=row.reminded_for,
    )
