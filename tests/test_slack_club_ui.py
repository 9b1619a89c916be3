"""The club's week on Slack, as members see it (issue 17): the vote button on every paper
card with its live count, `/paperclub standings`, the pick announced in the channel with the
tally, and unknown sub-commands named before the help. The real bolt AsyncApp runs in Socket
Mode against the loopback Slack; block_actions payloads are built from Slack's fixtures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack_app import build_slack_app, make_client
from adapters.slack_app.votes_ui import VOTE_ACTION
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import Platform
from tests.loopback.slack_payloads import block_action, reaction_event, slash_command
from tests.loopback.slack_server import (
    FakeSlack,
    ResponseUrlPost,
    StoredMessage,
    Workspace,
    eventually,
)

PAPER = "1605.08386"
TITLE = "Heat-bath random walks with Markov bases"
TOKEN = "xoxb-fake"


@dataclass
class Club:
    slack: FakeSlack
    club: Services
    sent: int = 0

    async def command(self, text: str, user: str = "W222") -> str:
        self.sent += 1
        name = f"cmd{self.sent}"
        form = slash_command(
            "/paperclub", text, response_url=self.slack.response_url(name), user_id=user
        )
        await self.slack.wait_ack(await self.slack.send_command(form))
        return name

    async def result(self, name: str, within: float = 15.0) -> ResponseUrlPost:
        def done() -> bool:
            return any(r.path == name and "blocks" in r.body for r in self.slack.responses)

        await eventually(done, within)
        return [r for r in self.slack.responses if r.path == name and "blocks" in r.body][-1]

    async def paper(self) -> StoredMessage:
        await self.result(await self.command(f"paper {PAPER}"))
        [root] = self.slack.top_level("T111", "C111")
        return root

    async def click(self, root: StoredMessage, user: str) -> dict[str, object]:
        before = len(self.slack.ephemerals)
        message = root.as_api(with_metadata=False)
        payload = block_action(
            message, VOTE_ACTION, response_url=self.slack.response_url("click"), user=user
        )
        await self.slack.wait_ack(await self.slack.send_interactive(payload))
        await eventually(lambda: len(self.slack.ephemerals) > before, 10)
        return self.slack.ephemerals[-1]


@pytest.fixture
async def club(make_settings: Callable[..., Settings]) -> AsyncIterator[Club]:
    workspaces = [Workspace("T111", "Club One", TOKEN)]
    async with FakeSlack.running(workspaces=workspaces) as slack:
        async with bootstrap(make_settings()) as paper_club:
            client = make_client(TOKEN, api_url=slack.api_url)
            app, chat = build_slack_app(paper_club, client, post_interval=0.0, workspaces=("T111",))
            paper_club.chats.attach(Platform.SLACK, chat)
            handler = AsyncSocketModeHandler(app, slack.app_token)
            await handler.connect_async()  # type: ignore[no-untyped-call]
            try:
                yield Club(slack, paper_club)
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]


def vote_button(message: StoredMessage) -> dict[str, object]:
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    [vote] = [e for e in actions["elements"] if e.get("action_id") == VOTE_ACTION]
    return vote


def label(message: StoredMessage) -> str:
    return str(vote_button(message)["text"]["text"])  # type: ignore[index]


async def test_the_card_has_a_vote_button_and_its_count_follows_clicks_and_reactions(
    club: Club,
) -> None:
    root = await club.paper()
    [actions] = [b for b in root.blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["open_paper", VOTE_ACTION]
    assert vote_button(root) == {
        "type": "button",
        "action_id": VOTE_ACTION,
        "text": {"type": "plain_text", "text": "🗳️ Vote · 0", "emoji": True},
        "value": "vote",
        "style": "primary",
    }
    note = await club.click(root, "W333")
    assert note["user"] == "W333" and note["channel"] == "C111"  # only the clicker sees it
    assert note["text"] == f"🗳️ Your vote for *{TITLE}* counts: 1 in this channel."
    await eventually(lambda: label(root) == "🗳️ Vote · 1")
    assert root.blocks[0]["type"] == "header"  # the rest of the card is kept

    # A reaction counts as well, and the card follows it.
    await club.slack.send_event(reaction_event(item_ts=root.ts, user="W444"))
    await eventually(lambda: label(root) == "🗳️ Vote · 2")

    note = await club.click(root, "W333")  # a second click takes the vote back
    assert note["text"] == f"🗳️ Your vote for *{TITLE}* was taken back: 1 in this channel."
    await eventually(lambda: label(root) == "🗳️ Vote · 1")


async def test_standings_and_a_pick_announced_in_the_channel_with_the_tally(club: Club) -> None:
    empty = await club.result(await club.command("standings"))
    assert "No paper in this channel has a vote yet" in json.dumps(empty.body, ensure_ascii=False)
    root = await club.paper()
    await club.click(root, "W333")
    await club.click(root, "W444")

    standings = await club.result(await club.command("standings"))
    assert standings.body["response_type"] == "ephemeral"
    text = standings.body["blocks"][0]["text"]["text"]
    assert text.startswith("*🗳️ This week's standings*\n1. *" + TITLE + "*: 2 votes <https://")

    pick = await club.result(await club.command("pick 1 2099-03-11 18:00"))
    assert pick.body["response_type"] == "in_channel"  # the whole channel sees the pick
    text = pick.body["blocks"][0]["text"]["text"]
    assert f"Picked for the next session: *{TITLE}* (2 votes)" in text
    assert f"*🗳️ The tally at the pick*\n1. *{TITLE}*: 2 votes" in text


async def test_an_unknown_subcommand_is_named_before_the_help(club: Club) -> None:
    result = await club.result(await club.command("stadings"))
    text = result.body["blocks"][0]["text"]["text"]
    assert text.startswith("`/paperclub stadings` is not a paperclub command.")
    assert "/paperclub standings" in json.dumps(result.body)
