"""Reading sessions: the most-voted papers picked for a meeting (by a member or
automatically before each weekly meeting), their presenters, and meeting reminders.

Each session has its own thread, opened once however often a pick is retried.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import (
    Author,
    ChannelSettings,
    ConversationRef,
    Paper,
    PaperInChannel,
    Session,
    ThreadRef,
    VoteTarget,
)
from bot.errors import InvalidSetting, NotReady
from bot.publishing import Publisher
from bot.publishing.keys import auto_pick_key, reminder_key, session_key
from bot.render import Post, thread_name
from bot.schedule.weekly import Clock, next_fire_after
from bot.sources.ids import parse_arxiv_ref
from bot.store import Store
from bot.store.club_tables import ClubTables, SessionRow
from bot.text import command_prefix_for, t
from bot.text.mentions import defuse_mass_mentions
from bot.text.presenters import meeting_text
from bot.usecases.channels import Channels
from bot.usecases.club.votes import Votes
from bot.usecases.papers import Papers

MAX_PICK = 5
SessionOpened = Callable[[Session], Awaitable[None]]
"""Told of each session's thread (the presenter's outline is posted there, once)."""


class Sessions:
    def __init__(
        self,
        store: Store,
        tables: ClubTables,
        papers: Papers,
        channels: Channels,
        votes: Votes,
        publisher: Publisher,
        *,
        reminder_minutes: int,
        now: Clock,
        on_opened: SessionOpened | None = None,
    ) -> None:
        self._store = store
        self._tables = tables
        self._papers = papers
        self._channels = channels
        self._votes = votes
        self._publisher = publisher
        self._reminder_lead = timedelta(minutes=reminder_minutes)
        self._now = now
        self._on_opened = on_opened

    async def pick(
        self,
        conversation: ConversationRef,
        n: int = 1,
        *,
        meeting_at: datetime | str | None = None,
        paper: str | None = None,
    ) -> list[Session]:
        """Announce the `n` most-voted papers, each in its own reading-session thread, or
        the one `paper` named (posted in this channel, with or without votes).
        A meeting time given as text is `YYYY-MM-DD HH:MM` in the channel's time zone."""
        if not 1 <= n <= MAX_PICK:
            raise InvalidSetting(key="error_pick_range", most=MAX_PICK)
        meeting_at = await self._meeting_time(conversation, meeting_at)
        if paper is not None:
            _, found, _ = await self._votes.channel_paper(PaperInChannel(conversation, paper))
            votes = await self._tables.votes_for(conversation, found.arxiv_id)
            return [await self._start_session(conversation, found, votes, meeting_at)]
        standings = await self._votes.standings(conversation)
        if not standings:
            raise NotReady(key="error_no_votes", p=command_prefix_for(conversation.platform))
        return [
            await self._start_session(conversation, tally.paper, tally.votes, meeting_at)
            for tally in standings[:n]
        ]

    async def send_due_auto_picks(self, now: datetime) -> int:
        """Each channel's automatic pick, `auto_pick_hours` before its next weekly meeting,
        once per meeting (recorded in the store, so a restart or a second poll never picks
        again); a pick missed while the bot was down runs while the meeting is still ahead."""
        done = 0
        for channel in await self._store.auto_pick_channels():
            meeting_at = next_meeting(channel, now)
            if meeting_at is None or now < meeting_at - timedelta(hours=channel.auto_pick_hours):
                continue
            if await self.auto_pick(channel.conversation, meeting_at):
                done += 1
        return done

    async def auto_pick(self, conversation: ConversationRef, meeting_at: datetime) -> bool:
        """The most-voted paper becomes the session for `meeting_at`; with no votes, the
        channel is told so. False if this meeting's pick was already made."""
        row = await self._tables.auto_pick(conversation, meeting_at)
        if row is None:
            standings = await self._votes.standings(conversation)
            first = standings[0].paper.arxiv_id if standings else None
            row = await self._tables.reserve_auto_pick(conversation, meeting_at, first)
        if row.done:
            return False
        if row.arxiv_id is None:
            await self._post_no_votes(conversation, meeting_at)
        else:
            paper = await self._papers.known_paper(row.arxiv_id)
            votes = await self._tables.votes_for(conversation, row.arxiv_id)
            await self._start_session(conversation, paper, votes, meeting_at)
        await self._tables.finish_auto_pick(conversation, meeting_at)
        return True

    async def present(
        self,
        conversation: ConversationRef,
        paper: VoteTarget | str,
        member: Author,
        meeting_time: datetime | str | None = None,
    ) -> Session:
        """Make `member` the paper's presenter (opening its session if not yet picked)."""
        target = PaperInChannel(conversation, paper) if isinstance(paper, str) else paper
        conversation, found, _ = await self._votes.channel_paper(target)
        meeting_at = await self._meeting_time(conversation, meeting_time)
        votes = await self._tables.votes_for(conversation, found.arxiv_id)
        await self._tables.reserve_session(conversation, found.arxiv_id, votes)
        await self._open_session(conversation, found)
        name = defuse_mass_mentions(" ".join(member.display_name.split())[:80])
        await self._tables.set_presenter(
            conversation, found.arxiv_id, member.user_id, name, meeting_at
        )
        session = await self._session(conversation, found.arxiv_id)
        await self._publisher.reply(
            session.thread, Post(text=await self._session_text(session, "session_presenter_set"))
        )
        return session

    async def send_due_reminders(self, now: datetime) -> int:
        """Post each meeting's reminder once, `reminder_minutes` before it; missed ones are
        still sent while the meeting has not started."""
        sent = 0
        for row in await self._tables.upcoming_sessions(now + self._reminder_lead):
            assert row.meeting_at is not None and row.root_id is not None
            if row.meeting_at <= now:
                continue  # the meeting has started; a late reminder would only confuse
            session = await self._session(row.conversation, row.arxiv_id)
            minutes = max(1, round((row.meeting_at - now).total_seconds() / 60))
            text = await self._session_text(session, "session_reminder", minutes=minutes)
            await self._publisher.reply_once(
                session.thread,
                Post(text=text),
                key=reminder_key(row.conversation, row.arxiv_id, row.meeting_at),
            )
            await self._tables.mark_reminded(row.conversation, row.arxiv_id, row.meeting_at)
            sent += 1
        return sent

    async def session(self, conversation: ConversationRef, reference: str) -> Session:
        arxiv_id = parse_arxiv_ref(reference).arxiv_id
        return await self._session(conversation, arxiv_id)

    async def _start_session(
        self, conversation: ConversationRef, paper: Paper, votes: int, meeting_at: datetime | None
    ) -> Session:
        await self._tables.reserve_session(conversation, paper.arxiv_id, votes)
        if meeting_at is not None:
            await self._tables.set_meeting(conversation, paper.arxiv_id, meeting_at)
        return await self._open_session(conversation, paper)

    async def _post_no_votes(self, conversation: ConversationRef, meeting_at: datetime) -> None:
        channel = await self._channels.channel_settings(conversation)
        local = meeting_at.astimezone(ZoneInfo(channel.timezone))
        meeting = meeting_text(local, channel.language)
        await self._publisher.open_once(
            conversation,
            Post(text=t("auto_pick_none", channel.language, meeting=meeting)),
            thread_name=thread_name(t("auto_pick_none_thread", channel.language, meeting=meeting)),
            key=auto_pick_key(conversation, meeting_at),
        )

    async def _open_session(self, conversation: ConversationRef, paper: Paper) -> Session:
        """The paper's reading-session thread, opened once however often this is retried."""
        row = await self._tables.session(conversation, paper.arxiv_id)
        assert row is not None  # reserved by the caller
        if row.root_id is None:
            draft = await self._session_from_row(row, paper, ThreadRef(conversation, ""))
            text = await self._session_text(draft, "session_reading")
            language = (await self._channels.channel_settings(conversation)).language
            thread = await self._publisher.open_once(
                conversation,
                Post(text=text),
                thread_name=thread_name(t("session_thread", language, title=paper.title)),
                key=session_key(conversation, paper.arxiv_id),
            )
            await self._tables.set_session_root(conversation, paper.arxiv_id, thread.root_id)
        session = await self._session(conversation, paper.arxiv_id)
        if self._on_opened is not None:
            await self._on_opened(session)
        return session

    async def _session(self, conversation: ConversationRef, arxiv_id: str) -> Session:
        row = await self._tables.session(conversation, arxiv_id)
        if row is None or row.root_id is None:
            p = command_prefix_for(conversation.platform)
            raise NotReady(key="error_no_session", arxiv_id=arxiv_id, p=p)
        paper = await self._papers.known_paper(arxiv_id)
        return await self._session_from_row(row, paper, ThreadRef(conversation, row.root_id))

    async def _session_from_row(self, row: SessionRow, paper: Paper, thread: ThreadRef) -> Session:
        timezone = (await self._channels.channel_settings(row.conversation)).timezone
        meeting = row.meeting_at.astimezone(ZoneInfo(timezone)) if row.meeting_at else None
        return Session(paper, thread, row.votes, row.presenter_name, meeting)

    async def _session_text(self, session: Session, heading: str, **values: object) -> str:
        """The session's card in the channel's language; `heading` is a catalog key."""
        conversation = session.thread.conversation
        language = (await self._channels.channel_settings(conversation)).language
        p = command_prefix_for(conversation.platform)
        meeting = (
            meeting_text(session.meeting_at, language)
            if session.meeting_at
            else t("meeting_unscheduled", language, p=p)
        )
        presenter = session.presenter or t("presenter_none", language, p=p)
        return "\n".join(
            [
                f"**📚 {t(heading, language, **values)}: {session.paper.title}**",
                f"• {t('session_paper', language)}: {session.paper.abs_url}",
                f"• {t('session_votes', language)}: {session.votes}",
                f"• {t('session_presenter', language)}: {presenter}",
                f"• {t('session_meeting', language)}: {meeting}",
            ]
        )

    async def _meeting_time(
        self, conversation: ConversationRef, value: datetime | str | None
    ) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            timezone = (await self._channels.channel_settings(conversation)).timezone
            value = parse_meeting_time(value, timezone)
        if value.tzinfo is None:
            raise InvalidSetting(key="error_meeting_needs_zone")
        if value <= self._now():
            raise InvalidSetting(
                key="error_meeting_in_past", when=value.isoformat(timespec="minutes")
            )
        return value


def next_meeting(channel: ChannelSettings, moment: datetime) -> datetime | None:
    """The channel's next weekly meeting at or after `moment`, in the channel's zone."""
    if channel.meeting_weekday is None or channel.meeting_time is None:
        return None
    weekly = replace(channel, weekday=channel.meeting_weekday, time=channel.meeting_time)
    return next_fire_after(weekly, moment).astimezone(ZoneInfo(channel.timezone))


def parse_meeting_time(text: str, timezone: str) -> datetime:
    """`YYYY-MM-DD HH:MM` in the channel's time zone."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})", text.strip(), re.ASCII)
    if match is None:
        raise InvalidSetting(key="error_meeting_format", given=text[:40], timezone=timezone)
    try:
        year, month, day, hour, minute = (int(part) for part in match.groups())
        naive = datetime(year, month, day, hour, minute)
    except ValueError:
        raise InvalidSetting(key="error_meeting_not_real", given=text[:40]) from None
    return naive.replace(tzinfo=ZoneInfo(timezone))
