"""Block Kit for modals: the pieces paperclub's modals are built from, kept within Slack's
documented limits, and a submission read back from `view.state.values`.

Limits (docs.slack.dev/reference/views/modal-views and the Block Kit element pages):
title, submit and close at most 24 characters; 100 blocks; private_metadata 3,000
characters; a placeholder 150; an input's label 2,000; an option's text 75 and its value
150; 100 options per select; a plain-text input holds at most 3,000 characters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.chat import call_api
from bot.domain import ConversationRef, Platform, ThreadRef

TITLE_LIMIT = 24
BLOCKS_LIMIT = 100
METADATA_LIMIT = 3000
PLACEHOLDER_LIMIT = 150
LABEL_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
OPTIONS_LIMIT = 100
INPUT_LIMIT = 3000

Block = dict[str, Any]


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = LABEL_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


@dataclass(frozen=True, slots=True)
class ModalContext:
    """Where a modal was opened from, carried through Slack in `private_metadata`
    (a submission names no channel of its own)."""

    team_id: str
    channel_id: str
    root_ts: str = ""  # the paper thread a question is for
    sub: str = ""  # the sub-command a paper picker runs

    @property
    def conversation(self) -> ConversationRef:
        return ConversationRef(Platform.SLACK, self.team_id, self.channel_id)

    @property
    def thread(self) -> ThreadRef:
        return ThreadRef(self.conversation, self.root_ts)

    def encode(self) -> str:
        data = {"team": self.team_id, "channel": self.channel_id}
        if self.root_ts:
            data["root"] = self.root_ts
        if self.sub:
            data["sub"] = self.sub
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def of_view(cls, view: dict[str, Any]) -> ModalContext:
        try:
            data = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return cls(
            str(data.get("team", "")),
            str(data.get("channel", "")),
            str(data.get("root", "")),
            str(data.get("sub", "")),
        )


def modal(
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    *,
    submit: str,
    close: str,
    context: ModalContext,
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, TITLE_LIMIT),
        "submit": plain(submit, TITLE_LIMIT),
        "close": plain(close, TITLE_LIMIT),
        "private_metadata": context.encode()[:METADATA_LIMIT],
        "blocks": list(blocks)[:BLOCKS_LIMIT],
    }


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:3000]}}


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str = "",
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def text_input(
    action_id: str,
    *,
    initial: str = "",
    placeholder: str = "",
    multiline: bool = False,
    max_length: int = INPUT_LIMIT,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": min(max_length, INPUT_LIMIT),
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_LIMIT)
    return element


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_TEXT_LIMIT), "value": value[:OPTION_VALUE_LIMIT]}


def static_select(
    action_id: str, options: Sequence[tuple[str, str]], initial: str | None
) -> dict[str, Any]:
    """A one-of select; `options` are (value, label); `initial` must be one of the values."""
    built = [option(value, label) for value, label in options][:OPTIONS_LIMIT]
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": built}
    chosen = [o for o in built if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def multi_select(
    action_id: str, options: Sequence[tuple[str, str]], initial: Sequence[str]
) -> dict[str, Any]:
    built = [option(value, label) for value, label in options][:OPTIONS_LIMIT]
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": action_id,
        "options": built,
    }
    chosen = [o for o in built if o["value"] in initial]
    if chosen:
        element["initial_options"] = chosen
    return element


def timepicker(action_id: str, initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "timepicker", "action_id": action_id}
    if initial:
        element["initial_time"] = initial
    return element


def number_input(action_id: str, *, initial: int | None, least: int, most: int) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": action_id,
        "is_decimal_allowed": False,
        "min_value": str(least),
        "max_value": str(most),
    }
    if initial is not None:
        element["initial_value"] = str(initial)
    return element


def external_select(action_id: str, placeholder: str) -> dict[str, Any]:
    """Options come from the app (`block_suggestion`), from the first keystroke on."""
    return {
        "type": "external_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER_LIMIT),
        "min_query_length": 0,
    }


def users_select(action_id: str, initial_user: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "users_select", "action_id": action_id}
    if initial_user:
        element["initial_user"] = initial_user
    return element


Submitted = str | list[str] | None


def submitted(view: dict[str, Any]) -> dict[str, Submitted]:
    """Each input block's value by block_id: text as typed, a select's value, several
    values for a multi-select, the time of a timepicker, the member of a users_select."""
    values: dict[str, Submitted] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        for element in (actions or {}).values():
            values[block_id] = _element_value(element or {})
    return values


def _element_value(element: dict[str, Any]) -> Submitted:
    if "selected_options" in element:
        return [str(o.get("value", "")) for o in element.get("selected_options") or []]
    if "selected_option" in element:
        chosen = element.get("selected_option") or {}
        return str(chosen["value"]) if chosen.get("value") is not None else None
    for key in ("selected_time", "selected_user", "selected_date", "value"):
        if key in element:
            value = element.get(key)
            return None if value is None else str(value)
    return None


def text_of(values: dict[str, Submitted], block_id: str) -> str:
    value = values.get(block_id)
    if isinstance(value, list):
        return ", ".join(value)
    return value or ""


async def open_modal(
    client: AsyncWebClient, trigger_id: str, view: dict[str, Any], team: str
) -> None:
    """views.open with the trigger of the command or shortcut (valid for 3 seconds)."""
    await call_api("views.open", client.views_open(trigger_id=trigger_id, view=view, team_id=team))
