"""The club's own tables: votes, reading sessions and members' reading lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.domain import ConversationRef, Platform, ReadingEntry
from bot.store.db import Store
from bot.store.rows import now_iso
from bot.store.schedule_runs import conversation_key


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


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class ClubTables:
    def __init__(self, store: Store) -> None:
        self._db = store.connection

    # Votes ------------------------------------------------------------------------

    async def add_vote(self, conversation: ConversationRef, arxiv_id: str, member_id: str) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO votes VALUES (?,?,?,?,?,?)",
            (*conversation_key(conversation), arxiv_id, member_id, now_iso()),
        )
        await self._db.commit()

    async def remove_vote(
        self, conversation: ConversationRef, arxiv_id: str, member_id: str
    ) -> None:
        await self._db.execute(
            "DELETE FROM votes WHERE platform=? AND workspace_id=? AND channel_id=? AND arxiv_id=? "
            "AND member_id=?",
            (*conversation_key(conversation), arxiv_id, member_id),
        )
        await self._db.commit()

    async def vote_counts(self, conversation: ConversationRef) -> list[VoteCount]:
        """Votes per paper not yet picked for a session, most votes first, then first voted."""
        async with self._db.execute(
            "SELECT v.arxiv_id, COUNT(*), MIN(v.created_at) FROM votes v WHERE v.platform=? AND "
            "v.workspace_id=? AND v.channel_id=? AND NOT EXISTS (SELECT 1 FROM sessions s WHERE "
            "s.platform=v.platform AND s.workspace_id=v.workspace_id AND "
            "s.channel_id=v.channel_id AND s.arxiv_id=v.arxiv_id) "
            "GROUP BY v.arxiv_id ORDER BY COUNT(*) DESC, MIN(v.created_at), v.arxiv_id",
            conversation_key(conversation),
        ) as cur:
            rows = await cur.fetchall()
        return [VoteCount(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def votes_for(self, conversation: ConversationRef, arxiv_id: str) -> int:
        async with self._db.execute(
            "SELECT COUNT(*) FROM votes WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND arxiv_id=?",
            (*conversation_key(conversation), arxiv_id),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # Reading sessions ---------------------------------------------------------------

    async def reserve_session(
        self, conversation: ConversationRef, arxiv_id: str, votes: int
    ) -> SessionRow:
        await self._db.execute(
            "INSERT OR IGNORE INTO sessions (platform, workspace_id, channel_id, arxiv_id, votes, "
            "created_at) VALUES (?,?,?,?,?,?)",
            (*conversation_key(conversation), arxiv_id, votes, now_iso()),
        )
        await self._db.commit()
        row = await self.session(conversation, arxiv_id)
        assert row is not None
        return row

    async def set_session_root(
        self, conversation: ConversationRef, arxiv_id: str, root_id: str
    ) -> None:
        await self._update(conversation, arxiv_id, "root_id=?", root_id)

    async def set_presenter(
        self,
        conversation: ConversationRef,
        arxiv_id: str,
        member_id: str,
        member_name: str,
        meeting_at: datetime | None,
    ) -> None:
        await self._db.execute(
            "UPDATE sessions SET presenter_id=?, presenter_name=?, "
            "meeting_at=COALESCE(?, meeting_at), reminded_for=NULL WHERE platform=? AND "
            "workspace_id=? AND channel_id=? AND arxiv_id=?",
            (
                member_id,
                member_name,
                meeting_at.astimezone(UTC).isoformat() if meeting_at else None,
                *conversation_key(conversation),
                arxiv_id,
            ),
        )
        await self._db.commit()

    async def set_meeting(
        self, conversation: ConversationRef, arxiv_id: str, meeting_at: datetime
    ) -> None:
        await self._update(
            conversation, arxiv_id, "meeting_at=?", meeting_at.astimezone(UTC).isoformat()
        )

    async def mark_reminded(
        self, conversation: ConversationRef, arxiv_id: str, meeting_at: datetime
    ) -> None:
        await self._update(
            conversation, arxiv_id, "reminded_for=?", meeting_at.astimezone(UTC).isoformat()
        )

    async def _update(
        self, conversation: ConversationRef, arxiv_id: str, assignment: str, value: str
    ) -> None:
        await self._db.execute(
            f"UPDATE sessions SET {assignment} WHERE platform=? AND workspace_id=? AND "
            "channel_id=? AND arxiv_id=?",
            (value, *conversation_key(conversation), arxiv_id),
        )
        await self._db.commit()

    async def session(self, conversation: ConversationRef, arxiv_id: str) -> SessionRow | None:
        async with self._db.execute(
            "SELECT * FROM sessions WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND arxiv_id=?",
            (*conversation_key(conversation), arxiv_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _session(row)

    async def next_sessions(
        self, platform: str, workspace_id: str, after: datetime, limit: int = 5
    ) -> list[SessionRow]:
        """A workspace's reading sessions whose meeting is after `after`, soonest first."""
        async with self._db.execute(
            "SELECT * FROM sessions WHERE platform=? AND workspace_id=? AND meeting_at > ? "
            "AND root_id IS NOT NULL ORDER BY meeting_at LIMIT ?",
            (platform, workspace_id, after.astimezone(UTC).isoformat(), limit),
        ) as cur:
            rows = await cur.fetchall()
        return [_session(r) for r in rows]

    async def upcoming_sessions(self, until: datetime) -> list[SessionRow]:
        """Sessions with a meeting at or before `until` whose meeting was not yet reminded."""
        async with self._db.execute(
            "SELECT * FROM sessions WHERE meeting_at IS NOT NULL AND meeting_at <= ? AND "
            "root_id IS NOT NULL AND (reminded_for IS NULL OR reminded_for != meeting_at) "
            "ORDER BY meeting_at",
            (until.astimezone(UTC).isoformat(),),
        ) as cur:
            rows = await cur.fetchall()
        return [_session(r) for r in rows]

    # Automatic picks ------------------------------------------------------------------

    async def auto_pick(
        self, conversation: ConversationRef, meeting_at: datetime
    ) -> AutoPickRow | None:
        async with self._db.execute(
            "SELECT arxiv_id, done FROM auto_picks WHERE platform=? AND workspace_id=? AND "
            "channel_id=? AND meeting_at=?",
            (*conversation_key(conversation), meeting_at.astimezone(UTC).isoformat()),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else AutoPickRow(row[0], bool(row[1]))

    async def reserve_auto_pick(
        self, conversation: ConversationRef, meeting_at: datetime, arxiv_id: str | None
    ) -> AutoPickRow:
        """The paper picked for this meeting: the first choice recorded wins, so a pick
        resumed after a crash finishes with the paper it began with."""
        await self._db.execute(
            "INSERT OR IGNORE INTO auto_picks (platform, workspace_id, channel_id, meeting_at, "
            "arxiv_id, created_at) VALUES (?,?,?,?,?,?)",
            (
                *conversation_key(conversation),
                meeting_at.astimezone(UTC).isoformat(),
                arxiv_id,
                now_iso(),
            ),
        )
        await self._db.commit()
        row = await self.auto_pick(conversation, meeting_at)
        assert row is not None
        return row

    async def finish_auto_pick(self, conversation: ConversationRef, meeting_at: datetime) -> None:
        await self._db.execute(
            "UPDATE auto_picks SET done=1 WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND meeting_at=?",
            (*conversation_key(conversation), meeting_at.astimezone(UTC).isoformat()),
        )
        await self._db.commit()

    # Reading lists ------------------------------------------------------------------

    async def save(
        self, platform: Platform, workspace_id: str, member_id: str, arxiv_id: str
    ) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO reading_list VALUES (?,?,?,?,?,NULL)",
            (str(platform), workspace_id, member_id, arxiv_id, now_iso()),
        )
        await self._db.commit()

    async def mark_read(
        self, platform: Platform, workspace_id: str, member_id: str, arxiv_id: str
    ) -> None:
        await self.save(platform, workspace_id, member_id, arxiv_id)
        await self._db.execute(
            "UPDATE reading_list SET read_at=COALESCE(read_at, ?) WHERE platform=? AND "
            "workspace_id=? AND member_id=? AND arxiv_id=?",
            (now_iso(), str(platform), workspace_id, member_id, arxiv_id),
        )
        await self._db.commit()

    async def reading_list(
        self, platform: Platform, workspace_id: str, member_id: str
    ) -> list[ReadingEntry]:
        """Unread papers first (oldest saved first), then read ones (latest read first)."""
        async with self._db.execute(
            "SELECT r.arxiv_id, COALESCE(p.title, r.arxiv_id), r.saved_at, r.read_at "
            "FROM reading_list r LEFT JOIN papers p ON p.arxiv_id = r.arxiv_id "
            "WHERE r.platform=? AND r.workspace_id=? AND r.member_id=? "
            "ORDER BY r.read_at IS NOT NULL, r.read_at DESC, r.saved_at, r.arxiv_id",
            (str(platform), workspace_id, member_id),
        ) as cur:
            rows = await cur.fetchall()
        return [ReadingEntry(r[0], r[1], datetime.fromisoformat(r[2]), _time(r[3])) for r in rows]


def _session(row: aiosqlite.Row) -> SessionRow:
    return SessionRow(
        conversation=ConversationRef(
            Platform(row["platform"]), row["workspace_id"], row["channel_id"]
        ),
        arxiv_id=row["arxiv_id"],
        root_id=row["root_id"],
        votes=row["votes"],
        presenter_id=row["presenter_id"],
        presenter_name=row["presenter_name"],
        meeting_at=_time(row["meeting_at"]),
        reminded_for=_time(row["reminded_for"]),
    )
