"""The SQLite store (aiosqlite, WAL): papers, summaries, posts, threads, turns, channels, usage.

Everything a club owns is keyed by (platform, workspace_id, channel_id), so one workspace's
queries never see another's rows.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain import (
    ArchiveHit,
    ChannelSettings,
    ConversationRef,
    Paper,
    Platform,
    QAPair,
    Summary,
    SummaryEngine,
    ThreadRef,
    Turn,
)
from bot.errors import StoreUnavailable
from bot.store import writer_lock
from bot.store.faults import PERMISSIONS, StoreConnection, damaged, shown_path, translate
from bot.store.migrations import MIGRATIONS


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
# the JSON around them (a search for "key_points" or "engine" must not match every paper).
_SUMMARY_TEXT = (
    "IFNULL(json_extract(payload_json, '$.tldr'), '') || ' ' || "
    "IFNULL(json_extract(payload_json, '$.title_translated'), '') || ' ' || "
    "IFNULL((SELECT group_concat(value, ' ') FROM json_each(payload_json, '$.tags')), '') "
    "|| ' ' || IFNULL((SELECT group_concat(json_extract(value, '$[0]') || ' ' || "
    "json_extract(value, '$[1]'), ' ') FROM json_each(payload_json, '$.key_points')), '')"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _conv_params(conversation: ConversationRef) -> tuple[str, str, str]:
    return (str(conversation.platform), conversation.workspace_id, conversation.channel_id)


class Store:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @property
    def connection(self) -> aiosqlite.Connection:
        """For the feature tables kept in their own modules (bot/store/club_tables.py ...)."""
        return self._db

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path | str, *, read_only: bool = False) -> AsyncIterator[Store]:
        """The store at `path`, migrated to this code's schema, for as long as the block runs.

        Refused with one StoreUnavailable (naming the file and what to do) when the file is
        damaged, was written by a newer paperclub (checked before anything is written, so
        such a file is left exactly as it was), cannot be written, or is open for writing
        in another paperclub process (see bot/store/writer_lock.py). Later storage faults
        (a full disk ...) raise the same error from the statement that met them.

        `read_only=True` takes no writer lock, so it works beside a running `paperclub run`
        (`schedule list`, `usage`, `export`); it needs a database already at this schema.
        """
        if str(path) == ":memory:":
            async with cls._connect(":memory:", ":memory:", read_only=False) as store:
                yield store
            return
        path = Path(path)
        shown = shown_path(path)
        if read_only:
            if not path.is_file():
                raise StoreUnavailable(
                    shown,
                    "does not exist",
                    "check PAPERCLUB_DB_PATH, or run a paperclub command that writes "
                    "(such as `paperclub run`) to create it",
                    "missing",
                )
            async with cls._connect(path.absolute().as_uri() + "?mode=ro", shown, True) as store:
                yield store
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise (translate(error, shown) or error) from error
        if path.exists() and not os.access(path, os.W_OK):  # SQLite would open it read-only
            raise StoreUnavailable(shown, "is read-only for this user", PERMISSIONS, "permissions")
        key = writer_lock.acquire(path)
        try:
            async with cls._connect(str(path), shown, read_only=False) as store:
                yield store
        finally:
            writer_lock.release(key)

    @classmethod
    @asynccontextmanager
    async def _connect(cls, target: str, shown: str, read_only: bool) -> AsyncIterator[Store]:
        # StoreConnection turns SQLite's faults into StoreUnavailable, here and later.
        async with aiosqlite.connect(
            target, timeout=30, factory=StoreConnection, uri=read_only
        ) as db:
            db.row_factory = aiosqlite.Row
            store = cls(db)
            # Reads only, before any PRAGMA or migration that writes: a file this code
            # must not use is left byte for byte as it was.
            version = await store.schema_version()
            if version > len(MIGRATIONS):
                raise StoreUnavailable(
                    shown,
                    f"was written by a newer paperclub (schema {version}; this version knows "
                    f"up to {len(MIGRATIONS)}) and was left unchanged",
                    "upgrade paperclub (pip install -U paperclub) to use it",
                    "newer",
                )
            problems = await db.execute_fetchall("PRAGMA quick_check")
            verdict = "; ".join(str(row[0]) for row in problems)
            if verdict != "ok":
                raise damaged(shown, verdict[:200])
            await db.execute("PRAGMA busy_timeout=10000")
            if read_only:
                if version < len(MIGRATIONS):
                    raise StoreUnavailable(
                        shown,
                        f"has an older schema ({version}; this version needs "
                        f"{len(MIGRATIONS)}) and was opened read-only",
                        "run a paperclub command that writes (such as `paperclub run`) once "
                        "to upgrade it",
                        "older",
                    )
                await db.execute("PRAGMA query_only=ON")
            else:
                await db.execute("PRAGMA journal_mode=WAL")
                await db.execute("PRAGMA synchronous=NORMAL")
                await db.execute("PRAGMA foreign_keys=ON")
                await store._migrate()
            yield store

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        applied = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[applied:], start=applied + 1):
            await self._db.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def integrity_check(self) -> str:
        async with self._db.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else "no answer"

    # Papers -----------------------------------------------------------------

    async def save_paper(self, paper: Paper) -> None:
        await self._db.execute(
            "INSERT INTO papers VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(arxiv_id) DO UPDATE SET "
            "version=excluded.version, title=excluded.title, authors_json=excluded.authors_json, "
            "abstract=excluded.abstract, published=excluded.published, updated=excluded.updated, "
            "primary_category=excluded.primary_category, categories_json=excluded.categories_json, "
            "fetched_at=excluded.fetched_at",
            (
                paper.arxiv_id,
                paper.version,
                paper.title,
                json.dumps(list(paper.authors)),
                paper.abstract,
                paper.published.isoformat(),
                paper.updated.isoformat(),
                paper.primary_category,
                json.dumps(list(paper.categories)),
                now_iso(),
            ),
        )
        await self._db.commit()

    async def paper(self, arxiv_id: str) -> Paper | None:
        async with self._db.execute("SELECT * FROM papers WHERE arxiv_id=?", (arxiv_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return Paper(
            arxiv_id=row["arxiv_id"],
            version=row["version"],
            title=row["title"],
            authors=tuple(json.loads(row["authors_json"])),
            abstract=row["abstract"],
            published=datetime.fromisoformat(row["published"]),
            updated=datetime.fromisoformat(row["updated"]),
            primary_category=row["primary_category"],
            categories=tuple(json.loads(row["categories_json"])),
        )

    # Summaries (cached per paper and language, shared by every channel) --------

    async def save_summary(self, summary: Summary) -> None:
        payload = {
            "tldr": summary.tldr,
            "key_points": [[p.question, p.answer] for p in summary.key_points],
            "tags": list(summary.tags),
            "engine": str(summary.engine),
            "model": summary.model,
            "basis": summary.basis,
            "title_translated": summary.title_translated,
            "notes": list(summary.notes),
        }
        await self._db.execute(
            "INSERT OR REPLACE INTO summaries VALUES (?,?,?,?)",
            (
                summary.arxiv_id,
                summary.language,
                json.dumps(payload, ensure_ascii=False),
                now_iso(),
            ),
        )
        await self._db.commit()

    async def summary(self, arxiv_id: str, language: str) -> Summary | None:
        async with self._db.execute(
            "SELECT payload_json FROM summaries WHERE arxiv_id=? AND language=?",
            (arxiv_id, language),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return Summary(
            arxiv_id=arxiv_id,
            language=language,
            tldr=data["tldr"],
            key_points=tuple(QAPair(q, a) for q, a in data["key_points"]),
            tags=tuple(data["tags"]),
            engine=SummaryEngine(data["engine"]),
            model=data["model"],
            basis=data["basis"],
            title_translated=data.get("title_translated", ""),
            notes=tuple(data.get("notes", ())),
        )

    # Full texts (the reading module serialises them) ---------------------------

    async def save_text(self, key: str, source: str, payload: dict[str, Any]) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO paper_texts VALUES (?,?,?,?)",
            (key, source, json.dumps(payload, ensure_ascii=False), now_iso()),
        )
        await self._db.commit()

    async def text(self, key: str) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT payload_json FROM paper_texts WHERE key=?", (key,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else dict(json.loads(row[0]))

    async def save_vectors(self, key: str, model: str, vectors: list[list[float]]) -> None:
        """Chunk embeddings as packed float32 (a long paper's are about 0.7 MB)."""
        dims = len(vectors[0]) if vectors else 0
        data = array("f", [x for vector in vectors for x in vector]).tobytes()
        await self._db.execute(
            "INSERT OR REPLACE INTO paper_vectors VALUES (?,?,?,?,?)",
            (key, model, dims, data, now_iso()),
        )
        await self._db.commit()

    async def vectors(self, key: str, model: str) -> list[list[float]] | None:
        async with self._db.execute(
            "SELECT dims, data FROM paper_vectors WHERE key=? AND model=?", (key, model)
        ) as cur:
            row = await cur.fetchone()
        if row is None or not row[0]:
            return None
        flat = array("f")
        flat.frombytes(row[1])
        dims = int(row[0])
        return [flat[i : i + dims].tolist() for i in range(0, len(flat), dims)]

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
            (key, *_conv_params(conversation), arxiv_id, week, PostState.RESERVED, now, now),
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
            (*_conv_params(conversation), PostState.RESERVED),
        ) as cur:
            rows = await cur.fetchall()
        return {row[0] for row in rows}

    async def posts_in_week(self, conversation: ConversationRef, week: str) -> list[PostRecord]:
        async with self._db.execute(
            "SELECT key, arxiv_id, state, root_id, replies_done FROM posts WHERE platform=? AND "
            "workspace_id=? AND channel_id=? AND week=? ORDER BY created_at",
            (*_conv_params(conversation), week),
        ) as cur:
            rows = await cur.fetchall()
        return [PostRecord(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # Threads ------------------------------------------------------------------

    async def _save_thread(self, thread: ThreadRef, arxiv_id: str, now: str) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO threads VALUES (?,?,?,?,?,?)",
            (*_conv_params(thread.conversation), thread.root_id, arxiv_id, now),
        )

    async def thread_paper(self, thread: ThreadRef) -> str | None:
        async with self._db.execute(
            "SELECT arxiv_id FROM threads WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND root_id=?",
            (*_conv_params(thread.conversation), thread.root_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def channel_thread_for(
        self, conversation: ConversationRef, arxiv_id: str
    ) -> ThreadRef | None:
        async with self._db.execute(
            "SELECT root_id FROM threads WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND arxiv_id=? ORDER BY created_at LIMIT 1",
            (*_conv_params(conversation), arxiv_id),
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
        params: list[Any] = list(_conv_params(conversation))
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

    # Conversation turns -------------------------------------------------------

    async def add_turn(self, thread: ThreadRef, turn: Turn) -> None:
        await self._db.execute(
            "INSERT INTO turns (platform, workspace_id, channel_id, root_id, role, author_id, text, "
            "created_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                *_conv_params(thread.conversation),
                thread.root_id,
                turn.role,
                turn.author_id,
                turn.text,
                now_iso(),
            ),
        )
        await self._db.commit()

    async def turns(self, thread: ThreadRef, limit: int = 12) -> list[Turn]:
        async with self._db.execute(
            "SELECT role, author_id, text FROM turns WHERE platform=? AND workspace_id=? AND "
            "channel_id=? AND root_id=? ORDER BY id DESC LIMIT ?",
            (*_conv_params(thread.conversation), thread.root_id, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [Turn(r[0], r[1], r[2]) for r in reversed(list(rows))]

    # Channel settings ---------------------------------------------------------

    async def channel(self, conversation: ConversationRef) -> ChannelSettings | None:
        async with self._db.execute(
            "SELECT * FROM channels WHERE platform=? AND workspace_id=? AND channel_id=?",
            _conv_params(conversation),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _channel_from_row(row)

    async def save_channel(self, settings: ChannelSettings) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO channels (platform, workspace_id, channel_id, language, "
            "subscribed, weekday, time, timezone, digest_size, topics_json, meeting_weekday, "
            "meeting_time, auto_pick_hours) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                *_conv_params(settings.conversation),
                settings.language,
                int(settings.subscribed),
                settings.weekday,
                settings.time,
                settings.timezone,
                settings.digest_size,
                json.dumps(list(settings.topics), ensure_ascii=False),
                settings.meeting_weekday,
                settings.meeting_time,
                settings.auto_pick_hours,
            ),
        )
        await self._db.commit()

    async def subscribed_channels(self) -> list[ChannelSettings]:
        async with self._db.execute("SELECT * FROM channels WHERE subscribed=1") as cur:
            rows = await cur.fetchall()
        return [_channel_from_row(r) for r in rows]

    async def auto_pick_channels(self) -> list[ChannelSettings]:
        """Channels with a weekly meeting and an automatic pick before it."""
        async with self._db.execute(
            "SELECT * FROM channels WHERE auto_pick_hours > 0 AND meeting_weekday IS NOT NULL "
            "AND meeting_time IS NOT NULL"
        ) as cur:
            rows = await cur.fetchall()
        return [_channel_from_row(r) for r in rows]

    # Usage ledger ---------------------------------------------------------------

    async def record_usage(
        self,
        conversation: ConversationRef | None,
        purpose: str,
        model: str,
        tokens_in: int,
        tokens_out: int,
    ) -> None:
        platform, workspace, channel = _conv_params(conversation) if conversation else ("", "", "")
        await self._db.execute(
            "INSERT INTO usage (at, platform, workspace_id, channel_id, purpose, model, tokens_in, "
            "tokens_out) VALUES (?,?,?,?,?,?,?,?)",
            (now_iso(), platform, workspace, channel, purpose, model, tokens_in, tokens_out),
        )
        await self._db.commit()

    async def workspace_tokens_since(
        self, platform: str, workspace_id: str, since: datetime
    ) -> int:
        async with self._db.execute(
            "SELECT IFNULL(SUM(tokens_in + tokens_out), 0) FROM usage WHERE platform=? AND "
            "workspace_id=? AND at >= ?",
            (platform, workspace_id, since.isoformat()),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def usage_by_week(self) -> list[tuple[str, str, str, int, int, int]]:
        """(ISO week, workspace, purpose, calls, tokens in, tokens out), newest week first."""
        async with self._db.execute(
            "SELECT strftime('%Y-W%W', at) AS week, platform || ':' || workspace_id, purpose, COUNT(*), "
            "SUM(tokens_in), SUM(tokens_out) FROM usage GROUP BY week, platform, workspace_id, purpose "
            "ORDER BY week DESC, platform, workspace_id, purpose"
        ) as cur:
            rows = await cur.fetchall()
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


def _channel_from_row(row: aiosqlite.Row) -> ChannelSettings:
    return ChannelSettings(
        conversation=ConversationRef(
            Platform(row["platform"]), row["workspace_id"], row["channel_id"]
        ),
        language=row["language"],
        subscribed=bool(row["subscribed"]),
        weekday=row["weekday"],
        time=row["time"],
        timezone=row["timezone"],
        digest_size=row["digest_size"],
        topics=tuple(json.loads(row["topics_json"])),
        meeting_weekday=row["meeting_weekday"],
        meeting_time=row["meeting_time"],
        auto_pick_hours=row["auto_pick_hours"],
    )
