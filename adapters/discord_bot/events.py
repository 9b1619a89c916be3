"""Gateway events: a member's message in a paper thread is a question; a reaction on a
paper's root post is a vote; 👍/👎 on an answer rates it. Anything unexpected reaches the
client's on_error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord
from discord.ext import commands

from adapters.discord_bot.responder import Replies
from bot.domain import Author, ConversationRef, MessageRef, Platform, ThreadRef
from bot.errors import NotAPaperThread, PaperclubError
from bot.usecases.answers import Answers
from bot.usecases.club.votes import Votes
from bot.usecases.feedback import Feedback, RatedMessage, Rating

logger = logging.getLogger(__name__)

VotesChanged = Callable[[ThreadRef, int], Awaitable[None]]

USER_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
RATINGS = {"👍": Rating.UP, "👎": Rating.DOWN}
SKIN_TONES = "".join(chr(c) for c in range(0x1F3FB, 0x1F400))


def rating_of(emoji: discord.PartialEmoji) -> Rating | None:
    """👍 or 👎 in any skin tone; None for any other emoji."""
    return RATINGS.get((emoji.name or "").strip(SKIN_TONES + "\ufe0f"))


class ThreadEvents(commands.Cog):
    """Questions written in paper threads, and votes given as reactions."""

    def __init__(
        self,
        client: discord.Client,
        replies: Replies,
        answers: Answers,
        votes: Votes,
        votes_changed: VotesChanged | None = None,
        feedback: Feedback | None = None,
    ) -> None:
        self._client = client
        self._feedback = feedback
        if feedback is not None:
            feedback.offer_with(Platform.DISCORD, self.offer_ratings)
        self._replies = replies
        self._answers = answers
        self._votes = votes
        self._votes_changed = votes_changed

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        thread = self._paper_thread_candidate(message)
        if thread is None:
            return
        author = Author(str(message.author.id), message.author.display_name, is_bot=False)
        try:
            if not await self._answers.is_paper_thread(thread):
                return
            # "paperclub is typing…" while the passages are found and the answer starts.
            async with message.channel.typing():
                await self._answers.answer(thread, author, self._question(message))
        except PaperclubError as error:
            await self._replies.say(message.channel, str(error))

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=False)

    async def _reaction(self, event: discord.RawReactionActionEvent, *, added: bool) -> None:
        """A reaction on a paper's root post is a vote; removing it takes the vote back.
        Reactions anywhere else are ordinary reactions and are left alone."""
        me = self._client.user
        if event.guild_id is None or (me is not None and event.user_id == me.id):
            return
        if event.member is not None and event.member.bot:
            return
        conversation = ConversationRef(Platform.DISCORD, str(event.guild_id), str(event.channel_id))
        # A paper's thread is started from its root post, so it has the root's id.
        root = ThreadRef(conversation, str(event.message_id))
        name = event.member.display_name if event.member is not None else str(event.user_id)
        member = Author(str(event.user_id), name)
        rating = rating_of(event.emoji)
        if rating is not None and self._feedback is not None:
            # A reaction's channel is the thread the answer was posted in.
            answer = RatedMessage(
                Platform.DISCORD, str(event.guild_id), str(event.channel_id), str(event.message_id)
            )
            change = self._feedback.rate if added else self._feedback.unrate
            if await change(answer, member, rating):
                return
        try:
            if added:
                tally = await self._votes.vote(root, member)
            else:
                tally = await self._votes.unvote(root, member)
        except NotAPaperThread:
            return
        except PaperclubError as error:
            logger.warning("reaction on %s not counted: %s", root, error)
            return
        if self._votes_changed is not None:
            await self._votes_changed(root, tally.votes)

    async def offer_ratings(self, answer: MessageRef) -> None:
        """👍 and 👎 under an answer, so rating it is one click (the bot's own reactions
        are never counted)."""
        assert answer.thread is not None
        channel = self._client.get_partial_messageable(int(answer.thread.root_id))
        message = channel.get_partial_message(int(answer.message_id))
        try:
            for emoji in RATINGS:
                await message.add_reaction(emoji)
        except discord.HTTPException as error:  # no Add Reactions permission: rating still works
            logger.info("could not offer ratings on %s: %s", answer.message_id, error)

    def _paper_thread_candidate(self, message: discord.Message) -> ThreadRef | None:
        """The thread a member's message was written in, or None for anything to ignore."""
        me = self._client.user
        if message.author.bot or (me is not None and message.author.id == me.id):
            return None
        if message.type not in USER_MESSAGE_TYPES or message.guild is None:
            return None
        channel = message.channel
        if not isinstance(channel, discord.Thread) or channel.parent_id is None:
            return None
        conversation = ConversationRef(
            Platform.DISCORD, str(message.guild.id), str(channel.parent_id)
        )
        return ThreadRef(conversation, str(channel.id))

    def _question(self, message: discord.Message) -> str:
        text = message.clean_content  # mentions become @name: nothing to ping, nothing opaque
        me = self._client.user
        if me is not None and message.guild is not None:
            member = message.guild.me
            for name in {me.display_name, member.display_name if member else ""} - {""}:
                text = text.replace(f"@{name}", "")
        return text.strip()
