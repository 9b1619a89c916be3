"""Why a member's question cannot be answered right now: too long, too many, no budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import Author, ConversationRef
from bot.store import Store
from bot.usecases.usage import RateLimiter

HOUR = 3600.0


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
        self._limiter = RateLimiter(questions_per_user_per_hour, HOUR)

    async def refusal(self, conversation: ConversationRef, author: Author, question: str) -> str:
        """A polite message saying why `question` cannot be answered now, or "" if it can."""
        if len(question) > self._max_chars:
            return (
                f"That message is {len(question):,} characters long; please ask in at most "
                f"{self._max_chars:,} characters (quote only the part you are asking about)."
            )
        wait = self._limiter.allow(
            (str(conversation.platform), conversation.workspace_id, author.user_id)
        )
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
