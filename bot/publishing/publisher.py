"""Post exactly once: every path that posts goes through `Publisher`.

A paper thread (a digest entry or a summoned paper) is reserved in the store under its
key before anything is sent. A reservation left by a crash is looked up on the
platform (the key rides on the root message) before a new root is opened, and each
reply is counted as it lands, so a rerun resumes where the crash stopped. Lighter
posts (a reading session's root, a notice, a reminder) have no reservation row of
their own: they rely on the platform lookup and the reply nonce alone.
"""

from __future__ import annotations

from bot.domain import ConversationRef, MessageRef, ThreadRef
from bot.keyed_locks import KeyedLocks
from bot.publishing.chats import ChatRouter
from bot.publishing.keys import reply_key
from bot.render import PaperThread, Post
from bot.store import PostState, Store

NO_PAPER = "-"  # the arxiv_id of a reserved post that is not a paper (the empty-week notice)


class Publisher:
    def __init__(self, store: Store, chats: ChatRouter) -> None:
        self._store = store
        self._chats = chats
        self._locks: KeyedLocks[str] = KeyedLocks()

    async def publish_thread(
        self,
        conversation: ConversationRef,
        thread_post: PaperThread,
        *,
        key: str,
        arxiv_id: str,
        week: str,
    ) -> ThreadRef:
        """Post a paper thread under `key` so no retry or restart can post it twice."""
        # Two members summoning the same paper at once: the second waits, then finds it done.
        async with self._locks.hold(key):
            return await self._publish_reserved(conversation, thread_post, key, arxiv_id, week)

    async def preview_thread(
        self, conversation: ConversationRef, thread_post: PaperThread, *, key: str
    ) -> ThreadRef:
        """A dry run: the thread is shown, nothing is reserved or remembered."""
        chat = self._chats.for_conversation(conversation)
        thread = await chat.open_thread(
            conversation, thread_post.root, thread_name=thread_post.thread_name, idempotency_key=key
        )
        for index, reply in enumerate(thread_post.replies):
            await chat.reply(thread, reply, idempotency_key=reply_key(key, index))
        return thread

    async def publish_notice(
        self, conversation: ConversationRef, post: Post, *, thread_name: str, key: str, week: str
    ) -> ThreadRef | None:
        """A one-message notice, reserved like a paper thread (it has no replies). Its
        thread when this call posted it; None when an earlier call had."""
        async with self._locks.hold(key):
            record = await self._store.reserve_post(key, conversation, NO_PAPER, week)
            if record.state == PostState.ROOT_POSTED:  # a crash right after it was posted
                await self._store.mark_complete(key)
            if record.state != PostState.RESERVED:
                return None
            thread = await self._find_or_open(
                conversation, post, thread_name, key, look=not record.fresh
            )
            await self._store.mark_root_posted(key, thread, NO_PAPER)
            await self._store.mark_complete(key)
            return thread

    async def edit_notice(self, thread: ThreadRef, post: Post, *, key: str) -> None:
        """Replace the text of the notice posted under `key` (the digest's header, once
        its papers' threads exist)."""
        async with self._locks.hold(key):
            chat = self._chats.for_conversation(thread.conversation)
            await chat.edit_root(thread, post, idempotency_key=key)

    async def thread_link(self, thread: ThreadRef) -> str:
        """Where a member opens `thread` on its platform."""
        return await self._chats.for_conversation(thread.conversation).thread_link(thread)

    async def open_once(
        self, conversation: ConversationRef, post: Post, *, thread_name: str, key: str
    ) -> ThreadRef:
        """The thread an earlier call with `key` opened, or a new one."""
        async with self._locks.hold(key):
            return await self._find_or_open(conversation, post, thread_name, key, look=True)

    async def reply_once(self, thread: ThreadRef, post: Post, *, key: str) -> MessageRef:
        """A reply the platform deduplicates by `key` (a Discord nonce, the transcript)."""
        chat = self._chats.for_conversation(thread.conversation)
        return await chat.reply(thread, post, idempotency_key=key)

    async def reply(self, thread: ThreadRef, post: Post) -> MessageRef:
        """An ordinary reply (an answer, a recap): a retry is the member's choice."""
        return await self._chats.for_conversation(thread.conversation).reply(thread, post)

    async def _publish_reserved(
        self,
        conversation: ConversationRef,
        thread_post: PaperThread,
        key: str,
        arxiv_id: str,
        week: str,
    ) -> ThreadRef:
        chat = self._chats.for_conversation(conversation)
        record = await self._store.reserve_post(key, conversation, arxiv_id, week)
        if record.state == PostState.RESERVED:
            thread = await self._find_or_open(
                conversation, thread_post.root, thread_post.thread_name, key, look=not record.fresh
            )
            await self._store.mark_root_posted(key, thread, arxiv_id)
            replies_done = 0
        else:
            assert record.root_id is not None
            thread = ThreadRef(conversation, record.root_id)
            replies_done = record.replies_done
        if record.state != PostState.COMPLETE:
            for index in range(replies_done, len(thread_post.replies)):
                await chat.reply(
                    thread, thread_post.replies[index], idempotency_key=reply_key(key, index)
                )
                await self._store.mark_reply_posted(key, index + 1)
            await self._store.mark_complete(key)
        return thread

    async def _find_or_open(
        self, conversation: ConversationRef, post: Post, thread_name: str, key: str, *, look: bool
    ) -> ThreadRef:
        """`look=False` for a reservation made just now: nothing can exist yet, so the
        platform is not searched (a search costs Slack and Discord API calls)."""
        chat = self._chats.for_conversation(conversation)
        found = await chat.find_thread(conversation, key) if look else None
        return found or await chat.open_thread(
            conversation, post, thread_name=thread_name, idempotency_key=key
        )
