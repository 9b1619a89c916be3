"""`/paperclub settings` as a modal: the channel's settings prefilled, checked field by
field with the same rules as `/paperclub settings key=value` (bot/usecases/channel_rules.py),
each refusal shown under its own field (`response_action: errors`).

Only members who may change settings get the modal (admins.py); anyone else sees the
settings as text, as before. `/paperclub settings key=value` keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.admins import Managers
from adapters.slack_app.ask_ui import modal_reply, submitter
from adapters.slack_app.commands import COMMAND_PREFIX, settings_text
from adapters.slack_app.guard import Incoming, channel_language, last_resort
from adapters.slack_app.payloads import CommandOrigin
from adapters.slack_app.replies import EphemeralReply
from adapters.slack_app.views import (
    ModalContext,
    Submitted,
    input_block,
    modal,
    multi_select,
    number_input,
    open_modal,
    static_select,
    submitted,
    text_input,
    text_of,
    timepicker,
)
from bot.config import KNOWN_SOURCES
from bot.domain import ChannelSettings
from bot.errors import InvalidSetting
from bot.publishing import Outbound
from bot.render import Post
from bot.text import NATIVE_LANGUAGE_NAMES, SUPPORTED_LANGUAGES, t
from bot.text.weekdays import day_name
from bot.usecases import channel_rules as rules
from bot.usecases.channels import Channels

SETTINGS_VIEW = "paperclub_settings_view"
NO_MEETING = "off"
MAX_DIGEST_SIZE = 25
LANGUAGE, WEEKDAY, TIME, TIMEZONE, SIZE = "language", "weekday", "time", "timezone", "size"
TOPICS, MUTED, CATEGORIES, SOURCES = "topics", "muted", "categories", "sources"
MEETING_DAY, MEETING_TIME, AUTO_PICK = "meeting_day", "meeting_time", "auto_pick"


# Each field's check: the same channel_rules validator as `/paperclub settings key=value`,
# whose refusal says itself in the channel's language.
RULES: dict[str, Callable[[Any], object]] = {
    LANGUAGE: rules.valid_language,
    WEEKDAY: rules.valid_weekday,
    TIME: rules.valid_time,
    TIMEZONE: rules.valid_timezone,
    SIZE: lambda v: _size(v),
    TOPICS: rules.valid_weighted_topics,
    MUTED: rules.valid_muted_topics,
    CATEGORIES: rules.valid_categories,
    SOURCES: lambda v: rules.valid_sources(v, KNOWN_SOURCES),
    MEETING_DAY: lambda v: v == NO_MEETING or rules.valid_weekday(v),
    MEETING_TIME: lambda v: v is None or rules.valid_time(v),
    AUTO_PICK: rules.valid_auto_pick_hours,
}


def _size(value: int | str) -> int:
    if isinstance(value, str):
        raise InvalidSetting(key="error_not_a_whole_number", given=rules.shown(value))
    return rules.valid_size(value)


def settings_modal(s: ChannelSettings, language: str, context: ModalContext) -> dict[str, Any]:
    days = [(str(i), day_name(i, language)) for i in range(7)]
    weights = dict(s.topic_weights)
    topics = ", ".join(f"{x}:{weights[x]:g}" if x in weights else x for x in s.topics)
    meeting_day = NO_MEETING if s.meeting_weekday is None else str(s.meeting_weekday)

    def label(key: str) -> str:
        return t(f"slack_settings_label_{key}", language)

    blocks = [
        input_block(
            LANGUAGE,
            label(LANGUAGE),
            static_select(
                LANGUAGE,
                [(code, NATIVE_LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LANGUAGES],
                s.language,
            ),
        ),
        input_block(WEEKDAY, label(WEEKDAY), static_select(WEEKDAY, days, str(s.weekday))),
        input_block(TIME, label(TIME), timepicker(TIME, s.time)),
        input_block(
            TIMEZONE,
            label(TIMEZONE),
            text_input(
                TIMEZONE,
                initial=s.timezone,
                placeholder="Asia/Tokyo",
                max_length=rules.MAX_TIMEZONE_CHARS,
            ),
        ),
        input_block(
            SIZE,
            label(SIZE),
            number_input(SIZE, initial=s.digest_size, least=1, most=MAX_DIGEST_SIZE),
        ),
        input_block(
            TOPICS,
            label(TOPICS),
            text_input(TOPICS, initial=topics, placeholder="llm, agents:2, diffusion"),
            optional=True,
            hint=t("slack_settings_hint_topics", language),
        ),
        input_block(
            MUTED,
            label(MUTED),
            text_input(MUTED, initial=", ".join(s.muted_topics)),
            optional=True,
            hint=t("slack_settings_hint_muted", language),
        ),
        input_block(
            CATEGORIES,
            label(CATEGORIES),
            text_input(CATEGORIES, initial=", ".join(s.categories), placeholder="cs.CL, cs.LG"),
            optional=True,
            hint=t("slack_settings_hint_categories", language),
        ),
        input_block(
            SOURCES,
            label(SOURCES),
            multi_select(SOURCES, [(name, name) for name in KNOWN_SOURCES], s.sources),
            optional=True,
            hint=t("slack_settings_hint_sources", language),
        ),
        input_block(
            MEETING_DAY,
            label(MEETING_DAY),
            static_select(
                MEETING_DAY,
                [(NO_MEETING, t("slack_settings_no_meeting", language)), *days],
                meeting_day,
            ),
        ),
        input_block(
            MEETING_TIME,
            label(MEETING_TIME),
            timepicker(MEETING_TIME, s.meeting_time),
            optional=True,
        ),
        input_block(
            AUTO_PICK,
            label(AUTO_PICK),
            number_input(
                AUTO_PICK, initial=s.auto_pick_hours, least=0, most=rules.MAX_AUTO_PICK_HOURS
            ),
            optional=True,
            hint=t("slack_settings_hint_auto_pick", language),
        ),
    ]
    return modal(
        SETTINGS_VIEW,
        t("slack_settings_modal_title", language),
        blocks,
        submit=t("slack_modal_save", language),
        close=t("slack_modal_close", language),
        context=context,
    )


def field_values(values: dict[str, Submitted]) -> dict[str, Any]:
    """The submission as each rule takes it (an empty optional field clears it)."""
    meeting_time = text_of(values, MEETING_TIME)
    sources = values.get(SOURCES)
    return {
        LANGUAGE: text_of(values, LANGUAGE),
        WEEKDAY: _day(text_of(values, WEEKDAY)),
        TIME: text_of(values, TIME),
        TIMEZONE: text_of(values, TIMEZONE),
        SIZE: _whole(text_of(values, SIZE)),
        TOPICS: text_of(values, TOPICS),
        MUTED: text_of(values, MUTED),
        CATEGORIES: text_of(values, CATEGORIES),
        SOURCES: ",".join(sources) if isinstance(sources, list) and sources else "all",
        MEETING_DAY: _day(text_of(values, MEETING_DAY) or NO_MEETING),
        MEETING_TIME: meeting_time or None,
        AUTO_PICK: text_of(values, AUTO_PICK) or "0",
    }


def _day(value: str) -> int | str:
    return int(value) if value.isascii() and value.isdigit() else value


def _whole(value: str) -> int | str:
    return int(value) if value.isascii() and value.isdigit() else value


def field_errors(fields: dict[str, Any], language: str) -> dict[str, str]:
    """Each field its rule refuses, with the refusal in the channel's language."""
    errors: dict[str, str] = {}
    for block_id, check in RULES.items():
        try:
            check(fields[block_id])
        except InvalidSetting as error:
            errors[block_id] = error.text(language)
    return errors


def changes_of(fields: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `Channels.update_settings`."""
    changes: dict[str, Any] = {
        "language": fields[LANGUAGE],
        "weekday": fields[WEEKDAY],
        "time": fields[TIME],
        "timezone": fields[TIMEZONE],
        "digest_size": fields[SIZE],
        "topics": fields[TOPICS],
        "muted_topics": fields[MUTED],
        "categories": fields[CATEGORIES],
        "sources": fields[SOURCES],
        "meeting_weekday": fields[MEETING_DAY],
    }
    if fields[MEETING_DAY] != NO_MEETING:
        changes["meeting_time"] = fields[MEETING_TIME]
        changes["auto_pick_hours"] = fields[AUTO_PICK]
    return changes


class SettingsModal:
    def __init__(self, channels: Channels, managers: Managers) -> None:
        self._channels = channels
        self._managers = managers

    async def open(self, incoming: Incoming, origin: CommandOrigin) -> bool:
        """Open the modal for a member who may change settings (False: show them as text)."""
        conversation = origin.conversation
        if not await self._managers.allows(
            incoming.client, conversation.workspace_id, origin.member.user_id
        ):
            return False
        current = await self._channels.channel_settings(conversation)
        context = ModalContext(conversation.workspace_id, conversation.channel_id)
        view = settings_modal(current, current.language, context)
        await open_modal(incoming.client, str(incoming.body["trigger_id"]), view, context.team_id)
        return True


def register(app: AsyncApp, channels: Channels, managers: Managers, outbound: Outbound) -> None:
    @app.view_submission(SETTINGS_VIEW)
    @last_resort("settings modal", modal_reply(outbound), channel_language(channels))
    async def on_settings_submitted(incoming: Incoming, reply: EphemeralReply) -> None:
        view = incoming.body.get("view") or {}
        context = ModalContext.of_view(view)
        conversation = context.conversation
        language = (await channels.channel_settings(conversation)).language
        member = submitter(incoming)
        if not await managers.allows(incoming.client, context.team_id, member.user_id):
            refusal = t("slack_managers_only", language, command=f"{COMMAND_PREFIX}settings")
            await incoming.ack(response_action="errors", errors={LANGUAGE: refusal})
            return
        fields = field_values(submitted(view))
        errors = field_errors(fields, language)
        if errors:
            await incoming.ack(response_action="errors", errors=errors)
            return
        try:
            saved = await channels.update_settings(conversation, **changes_of(fields))
        except InvalidSetting as error:  # the meeting's day, time and pick, taken together
            refusal = error.text(language)
            await incoming.ack(response_action="errors", errors={MEETING_TIME: refusal})
            return
        await incoming.ack()
        await reply.say(Post(text=settings_text(saved, "settings_saved")))
