"""Paper pickers: `/paperclub vote|present|save|read|pick` without a paper open a small
modal whose `external_select` lists the channel's recent papers as the member types (the
same source as Discord's autocomplete, `Archive.recent_papers`; for save and read the
member's unread reading list comes first). Submitting runs the text command's own
handler. In the pick modal the paper may stay empty: the most-voted paper is picked, and
the announcement goes to the whole channel as `/paperclub pick` does.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.admins import Managers, needs_manager
from adapters.slack_app.ask_ui import modal_reply, submitter
from adapters.slack_app.command_handlers import Handler, Request
from adapters.slack_app.commands import COMMAND_PREFIX, Invocation
from adapters.slack_app.guard import Incoming, channel_language, last_resort
from adapters.slack_app.payloads import CommandOrigin
from adapters.slack_app.replies import ChannelPost, EphemeralReply, LogOnly
from adapters.slack_app.views import (
    OPTIONS_LIMIT,
    ModalContext,
    external_select,
    input_block,
    modal,
    open_modal,
    option,
    submitted,
    text_input,
    text_of,
    users_select,
)
from bot.domain import Author, ConversationRef
from bot.publishing import Outbound
from bot.render import Post
from bot.text import t
from bot.usecases.archive import Archive
from bot.usecases.channels import Channels
from bot.usecases.club.reading_list import ReadingList

log = logging.getLogger(__name__)

PICKER_VIEW = "paperclub_paper_picker"
PAPER_BLOCK = "paper"
PAPER_SELECT = "paperclub_paper"  # the external_select's action_id: its block_suggestion
PRESENTER_BLOCK = "presenter"
MEETING_BLOCK = "meeting"
PICKED = ("vote", "present", "save", "read", "pick")  # sub-commands that name one paper
PUBLIC = ("pick",)  # announced in the channel, as slash.PUBLIC
READING = ("save", "read")
SHOWN = 25


def picker_modal(sub: str, member_id: str, language: str, context: ModalContext) -> dict[str, Any]:
    blocks = [
        input_block(
            PAPER_BLOCK,
            t("slack_picker_label_paper", language),
            external_select(PAPER_SELECT, t("slack_picker_placeholder_paper", language)),
            optional=sub == "pick",
            hint=t("slack_picker_hint_pick", language) if sub == "pick" else "",
        )
    ]
    if sub == "pick":
        blocks.append(meeting_block(language))
    if sub == "present":
        blocks.append(
            input_block(
                PRESENTER_BLOCK,
                t("slack_picker_label_presenter", language),
                users_select(PRESENTER_BLOCK, member_id),
            )
        )
        blocks.append(meeting_block(language))
    return modal(
        PICKER_VIEW,
        t(f"slack_picker_title_{sub}", language),
        blocks,
        submit=t(f"slack_picker_submit_{sub}", language),
        close=t("slack_modal_close", language),
        context=context,
    )


def meeting_block(language: str) -> dict[str, Any]:
    return input_block(
        MEETING_BLOCK,
        t("slack_picker_label_meeting", language),
        text_input(MEETING_BLOCK, placeholder="2027-03-11 18:00", max_length=40),
        optional=True,
    )


def paper_option(arxiv_id: str, title: str) -> dict[str, Any]:
    return option(arxiv_id, f"{arxiv_id} · {title}")


class PaperPickers:
    def __init__(
        self,
        archive: Archive,
        reading_list: ReadingList,
        channels: Channels,
        table: dict[str, Handler],
    ) -> None:
        self._archive = archive
        self._reading_list = reading_list
        self._channels = channels
        self._table = table

    async def open(self, incoming: Incoming, origin: CommandOrigin, sub: str) -> bool:
        conversation = origin.conversation
        language = (await self._channels.channel_settings(conversation)).language
        context = ModalContext(conversation.workspace_id, conversation.channel_id, sub=sub)
        view = picker_modal(sub, origin.member.user_id, language, context)
        await open_modal(incoming.client, str(incoming.body["trigger_id"]), view, context.team_id)
        return True

    async def options(
        self, conversation: ConversationRef, member: Author, sub: str, typed: str
    ) -> list[dict[str, Any]]:
        """The channel's recent papers matching `typed` (save/read: the member's unread
        reading list first), one option per paper."""
        shown: dict[str, dict[str, Any]] = {}
        if sub in READING:
            wanted = typed.strip().lower()
            for entry in await self._reading_list.saved(conversation, member):
                if entry.read_at is None and (
                    wanted in entry.arxiv_id or wanted in entry.title.lower()
                ):
                    shown.setdefault(entry.arxiv_id, paper_option(entry.arxiv_id, entry.title))
        for hit in await self._archive.recent_papers(conversation, typed, limit=SHOWN):
            shown.setdefault(hit.arxiv_id, paper_option(hit.arxiv_id, hit.title))
        return list(shown.values())[: min(SHOWN, OPTIONS_LIMIT)]

    async def run(self, sub: str, args: str, context: ModalContext, member: Author) -> Post:
        async def no_progress(status: str) -> None:
            return None

        return await self._table[sub](Request(args, context.conversation, member, no_progress))


async def member_name(client: AsyncWebClient, user_id: str) -> str:
    """The presenter's name as a typed `<@U…|name>` mention carries it: the member's
    handle (users.info; the id if Slack refuses)."""
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
        return user_id
    user = response.get("user") or {}
    profile = user.get("profile") or {}
    name = user.get("name") or profile.get("display_name") or user_id
    return "_".join(str(name).split())[:80]


def register(
    app: AsyncApp,
    pickers: PaperPickers,
    channels: Channels,
    managers: Managers,
    outbound: Outbound,
) -> None:
    @app.options(PAPER_SELECT)
    @last_resort("paper picker options", lambda _: LogOnly("paper picker options"))
    async def on_suggest(incoming: Incoming, reply: LogOnly) -> None:
        body = incoming.body
        context = ModalContext.of_view(body.get("view") or {})
        found = await pickers.options(
            context.conversation, submitter(incoming), context.sub, str(body.get("value") or "")
        )
        await incoming.ack(options=found)

    @app.view_submission(PICKER_VIEW)
    @last_resort("paper picker", modal_reply(outbound), channel_language(channels))
    async def on_picked(incoming: Incoming, reply: EphemeralReply) -> None:
        view = incoming.body.get("view") or {}
        context = ModalContext.of_view(view)
        values = submitted(view)
        member = submitter(incoming)
        if context.sub not in PICKED:
            await incoming.ack()
            return
        args = text_of(values, PAPER_BLOCK)
        meeting = text_of(values, MEETING_BLOCK)
        if context.sub == "present":
            presenter = text_of(values, PRESENTER_BLOCK) or member.user_id
            name = await member_name(incoming.client, presenter)
            args = f"{args} <@{presenter}|{name}> {meeting}".strip()
        elif context.sub == "pick":
            args = f"{args} {meeting}".strip()
        if needs_manager(Invocation(context.sub, args)) and not await managers.allows(
            incoming.client, context.team_id, member.user_id
        ):
            language = (await channels.channel_settings(context.conversation)).language
            refusal = t("slack_managers_only", language, command=f"{COMMAND_PREFIX}{context.sub}")
            await incoming.ack(response_action="errors", errors={PAPER_BLOCK: refusal})
            return
        await incoming.ack()
        result = await pickers.run(context.sub, args, context, member)
        if context.sub in PUBLIC:
            await ChannelPost(outbound, incoming.client, context.conversation).say(result)
        else:
            await reply.say(result)
