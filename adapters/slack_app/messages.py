"""Messages in threads (follow-up questions) and mentions of the bot."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.chat import SlackChat
from adapters.slack_app.commands import COMMAND_PREFIX, link, thread_link
from adapters.slack_app.dedupe import SeenEvents
from adapters.slack_app.guard import Incoming, channel_language, last_resort
from adapters.slack_app.payloads import (
    author_of,
    conversation_of,
    event_id,
    in_thread,
    is_from_a_bot,
    is_member_reply,
    member_text,
    mentions,
    message_key,
    thread_of,
)
from adapters.slack_app.replies import ThreadReply
from bot.domain import ThreadRef
from bot.errors import NotAPaperThread
from bot.publishing import Outbound
from bot.render import Post
from bot.text.presenters import help_text
from bot.usecases.answers import Answers
from bot.usecases.channels import Channels
from bot.usecases.club.recap import Recap
from bot.usecases.papers import Papers


def register(
    app: AsyncApp,
    chat: SlackChat,
    seen: SeenEvents,
    *,
    outbound: Outbound,
    answers: Answers,
    papers: Papers,
    channels: Channels,
    recap: Recap,
) -> None:
    reply_here = thread_reply(outbound, chat)

    @app.event("message")
    @last_resort("thread message", reply_here, channel_language(channels))
    async def on_message(incoming: Incoming, reply: ThreadReply) -> None:
        event, body = incoming.event, incoming.body
        if not is_member_reply(event, incoming.bot_user_id):
            return
        if mentions(event, incoming.bot_user_id):
            return  # the app_mention event for this message handles it
        if await seen.first_time(event_id(body), message_key(body, event)):
            await answer(incoming, reply, addressed=False)

    @app.event("app_mention")
    @last_resort("mention", reply_here, channel_language(channels))
    async def on_mention(incoming: Incoming, reply: ThreadReply) -> None:
        event, body = incoming.event, incoming.body
        if is_from_a_bot(event, incoming.bot_user_id):
            return
        if not await seen.first_time(event_id(body), message_key(body, event)):
            return
        text = member_text(event, incoming.bot_user_id)
        if not in_thread(event):
            await summon(incoming, reply, text)
        elif text.strip().lower() == "recap":
            await recap.recap(reply.thread)  # `@paperclub recap` posts the notes in the thread
        else:
            await answer(incoming, reply, addressed=True)

    async def answer(incoming: Incoming, reply: ThreadReply, *, addressed: bool) -> None:
        """A member's message in a thread: answered if the thread is one of our papers'."""
        event = incoming.event
        question = member_text(event, incoming.bot_user_id)
        result = await answers.answer(reply.thread, author_of(event), question)
        if result is None and addressed:
            await reply.say(Post(text=str(NotAPaperThread())))

    async def summon(incoming: Incoming, reply: ThreadReply, text: str) -> None:
        """`@paperclub 2309.12288` at the top of a channel opens that paper's thread."""
        conversation = reply.thread.conversation
        if not text or text.lower() == "help":
            language = (await channels.channel_settings(conversation)).language
            await reply.say(Post(text=help_text(language, COMMAND_PREFIX, in_thread=False)))
            return
        thread = await papers.summon_paper(conversation, text.split()[0])
        await reply.say(Post(text=f"The paper's thread: {link('open it', thread_link(thread))}"))


def thread_reply(outbound: Outbound, chat: SlackChat) -> Callable[[Incoming], ThreadReply]:
    """Reply in the message's thread, or start one rooted at the message."""

    def make(incoming: Incoming) -> ThreadReply:
        event = incoming.event
        if in_thread(event):
            where = thread_of(incoming.body, event)
        else:
            where = ThreadRef(conversation_of(incoming.body, event), str(event.get("ts", "")))
        return ThreadReply(outbound, chat, where)

    return make
