"""The 🗳️ vote button on every paper card, with the paper's live count.

The button sits in the card's `actions` block beside "Open on arXiv". A click
(`block_actions`) votes, a second click takes the vote back; either way, and after a
reaction vote, the card is updated with `chat.update` so everyone sees the count. The
note to the member who clicked is ephemeral. Texts pass through `Outbound`.
"""

from __future__ import annotations

import copy
import logging
from collections import OrderedDict

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.blocks import OPEN_PAPER_ACTION, Block, SlackMessage
from adapters.slack_app.chat import SlackChat
from adapters.slack_app.guard import Incoming, last_resort
from adapters.slack_app.mrkdwn import to_mrkdwn
from adapters.slack_app.replies import LogOnly
from bot.domain import Author, ConversationRef, Platform, Tally, ThreadRef
from bot.errors import PaperclubError, PlatformUnavailable
from bot.publishing import Outbound
from bot.text import t
from bot.usecases.channels import Channels
from bot.usecases.club.votes import Votes

log = logging.getLogger(__name__)

VOTE_ACTION = "paperclub_vote"
REMEMBERED_CARDS = 2048


def vote_element(label: str) -> Block:
    return {
        "type": "button",
        "action_id": VOTE_ACTION,
        "text": {"type": "plain_text", "text": f"🗳️ {label}", "emoji": True},
        "value": "vote",
        "style": "primary",
    }


def with_vote_button(blocks: list[Block] | tuple[Block, ...], label: str) -> list[Block]:
    """`blocks` with the vote button in the card's actions block (added or relabelled)."""
    out = [copy.deepcopy(b) for b in blocks]
    for block in out:
        if block.get("type") != "actions":
            continue
        elements = block.setdefault("elements", [])
        ids = [e.get("action_id") for e in elements]
        if VOTE_ACTION in ids:
            elements[ids.index(VOTE_ACTION)] = vote_element(label)
            return out
        if OPEN_PAPER_ACTION in ids:
            elements.append(vote_element(label))
            return out
    return out


class CardVotes:
    """Knows each card it posted (to relabel it after a reaction) and the label's language."""

    def __init__(self, chat: SlackChat, outbound: Outbound, channels: Channels) -> None:
        self._chat = chat
        self._outbound = outbound
        self._channels = channels
        self._cards: OrderedDict[ThreadRef, SlackMessage] = OrderedDict()

    async def language(self, conversation: ConversationRef) -> str:
        return (await self._channels.channel_settings(conversation)).language

    async def label(self, conversation: ConversationRef, votes: int) -> str:
        language = await self.language(conversation)
        return self._outbound.text(t("vote_button", language, votes=votes))

    async def decorate(self, conversation: ConversationRef, message: SlackMessage) -> SlackMessage:
        """A new card: its vote button shows no votes yet."""
        blocks = with_vote_button(message.blocks, await self.label(conversation, 0))
        return SlackMessage(text=message.text, blocks=tuple(blocks))

    def posted(self, root: ThreadRef, message: SlackMessage) -> None:
        self._cards[root] = message
        while len(self._cards) > REMEMBERED_CARDS:
            self._cards.popitem(last=False)

    async def counted(self, tally: Tally) -> None:
        """A vote cast by a command or a picker: the card follows, as after a reaction."""
        await self.show(tally.thread, tally.votes)

    async def show(self, root: ThreadRef, votes: int, blocks: list[Block] | None = None) -> None:
        """Update the card at `root` to show `votes` (its blocks from a click, or as posted)."""
        known = self._cards.get(root)
        if blocks is None and known is None:
            return  # a card from before a restart: its next click brings its blocks
        source = blocks if blocks is not None else list(known.blocks if known else ())
        if not any(b.get("type") == "actions" for b in source):
            return
        message = SlackMessage(
            text=known.text if known else "",
            blocks=tuple(with_vote_button(source, await self.label(root.conversation, votes))),
        )
        try:
            await self._chat.update_message(root.conversation, root.root_id, message)
            self.posted(root, message)
        except PlatformUnavailable as error:
            log.warning("vote count on %s not shown: %s", root, error)


def register(app: AsyncApp, votes: Votes, cards: CardVotes, outbound: Outbound) -> None:
    @app.action(VOTE_ACTION)
    @last_resort("vote button", lambda _: LogOnly("vote button"))
    async def on_vote(incoming: Incoming, reply: LogOnly) -> None:
        await incoming.ack()  # Slack's 3 s
        body = incoming.body
        team = str((body.get("team") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        container = body.get("container") or {}
        user = body.get("user") or {}
        member = Author(str(user.get("id", "")), str(user.get("name") or user.get("id", "")))
        conversation = ConversationRef(Platform.SLACK, team, channel)
        root = ThreadRef(conversation, str(container.get("message_ts") or ""))
        language = await cards.language(conversation)
        try:
            tally, counted = await votes.toggle(root, member)
        except PaperclubError as error:
            note = str(error)
        else:
            blocks = (body.get("message") or {}).get("blocks")
            await cards.show(root, tally.votes, blocks if isinstance(blocks, list) else None)
            key = "voted" if counted else "unvoted"
            note = t(key, language, title=tally.paper.title, votes=tally.votes)
        await incoming.client.chat_postEphemeral(
            channel=channel,
            user=member.user_id,
            text=to_mrkdwn(outbound.text(note)),
            team_id=team,
        )
