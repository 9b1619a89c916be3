"""A member's reading list: papers saved for later, and which of them were read."""

from __future__ import annotations

from bot.domain import Author, ConversationRef, Paper, ReadingEntry
from bot.store.club_tables import ClubTables
from bot.usecases.papers import Papers


class ReadingList:
    def __init__(self, tables: ClubTables, papers: Papers) -> None:
        self._tables = tables
        self._papers = papers

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
