"""Message shortcuts: "Save to my reading list" on a paper's post (or any reply in its
thread) saves that paper for the member and tells only them."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.guard import Incoming, channel_language, last_resort
from adapters.slack_app.payloads import team_of
from adapters.slack_app.replies import CommandReply
from bot.domain import Author, ConversationRef, Platform, ThreadRef
from bot.publishing import Outbound
from bot.render import Post
from bot.text import t
from bot.usecases.channels import Channels
from bot.usecases.club.reading_list import ReadingList

SAVE_SHORTCUT = "paperclub_save"  # the callback_id in slack_manifest.yaml


def register(
    app: AsyncApp, reading_list: ReadingList, channels: Channels, outbound: Outbound
) -> None:
    @app.shortcut(SAVE_SHORTCUT)
    @last_resort("save shortcut", shortcut_reply(outbound), channel_language(channels))
    async def on_save(incoming: Incoming, reply: CommandReply) -> None:
        await incoming.ack()
        thread, member = shortcut_target(incoming)
        paper = await reading_list.save_from_thread(thread, member)
        language = (await channels.channel_settings(thread.conversation)).language
        await reply.say(Post(text=t("saved", language, title=paper.title)))


def shortcut_target(incoming: Incoming) -> tuple[ThreadRef, Author]:
    """The paper thread a message shortcut was used in, and who used it."""
    body = incoming.body
    conversation = ConversationRef(Platform.SLACK, team_of(body), str(body["channel"]["id"]))
    message = body.get("message", {})
    root = str(message.get("thread_ts") or body["message_ts"])
    user = body["user"]
    return ThreadRef(conversation, root), Author(
        str(user["id"]), str(user.get("name") or user["id"])
    )


def shortcut_reply(outbound: Outbound) -> Callable[[Incoming], CommandReply]:
    def make(incoming: Incoming) -> CommandReply:
        thread, member = shortcut_target(incoming)
        return CommandReply(
            outbound,
            incoming.ack,
            incoming.respond,
            incoming.client,
            thread.conversation,
            member.user_id,
        )

    return make
