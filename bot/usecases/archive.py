"""Searching the papers a workspace already received (`/search`)."""

from __future__ import annotations

import unicodedata

from bot.domain import ArchiveHit, ConversationRef
from bot.errors import InvalidSetting
from bot.store import Store
from bot.usecases.channel_rules import readable

MAX_WORDS = 8
MAX_WORD_CHARS = 64  # longer is no word anyone searches for (and SQLite caps LIKE patterns)


class Archive:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def search_archive(self, conversation: ConversationRef, query: str) -> list[ArchiveHit]:
        """Papers this channel already received, matching every word (`tag:x` matches tags)."""
        folded = unicodedata.normalize("NFKC", readable(query))  # full-width Ｒ → R
        words = [w.removeprefix("tag:").strip() for w in folded.split()[:MAX_WORDS]]
        words = [w[:MAX_WORD_CHARS] for w in words if w]
        if not words:
            raise InvalidSetting(key="error_search_empty")
        return await self._store.search_archive(conversation, words)

    async def recent_papers(
        self, conversation: ConversationRef, typed: str = "", limit: int = 25
    ) -> list[ArchiveHit]:
        """The channel's papers, newest first, narrowed by what a member has typed so far
        (for autocomplete: an empty or partial input is never an error)."""
        folded = unicodedata.normalize("NFKC", readable(typed))
        words = [w[:MAX_WORD_CHARS] for w in folded.split()[:MAX_WORDS] if w]
        return await self._store.search_archive(conversation, words, limit=limit)
