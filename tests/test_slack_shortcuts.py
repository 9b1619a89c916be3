"""The "Save to my reading list" message shortcut through the real slack-bolt app, fed
Slack's recorded message_action payload (bolt-python's interactivity_message_shortcut.json)."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack_app.shortcuts import SAVE_SHORTCUT
from bot.domain import Author, ConversationRef, Platform
from tests.loopback.slack_payloads import load_json
from tests.test_slack_adapter import PAPER, Club, until
from tests.test_slack_adapter import club as club
from tests.test_slack_adapter import slack as slack

C1 = ConversationRef(Platform.SLACK, "T111", "C111")


def save_shortcut(
    message_ts: str, *, thread_ts: str | None = None, user: str = "W222"
) -> dict[str, Any]:
    payload = load_json("bolt-python/interactivity_message_shortcut.json")
    payload["callback_id"] = SAVE_SHORTCUT
    payload["message_ts"] = message_ts
    payload["message"]["ts"] = message_ts
    if thread_ts is not None:
        payload["message"]["thread_ts"] = thread_ts
    payload["user"] = {"id": user, "name": "ada"}
    payload.pop("response_url", None)  # answered with chat.postEphemeral then
    return payload


async def test_saving_from_a_papers_post_adds_it_to_the_members_list(club: Club) -> None:
    root = await club.paper()
    envelope = await club.slack.send_interactive(save_shortcut(root.ts))
    await club.slack.wait_ack(envelope)
    member = Author("W222", "ada")

    async def saved() -> bool:
        return [e.arxiv_id for e in await club.club.reading_list.saved(C1, member)] == [PAPER]

    await until(saved)


async def test_a_shortcut_outside_a_paper_thread_says_so(club: Club) -> None:
    envelope = await club.slack.send_interactive(save_shortcut("1583636382.000300"))
    await club.slack.wait_ack(envelope)

    async def told() -> bool:
        return "not one of paperclub's paper threads" in json.dumps(
            [c.params for c in club.slack.calls_to("chat.postEphemeral")]
        )

    await until(told)
