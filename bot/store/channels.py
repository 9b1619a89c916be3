"""Conversation turns (and the questions they count), channel settings and schedules,
and the usage ledger."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, union_all

from bot.domain import (
    ChannelSettings,
    ConversationRef,
    Platform,
    ThreadRef,
    Turn,
)
from bot.store import schema
from bot.store.rows import Rows, conv_params, in_conversation, now
from bot.store.schema import week_label


class ChannelRows(Rows):
    # Conversation turns -------------------------------------------------------

    async def add_turn(self, thread: ThreadRef, turn: Turn) -> None:
        async with self.transaction() as db:
            await db.execute(insert(schema.turns).values(turn_row(thread, turn)))

    async def turns(self, thread: ThreadRef, limit: int = 12) -> list[Turn]:
        table = schema.turns
        async with self.reading() as db:
            rows = (
                await db.execute(
                    select(table.c.role, table.c.author_id, table.c.text)
                    .where(
                        in_conversation(table, thread.conversation),
                        table.c.root_id == thread.root_id,
                    )
                    .order_by(table.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [Turn(r.role, r.author_id, r.text) for r in reversed(rows)]

    async def member_questions_since(
        self, platform: str, workspace_id: str, member_id: str, since: datetime
    ) -> list[datetime]:
        """When a member asked in this workspace since `since`, oldest first: the questions
        answered (their turns) and those being answered now (unfinished answers), so every
        process counts the same questions. A hot read (see `reading_beside_writes`)."""
        turns, unfinished = schema.turns, schema.unfinished_answers
        asked = union_all(
            select(turns.c.created_at.label("at")).where(
                turns.c.platform == platform,
                turns.c.workspace_id == workspace_id,
                turns.c.author_id == member_id,
                turns.c.role == "user",
                turns.c.created_at >= since,
            ),
            select(unfinished.c.started_at.label("at")).where(
                unfinished.c.platform == platform,
                unfinished.c.workspace_id == workspace_id,
                unfinished.c.author_id == member_id,
                unfinished.c.started_at >= since,
            ),
        ).subquery()
        async with self.reading_beside_writes() as db:
            moments = (await db.execute(select(asked.c.at).order_by(asked.c.at))).scalars()
            return list(moments)

    # Channel settings ---------------------------------------------------------

    async def channel(self, conversation: ConversationRef) -> ChannelSettings | None:
        table = schema.channels
        async with self.reading() as db:
            row = (
                await db.execute(select(table).where(in_conversation(table, conversation)))
            ).first()
        return None if row is None else _channel_from_row(row)

    async def save_channel(self, settings: ChannelSettings) -> None:
        platform, workspace_id, channel_id = conv_params(settings.conversation)
        values = {
            "platform": platform,
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "language": settings.language,
            "subscribed": int(settings.subscribed),
            "weekday": settings.weekday,
            "time": settings.time,
            "timezone": settings.timezone,
            "digest_size": settings.digest_size,
            "topics_json": json.dumps(list(settings.topics), ensure_ascii=False),
            "meeting_weekday": settings.meeting_weekday,
            "meeting_time": settings.meeting_time,
            "auto_pick_hours": settings.auto_pick_hours,
            "muted_topics_json": json.dumps(list(settings.muted_topics), ensure_ascii=False),
            "topic_weights_json": json.dumps(
                [list(pair) for pair in settings.topic_weights], ensure_ascii=False
            ),
            "categories_json": json.dumps(list(settings.categories)),
            "sources_json": json.dumps(list(settings.sources)),
        }
        async with self.transaction() as db:
            await db.execute(self.upsert(schema.channels, values))

    async def subscribed_channels(self) -> list[ChannelSettings]:
        table = schema.channels
        async with self.reading() as db:
            rows = await db.execute(select(table).where(table.c.subscribed == 1))
            return [_channel_from_row(r) for r in rows]

    async def auto_pick_channels(self) -> list[ChannelSettings]:
        """Channels with a weekly meeting and an automatic pick before it."""
        table = schema.channels
        async with self.reading() as db:
            rows = await db.execute(
                select(table).where(
                    table.c.auto_pick_hours > 0,
                    table.c.meeting_weekday.is_not(None),
                    table.c.meeting_time.is_not(None),
                )
            )
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
        async with self.transaction() as db:
            await db.execute(
                insert(schema.usage).values(
                    at=now(),
                    platform=platform,
                    workspace_id=workspace,
                    channel_id=channel,
                    purpose=purpose,
                    model=model,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                )
            )

    async def workspace_tokens_since(
        self, platform: str, workspace_id: str, since: datetime
    ) -> int:
        table = schema.usage
        async with self.reading_beside_writes() as db:
            used = (
                await db.execute(
                    select(
                        func.coalesce(func.sum(table.c.tokens_in + table.c.tokens_out), 0)
                    ).where(
                        table.c.platform == platform,
                        table.c.workspace_id == workspace_id,
                        table.c.at >= since,
                    )
                )
            ).scalar()
        return int(used or 0)

    async def usage_by_week(self) -> list[tuple[str, str, str, int, int, int]]:
        """(ISO week, workspace, purpose, calls, tokens in, tokens out), newest week first."""
        table = schema.usage
        week = week_label(table.c.at)
        query = (
            select(
                week,
                table.c.platform + ":" + table.c.workspace_id,
                table.c.purpose,
                func.count(),
                func.sum(table.c.tokens_in),
                func.sum(table.c.tokens_out),
            )
            .group_by(week, table.c.platform, table.c.workspace_id, table.c.purpose)
            .order_by(week.desc(), table.c.platform, table.c.workspace_id, table.c.purpose)
        )
        async with self.reading() as db:
            rows = (await db.execute(query)).all()
        return [(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5])) for r in rows]


def turn_row(thread: ThreadRef, turn: Turn) -> dict[str, Any]:
    """The `turns` row of `turn` in `thread`, stored now."""
    platform, workspace_id, channel_id = conv_params(thread.conversation)
    return {
        "platform": platform,
        "workspace_id": workspace_id,
        "channel_id": channel_id,
        "root_id": thread.root_id,
        "role": turn.role,
        "author_id": turn.author_id,
        "text": turn.text,
        "created_at": now(),
    }


def _channel_from_row(row: Row[Any]) -> ChannelSettings:
    return ChannelSettings(
        conversation=ConversationRef(Platform(row.platform), row.workspace_id, row.channel_id),
        language=row.language,
        subscribed=bool(row.subscribed),
        weekday=row.weekday,
        time=row.time,
        timezone=row.timezone,
        digest_size=row.digest_size,
        topics=tuple(json.loads(row.topics_json)),
        meeting_weekday=row.meeting_weekday,
        meeting_time=row.meeting_time,
        auto_pick_hours=row.auto_pick_hours,
        muted_topics=tuple(json.loads(row.muted_topics_json)),
        topic_weights=tuple(
            (str(topic), float(weight)) for topic, weight in json.loads(row.topic_weights_json)
        ),
        categories=tuple(json.loads(row.categories_json)),
        sources=tuple(json.loads(row.sources_json)),
    )
