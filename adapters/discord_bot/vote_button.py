"""The 🗳️ vote button under every paper's root post, and its live count.

The button's custom_id is one constant, so a `DynamicItem` registered at start-up answers a
click on any root, posted before or after a restart: the root's message id names the paper's
thread. A click votes, a second click takes the vote back (as removing a reaction does); the
button's label shows the paper's votes in the channel, refreshed after every button or
reaction vote. Every text shown goes through `Replies`, which cleans it with `Outbound`.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from adapters.discord_bot.chat import NO_MENTIONS
from adapters.discord_bot.interactions import author_of, member_language
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.wording import title
from bot.domain import ConversationRef, Platform, ThreadRef
from bot.errors import PaperclubError
from bot.text import t
from bot.usecases.channels import Channels
from bot.usecases.club.votes import Votes

logger = logging.getLogger(__name__)

VOTE_ID = "paperclub:vote"
VOTE_EMOJI = "🗳️"
KNOWN_ROOTS = 4096


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=VOTE_ID):
    """The button; what a click does is `VoteClicks.click` on the client that received it."""

    def __init__(self, label: str = "Vote") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji=VOTE_EMOJI, style=discord.ButtonStyle.primary, custom_id=VOTE_ID
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> VoteButton:
        return cls(getattr(item, "label", None) or "Vote")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        clicks = getattr(interaction.client, "vote_clicks", None)
        if isinstance(clicks, VoteClicks):
            await clicks.click(interaction)


def vote_view(label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(label))
    return view


class VoteClicks:
    """Counts button votes and keeps each root's button label in step with its votes."""

    def __init__(
        self, client: discord.Client, replies: Replies, votes: Votes, channels: Channels
    ) -> None:
        self._client = client
        self._replies = replies
        self._votes = votes
        self._channels = channels
        self._roots: set[int] = set()  # roots this process posted with a button

    async def root_view(self, conversation: ConversationRef) -> discord.ui.View:
        """The button for a new paper root: no votes yet, in the channel's language."""
        return vote_view(await self._label(conversation, 0))

    def posted(self, message_id: int) -> None:
        if len(self._roots) >= KNOWN_ROOTS:
            self._roots.clear()
        self._roots.add(message_id)

    async def click(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()  # DEFERRED_UPDATE_MESSAGE: within Discord's 3 s
        language = member_language(interaction)
        message = interaction.message
        try:
            if message is None or interaction.guild_id is None:
                raise PaperclubError(t("error_not_a_paper_thread", language))
            conversation = ConversationRef(
                Platform.DISCORD, str(interaction.guild_id), str(message.channel.id)
            )
            root = ThreadRef(conversation, str(message.id))
            tally, counted = await self._votes.toggle(root, author_of(interaction.user))
            label = await self._label(conversation, tally.votes)
            await interaction.edit_original_response(
                view=vote_view(self._replies.clean(label)), allowed_mentions=NO_MENTIONS
            )
            key = "voted" if counted else "unvoted"
            await self._replies.followup(
                interaction, t(key, language, title=title(tally.paper.title), votes=tally.votes)
            )
        except PaperclubError as error:
            await self._replies.followup(interaction, error.text(language))
        except Exception:
            logger.exception("vote button failed")
            await self._replies.followup(interaction, t("apology", language))

    async def refresh(self, root: ThreadRef, votes: int) -> None:
        """Show `votes` on the root's button (after a reaction vote); best effort."""
        message_id = int(root.root_id)
        channel = self._client.get_partial_messageable(
            int(root.conversation.channel_id), guild_id=int(root.conversation.workspace_id)
        )
        try:
            if message_id not in self._roots and not await self._has_button(channel, message_id):
                return  # a root posted before vote buttons existed keeps its look
            label = self._replies.clean(await self._label(root.conversation, votes))
            await channel.get_partial_message(message_id).edit(
                view=vote_view(label), allowed_mentions=NO_MENTIONS
            )
            self.posted(message_id)
        except discord.HTTPException as error:
            logger.warning("vote count on %s not refreshed: %s", root, error)

    async def _has_button(self, channel: discord.PartialMessageable, message_id: int) -> bool:
        message = await channel.fetch_message(message_id)
        return any(
            getattr(child, "custom_id", None) == VOTE_ID
            for row in message.components
            for child in getattr(row, "children", [row])
        )

    async def _label(self, conversation: ConversationRef, votes: int) -> str:
        language = (await self._channels.channel_settings(conversation)).language
        return t("vote_button", language, votes=votes)
