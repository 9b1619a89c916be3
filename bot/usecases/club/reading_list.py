"""A member's reading list: papers saved for later, and which of them were read."""

from __future__ import annotations

from bot.domain import Author, ConversationRef, Paper, ReadingEntry, ThreadRef
from bot.errors import NotAPaperThread
from bot.store import Store
from bot.store.club_tables import ClubTables
from bot.usecases.papers import Papers


class ReadingList:
    def __init__(self, store: Store, tables: ClubTables, papers: Papers) -> None:
        self._store = store
        self._tables = tables
        self._papers = papers

    async def save_from_thread(self, thread: ThreadRef, member: Author) -> Paper:
        """Save the paper whose thread `thread` is (a shortcut on its post or a reply)."""
        arxiv_id = await self._store.thread_paper(thread)
        if arxiv_id is None:
            raise NotAPaperThread()
        return await self.save(thread.conversation, member, arxiv_id)

    async def save(self, conversation: ConversationRef, member: Author, reference: str) -> Paper:
        paper = await self._papers.saved_paper(reference)
        await self._tables.save(
            conversation.platform, conversation.workspace_id, member.user_id, paper.arxiv_id
        )
        return paper

    async def read(self, conversation: ConversationRef, member: Author, reference: str) -> Paper:
        paper = await self._papers.saved_paper(reference)
        await self._tables.mark_read(
            conversation.platform, conversation.workspace_id, member.user_id, paper.arxiv_id
        )
        return paper

    async def saved(self, conversation: ConversationRef, member: Author) -> list[ReadingEntry]:
        return await self._tables.reading_list(
            conversation.platform, conversation.workspace_id, member.user_id
        )
