"""Answers as they were posted (question, passages, answer, citations), and the members'
thumbs up or down on them: the club's own evaluation set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain import ConversationRef, MessageRef, Platform, ThreadRef
from bot.store.db import Store
from bot.store.rows import conv_params, now_iso


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
        self._db = store.connection

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
        await self._db.execute(
            "INSERT OR REPLACE INTO answer_records VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                *conv_params(message.conversation),
                root,
                message.message_id,
                arxiv_id,
                question,
                answer,
                json.dumps(passages, ensure_ascii=False),
                json.dumps(citations, ensure_ascii=False),
                language,
                now_iso(),
            ),
        )
        await self._db.commit()

    async def find_answer(
        self, platform: Platform, workspace_id: str, place: str, message_id: str
    ) -> AnswerRecord | None:
        """The answer posted as `message_id`, where `place` is its channel (Slack) or its
        thread (a Discord reaction names the thread as its channel)."""
        async with self._db.execute(
            "SELECT * FROM answer_records WHERE platform=? AND workspace_id=? AND message_id=? "
            "AND (channel_id=? OR root_id=?)",
            (str(platform), workspace_id, message_id, place, place),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _record(row)

    async def set_rating(self, record: AnswerRecord, member_id: str, rating: int) -> None:
        await self._db.execute(
            "INSERT INTO answer_feedback VALUES (?,?,?,?,?,?,?) ON CONFLICT(platform, "
            "workspace_id, channel_id, message_id, member_id) DO UPDATE SET "
            "rating=excluded.rating, created_at=excluded.created_at",
            (
                *conv_params(record.message.conversation),
                record.message.message_id,
                member_id,
                rating,
                now_iso(),
            ),
        )
        await self._db.commit()

    async def remove_rating(self, record: AnswerRecord, member_id: str, rating: int) -> None:
        """Only the rating this reaction gave: a member who changed thumbs keeps the new one."""
        await self._db.execute(
            "DELETE FROM answer_feedback WHERE platform=? AND workspace_id=? AND channel_id=? "
            "AND message_id=? AND member_id=? AND rating=?",
            (
                *conv_params(record.message.conversation),
                record.message.message_id,
                member_id,
                rating,
            ),
        )
        await self._db.commit()

    async def rating(self, record: AnswerRecord, member_id: str) -> int | None:
        async with self._db.execute(
            "SELECT rating FROM answer_feedback WHERE platform=? AND workspace_id=? AND "
            "channel_id=? AND message_id=? AND member_id=?",
            (*conv_params(record.message.conversation), record.message.message_id, member_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else int(row[0])

    async def rated_answers(self, conversation: ConversationRef | None = None) -> list[RatedAnswer]:
        """Every answer with at least one rating (in `conversation` when given), oldest first."""
        sql = (
            "SELECT r.*, SUM(f.rating > 0) AS ups, SUM(f.rating < 0) AS downs "
            "FROM answer_records r JOIN answer_feedback f ON f.platform=r.platform AND "
            "f.workspace_id=r.workspace_id AND f.channel_id=r.channel_id AND "
            "f.message_id=r.message_id"
        )
        params: tuple[str, ...] = ()
        if conversation is not None:
            sql += " WHERE r.platform=? AND r.workspace_id=? AND r.channel_id=?"
            params = conv_params(conversation)
        sql += (
            " GROUP BY r.platform, r.workspace_id, r.channel_id, r.message_id "
            "ORDER BY r.created_at, r.message_id"
        )
        async with self._db.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [RatedAnswer(_record(r), int(r["ups"]), int(r["downs"])) for r in rows]


def _record(row: Any) -> AnswerRecord:
    conversation = ConversationRef(
        Platform(row["platform"]), row["workspace_id"], row["channel_id"]
    )
    message = MessageRef(conversation, row["message_id"], ThreadRef(conversation, row["root_id"]))
    return AnswerRecord(
        message=message,
        arxiv_id=row["arxiv_id"],
        question=row["question"],
        answer=row["answer"],
        passages=tuple(json.loads(row["passages_json"])),
        citations=tuple(json.loads(row["citations_json"])),
        language=row["language"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )
