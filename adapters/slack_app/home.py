"""Slack's App Home tab: a member's reading list, this week's standings in each of the
workspace's subscribed channels, and the next reading sessions (`views.publish`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.commands import COMMAND_PREFIX
from adapters.slack_app.guard import Incoming, channel_language, last_resort
from adapters.slack_app.mrkdwn import escape
from adapters.slack_app.replies import LogOnly
from bot.domain import Author, ConversationRef, Platform
from bot.publishing import Outbound
from bot.text import t
from bot.text.presenters import meeting_text
from bot.usecases.channels import Channels
from bot.usecases.club.home import ClubHome, MemberHome
from bot.usecases.club.standings import standings_text

BLOCK_LIMIT = 100  # Slack: a view holds at most 100 blocks
READING_SHOWN = 10


def register(app: AsyncApp, home: ClubHome, channels: Channels, outbound: Outbound) -> None:
    @app.event("app_home_opened")
    @last_resort("app home", lambda _: LogOnly("app home"), channel_language(channels))
    async def on_home_opened(incoming: Incoming, reply: LogOnly) -> None:
        event = incoming.event
        if event.get("tab", "home") != "home":
            return
        team = str(incoming.body.get("team_id", ""))
        user = str(event.get("user", ""))
        view = await home.for_member(Platform.SLACK, team, Author(user, user))
        language = await _workspace_language(view, channels, team)
        blocks = home_blocks(view, language, outbound)
        await incoming.client.views_publish(
            user_id=user, view={"type": "home", "blocks": blocks[:BLOCK_LIMIT]}
        )


async def _workspace_language(view: MemberHome, channels: Channels, team: str) -> str:
    """The tab belongs to no channel: the first subscribed channel's language, else the
    workspace default."""
    if view.standings:
        return view.standings[0].channel.language
    return (await channels.channel_settings(ConversationRef(Platform.SLACK, team, ""))).language


def home_blocks(view: MemberHome, language: str, outbound: Outbound) -> list[dict[str, Any]]:
    p = COMMAND_PREFIX

    def section(text: str) -> dict[str, Any]:
        return {"type": "section", "text": {"type": "mrkdwn", "text": outbound.text(text)}}

    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": t("home_heading", language)}},
        section(t("home_reading_list", language)),
    ]
    if not view.reading_list:
        blocks.append(section(t("home_reading_empty", language, p=p)))
    for entry in view.reading_list[:READING_SHOWN]:
        mark = f" ({t('home_read_mark', language)})" if entry.read_at is not None else ""
        link = f"<https://arxiv.org/abs/{entry.arxiv_id}|{escape(entry.title)}>"
        blocks.append(section(f"• {link}{mark}"))
    blocks.append({"type": "divider"})
    if not view.standings:
        blocks.append(section(t("home_no_channels", language, p=p)))
    for channel in view.standings:
        heading = t("home_standings", language, channel=channel.channel.conversation.channel_id)
        tally = standings_text(
            list(channel.tallies),
            language,
            p=p,
            escape=escape,
            link=lambda tally: f"<https://arxiv.org/abs/{tally.paper.arxiv_id}|arXiv>",
        )
        blocks.append(section(f"{heading}\n{tally}"))
    blocks += [{"type": "divider"}, section(t("home_next_session", language))]
    if not view.sessions:
        blocks.append(section(t("home_no_session", language, p=p)))
    for session in view.sessions:
        when = meeting_text(session.meeting_at, language) if session.meeting_at else "?"
        line = t(
            "home_session_line",
            language,
            meeting=when,
            title=escape(session.paper.title),
            channel=session.thread.conversation.channel_id,
            presenter=escape(session.presenter or "?"),
        )
        blocks.append(section(line))
    return blocks
