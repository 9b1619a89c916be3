"""Which platform connection a conversation's messages go through.

Adapters attach their `Chat` when they connect; the core asks for a conversation's
chat and gets one that cleans every post on the way out (`Outbound`), so no use case
can send an uncleaned message.
"""

from __future__ import annotations

from bot.domain import ConversationRef, MessageRef, ThreadRef
from bot.errors import PlatformNotConnected
from bot.publishing.outbound import Outbound
from bot.render import Post
from bot.seams import Chat


class CleanChat:
    """A platform's `Chat` behind the outbound rules."""

    def __init__(self, chat: Chat, outbound: Outbound) -> None:
        self._chat = chat
        self._outbound = outbound

    async def open_thread(
        self, conversation: ConversationRef, post: Post, *, thread_name: str, idempotency_key: str
    ) -> ThreadRef:
        return await self._chat.open_thread(
            conversation,
            self._outbound.post(post),
            thread_name=self._outbound.text(thread_name),
            idempotency_key=idempotency_key,
        )

    async def find_thread(
        self, conversation: ConversationRef, idempotency_key: str
    ) -> ThreadRef | None:
        return await self._chat.find_thread(conversation, idempotency_key)

    async def reply(
        self, thread: ThreadRef, post: Post, *, idempotency_key: str | None = None
    ) -> MessageRef:
        return await self._chat.reply(
            thread, self._outbound.post(post), idempotency_key=idempotency_key
        )

    async def edit(self, message: MessageRef, post: Post) -> None:
        await self._chat.edit(message, self._outbound.post(post))

    async def edit_root(self, thread: ThreadRef, post: Post, *, idempotency_key: str) -> None:
        await self._chat.edit_root(
            thread, self._outbound.post(post), idempotency_key=idempotency_key
        )

    async def thread_link(self, thread: ThreadRef) -> str:
        return await self._chat.thread_link(thread)


class ChatRouter:
    def __init__(self, outbound: Outbound) -> None:
        self._outbound = outbound
        self._chats: dict[str, CleanChat] = {}

    def attach(self, platform: str, chat: Chat) -> None:
        self._chats[str(platform)] = CleanChat(chat, self._outbound)

    def for_conversation(self, conversation: ConversationRef) -> Chat:
        try:
            return self._chats[str(conversation.platform)]
        except KeyError:
            raise PlatformNotConnected(str(conversation.platform)) from None
