"""Reactions on a paper's root message are votes; removing one takes the vote back.
👍/👎 on one of paperclub's answers rates it (the club's eval set, bot/usecases/feedback.py)."""

from __future__ import annotations

import logging

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack_app.dedupe import SeenEvents
from adapters.slack_app.guard import Incoming, last_resort
from adapters.slack_app.payloads import event_id, reaction_vote
from adapters.slack_app.replies import LogOnly
from adapters.slack_app.votes_ui import CardVotes
from bot.domain import MessageRef, Platform
from bot.errors import NotAPaperThread
from bot.usecases.club.votes import Votes
from bot.usecases.feedback import Feedback, RatedMessage, Rating

log = logging.getLogger(__name__)

RATINGS = {"+1": Rating.UP, "thumbsup": Rating.UP, "-1": Rating.DOWN, "thumbsdown": Rating.DOWN}
OFFERED = ("+1", "-1")  # put under each answer, so rating it is one click


def rating_of(reaction: str) -> Rating | None:
    """Slack's names for 👍 and 👎, in any skin tone (`+1::skin-tone-3`)."""
    return RATINGS.get(reaction.split("::", 1)[0])


def register(
    app: AsyncApp,
    seen: SeenEvents,
    votes: Votes,
    cards: CardVotes | None = None,
    feedback: Feedback | None = None,
) -> None:
    async def offer_ratings(answer: MessageRef) -> None:
        conversation = answer.conversation
        try:
            for name in OFFERED:
                await app.client.reactions_add(
                    channel=conversation.channel_id,
                    timestamp=answer.message_id,
                    name=name,
                    team_id=conversation.workspace_id,
                )
        except SlackApiError as error:  # reactions:write not granted: rating still works
            log.info("could not offer ratings on %s: %s", answer.message_id, error)

    if feedback is not None:
        feedback.offer_with(Platform.SLACK, offer_ratings)

    async def count(incoming: Incoming, *, added: bool) -> None:
        if not await seen.first_time(event_id(incoming.body)):
            return
        vote = reaction_vote(incoming.body, incoming.event, incoming.bot_user_id)
        if vote is None:
            return
        rating = rating_of(str(incoming.event.get("reaction", "")))
        if rating is not None and feedback is not None:
            c = vote.root.conversation
            answer = RatedMessage(c.platform, c.workspace_id, c.channel_id, vote.root.root_id)
            change = feedback.rate if added else feedback.unrate
            if await change(answer, vote.member, rating):
                return
        try:
            if added:
                tally = await votes.vote(vote.root, vote.member)
            else:
                tally = await votes.unvote(vote.root, vote.member)
        except NotAPaperThread:
            return  # a reaction on any other message is an ordinary reaction
        if cards is not None:
            await cards.show(vote.root, tally.votes)  # the card's count follows

    @app.event("reaction_added")
    @last_resort("reaction", lambda _: LogOnly("reaction"))
    async def on_reaction_added(incoming: Incoming, reply: LogOnly) -> None:
        await count(incoming, added=True)

    @app.event("reaction_removed")
    @last_resort("reaction", lambda _: LogOnly("reaction"))
    async def on_reaction_removed(incoming: Incoming, reply: LogOnly) -> None:
        await count(incoming, added=False)
