"""Answers being written: a row from the first "…" until the answer is stored.

A process killed mid-answer leaves its row, and the half-written message on the
platform; the next start finds both (see `Answers.mark_interrupted`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain import ConversationRef, MessageRef, Platform, ThreadRef
from bot.store.db import Store


@dataclass(frozen=True, slots=True)
class UnfinishedAnswer:
    message: MessageRef
    author_id: str
    question: str
    language: str


class UnfinishedAnswers:
    def __init__(self, store: Store) -> None:
        self._db = store.connection

    async def begin(
        self, message: MessageRef, author_id: str, question: str, language: str
    ) -> None:
        assert message.thread is not None  # an answer is always in a thread
        c = message.conversation
        await self._db.execute(
            "INSERT OR REPLACE INTO unfinished_answers VALUES (?,?,?,?,?,?,?,?,?)",
            (
                str(c.platform),
                c.workspace_id,
                c.channel_id,
                message.thread.root_id,
                message.message_id,
                author_id,
                question,
                language,
                datetime.now(UTC).isoformat(),
            ),
        )
        await self._db.commit()

    async def finish(self, message: MessageRef) -> None:
        c = message.conversation
        await self._db.execute(
            "DELETE FROM unfinished_answers WHERE platform=? AND workspace_id=? AND "
            "channel_id=? AND message_id=?",
            (str(c.platform), c.workspace_id, c.channel_id, message.message_id),
        )
        await self._db.commit()

    async def all(self) -> list[UnfinishedAnswer]:
        async with self._db.execute(
            "SELECT * FROM unfinished_answers ORDER BY started_at"
        ) as cursor:
            rows = await cursor.fetchall()
        answers = []
        for r in rows:
            conversation = ConversationRef(
                Platform(r["platform"]), r["workspace_id"], r["channel_id"]
            )
            thread = ThreadRef(conversation, r["root_id"])
            answers.append(
                UnfinishedAnswer(
                    MessageRef(conversation, r["message_id"], thread),
                    r["author_id"],
                    r["question"],
                    r["language"],
                )
            )
        return answers
