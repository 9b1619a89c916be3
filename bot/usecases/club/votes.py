"""Votes on the papers posted in a channel, and the standings they make."""

from __future__ import annotations

from bot.domain import Author, ConversationRef, Paper, PaperInChannel, Tally, ThreadRef, VoteTarget
from bot.errors import NotAPaperThread, NotReady
from bot.sources.ids import parse_arxiv_ref
from bot.store import Store
from bot.store.club_tables import ClubTables
from bot.text import command_prefix_for
from bot.usecases.papers import Papers


class Votes:
    def __init__(self, store: Store, tables: ClubTables, papers: Papers) -> None:
        self._store = store
        self._tables = tables
        self._papers = papers

    async def vote(self, target: VoteTarget, member: Author) -> Tally:
        """One vote per member and paper; voting again changes nothing."""
        conversation, paper, thread = await self.channel_paper(target)
        if not member.is_bot:
            await self._tables.add_vote(conversation, paper.arxiv_id, member.user_id)
        return Tally(paper, await self._tables.votes_for(conversation, paper.arxiv_id), thread)

    async def unvote(self, target: VoteTarget, member: Author) -> Tally:
        """A removed reaction takes its vote back."""
        conversation, paper, thread = await self.channel_paper(target)
        await self._tables.remove_vote(conversation, paper.arxiv_id, member.user_id)
        return Tally(paper, await self._tables.votes_for(conversation, paper.arxiv_id), thread)

    async def standings(self, conversation: ConversationRef) -> list[Tally]:
        """Papers with votes not yet picked for a session, most votes first."""
        tallies: list[Tally] = []
        for count in await self._tables.vote_counts(conversation):
            thread = await self._store.channel_thread_for(conversation, count.arxiv_id)
            paper = await self._papers.known_paper(count.arxiv_id)
            if thread is not None:
                tallies.append(Tally(paper, count.votes, thread))
        return tallies

    async def channel_paper(self, target: VoteTarget) -> tuple[ConversationRef, Paper, ThreadRef]:
        """The paper `target` names, which must have been posted in its channel."""
        if isinstance(target, ThreadRef):
            arxiv_id = await self._store.thread_paper(target)
            if arxiv_id is None:
                raise NotAPaperThread()
            return target.conversation, await self._papers.known_paper(arxiv_id), target
        thread = await self.posted_thread(target)
        arxiv_id = parse_arxiv_ref(target.reference).arxiv_id
        return target.conversation, await self._papers.known_paper(arxiv_id), thread

    async def posted_thread(self, target: PaperInChannel) -> ThreadRef:
        arxiv_id = parse_arxiv_ref(target.reference).arxiv_id
        thread = await self._store.channel_thread_for(target.conversation, arxiv_id)
        if thread is None:
            p = command_prefix_for(target.conversation.platform)
            raise NotReady(
                f"{arxiv_id} was not posted in this channel, so it cannot be voted on or "
                f"presented here. Pick a paper from this channel's digest, or post it here "
                f"first with {p}paper {arxiv_id}."
            )
        return thread
