"""Members' 👍/👎 on the bot's answers, kept with the question, the passages the answer
was given and the answer itself, and exported as the club's own evaluation set.

Every answer posted in a thread is recorded (`record`, the answerer's hook); a rating
counts only on such a message. One rating per member and answer: the other thumb
replaces it, and removing a reaction removes the rating it gave. `export` writes the
QASPER-style JSON lines `bench/qa_eval.py` reads (one line per paper: its full text as
`input`, the rated questions as `instructions`, and as `outputs` a liked answer's first
quote, "" for a disliked one), so a club can replay its own questions after an upgrade.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from bot.domain import Author, ConversationRef, MessageRef, Platform
from bot.publishing import Outbound
from bot.reading.model import paper_text_from_json
from bot.render import citation_data
from bot.store import Store
from bot.store.feedback import AnswerRecord, FeedbackTables, RatedAnswer
from bot.usecases.answers import Evidence

FORMAT = "paperclub-feedback/1"
OfferRatings = Callable[[MessageRef], Awaitable[None]]
"""A platform's way to put 👍 and 👎 under an answer, ready to click."""


class Rating(IntEnum):
    UP = 1
    DOWN = -1


@dataclass(frozen=True, slots=True)
class RatedMessage:
    """The message a reaction is on: its channel (Slack), or its thread (Discord names a
    thread as a reaction's channel), and its id."""

    platform: Platform
    workspace_id: str
    place: str
    message_id: str


class Feedback:
    def __init__(self, store: Store, tables: FeedbackTables, outbound: Outbound) -> None:
        self._store = store
        self._tables = tables
        self._outbound = outbound
        self._offers: dict[str, OfferRatings] = {}

    def offer_with(self, platform: Platform, offer: OfferRatings) -> None:
        """Each answer recorded on `platform` gets the two thumbs through `offer`."""
        self._offers[str(platform)] = offer

    async def record(
        self, message: MessageRef, arxiv_id: str, question: str, evidence: Evidence, language: str
    ) -> None:
        """Keep an answer as it was posted, so a rating on it can be replayed later."""
        passages = [
            {
                "text": s.passage.text,
                "section": s.passage.section,
                "page": s.passage.page,
                "score": round(s.score, 4),
            }
            for s in evidence.passages
        ]
        await self._tables.save_answer(
            message,
            arxiv_id,
            question,
            self._outbound.text(evidence.answer.text),
            passages,
            [citation_data(c) for c in evidence.answer.citations],
            language,
        )
        offer = self._offers.get(str(message.conversation.platform))
        if offer is not None:
            await offer(message)

    async def rate(self, target: RatedMessage, member: Author, rating: Rating) -> bool:
        """Store `member`'s rating of the answer; False when `target` is no answer of ours."""
        record = await self._answer(target)
        if record is None or member.is_bot:
            return record is not None
        await self._tables.set_rating(record, member.user_id, int(rating))
        return True

    async def unrate(self, target: RatedMessage, member: Author, rating: Rating) -> bool:
        """A removed reaction takes back the rating it gave (not the other thumb's)."""
        record = await self._answer(target)
        if record is None:
            return False
        await self._tables.remove_rating(record, member.user_id, int(rating))
        return True

    async def rating_of(self, target: RatedMessage, member: Author) -> Rating | None:
        record = await self._answer(target)
        if record is None:
            return None
        value = await self._tables.rating(record, member.user_id)
        return None if value is None else Rating(value)

    async def rated(self, conversation: ConversationRef | None = None) -> list[RatedAnswer]:
        return await self._tables.rated_answers(conversation)

    async def export(self, conversation: ConversationRef | None = None) -> list[dict[str, Any]]:
        """One QASPER-style record per paper with rated answers (in `conversation`, or
        every channel), papers in the order their first rated answer was given."""
        by_paper: dict[str, list[RatedAnswer]] = {}
        for rated in await self._tables.rated_answers(conversation):
            by_paper.setdefault(rated.record.arxiv_id, []).append(rated)
        return [await self._paper_record(arxiv_id, rated) for arxiv_id, rated in by_paper.items()]

    async def _paper_record(self, arxiv_id: str, rated: Sequence[RatedAnswer]) -> dict[str, Any]:
        verdicts = ["up" if r.ups >= r.downs else "down" for r in rated]
        return {
            "input": await self._full_text(arxiv_id, [r.record for r in rated]),
            "instructions": [r.record.question for r in rated],
            "outputs": [
                _gold(r.record) if v == "up" else "" for r, v in zip(rated, verdicts, strict=True)
            ],
            "format": FORMAT,
            "arxiv_id": arxiv_id,
            "ratings": verdicts,
            "votes": [{"up": r.ups, "down": r.downs} for r in rated],
            "answers": [r.record.answer for r in rated],
            "citations": [list(r.record.citations) for r in rated],
            "passages": [list(r.record.passages) for r in rated],
            "languages": [r.record.language for r in rated],
            "channels": [_channel(r.record) for r in rated],
            "asked_at": [r.record.created_at.isoformat() for r in rated],
        }

    async def _full_text(self, arxiv_id: str, records: Sequence[AnswerRecord]) -> str:
        """The paper as paperclub read it; without a stored full text, the passages the
        answers were given (in order, each once)."""
        stored = await self._store.text(arxiv_id)
        if stored is not None:
            text = await asyncio.to_thread(paper_text_from_json, stored)
            return "\n\n".join(p.text for p in text.passages)
        seen = dict.fromkeys(str(p["text"]) for r in records for p in r.passages)
        return "\n\n".join(seen)

    async def _answer(self, target: RatedMessage) -> AnswerRecord | None:
        return await self._tables.find_answer(
            target.platform, target.workspace_id, target.place, target.message_id
        )


def _gold(record: AnswerRecord) -> str:
    """What a liked answer found in the paper, as one span: its first quote (its text when
    it quoted nothing)."""
    quotes = [str(c.get("quote", "")) for c in record.citations if c.get("quote")]
    return quotes[0] if quotes else record.answer


def _channel(record: AnswerRecord) -> str:
    c = record.message.conversation
    return f"{c.platform}:{c.workspace_id}:{c.channel_id}"
