"""A member's view of their club in one workspace: their reading list, this week's
standings in each subscribed channel, and the next reading sessions (Slack's App Home)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import (
    Author,
    ChannelSettings,
    ConversationRef,
    Platform,
    ReadingEntry,
    Session,
    Tally,
    ThreadRef,
)
from bot.schedule.weekly import Clock
from bot.store import Store
from bot.store.club_tables import ClubTables
from bot.usecases.channels import Channels
from bot.usecases.club.reading_list import ReadingList
from bot.usecases.club.votes import Votes
from bot.usecases.papers import Papers

SESSIONS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class ChannelStandings:
    channel: ChannelSettings
    tallies: tuple[Tally, ...]


@dataclass(frozen=True, slots=True)
class MemberHome:
    reading_list: tuple[ReadingEntry, ...]
    standings: tuple[ChannelStandings, ...]  # one per subscribed channel of the workspace
    sessions: tuple[Session, ...]  # the next meetings, soonest first


class ClubHome:
    def __init__(
        self,
        store: Store,
        tables: ClubTables,
        reading_list: ReadingList,
        votes: Votes,
        papers: Papers,
        channels: Channels,
        *,
        now: Clock,
    ) -> None:
        self._store = store
        self._tables = tables
        self._reading_list = reading_list
        self._votes = votes
        self._papers = papers
        self._channels = channels
        self._now = now

    async def for_member(self, platform: Platform, workspace_id: str, member: Author) -> MemberHome:
        anywhere = ConversationRef(platform, workspace_id, "")  # a reading list is per workspace
        reading = await self._reading_list.saved(anywhere, member)
        subscribed = [
            channel
            for channel in await self._store.subscribed_channels()
            if str(channel.conversation.platform) == str(platform)
            and channel.conversation.workspace_id == workspace_id
        ]
        standings = [
            ChannelStandings(channel, tuple(await self._votes.standings(channel.conversation)))
            for channel in subscribed
        ]
        return MemberHome(
            tuple(reading), tuple(standings), await self._sessions(platform, workspace_id)
        )

    async def _sessions(self, platform: Platform, workspace_id: str) -> tuple[Session, ...]:
        rows = await self._tables.next_sessions(
            str(platform), workspace_id, self._now(), limit=SESSIONS_SHOWN
        )
        sessions = []
        for row in rows:
            assert row.root_id is not None  # next_sessions keeps opened sessions only
            paper = await self._papers.known_paper(row.arxiv_id)
            settings = await self._channels.channel_settings(row.conversation)
            meeting = _local(row.meeting_at, settings.timezone)
            thread = ThreadRef(row.conversation, row.root_id)
            sessions.append(Session(paper, thread, row.votes, row.presenter_name, meeting))
        return tuple(sessions)


def _local(moment: datetime | None, timezone: str) -> datetime | None:
    return moment.astimezone(ZoneInfo(timezone)) if moment is not None else None
