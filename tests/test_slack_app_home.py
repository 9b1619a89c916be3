"""Slack's App Home tab through the real slack-bolt app and the loopback Web API: the
member's reading list, this week's standings of each subscribed channel, and the next
session, published with `views.publish` when the member opens the tab.

The `app_home_opened` event has no recorded fixture in ../shared/fixtures; its shape is
Slack's documented one (https://api.slack.com/events/app_home_opened), wrapped in the
recorded `event_callback` envelope of events_message_channel.json."""

from __future__ import annotations

import json
from typing import Any

from bot.domain import Author, ConversationRef, Platform
from tests.loopback.slack_payloads import load_json, new_event_id, new_ts
from tests.test_slack_adapter import PAPER, Club, said, until
from tests.test_slack_adapter import club as club
from tests.test_slack_adapter import slack as slack

C1 = ConversationRef(Platform.SLACK, "T111", "C111")


def app_home_opened(user: str = "W222", team_id: str = "T111", tab: str = "home") -> dict[str, Any]:
    body = load_json("bolt-python/events_message_channel.json")
    body["team_id"] = team_id
    body["event_id"] = new_event_id()
    body["event"] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0LAN2Q65",
        "tab": tab,
        "event_ts": new_ts(),
    }
    return body


async def opened_home(club: Club, user: str = "W222") -> str:
    club.slack.home_views.pop(("T111", user), None)
    await club.slack.wait_ack(await club.slack.send_event(app_home_opened(user)))

    async def published() -> bool:
        return ("T111", user) in club.slack.home_views

    await until(published)
    return json.dumps(club.slack.home_views[("T111", user)], ensure_ascii=False)


async def test_home_shows_the_reading_list_standings_and_next_session(club: Club) -> None:
    await club.club.channels.subscribe(C1)
    root = await club.paper()
    await said(club, f"save {PAPER}")
    await club.club.votes.vote(
        await club.club.store.channel_thread_for(C1, PAPER) or _missing(), Author("W333", "Ada")
    )
    home = await opened_home(club)
    assert "Your reading list" in home
    assert f"https://arxiv.org/abs/{PAPER}" in home
    assert "This week's standings in <#C111>" in home
    assert "1 vote" in home
    assert "No session is scheduled yet" in home
    assert root.ts  # the paper was posted in the channel the standings name


async def test_home_for_a_new_member_says_what_to_do(club: Club) -> None:
    home = await opened_home(club, user="W999")
    assert "Nothing saved yet" in home
    assert "/paperclub subscribe" in home


async def test_home_follows_the_channels_language(club: Club) -> None:
    await club.club.channels.subscribe(C1)
    await club.club.channels.update_settings(C1, language="ja")
    home = await opened_home(club)
    assert "リーディングリスト" in home


def _missing() -> Any:
    raise AssertionError("the paper has no thread in the channel")
