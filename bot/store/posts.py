"""Posts (idempotent paper threads), the thread -> paper map, and archive search."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.domain import (
    ArchiveHit,
    ConversationRef,
    Platform,
    ThreadRef,
)
from bot.store.rows import Rows, conv_params, now_iso


class PostState:
    RESERVED = "reserved"
    ROOT_POSTED = "root_posted"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True)
class PostRecord:
    key: str
    arxiv_id: str
    state: str
    root_id: str | None
    replies_done: int
    fresh: bool = False  # True when this reservation created the row just now


# A summary's searchable words: its TL;DR, translated title, key points and tags, never


_SUMMARY_TEXT = (
    "IFNULL(json_extract(payload_json, '$.tldr'), '') || ' ' || "
    "IFNULL(json_extract(payload_json, '$.title_translated'), '') || ' ' || "
    "IFNULL((SELECT group_concat(value, ' ') FROM json_each(payload_json, '$.tags')), '') "
    "|| ' ' || IFNULL((SELECT group_concat(json_extract(value, '$[0]') || ' ' || "
    "json_extract(value, '$[1]'), ' ') FROM json_each(payload_json, '$.key_points')), '')"
)


class PostRows(Rows):
    # Posts: idempotent paper threads -------------------------------------------

    async def reserve_post(
        self, key: str, conversation: ConversationRef, arxiv_id: str, week: str
    ) -> PostRecord:
        """Create the post's row if it is new; return it as stored either way.

        `fresh` tells a reservation made now from one a crashed run left behind: only
        the latter needs a look on the platform for a root that may already exist.
        """
        now = now_iso()
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO posts (key, platform, workspace_id, channel_id, arxiv_id, week, "
            "state, root_id, replies_done, created_at, updated_at) VALUES (?,?,?,?,?,?,?,NULL,0,?,?)",
            (key, *conv_params(conversation), arxiv_id, week, PostState.RESERVED, now, now),
        )
        created = cursor.rowcount == 1
        await self._db.commit()
        record = await self.post(key)
        assert record is not None
        return replace(record, fresh=created)

    async def post(self, key: str) -> PostRecord | None:
        async with self._db.execute(
            "SELECT key, arxiv_id, state, root_id, replies_done FROM posts WHERE key=?", (key,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return PostRecord(row[0], row[1], row[2], row[3], row[4])

    async def mark_root_posted(self, key: str, thread: ThreadRef, arxiv_id: str) -> None:
        """Record the root and the thread -> paper mapping in one transaction."""
        now = now_iso()
        await self._db.execute(
            "UPDATE posts SET state=?, root_id=?, updated_at=? WHERE key=?",
            (PostState.ROOT_POSTED, thread.root_id, now, key),
        )
        await self._save_thread(thread, arxiv_id, now)
        await self._db.commit()

    async def mark_reply_posted(self, key: str, replies_done: int) -> None:
        await self._db.execute(
            "UPDATE posts SET replies_done=?, updated_at=? WHERE key=?",
            (replies_done, now_iso(), key),
        )
        await self._db.commit()

    async def mark_complete(self, key: str) -> None:
        await self._db.execute(
            "UPDATE posts SET state=?, updated_at=? WHERE key=?",
            (PostState.COMPLETE, now_iso(), key),
        )
        await self._db.commit()

    async def posted_paper_ids(self, conversation: ConversationRef) -> set[str]:
        """Papers this channel already received (any week, any state past reservation)."""
        async with self._db.execute(
            "SELECT DISTINCT arxiv_id FROM posts WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND state != ?",
            (*conv_params(conversation), PostState.RESERVED),
        ) as cur:
            rows = await cur.fetchall()
        return {row[0] for row in rows}

    async def posts_in_week(self, conversation: ConversationRef, week: str) -> list[PostRecord]:
        async with self._db.execute(
            "SELECT key, arxiv_id, state, root_id, replies_done FROM posts WHERE platform=? AND "
            "workspace_id=? AND channel_id=? AND week=? ORDER BY created_at",
            (*conv_params(conversation), week),
        ) as cur:
            rows = await cur.fetchall()
        return [PostRecord(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # Threads ------------------------------------------------------------------

    async def _save_thread(self, thread: ThreadRef, arxiv_id: str, now: str) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO threads VALUES (?,?,?,?,?,?)",
            (*conv_params(thread.conversation), thread.root_id, arxiv_id, now),
        )

    async def thread_paper(self, thread: ThreadRef) -> str | None:
        async with self._db.execute(
            "SELECT arxiv_id FROM threads WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND root_id=?",
            (*conv_params(thread.conversation), thread.root_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def channel_thread_for(
        self, conversation: ConversationRef, arxiv_id: str
    ) -> ThreadRef | None:
        async with self._db.execute(
            "SELECT root_id FROM threads WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND arxiv_id=? ORDER BY created_at LIMIT 1",
            (*conv_params(conversation), arxiv_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else ThreadRef(conversation, str(row[0]))

    async def search_archive(
        self, conversation: ConversationRef, words: list[str], limit: int = 10
    ) -> list[ArchiveHit]:
        """Papers posted in this channel whose title, abstract or summary hold every word.

        One channel, never the workspace: a member may not see another channel (a private
        one), and a search reply is often public."""
        sql = (
            "SELECT t.platform, t.workspace_id, t.channel_id, t.root_id, t.arxiv_id, t.created_at, "
            "p.title FROM threads t JOIN papers p ON p.arxiv_id = t.arxiv_id "
            f"LEFT JOIN (SELECT arxiv_id, {_SUMMARY_TEXT} AS words FROM summaries) s "
            "ON s.arxiv_id = t.arxiv_id "
            "WHERE t.platform=? AND t.workspace_id=? AND t.channel_id=?"
        )
        params: list[Any] = list(conv_params(conversation))
        for word in words:
            sql += (
                " AND (p.title LIKE ? ESCAPE '\\' OR p.abstract LIKE ? ESCAPE '\\' OR "
                "IFNULL(s.words, '') LIKE ? ESCAPE '\\' OR t.arxiv_id = ?)"
            )
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [pattern, pattern, pattern, word]
        sql += " GROUP BY t.platform, t.workspace_id, t.channel_id, t.root_id ORDER BY t.created_at DESC LIMIT ?"
        params.append(limit)
        async with self._db.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [
            ArchiveHit(
                arxiv_id=r["arxiv_id"],
                title=r["title"],
                thread=ThreadRef(
                    ConversationRef(Platform(r["platform"]), r["workspace_id"], r["channel_id"]),
                    r["root_id"],
                ),
                posted_at=datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]
