"""The bolt `AsyncApp`, assembled from one module per feature.

bolt acks events itself before our listener runs (process_before_response=False);
commands call `ack()` first thing, then do the work while the member watches one
private reply being edited through the command's `response_url`.

    slash.py     /paperclub <sub>: admin check, dispatch table (command_handlers.py)
    messages.py  questions in paper threads, mentions of the bot
    reactions.py votes
    actions.py   the paper card's link button
    votes_ui.py  the paper card's vote button and its live count
    home.py      the App Home tab: reading list, standings, next sessions
    shortcuts.py the "Save to my reading list" message shortcut
    ask_ui.py    the "Ask paperclub about this paper" shortcut and `/paperclub ask`: the
                 question and its streamed answer in the paper's thread
    settings_ui.py  `/paperclub settings` as a modal, checked field by field
    pickers.py   `/paperclub vote|present|save|read` with no paper: a modal picker whose
                 options (block_suggestion) are the channel's recent papers
    views.py     Block Kit for modals, within Slack's limits
    guard.py     the one last-resort handler, and the installed-workspace gate
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app import (
    actions,
    ask_ui,
    home,
    messages,
    reactions,
    settings_ui,
    shortcuts,
    slash,
    votes_ui,
)
from adapters.slack_app import pickers as pickers_ui
from adapters.slack_app.admins import Managers
from adapters.slack_app.ask_ui import ThreadQuestions
from adapters.slack_app.chat import SlackChat
from adapters.slack_app.command_handlers import command_table
from adapters.slack_app.dedupe import SeenEvents
from adapters.slack_app.distribution import SlackDistribution
from adapters.slack_app.guard import workspace_gate
from adapters.slack_app.pickers import PICKED, PaperPickers
from bot.bootstrap import Services

log = logging.getLogger(__name__)


def build_slack_app(
    services: Services,
    client: AsyncWebClient,
    *,
    signing_secret: str | None = None,
    post_interval: float = 1.0,
    workspaces: Collection[str] | None = None,
    distributed: SlackDistribution | None = None,
) -> tuple[AsyncApp, SlackChat]:
    """The bolt app and the Chat it posts through. `signing_secret` is required for HTTP
    mode. `workspaces`: the team ids served (the installed workspace; None: whichever
    auth.test names for the bot token, asked on the first request).

    `distributed`: serve every workspace that installed the app (OAuth), each with its own
    token; `client` then carries no token, and bolt's authorization is the gate (a team
    with no installation gets bolt's "please reinstall" answer and nothing runs)."""
    if distributed is None:
        chat = SlackChat(client, post_interval=post_interval)
        app = AsyncApp(
            client=client,
            signing_secret=signing_secret or "",
            request_verification_enabled=signing_secret is not None,
        )
        app.use(workspace_gate(services.outbound, client, workspaces))
    else:
        chat = SlackChat(distributed.teams, post_interval=post_interval)
        app = AsyncApp(
            client=client,
            signing_secret=signing_secret or "",
            request_verification_enabled=signing_secret is not None,
            oauth_settings=distributed.oauth_settings,
        )
        _forget_uninstalled(app, distributed)
    seen = SeenEvents(services.store)
    managers = Managers(services.settings)
    questions = ThreadQuestions(services.answers, chat, services.outbound)
    cards = votes_ui.CardVotes(chat, services.outbound, services.channels)
    chat.decorate_card = cards.decorate
    chat.card_posted = cards.posted
    table = command_table(services, questions, counted=cards.counted)
    settings_modal = settings_ui.SettingsModal(services.channels, managers)
    pickers = PaperPickers(services.archive, services.reading_list, services.channels, table)
    modals: dict[str, slash.ModalOpener] = {"settings": settings_modal.open}
    for sub in PICKED:
        modals[sub] = functools.partial(pickers.open, sub=sub)
    slash.register(app, services, managers, table, modals)
    messages.register(
        app,
        chat,
        seen,
        outbound=services.outbound,
        answers=services.answers,
        papers=services.papers,
        channels=services.channels,
        recap=services.recap,
    )
    reactions.register(app, seen, services.votes, cards, services.feedback)
    actions.register(app)
    votes_ui.register(app, services.votes, cards, services.outbound)
    home.register(app, services.home, services.channels, services.outbound)
    shortcuts.register(app, services.reading_list, services.channels, services.outbound)
    ask_ui.register(app, questions, services.votes, services.channels, services.outbound)
    settings_ui.register(app, services.channels, managers, services.outbound)
    pickers_ui.register(app, pickers, services.channels, managers, services.outbound)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed (%s)", body.get("type"), exc_info=error)

    return app, chat


def _forget_uninstalled(app: AsyncApp, distributed: SlackDistribution) -> None:
    """bolt's own uninstall and revocation handling (the store's rows deleted), and the
    team's remembered token dropped with them."""
    uninstalled = app.default_app_uninstalled_event_listener()
    revoked = app.default_tokens_revoked_event_listener()

    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        await uninstalled(context=context)
        distributed.teams.forget(context.team_id or "")
        log.info("Slack: uninstalled from %s", context.team_id)

    @app.event("tokens_revoked")
    async def on_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        await revoked(event=event, context=context)
        distributed.teams.forget(context.team_id or "")
