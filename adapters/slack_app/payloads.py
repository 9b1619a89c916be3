"""Pure extractors: a Slack payload (dict) in, paperclub's domain values out.

No I/O and no bolt objects here, so each rule (which messages are a member's, which
reaction is a vote, what a command names) reads and tests on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from adapters.slack_app.mrkdwn import from_slack
from bot.domain import Author, ConversationRef, Platform, ThreadRef

# Member messages worth answering; edits, joins and bot posts carry other subtypes.
ANSWERABLE_SUBTYPES = (None, "thread_broadcast", "file_share")


@dataclass(frozen=True, slots=True)
class CommandOrigin:
    """Where a slash command was typed, and by whom."""

    conversation: ConversationRef
    member: Author


def command_origin(command: dict[str, Any]) -> CommandOrigin:
    conversation = ConversationRef(
        Platform.SLACK, str(command["team_id"]), str(command["channel_id"])
    )
    user_id = str(command["user_id"])
    return CommandOrigin(conversation, Author(user_id, command.get("user_name") or user_id))


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request comes from: commands and events carry `team_id`,
    interactive payloads `team.id`."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    return str(team)


def channel_of(body: dict[str, Any]) -> str:
    """The channel a request comes from: a command's `channel_id`, an event's channel, an
    interactive payload's `channel.id`, or the channel a modal was opened in (its
    private_metadata, see views.ModalContext)."""
    event = body.get("event")
    channel = body.get("channel_id") or (event.get("channel") if isinstance(event, dict) else "")
    if not channel and isinstance(body.get("channel"), dict):
        channel = body["channel"].get("id")
    view = body.get("view")
    if not channel and isinstance(view, dict):
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        channel = metadata.get("channel") if isinstance(metadata, dict) else ""
    return str(channel or "")


def conversation_of(body: dict[str, Any], event: dict[str, Any]) -> ConversationRef:
    return ConversationRef(
        Platform.SLACK, str(body.get("team_id", "")), str(event.get("channel", ""))
    )


def in_thread(event: dict[str, Any]) -> bool:
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts")


def thread_of(body: dict[str, Any], event: dict[str, Any]) -> ThreadRef:
    """The thread a reply was written in."""
    return ThreadRef(conversation_of(body, event), str(event["thread_ts"]))


def message_itself(body: dict[str, Any], event: dict[str, Any]) -> ThreadRef:
    """The thread rooted at this (top-level) message: where a reply to it goes."""
    return ThreadRef(conversation_of(body, event), str(event["ts"]))


def is_member_reply(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A person's message inside a thread (not a bot's, not ours, not an edit)."""
    return (
        event.get("subtype") in ANSWERABLE_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
        and in_thread(event)
    )


def is_from_a_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id")) or event.get("user") == bot_user_id


def mentions(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return f"<@{bot_user_id}>" in event.get("text", "")


def message_key(body: dict[str, Any], event: dict[str, Any]) -> str:
    """One message, whichever event (message or app_mention) carries it."""
    return f"{body.get('team_id')}:{event.get('channel')}:{event.get('ts')}"


def event_id(body: dict[str, Any]) -> str:
    return str(body.get("event_id", ""))


def author_of(event: dict[str, Any]) -> Author:
    return Author(str(event["user"]), str(event["user"]))


def member_text(event: dict[str, Any], bot_user_id: str | None) -> str:
    """What the member wrote, with Slack's escaping and the mention of the bot removed."""
    return from_slack(event.get("text", ""), bot_user_id=bot_user_id or "")


@dataclass(frozen=True, slots=True)
class ReactionVote:
    root: ThreadRef
    member: Author


def reaction_vote(
    body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> ReactionVote | None:
    """A reaction on a message, by a member, as a possible vote (None: not a candidate)."""
    item = event.get("item") or {}
    user = str(event.get("user") or "")
    if item.get("type") != "message" or not user or user == bot_user_id:
        return None
    root = ThreadRef(
        ConversationRef(Platform.SLACK, str(body["team_id"]), str(item["channel"])),
        str(item["ts"]),
    )
    return ReactionVote(root, Author(user, user))
