"""The adapter's one way to show text it wrote itself: every interaction reply, follow-up,
error and channel note goes through `Replies`, which cleans it with `Outbound.text` first.

`Outbound.text` removes configured secrets and defuses @everyone/@here; discord.py's
`allowed_mentions` (none) is the second guard, so nothing the adapter sends can ping.
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress

import discord

from adapters.discord_bot.chat import NO_MENTIONS, UPLOAD_LIMIT
from adapters.discord_bot.messages import CONTENT_LIMIT, EMPTY, Outgoing
from bot.publishing import Outbound
from bot.render import Image, split_text

logger = logging.getLogger(__name__)

TOKEN_LIFETIME_SECONDS = 14 * 60  # Discord invalidates the token after 15 min; keep a margin
PROGRESS_INTERVAL_SECONDS = 1.0
RESPONDER_KEY = "paperclub.responder"


class Replies:
    """Makes a Responder for each interaction, and says things in channels; both cleaned."""

    def __init__(self, outbound: Outbound) -> None:
        self._outbound = outbound

    async def begin(self, interaction: discord.Interaction, *, ephemeral: bool) -> Responder:
        """Acknowledge `interaction` at once (Discord's 3 s) and return its Responder."""
        responder = Responder(interaction, self._outbound, ephemeral=ephemeral)
        await responder.defer()
        return responder

    def of(self, interaction: discord.Interaction) -> Responder:
        """The interaction's Responder if a command began one, else an ephemeral one."""
        responder = interaction.extras.get(RESPONDER_KEY)
        if isinstance(responder, Responder):
            return responder
        return Responder(interaction, self._outbound, ephemeral=True)

    def clean(self, text: str) -> str:
        """`text` as the adapter may show it (a button label, a modal title)."""
        return self._outbound.text(text)

    async def followup(self, interaction: discord.Interaction, text: str) -> None:
        """A note only the member who clicked sees, after a component was acknowledged."""
        with suppress(discord.HTTPException):
            await interaction.followup.send(
                self._outbound.text(text)[:CONTENT_LIMIT],
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )

    async def say(self, channel: discord.abc.Messageable, text: str) -> None:
        """A short note in a channel or thread (an error answering a message); best effort."""
        with suppress(discord.HTTPException):
            await channel.send(
                self._outbound.text(text)[:CONTENT_LIMIT], allowed_mentions=NO_MENTIONS
            )


class Responder:
    """Acknowledges within Discord's 3 s, then keeps to ONE message for progress and result.

    After the interaction token's 15 minutes (a long digest), progress stops and a public result
    goes to the channel as a normal message instead.
    """

    def __init__(
        self, interaction: discord.Interaction, outbound: Outbound, *, ephemeral: bool
    ) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral
        self._outbound = outbound
        self._started = time.monotonic()
        self._last_progress = 0.0

    async def defer(self) -> None:
        self.interaction.extras[RESPONDER_KEY] = self
        await self.interaction.response.defer(thinking=True, ephemeral=self.ephemeral)
        self._started = time.monotonic()

    async def progress(self, status: str) -> None:
        """The service's Progress callback: edit the one message, at most once a second."""
        now = time.monotonic()
        if self._expired() or now - self._last_progress < PROGRESS_INTERVAL_SECONDS:
            return
        self._last_progress = now
        try:
            await self._edit(self._clean(f"⏳ {status}")[:CONTENT_LIMIT])
        except discord.HTTPException as error:
            # Progress is a courtesy: a failed edit must not stop the work it reports on.
            logger.warning("progress edit failed: %s", error)

    async def finish(self, text: str, *, image: Image | None = None) -> None:
        """The result in the one message; `image` (a chart) is uploaded with it."""
        first, *rest = split_text(self._clean(text), CONTENT_LIMIT) or [EMPTY]
        if self._expired():
            await self._post_to_channel([first, *rest])
            return
        files = Outgoing(first, image=image).files(self._upload_limit())
        await self._edit(first, files)
        for piece in rest:
            await self.interaction.followup.send(
                piece, ephemeral=self.ephemeral, allowed_mentions=NO_MENTIONS
            )

    async def fail(self, text: str) -> None:
        """Show `text` to the member who asked, and only to them."""
        text = self._clean(text)[:CONTENT_LIMIT]
        if not self.interaction.response.is_done():
            await self.interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        elif self._expired():
            logger.warning("interaction expired before its error could be shown: %s", text)
        elif self.ephemeral:
            await self._edit(text)
        else:
            with suppress(discord.HTTPException):
                await self.interaction.delete_original_response()
            await self.interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def _clean(self, text: str) -> str:
        return self._outbound.text(text)

    async def _edit(self, content: str, files: list[discord.File] | None = None) -> None:
        try:
            await self.interaction.edit_original_response(
                content=content,
                attachments=files or discord.utils.MISSING,
                allowed_mentions=NO_MENTIONS,
            )
        except discord.Forbidden:
            if not files:
                raise
            logger.warning("reply shown without its image: Discord refused the upload")
            await self._edit(content)

    def _upload_limit(self) -> int:
        """What Discord accepts with this interaction's reply (its attachment_size_limit)."""
        limit = getattr(self.interaction, "filesize_limit", 0)
        return limit if isinstance(limit, int) and limit > 0 else UPLOAD_LIMIT

    async def _post_to_channel(self, pieces: list[str]) -> None:
        channel = self.interaction.channel
        if self.ephemeral or not isinstance(channel, discord.abc.Messageable):
            logger.warning("interaction expired; result not shown: %s", pieces[0])
            return
        for piece in pieces:
            await channel.send(piece, allowed_mentions=NO_MENTIONS)

    def _expired(self) -> bool:
        return time.monotonic() - self._started > TOKEN_LIFETIME_SECONDS
