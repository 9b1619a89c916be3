"""Why a member's question cannot be answered right now: too long, too many, no budget.

Both limits are counted in the database (the member's recent questions, the workspace's
token ledger), so every process serving the club applies the same ones and a restart
forgets nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import Author, ConversationRef
from bot.store import Store

HOUR = timedelta(hours=1)


class QuestionQuota:
    def __init__(
        self,
        store: Store,
        *,
        max_question_chars: int,
        questions_per_user_per_hour: int,
        workspace_daily_tokens: int,
    ) -> None:
        self._store = store
        self._max_chars = max_question_chars
        self._per_hour = questions_per_user_per_hour
        self._daily_tokens = workspace_daily_tokens

    async def refusal(self, conversation: ConversationRef, author: Author, question: str) -> str:
        """A polite message saying why `question` cannot be answered now, or "" if it can."""
        if len(question) > self._max_chars:
            return (
                f"That message is {len(question):,} characters long; please ask in at most "
                f"{self._max_chars:,} characters (quote only the part you are asking about)."
            )
        wait = await self._wait_for_limit(conversation, author)
        if wait:
            return (
                f"You have asked {self._per_hour} questions in the last "
                f"hour, which is this club's limit. Please try again in {int(wait // 60) + 1} minutes."
            )
        if self._daily_tokens:
            since = datetime.now(UTC) - timedelta(days=1)
            used = await self._store.workspace_tokens_since(
                str(conversation.platform), conversation.workspace_id, since
            )
            if used >= self._daily_tokens:
                return (
                    "This workspace has used its daily budget for the language model "
                    f"({self._daily_tokens:,} tokens in 24 hours). Questions work again as the "
                    "oldest use ages out; an admin can raise PAPERCLUB_WORKSPACE_DAILY_TOKENS."
                )
        return ""

    async def _wait_for_limit(self, conversation: ConversationRef, author: Author) -> float:
        """0 if the member may ask now, else the seconds until the hour's limit allows it."""
        if self._per_hour <= 0:
            return 0.0
        now = datetime.now(UTC)
        asked = await self._store.member_questions_since(
            str(conversation.platform), conversation.workspace_id, author.user_id, now - HOUR
        )
        if len(asked) < self._per_hour:
            return 0.0
        # Once the oldest `len(asked) - limit + 1` questions are an hour old, one more fits.
        frees_up = asked[len(asked) - self._per_hour] + HOUR
        return max((frees_up - now).total_seconds(), 1.0)
