"""`SlackChat`: the core's Chat seam over the Slack Web API (chat.postMessage / chat.update)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.blocks import SlackMessage, render
from adapters.slack_app.files import upload_image
from adapters.slack_app.team_clients import OneToken, TeamClients
from bot.domain import ConversationRef, MessageRef, ThreadRef
from bot.errors import PlatformUnavailable
from bot.render import Post
from bot.text import Phrase

logger = logging.getLogger(__name__)

METADATA_EVENT = "paperclub_post"
HISTORY_PAGE = 100
HISTORY_TTL = 600.0
REPLY_MEMORY = 5_000

# Slack's error codes a member or host can act on; the rest get slack_advice_other.
_ADVICE = {
    "not_in_channel": "slack_advice_not_in_channel",
    "channel_not_found": "slack_advice_not_in_channel",
    "is_archived": "slack_advice_is_archived",
    "missing_scope": "slack_advice_missing_scope",
    "invalid_auth": "slack_advice_invalid_auth",
    "token_revoked": "slack_advice_token_revoked",
    "ratelimited": "slack_advice_ratelimited",
}
# Slack's answers meaning the token is no good any more (uninstalled, revoked, replaced).
_TOKEN_REFUSED = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
NOT_INSTALLED = "not_installed"


class ChannelPacer:
    """Spaces chat.postMessage calls per channel (Slack allows about one per second)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._next: dict[tuple[str, str], float] = {}

    async def wait(self, conversation: ConversationRef) -> None:
        key = (conversation.workspace_id, conversation.channel_id)
        now = self._clock()
        slot = max(now, self._next.get(key, now))
        self._next[key] = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


CardHook = Callable[[ConversationRef, SlackMessage], Awaitable[SlackMessage]]


class SlackChat:
    """Posts as the bot in any workspace its token reaches (team_id is sent on every call).

    `client` is the one token's client, or `TeamClients` choosing each team's own token
    (a distributed app's installations); a team it has no token for is refused with
    `PlatformUnavailable` (not_installed), and a token Slack refuses is not used again."""

    # A paper card's first message, before it is posted (the vote button is added here).
    decorate_card: CardHook | None = None
    card_posted: Callable[[ThreadRef, SlackMessage], None] | None = None

    def __init__(self, client: AsyncWebClient | TeamClients, *, post_interval: float = 1.0) -> None:
        self._clients = OneToken(client) if isinstance(client, AsyncWebClient) else client
        self._pacer = ChannelPacer(post_interval)
        # A reply too long for one message continues in more messages; edits keep them in step.
        self._continuations: OrderedDict[MessageRef, list[str]] = OrderedDict()
        self._replied: OrderedDict[str, MessageRef] = OrderedDict()
        self._roots: dict[ConversationRef, dict[str, str]] = {}
        self._history_read: dict[ConversationRef, float] = {}
        # root ts -> the keyed replies known in its thread (key -> ts); a thread opened by
        # this process starts empty, another's is read once from conversations.replies
        self._thread_replies: OrderedDict[str, dict[str, str]] = OrderedDict()

    async def open_thread(
        self, conversation: ConversationRef, post: Post, *, thread_name: str, idempotency_key: str
    ) -> ThreadRef:
        first, *rest = render(post)
        if post.card is not None and self.decorate_card is not None:
            first = await self.decorate_card(conversation, first)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": idempotency_key}}
        root_ts = await self._post(conversation, first, thread_ts=None, metadata=metadata)
        self._roots.setdefault(conversation, {})[idempotency_key] = root_ts
        self._known_replies(root_ts, {})
        thread = ThreadRef(conversation, root_ts)
        if post.card is not None and self.card_posted is not None:
            self.card_posted(thread, first)
        for message in rest:
            await self._post(conversation, message, thread_ts=root_ts)
        if post.image is not None:  # a root cannot carry an upload: the thread's first reply
            await self._pacer.wait(conversation)
            client = await self._client_in(conversation, "files.upload")
            await upload_image(client, conversation, post.image, thread_ts=root_ts)
        return thread

    async def find_thread(
        self, conversation: ConversationRef, idempotency_key: str
    ) -> ThreadRef | None:
        """A root carrying the key in its metadata, from this process or recent history.

        conversations.history is limited to 1 call a minute (15 messages) for many apps,
        so each channel's recent roots are read once per HISTORY_TTL and remembered;
        roots posted since then are known because this process posted them.
        """
        known = self._roots.setdefault(conversation, {})
        if idempotency_key not in known and self._history_stale(conversation):
            client = await self._client_in(conversation, "conversations.history")
            data = await self._call(
                "conversations.history",
                conversation,
                client.conversations_history(
                    channel=conversation.channel_id,
                    include_all_metadata=True,
                    limit=HISTORY_PAGE,
                    team_id=conversation.workspace_id,
                ),
            )
            self._history_read[conversation] = time.monotonic()
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                key = (meta.get("event_payload") or {}).get("key")
                if meta.get("event_type") == METADATA_EVENT and isinstance(key, str):
                    known.setdefault(key, str(message["ts"]))
        ts = known.get(idempotency_key)
        return ThreadRef(conversation, ts) if ts else None

    def _history_stale(self, conversation: ConversationRef) -> bool:
        read = self._history_read.get(conversation)
        return read is None or time.monotonic() - read > HISTORY_TTL

    async def reply(
        self, thread: ThreadRef, post: Post, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """Slack cannot deduplicate posts, so a keyed reply carries its key in its metadata:
        in a thread this process did not open (a restart, another worker resuming a
        crashed digest) the thread's replies are read once and a reply already there is
        not posted again."""
        if idempotency_key is None:
            return await self._reply(thread, post, None)
        if idempotency_key in self._replied:
            return self._replied[idempotency_key]
        earlier = (await self._replies_in(thread)).get(idempotency_key)
        if earlier is not None:
            ref = MessageRef(thread.conversation, earlier, thread)
        else:
            ref = await self._reply(thread, post, idempotency_key)
            self._known_replies(thread.root_id, {idempotency_key: ref.message_id})
        self._replied[idempotency_key] = ref
        while len(self._replied) > REPLY_MEMORY:
            self._replied.popitem(last=False)
        return ref

    def _known_replies(self, root_ts: str, found: dict[str, str]) -> None:
        self._thread_replies.setdefault(root_ts, {}).update(found)
        self._thread_replies.move_to_end(root_ts)
        while len(self._thread_replies) > REPLY_MEMORY:
            self._thread_replies.popitem(last=False)

    async def _replies_in(self, thread: ThreadRef) -> dict[str, str]:
        known = self._thread_replies.get(thread.root_id)
        if known is not None:
            return known
        client = await self._client_in(thread.conversation, "conversations.replies")
        data = await self._call(
            "conversations.replies",
            thread.conversation,
            client.conversations_replies(
                channel=thread.conversation.channel_id,
                ts=thread.root_id,
                include_all_metadata=True,
                limit=HISTORY_PAGE,
                team_id=thread.conversation.workspace_id,
            ),
        )
        found: dict[str, str] = {}
        for message in data.get("messages", []):
            meta = message.get("metadata") or {}
            key = (meta.get("event_payload") or {}).get("key")
            if meta.get("event_type") == METADATA_EVENT and isinstance(key, str):
                found.setdefault(key, str(message["ts"]))
        self._known_replies(thread.root_id, found)
        return found

    async def _reply(self, thread: ThreadRef, post: Post, key: str | None) -> MessageRef:
        first, *rest = render(post)
        conversation = thread.conversation
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": key}} if key else None
        ts = await self._post(conversation, first, thread_ts=thread.root_id, metadata=metadata)
        ref = MessageRef(conversation, ts, thread)
        if rest:
            self._remember(
                ref, [await self._post(conversation, m, thread_ts=thread.root_id) for m in rest]
            )
        if post.image is not None:
            await self._pacer.wait(conversation)
            client = await self._client_in(conversation, "files.upload")
            await upload_image(client, conversation, post.image, thread_ts=thread.root_id)
        return ref

    def _remember(self, message: MessageRef, continuations: list[str]) -> None:
        self._continuations[message] = continuations
        while len(self._continuations) > REPLY_MEMORY:
            self._continuations.popitem(last=False)

    async def edit(self, message: MessageRef, post: Post) -> None:
        first, *rest = render(post)
        await self._update(message.conversation, message.message_id, first)
        continued = self._continuations.get(message, [])
        kept: list[str] = []
        for i, part in enumerate(rest):
            if i < len(continued):
                await self._update(message.conversation, continued[i], part)
                kept.append(continued[i])
            elif message.thread is not None:
                ts = await self._post(message.conversation, part, thread_ts=message.thread.root_id)
                kept.append(ts)
        for surplus in continued[len(rest) :]:
            client = await self._client_in(message.conversation, "chat.delete")
            await self._call(
                "chat.delete",
                message.conversation,
                client.chat_delete(
                    channel=message.conversation.channel_id,
                    ts=surplus,
                    team_id=message.conversation.workspace_id,
                ),
            )
        if kept:
            self._remember(message, kept)
        else:
            self._continuations.pop(message, None)

    async def edit_root(self, thread: ThreadRef, post: Post, *, idempotency_key: str) -> None:
        """chat.update of a root message (the digest's header), its key kept in its metadata.
        A post that no longer fits one message is left as it was (logged)."""
        first, *rest = render(post)
        if rest:
            logger.warning("not editing root %s: the new text needs several messages", thread)
            return
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": idempotency_key}}
        client = await self._client_in(thread.conversation, "chat.update")
        await self._call(
            "chat.update",
            thread.conversation,
            client.chat_update(
                channel=thread.conversation.channel_id,
                ts=thread.root_id,
                text=first.text,
                blocks=list(first.blocks) or None,
                metadata=metadata,
                link_names=False,
                team_id=thread.conversation.workspace_id,
            ),
        )

    async def thread_link(self, thread: ThreadRef) -> str:
        """The root's permalink (chat.getPermalink); the archives URL if Slack gives none."""
        found = await self.permalink(thread.conversation, thread.root_id)
        ts = thread.root_id.replace(".", "")
        return found or f"https://slack.com/archives/{thread.conversation.channel_id}/p{ts}"

    async def _post(
        self,
        conversation: ConversationRef,
        message: SlackMessage,
        *,
        thread_ts: str | None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        await self._pacer.wait(conversation)
        client = await self._client_in(conversation, "chat.postMessage")
        data = await self._call(
            "chat.postMessage",
            conversation,
            client.chat_postMessage(
                channel=conversation.channel_id,
                text=message.text,
                blocks=list(message.blocks) or None,
                thread_ts=thread_ts,
                metadata=metadata,
                link_names=False,
                unfurl_links=False,
                unfurl_media=False,
                team_id=conversation.workspace_id,
            ),
        )
        return str(data["ts"])

    async def update_message(
        self, conversation: ConversationRef, ts: str, message: SlackMessage
    ) -> None:
        """Replace a message the app posted (a card whose vote count changed)."""
        await self._update(conversation, ts, message)

    async def permalink(self, conversation: ConversationRef, ts: str) -> str | None:
        """The message's permalink from chat.getPermalink (None if Slack refuses)."""
        try:
            client = await self._client_in(conversation, "chat.getPermalink")
            data = await self._call(
                "chat.getPermalink",
                conversation,
                client.chat_getPermalink(
                    channel=conversation.channel_id,
                    message_ts=ts,
                    team_id=conversation.workspace_id,
                ),
            )
        except PlatformUnavailable:
            return None
        link = data.get("permalink")
        return str(link) if link else None

    async def _update(self, conversation: ConversationRef, ts: str, message: SlackMessage) -> None:
        client = await self._client_in(conversation, "chat.update")
        await self._call(
            "chat.update",
            conversation,
            client.chat_update(
                channel=conversation.channel_id,
                ts=ts,
                text=message.text,
                blocks=list(message.blocks) or None,
                link_names=False,
                team_id=conversation.workspace_id,
            ),
        )

    async def _client_in(self, conversation: ConversationRef, method: str) -> AsyncWebClient:
        client = await self._clients.client_for(conversation.workspace_id)
        if client is None:
            raise PlatformUnavailable(
                key="slack_refused",
                method=method,
                error=NOT_INSTALLED,
                advice=Phrase("slack_advice_not_installed"),
            )
        return client

    async def _call(
        self, method: str, conversation: ConversationRef, request: Any
    ) -> dict[str, Any]:
        try:
            return await call_api(method, request)
        except PlatformUnavailable as error:
            if error.values.get("error") in _TOKEN_REFUSED:
                self._clients.forget(conversation.workspace_id)
            raise


async def call_api(method: str, request: Any) -> dict[str, Any]:
    """Await a Web API call; Slack's refusals become PlatformUnavailable with advice."""
    try:
        response = await request
    except SlackApiError as e:
        body = e.response.data if isinstance(e.response.data, dict) else {}
        error = str(body.get("error", "")) or f"HTTP {e.response.status_code}"
        advice = Phrase(_ADVICE.get(error, "slack_advice_other"))
        raise PlatformUnavailable(
            key="slack_refused", method=method, error=error, advice=advice
        ) from e
    except (TimeoutError, aiohttp.ClientError) as e:
        raise PlatformUnavailable(key="slack_unreachable", method=method) from e
    data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
    return data
