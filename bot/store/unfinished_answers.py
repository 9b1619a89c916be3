"""Answers being written: a row from the first "…" until the answer is stored.

A process killed mid-answer leaves its row, and the half-written message on the
platform; the next start finds both (see `Answers.mark_interrupted`). The rows also
count as questions asked, for the per-member limit (`Store.member_questions_since`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select

from bot.domain import ConversationRef, MessageRef, Platform, ThreadRef, Turn
from bot.store import schema
from bot.store.channels import turn_row
from bot.store.db import Store
from bot.store.rows import conv_params, in_conversation, now
from bot.store.schema import unfinished_answers


@dataclass(frozen=True, slots=True)
class UnfinishedAnswer:
    message: MessageRef
    author_id: str
    question: str
    language: str


class UnfinishedAnswers:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def begin(
        self, message: MessageRef, author_id: str, question: str, language: str
    ) -> None:
        assert message.thread is not None  # an answer is always in a thread
        platform, workspace_id, channel_id = conv_params(message.conversation)
        values = {
            "platform": platform,
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "root_id": message.thread.root_id,
            "message_id": message.message_id,
            "author_id": author_id,
            "question": question,
            "language": language,
            "started_at": now(),
        }
        async with self._store.transaction() as db:
            await db.execute(self._store.upsert(unfinished_answers, values))

    async def finish(
        self, message: MessageRef, *turns: Turn, thread: ThreadRef | None = None
    ) -> None:
        """The answer is done: its row goes and `turns` (the question, the answer) join the
        history of `thread` (the message's own by default) in the same transaction, so a
        crash between the two can neither mark a stored answer as interrupted nor count
        its question twice."""
        history = thread or message.thread
        async with self._store.transaction() as db:
            if turns:
                assert history is not None
                await db.execute(insert(schema.turns), [turn_row(history, t) for t in turns])
            await db.execute(
                delete(unfinished_answers).where(
                    in_conversation(unfinished_answers, message.conversation),
                    unfinished_answers.c.message_id == message.message_id,
                )
            )

    async def all(self, started_before: datetime | None = None) -> list[UnfinishedAnswer]:
        """Every answer being written, oldest first; with `started_before`, only those
        begun earlier (beside live processes, younger ones may still be streaming)."""
        query = select(unfinished_answers).order_by(unfinished_answers.c.started_at)
        if started_before is not None:
            query = query.where(unfinished_answers.c.started_at < started_before)
        async with self._store.reading() as db:
            rows = (await db.execute(query)).all()
        answers = []
        for r in rows:
            conversation = ConversationRef(Platform(r.platform), r.workspace_id, r.channel_id)
            thread = ThreadRef(conversation, r.root_id)
            answers.append(
                UnfinishedAnswer(
                    MessageRef(conversation, r.message_id, thread),
                    r.author_id,
                    r.question,
                    r.language,
                )
            )
        return answers
