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

    async def toggle(self, target: VoteTarget, member: Author) -> tuple[Tally, bool]:
        """A vote button: the first press votes, the next takes the vote back.
        Returns the tally and whether the member's vote now counts."""
        conversation, paper, thread = await self.channel_paper(target)
        before = await self._tables.votes_for(conversation, paper.arxiv_id)
        tally = await self.vote(thread, member)
        if tally.votes > before or member.is_bot:
            return tally, not member.is_bot
        return await self.unvote(thread, member), False

    async def votes_on(self, thread: ThreadRef) -> Tally:
        """The paper of `thread` (a paper's root) and its votes in that channel."""
        conversation, paper, root = await self.channel_paper(thread)
        return Tally(paper, await self._tables.votes_for(conversation, paper.arxiv_id), root)

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
            raise NotReady(key="error_not_posted_here", arxiv_id=arxiv_id, p=p)
        return thread
