"""Answers as they were posted (question, passages, answer, citations), and the members'
thumbs up or down on them: the club's own evaluation set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, delete, func, or_, select

from bot.domain import ConversationRef, MessageRef, Platform, ThreadRef
from bot.store.db import Store
from bot.store.rows import conv_params, in_conversation, now
from bot.store.schema import answer_feedback, answer_records


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    message: MessageRef
    arxiv_id: str
    question: str
    answer: str
    passages: tuple[dict[str, Any], ...]  # text, section, page, score: as the answerer got them
    citations: tuple[dict[str, Any], ...]
    language: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RatedAnswer:
    record: AnswerRecord
    ups: int
    downs: int


class FeedbackTables:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def save_answer(
        self,
        message: MessageRef,
        arxiv_id: str,
        question: str,
        answer: str,
        passages: list[dict[str, Any]],
        citations: list[dict[str, Any]],
        language: str,
    ) -> None:
        root = message.thread.root_id if message.thread is not None else message.message_id
        platform, workspace_id, channel_id = conv_params(message.conversation)
        values = {
            "platform": platform,
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "root_id": root,
            "message_id": message.message_id,
            "arxiv_id": arxiv_id,
            "question": question,
            "answer": answer,
            "passages_json": json.dumps(passages, ensure_ascii=False),
            "citations_json": json.dumps(citations, ensure_ascii=False),
            "language": language,
            "created_at": now(),
        }
        async with self._store.transaction() as db:
            await db.execute(self._store.upsert(answer_records, values))

    async def find_answer(
        self, platform: Platform, workspace_id: str, place: str, message_id: str
    ) -> AnswerRecord | None:
        """The answer posted as `message_id`, where `place` is its channel (Slack) or its
        thread (a Discord reaction names the thread as its channel)."""
        r = answer_records
        async with self._store.reading() as db:
            row = (
                await db.execute(
                    select(r).where(
                        r.c.platform == str(platform),
                        r.c.workspace_id == workspace_id,
                        r.c.message_id == message_id,
                        or_(r.c.channel_id == place, r.c.root_id == place),
                    )
                )
            ).first()
        return None if row is None else _record(row)

    async def set_rating(self, record: AnswerRecord, member_id: str, rating: int) -> None:
        platform, workspace_id, channel_id = conv_params(record.message.conversation)
        values = {
            "platform": platform,
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "message_id": record.message.message_id,
            "member_id": member_id,
            "rating": rating,
            "created_at": now(),
        }
        async with self._store.transaction() as db:
            await db.execute(self._store.upsert(answer_feedback, values))

    async def remove_rating(self, record: AnswerRecord, member_id: str, rating: int) -> None:
        """Only the rating this reaction gave: a member who changed thumbs keeps the new one."""
        f = answer_feedback
        async with self._store.transaction() as db:
            await db.execute(
                delete(f).where(
                    in_conversation(f, record.message.conversation),
                    f.c.message_id == record.message.message_id,
                    f.c.member_id == member_id,
                    f.c.rating == rating,
                )
            )

    async def rating(self, record: AnswerRecord, member_id: str) -> int | None:
        f = answer_feedback
        async with self._store.reading() as db:
            value = (
                await db.execute(
                    select(f.c.rating).where(
                        in_conversation(f, record.message.conversation),
                        f.c.message_id == record.message.message_id,
                        f.c.member_id == member_id,
                    )
                )
            ).scalar()
        return None if value is None else int(value)

    async def rated_answers(self, conversation: ConversationRef | None = None) -> list[RatedAnswer]:
        """Every answer with at least one rating (in `conversation` when given), oldest first."""
        r, f = answer_records, answer_feedback
        ups = func.sum(case((f.c.rating > 0, 1), else_=0)).label("ups")
        downs = func.sum(case((f.c.rating < 0, 1), else_=0)).label("downs")
        query = select(r, ups, downs).join(
            f,
            and_(
                f.c.platform == r.c.platform,
                f.c.workspace_id == r.c.workspace_id,
                f.c.channel_id == r.c.channel_id,
                f.c.message_id == r.c.message_id,
            ),
        )
        if conversation is not None:
            query = query.where(in_conversation(r, conversation))
        # Grouped by the primary key, so every column of the answer may be selected.
        query = query.group_by(r.c.platform, r.c.workspace_id, r.c.channel_id, r.c.message_id)
        query = query.order_by(r.c.created_at, r.c.message_id)
        async with self._store.reading() as db:
            rows = (await db.execute(query)).all()
        return [RatedAnswer(_record(row), int(row.ups), int(row.downs)) for row in rows]


def _record(row: Row[Any]) -> AnswerRecord:
    conversation = ConversationRef(Platform(row.platform), row.workspace_id, row.channel_id)
    message = MessageRef(conversation, row.message_id, ThreadRef(conversation, row.root_id))
    return AnswerRecord(
        message=message,
        arxiv_id=row.arxiv_id,
        question=row.question,
        answer=row.answer,
        passages=tuple(json.loads(row.passages_json)),
        citations=tuple(json.loads(row.citations_json)),
        language=row.language,
        created_at=row.created_at,
    )
