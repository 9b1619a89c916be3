"""Slack payloads for the loopback tests, built from the real recorded fixtures.

Each builder loads a fixture from ../shared/fixtures/slack and changes only the
fields a scenario needs (team, channel, user, text, ts, thread), so every other
field keeps the shape Slack really sends. A missing fixture fails loudly.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "slack"

_event_ids = itertools.count(1)
_ts = itertools.count(1)


def fixture_path(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"Slack fixture missing: {path} (expected ../shared/fixtures next to the repo)"
        )
    return path


def load_json(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_path(relative).read_text())
    return data


def new_ts() -> str:
    return f"{int(time.time())}.{900000 + next(_ts):06d}"


def new_event_id() -> str:
    return f"Ev{next(_event_ids):08d}"


def message_event(
    *,
    team_id: str = "T111",
    channel: str = "C111",
    user: str = "W222",
    text: str = "Hello World!",
    thread_ts: str | None = None,
    ts: str | None = None,
    event_id: str | None = None,
    bot_id: str | None = None,
    subtype: str | None = None,
) -> dict[str, Any]:
    """A `message` event_callback (events_message_channel.json); a reply when thread_ts is set."""
    body = load_json("bolt-python/events_message_channel.json")
    ts = ts or new_ts()
    body["team_id"] = team_id
    body["event_id"] = event_id or new_event_id()
    event = body["event"]
    event.update(user=user, text=text, ts=ts, event_ts=ts, team=team_id, channel=channel)
    event["blocks"][0]["elements"][0]["elements"][0]["text"] = text
    if thread_ts is not None:
        # A reply's shape, as in events_message_in_thread_im.json but in a channel.
        thread_fixture = load_json("bolt-python/events_message_in_thread_im.json")["event"]
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = thread_fixture["parent_user_id"]
    if bot_id is not None:
        event["bot_id"] = bot_id
        event.pop("client_msg_id", None)
    if subtype is not None:
        event["subtype"] = subtype
    return body


def app_mention_event(
    *,
    bot_user_id: str = "W111",
    team_id: str = "T111",
    channel: str = "C111",
    user: str = "W222",
    text: str = "Hi there!",
    thread_ts: str | None = None,
    ts: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    body = load_json("bolt-python/events_app_mention.json")
    ts = ts or new_ts()
    body["team_id"] = team_id
    body["event_id"] = event_id or new_event_id()
    body["authed_users"] = [bot_user_id]
    event = body["event"]
    event.update(
        user=user,
        text=f"<@{bot_user_id}> {text}",
        ts=ts,
        event_ts=ts,
        team=team_id,
        channel=channel,
    )
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return body


def slash_command(
    command: str,
    text: str,
    *,
    response_url: str,
    team_id: str = "T111",
    channel_id: str = "C111",
    user_id: str = "W222",
) -> dict[str, str]:
    """A slash command's form fields (slash_command_body.x-www-form-urlencoded.txt)."""
    raw = fixture_path("bolt-python/slash_command_body.x-www-form-urlencoded.txt").read_text()
    form = dict(parse_qsl(raw.strip(), keep_blank_values=True))
    form.update(
        command=command,
        text=text,
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        response_url=response_url,
    )
    return form


def reaction_event(
    *,
    item_ts: str,
    removed: bool = False,
    team_id: str = "T111",
    channel: str = "C111",
    user: str = "W222",
    reaction: str = "thumbsup",
    event_id: str | None = None,
) -> dict[str, Any]:
    """A `reaction_added` event_callback (events_reaction_added.json) on message `item_ts`;
    `removed=True` gives `reaction_removed`, which Slack sends with the same fields."""
    body = load_json("bolt-python/events_reaction_added.json")
    body["team_id"] = team_id
    body["event_id"] = event_id or new_event_id()
    event = body["event"]
    event.update(user=user, reaction=reaction, event_ts=new_ts())
    event["type"] = "reaction_removed" if removed else "reaction_added"
    event["item"].update(channel=channel, ts=item_ts)
    return body


def block_action(
    message: dict[str, Any],
    action_id: str,
    *,
    response_url: str,
    team_id: str = "T111",
    channel: str = "C111",
    user: str = "W222",
) -> dict[str, Any]:
    """A `block_actions` payload (interactivity_block_actions.json): `user` clicked the
    button `action_id` of `message` (as conversations.history shows it) in `channel`."""
    body = load_json("bolt-python/interactivity_block_actions.json")
    body["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=team_id)
    body["team"]["id"] = team_id
    body["channel"]["id"] = channel
    body["container"] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel,
        "is_ephemeral": False,
    }
    body["message"] = message
    body["response_url"] = response_url
    [button] = [
        e
        for b in message.get("blocks", [])
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == action_id
    ]
    action = body["actions"][0]
    action.update(action_id=action_id, text=button["text"], value=button.get("value", ""))
    action["block_id"] = "b"
    return body


RECORDED = Path(__file__).resolve().parent / "recorded"


def message_shortcut(
    callback_id: str,
    message_ts: str,
    *,
    thread_ts: str | None = None,
    team_id: str = "T111",
    channel: str = "C111",
    user: str = "W222",
    user_name: str = "ada",
    response_url: str | None = None,
) -> dict[str, Any]:
    """A `message_action` payload (interactivity_message_shortcut.json): `user` used the
    message shortcut `callback_id` on message `message_ts` (a reply when thread_ts is set)."""
    body = load_json("bolt-python/interactivity_message_shortcut.json")
    body["callback_id"] = callback_id
    body["team"]["id"] = team_id
    body["channel"]["id"] = channel
    body["user"] = {"id": user, "name": user_name}
    body["trigger_id"] = f"{next(_ts)}.{team_id}.trigger"
    body["message_ts"] = message_ts
    body["message"]["ts"] = message_ts
    if thread_ts is not None:
        body["message"]["thread_ts"] = thread_ts
    if response_url is None:
        body.pop("response_url", None)
    else:
        body["response_url"] = response_url
    return body


def view_submission(
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    team_id: str = "T111",
    user: str = "W222",
) -> dict[str, Any]:
    """A `view_submission` payload (interactivity_view_submission.json) for a modal the app
    opened (`view` as views.open stored it); `values`: block_id -> the element's state,
    e.g. {"question": {"type": "plain_text_input", "value": "Why?"}}."""
    body = load_json("bolt-python/interactivity_view_submission.json")
    body["team"]["id"] = team_id
    body["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=team_id)
    submitted = body["view"]
    for key in ("id", "blocks", "callback_id", "private_metadata", "title", "submit", "close"):
        if key in view:
            submitted[key] = view[key]
    submitted.update(team_id=team_id, app_installed_team_id=team_id, root_view_id=view["id"])
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block["block_id"] in values:
            state[block["block_id"]] = {block["element"]["action_id"]: values[block["block_id"]]}
    submitted["state"] = {"values": state}
    return body


def block_suggestion(
    view: dict[str, Any],
    block_id: str,
    typed: str,
    *,
    team_id: str = "T111",
    user: str = "W222",
) -> dict[str, Any]:
    """A `block_suggestion` payload (bolt-python's recorded body, see SOURCES.md): `user`
    typed `typed` into the external_select of input block `block_id` of `view`."""
    path = RECORDED / "slack_block_suggestion.json"
    if not path.is_file():
        raise FileNotFoundError(f"Slack fixture missing: {path}")
    body: dict[str, Any] = json.loads(path.read_text())
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    body["team"]["id"] = team_id
    body["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=team_id)
    body.update(action_id=block["element"]["action_id"], block_id=block_id, value=typed)
    body["container"]["view_id"] = view["id"]
    recorded = body["view"]
    for key in ("id", "blocks", "callback_id", "private_metadata", "title", "submit", "close"):
        if key in view:
            recorded[key] = view[key]
    recorded.update(team_id=team_id, app_installed_team_id=team_id, root_view_id=view["id"])
    return body
