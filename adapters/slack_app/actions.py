"""Block actions: the paper card's link button."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.blocks import OPEN_PAPER_ACTION
from adapters.slack_app.guard import Incoming, last_resort
from adapters.slack_app.replies import LogOnly


def register(app: AsyncApp) -> None:
    @app.action(OPEN_PAPER_ACTION)
    @last_resort("button", lambda _: LogOnly("button"))
    async def on_open_paper(incoming: Incoming, reply: LogOnly) -> None:
        await incoming.ack()  # a link button still sends block_actions; Slack warns unless acked
