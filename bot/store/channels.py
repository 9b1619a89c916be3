"""Conversation turns, channel settings and schedules, and the usage ledger."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.domain import (
    ChannelSettings,
    ConversationRef,
    Platform,
    ThreadRef,
    Turn,
)
from bot.store.rows import Rows, conv_params, now_iso


class ChannelRows(Rows):
    # Conversation turns -------------------------------------------------------

    async def add_turn(self, thread: ThreadRef, turn: Turn) -> None:
        await self._db.execute(
            "INSERT INTO turns (platform, workspace_id, channel_id, root_id, role, author_id, text, "
            "created_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                *conv_params(thread.conversation),
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
            (*conv_params(thread.conversation), thread.root_id, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [Turn(r[0], r[1], r[2]) for r in reversed(list(rows))]

    # Channel settings ---------------------------------------------------------

    async def channel(self, conversation: ConversationRef) -> ChannelSettings | None:
        async with self._db.execute(
            "SELECT * FROM channels WHERE platform=? AND workspace_id=? AND channel_id=?",
            conv_params(conversation),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _channel_from_row(row)

    async def save_channel(self, settings: ChannelSettings) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO channels (platform, workspace_id, channel_id, language, "
            "subscribed, weekday, time, timezone, digest_size, topics_json, meeting_weekday, "
            "meeting_time, auto_pick_hours, muted_topics_json, topic_weights_json, categories_json, "
            "sources_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                *conv_params(settings.conversation),
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
                json.dumps(list(settings.muted_topics), ensure_ascii=False),
                json.dumps([list(pair) for pair in settings.topic_weights], ensure_ascii=False),
                json.dumps(list(settings.categories)),
                json.dumps(list(settings.sources)),
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
        platform, workspace, channel = conv_params(conversation) if conversation else ("", "", "")
        await self._db.execute(
            "INSERT INTO usage (at, platform, workspace_id, channel_id, purpose, model, tokens_in, "
            "tokens_out) VALUES (?,?,?,?,?,?,?,?)",
            (now_iso(), platform, workspace, channel, purpose, model, tokens_in, tokens_out),
        )
        await self._db.commit()

    async def workspace_tokens_since(
        self, platform: str, workspace_id: str, since: datetime
    ) -> int:
        async with self._reader.execute(
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
        muted_topics=tuple(json.loads(row["muted_topics_json"])),
        topic_weights=tuple(
            (str(topic), float(weight)) for topic, weight in json.loads(row["topic_weights_json"])
        ),
        categories=tuple(json.loads(row["categories_json"])),
        sources=tuple(json.loads(row["sources_json"])),
    )
