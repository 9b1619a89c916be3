"""Every message the Slack adapter sends on its own goes through one of these replies,
and each cleans it with `Outbound` first: no secret, no `@everyone` (the core's own
posts are cleaned by the ChatRouter)."""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.blocks import render
from adapters.slack_app.chat import SlackChat
from adapters.slack_app.files import image_block
from adapters.slack_app.mrkdwn import escape
from bot.domain import ConversationRef, ThreadRef
from bot.publishing import Outbound
from bot.render import Post

log = logging.getLogger(__name__)

RESPONSE_URL_USES = 5  # Slack: at most 5 posts to a response_url, within 30 minutes
PROGRESS_INTERVAL = 2.0


class Reply(Protocol):
    async def say(self, post: Post) -> None: ...


class CommandReply:
    """The command's private reply, replaced in place via response_url as work progresses.

    One use of the response_url is always kept for the result; when the URL is used
    up or expired (30 minutes), the result goes out as an ephemeral message instead.
    """

    def __init__(
        self,
        outbound: Outbound,
        ack: AsyncAck,
        respond: AsyncRespond,
        client: AsyncWebClient,
        conversation: ConversationRef,
        user_id: str,
    ) -> None:
        self._outbound = outbound
        self._ack = ack
        self._respond = respond
        self._client = client
        self._conversation = conversation
        self._user_id = user_id
        self._uses_left = RESPONSE_URL_USES
        self._last = 0.0

    async def acknowledge(self, text: str) -> None:
        """Slack's 3-second ack, shown to the member until the first reply replaces it."""
        await self._ack(text=self._outbound.text(text))

    async def progress(self, status: str) -> None:
        now = time.monotonic()
        if self._uses_left <= 1 or now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        await self._send(escape(self._outbound.text(status)), (), replace=True)

    async def say(self, post: Post) -> None:
        """The result: replaces the progress message (and continues if it is long); its
        image (a chart) is shown under the last part."""
        messages = render(self._outbound.post(post))
        picture = (
            await image_block(self._client, self._conversation, post.image) if post.image else None
        )
        for i, message in enumerate(messages):
            blocks = message.blocks
            if picture is not None and i == len(messages) - 1:
                blocks = (*blocks, picture)
            await self._send(message.text, blocks, replace=i == 0)

    async def announce(self, post: Post) -> None:
        """The result for the whole channel (`response_type: in_channel`), e.g. a pick."""
        for message in render(self._outbound.post(post)):
            if self._uses_left > 0:
                self._uses_left -= 1
                response = await self._respond(
                    text=message.text,
                    blocks=list(message.blocks) or None,
                    response_type="in_channel",
                    replace_original=False,
                )
                if response.status_code == 200:
                    continue
            await self._client.chat_postMessage(
                channel=self._conversation.channel_id,
                text=message.text,
                blocks=list(message.blocks) or None,
                team_id=self._conversation.workspace_id,
            )

    async def _send(self, text: str, blocks: tuple[dict[str, Any], ...], *, replace: bool) -> None:
        if self._uses_left > 0:
            self._uses_left -= 1
            try:
                response = await self._respond(
                    text=text,
                    blocks=list(blocks) or None,
                    response_type="ephemeral",
                    replace_original=replace,
                )
                if response.status_code == 200:
                    return
                log.warning("response_url refused (%s); posting ephemerally", response.status_code)
            except Exception:
                log.warning("response_url failed; posting ephemerally", exc_info=True)
        await self._client.chat_postEphemeral(
            channel=self._conversation.channel_id,
            user=self._user_id,
            text=text,
            blocks=list(blocks) or None,
            team_id=self._conversation.workspace_id,
        )


class EphemeralReply:
    """A note only one member sees, in a channel (a modal's result: no response_url)."""

    def __init__(
        self,
        outbound: Outbound,
        client: AsyncWebClient,
        conversation: ConversationRef,
        user_id: str,
    ) -> None:
        self._outbound = outbound
        self._client = client
        self._conversation = conversation
        self._user_id = user_id

    async def say(self, post: Post) -> None:
        for message in render(self._outbound.post(post)):
            await self._client.chat_postEphemeral(
                channel=self._conversation.channel_id,
                user=self._user_id,
                text=message.text,
                blocks=list(message.blocks) or None,
                team_id=self._conversation.workspace_id,
            )


class ChannelPost:
    """A message the whole channel sees (a pick made in a modal)."""

    def __init__(
        self, outbound: Outbound, client: AsyncWebClient, conversation: ConversationRef
    ) -> None:
        self._outbound = outbound
        self._client = client
        self._conversation = conversation

    async def say(self, post: Post) -> None:
        for message in render(self._outbound.post(post)):
            await self._client.chat_postMessage(
                channel=self._conversation.channel_id,
                text=message.text,
                blocks=list(message.blocks) or None,
                link_names=False,
                unfurl_links=False,
                team_id=self._conversation.workspace_id,
            )


class ThreadReply:
    """A reply in the thread a member wrote in (or rooted at their top-level message)."""

    def __init__(self, outbound: Outbound, chat: SlackChat, thread: ThreadRef) -> None:
        self._outbound = outbound
        self._chat = chat
        self.thread = thread

    async def say(self, post: Post) -> None:
        await self._chat.reply(self.thread, self._outbound.post(post))


class LogOnly:
    """Where there is nobody to tell (a reaction, a button click): the log hears it."""

    def __init__(self, what: str) -> None:
        self._what = what

    async def say(self, post: Post) -> None:
        log.warning("%s not handled: %s", self._what, post.text)
