"""bot.seams.Chat on Discord: root posts with an embed, threads started from them, streamed edits."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Literal

import discord

from adapters.discord_bot.messages import (
    Outgoing,
    carries_marker,
    keyed_pieces,
    marker,
    markers_in,
    nonce,
    render,
)
from adapters.discord_bot.permissions import (
    READ_HISTORY,
    REPLY_IN_THREAD,
    ROOT_POST,
    START_THREAD,
    translated,
)
from adapters.discord_bot.wording import thread_url
from bot.domain import ConversationRef, MessageRef, ThreadRef
from bot.errors import PlatformUnavailable
from bot.render import Post

logger = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
THREAD_ALREADY_EXISTS = 160004
ARCHIVE_AFTER_MINUTES: Literal[10080] = (
    10080  # a week: a paper's thread stays open until the next digest
)
THREAD_NAME_LIMIT = 100
# A server without boosts accepts uploads up to 10 MiB (discord.Guild.filesize_limit); a
# thread reply goes by id alone, without the guild at hand, so it keeps to that.
UPLOAD_LIMIT = 10 * 2**20
RootView = Callable[[ConversationRef], Awaitable[discord.ui.View]]


class DiscordChat:
    """Implements bot.seams.Chat with the real discord.py client.

    A message longer than Discord allows is sent as several; `edit` keeps those continuation
    messages in step, so a streamed answer can grow past 2,000 characters.
    """

    def __init__(
        self,
        client: discord.Client,
        *,
        history_limit: int = 200,
        remembered: int = 4096,
        connect_timeout: float = 120.0,
    ) -> None:
        self._client = client
        # Set by the client's on_ready: a scheduled digest can fire before the gateway is up.
        self.connected = asyncio.Event()
        self._connect_timeout = connect_timeout
        self._history_limit = history_limit
        self._remembered = remembered
        # first message id -> (message ids, what each shows), for edits and skipping no-op edits
        self._sent: OrderedDict[int, tuple[list[int], list[tuple[str, ...]]]] = OrderedDict()
        # The components under a paper's root post (the vote button); None: no components.
        self.root_view: RootView | None = None
        self.root_posted: Callable[[int], None] = lambda message_id: None
        # Channels fetched over REST (a REST-only chat has no gateway cache): kept, by id.
        self._fetched: OrderedDict[int, discord.TextChannel] = OrderedDict()
        # thread id -> the keyed replies known in it (marker -> message id): empty for a
        # thread this process opened, read once from history for another's
        self._thread_replies: OrderedDict[str, dict[str, int]] = OrderedDict()

    async def open_thread(
        self, conversation: ConversationRef, post: Post, *, thread_name: str, idempotency_key: str
    ) -> ThreadRef:
        channel = await self._text_channel(conversation)
        first, *rest = render(post, footer=marker(idempotency_key))
        view = None
        if post.card is not None and self.root_view is not None:
            view = await self.root_view(conversation)
        with translated("post_paper", ROOT_POST):
            root = await _with_image_or_without(
                first,
                channel.guild.filesize_limit,
                lambda shown, files: channel.send(
                    content=shown.content,
                    embeds=list(shown.embeds),
                    files=files or discord.utils.MISSING,
                    nonce=nonce(idempotency_key),
                    allowed_mentions=NO_MENTIONS,
                    view=view or discord.utils.MISSING,
                ),
            )
        if view is not None:
            self.root_posted(root.id)
        name = " ".join(thread_name.split())[:THREAD_NAME_LIMIT] or "paper"
        try:
            with translated("start_thread", START_THREAD):
                thread_id = await self._start_thread(root, name)
        except PlatformUnavailable:
            logger.warning("root message %s was posted but its thread did not start", root.id)
            raise
        thread = ThreadRef(conversation, str(thread_id))
        self._known_replies(thread.root_id, {})
        if rest:
            target = self._thread_channel(thread)
            for outgoing in rest:
                await self._send(target, outgoing)
        return thread

    async def find_thread(
        self, conversation: ConversationRef, idempotency_key: str
    ) -> ThreadRef | None:
        """Scan recent channel history for the root posted under this key.

        A root whose thread never started (a crash between the two calls) gets its thread now,
        so the caller never posts the paper a second time.
        """
        channel = await self._text_channel(conversation)
        own_id = self._client.user.id if self._client.user else None
        with translated("read_history", READ_HISTORY):
            async for message in channel.history(limit=self._history_limit):
                if message.author.id == own_id and carries_marker(message, idempotency_key):
                    break
            else:
                return None
        if not (message.flags.has_thread or message.thread is not None):
            title = (message.embeds[0].title if message.embeds else None) or "paper"
            with translated("start_thread", START_THREAD):
                await self._start_thread(message, " ".join(title.split())[:THREAD_NAME_LIMIT])
        return ThreadRef(conversation, str(message.id))

    async def reply(
        self, thread: ThreadRef, post: Post, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """A keyed reply carries its key's hidden marker: in a thread this process did not
        open (a restart, another worker resuming a digest) the thread's history is read
        once and a reply already there is not sent again. The nonce alone holds for only
        a few minutes on Discord."""
        await self._wait_connected()
        target = self._thread_channel(thread)
        if idempotency_key is None:
            pieces = [("", outgoing) for outgoing in render(post)]
            known: dict[str, int] = {}
        else:
            pieces = keyed_pieces(post, idempotency_key)
            known = await self._replies_in(thread)
        ids: list[int] = []
        shown: list[tuple[str, ...]] = []
        for index, (hidden, outgoing) in enumerate(pieces):
            if hidden and hidden in known:  # posted before a crash: not again
                ids.append(known[hidden])
            else:
                key = f"{idempotency_key}#{index}" if idempotency_key else None
                sent = await self._send(target, outgoing, nonce=nonce(key) if key else None)
                ids.append(sent.id)
                if hidden:
                    self._known_replies(thread.root_id, {hidden: sent.id})
            shown.append(outgoing.signature())
        self._remember(ids[0], ids, shown)
        return MessageRef(thread.conversation, str(ids[0]), thread)

    def _known_replies(self, thread_id: str, found: dict[str, int]) -> None:
        self._thread_replies.setdefault(thread_id, {}).update(found)
        self._thread_replies.move_to_end(thread_id)
        while len(self._thread_replies) > self._remembered:
            self._thread_replies.popitem(last=False)

    async def _replies_in(self, thread: ThreadRef) -> dict[str, int]:
        known = self._thread_replies.get(thread.root_id)
        if known is not None:
            return known
        own_id = self._client.user.id if self._client.user else None
        found: dict[str, int] = {}
        with translated("read_history", READ_HISTORY):
            async for message in self._thread_channel(thread).history(limit=self._history_limit):
                if message.author.id == own_id:
                    found.update(dict.fromkeys(markers_in(message), message.id))
        self._known_replies(thread.root_id, found)
        return found

    async def edit(self, message: MessageRef, post: Post) -> None:
        if message.thread is None:
            raise ValueError("paperclub only edits messages it posted in a thread")
        await self._wait_connected()
        target = self._thread_channel(message.thread)
        first = int(message.message_id)
        ids, shown = self._sent.get(first, ([first], [()]))
        pieces = render(post)
        for index, outgoing in enumerate(pieces):
            if index < len(ids):
                if shown[index] != outgoing.signature():
                    with translated("edit_answer", REPLY_IN_THREAD):
                        await target.get_partial_message(ids[index]).edit(
                            content=outgoing.content,
                            embeds=list(outgoing.embeds),
                            allowed_mentions=NO_MENTIONS,
                        )
            else:
                ids.append((await self._send(target, outgoing)).id)
        for stale in ids[len(pieces) :]:
            with translated("tidy_answer", REPLY_IN_THREAD):
                await target.get_partial_message(stale).delete()
        self._remember(first, ids[: len(pieces)], [p.signature() for p in pieces])

    async def edit_root(self, thread: ThreadRef, post: Post, *, idempotency_key: str) -> None:
        """Edit a root message (the digest's header) in the parent channel, where a thread's
        starter message lives, its marker kept. A post that no longer fits one message is
        left as it was (logged)."""
        channel = await self._text_channel(thread.conversation)
        first, *rest = render(post, footer=marker(idempotency_key))
        if rest:
            logger.warning("not editing root %s: the new text needs several messages", thread)
            return
        with translated("edit_post", ROOT_POST):
            await channel.get_partial_message(int(thread.root_id)).edit(
                content=first.content, embeds=list(first.embeds), allowed_mentions=NO_MENTIONS
            )

    async def thread_link(self, thread: ThreadRef) -> str:
        return thread_url(thread)

    async def _send(
        self, target: discord.abc.Messageable, outgoing: Outgoing, *, nonce: str | None = None
    ) -> discord.Message:
        with translated("post_in_thread", REPLY_IN_THREAD):
            return await _with_image_or_without(
                outgoing,
                UPLOAD_LIMIT,
                lambda shown, files: target.send(
                    content=shown.content,
                    embeds=list(shown.embeds),
                    files=files or discord.utils.MISSING,
                    nonce=nonce or secrets.token_hex(8),  # discord.py would pick one too
                    allowed_mentions=NO_MENTIONS,
                ),
            )

    async def _start_thread(self, root: discord.Message, name: str) -> int:
        try:
            thread = await root.create_thread(
                name=name, auto_archive_duration=ARCHIVE_AFTER_MINUTES
            )
        except discord.HTTPException as error:
            # A retried open_thread got its earlier root back (same nonce): the thread exists,
            # and a thread started from a message has that message's id.
            if error.code == THREAD_ALREADY_EXISTS:
                return root.id
            raise
        return thread.id

    async def _wait_connected(self) -> None:
        if self.connected.is_set():
            return
        try:
            await asyncio.wait_for(self.connected.wait(), self._connect_timeout)
        except TimeoutError:
            raise PlatformUnavailable(key="discord_not_connected") from None

    async def _text_channel(self, conversation: ConversationRef) -> discord.TextChannel:
        await self._wait_connected()
        channel_id = int(conversation.channel_id)
        channel = self._client.get_channel(channel_id) or self._fetched.get(channel_id)
        if channel is None:
            with translated("see_channel", ("view_channel",)):
                channel = await self._client.fetch_channel(channel_id)
            if isinstance(channel, discord.TextChannel):
                self._fetched[channel_id] = channel
                while len(self._fetched) > self._remembered:
                    self._fetched.popitem(last=False)
        if not isinstance(channel, discord.TextChannel):
            raise PlatformUnavailable(key="discord_text_channel_only")
        return channel

    def _thread_channel(self, thread: ThreadRef) -> discord.PartialMessageable:
        # Sending and editing need only the id: no cache lookup, no extra request.
        return self._client.get_partial_messageable(
            int(thread.root_id),
            guild_id=int(thread.conversation.workspace_id),
            type=discord.ChannelType.public_thread,
        )

    def _remember(self, first: int, ids: list[int], shown: list[tuple[str, ...]]) -> None:
        self._sent[first] = (ids, shown)
        self._sent.move_to_end(first)
        while len(self._sent) > self._remembered:
            self._sent.popitem(last=False)


Send = Callable[[Outgoing, list[discord.File]], Awaitable[discord.Message]]


async def _with_image_or_without(
    outgoing: Outgoing, size_limit: int, send: Send
) -> discord.Message:
    """Send `outgoing` with its image; without it when the image is over the server's upload
    limit or the bot may not attach files here (403): the post matters more than its picture."""
    files = outgoing.files(size_limit)
    if outgoing.image is None:
        return await send(outgoing, [])
    if not files:
        logger.info("an image over this server's %d-byte upload limit was left out", size_limit)
        return await send(outgoing.without_image(), [])
    try:
        return await send(outgoing, files)
    except discord.Forbidden as error:
        logger.warning("posted without its image (Attach Files missing?): %s", error)
        return await send(outgoing.without_image(), [])
