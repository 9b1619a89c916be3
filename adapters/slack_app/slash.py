"""The slash command listener: ack within 3 s, check who may run it, dispatch, reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.admins import Managers, needs_manager
from adapters.slack_app.command_handlers import Handler, Request
from adapters.slack_app.commands import (
    COMMAND_PATTERN,
    COMMAND_PREFIX,
    MAIN_COMMAND,
    SUBCOMMANDS,
    parse_command,
)
from adapters.slack_app.guard import Incoming, channel_language, last_resort
from adapters.slack_app.mrkdwn import escape
from adapters.slack_app.payloads import CommandOrigin, command_origin
from adapters.slack_app.replies import CommandReply
from bot.bootstrap import Services
from bot.publishing import Outbound
from bot.render import Post
from bot.text import t

PUBLIC = frozenset({"pick"})  # results the whole channel sees; the rest are private

# Opens a modal for a sub-command typed bare; False: run the text command instead.
ModalOpener = Callable[[Incoming, CommandOrigin], Awaitable[bool]]


def unknown_subcommand(command: str, text: str) -> str | None:
    """The word a member typed after /paperclub that is no sub-command (None: it is one)."""
    sub = text.strip().partition(" ")[0]
    if command != MAIN_COMMAND or not sub or sub.lower() in SUBCOMMANDS:
        return None
    return sub


def register(
    app: AsyncApp,
    services: Services,
    managers: Managers,
    table: dict[str, Handler],
    modals: dict[str, ModalOpener],
) -> None:
    """`modals`: the sub-commands that, typed with nothing after them, open a modal."""
    channels = services.channels

    @app.command(COMMAND_PATTERN)
    @last_resort("/paperclub", command_reply(services.outbound), channel_language(channels))
    async def on_command(incoming: Incoming, reply: CommandReply) -> None:
        invocation = parse_command(incoming.body["command"], incoming.body.get("text", ""))
        opener = modals.get(invocation.sub) if not invocation.args else None
        if opener is not None:
            await incoming.ack()  # nothing to show: the modal is the answer
        else:
            await reply.acknowledge(f"Working on `{COMMAND_PREFIX}{escape(invocation.sub)}`…")
        origin = command_origin(incoming.body)
        if needs_manager(invocation) and not await managers.allows(
            incoming.client, origin.conversation.workspace_id, origin.member.user_id
        ):
            language = (await channels.channel_settings(origin.conversation)).language
            refusal = t(
                "slack_managers_only", language, command=f"{COMMAND_PREFIX}{invocation.sub}"
            )
            await reply.say(Post(text=refusal))
            return
        if opener is not None and await opener(incoming, origin):
            return
        request = Request(invocation.args, origin.conversation, origin.member, reply.progress)
        result = await table[invocation.sub](request)
        unknown = unknown_subcommand(incoming.body["command"], incoming.body.get("text", ""))
        if unknown is not None:  # say so before the help
            language = (await channels.channel_settings(origin.conversation)).language
            notice = t("unknown_subcommand", language, command=f"{COMMAND_PREFIX}{unknown[:40]}")
            result = Post(text=f"{notice}\n\n{result.text}")
        if invocation.sub in PUBLIC:
            await reply.announce(result)
        else:
            await reply.say(result)


def command_reply(outbound: Outbound) -> Callable[[Incoming], CommandReply]:
    def make(incoming: Incoming) -> CommandReply:
        origin = command_origin(incoming.body)
        return CommandReply(
            outbound,
            incoming.ack,
            incoming.respond,
            incoming.client,
            origin.conversation,
            origin.member.user_id,
        )

    return make
