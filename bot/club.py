"""The club's workflow around the digest: votes, picks, presenters, reminders, reading
lists and recaps. Adapters call `ClubWorkflow`; it keeps no state of its own (the store
does), so each adapter may build one.

Votes count only for papers posted in the same channel; a reaction on a paper's root
post is a vote. `pick` turns the most-voted papers into reading sessions, each with its
own thread, posted exactly once (the same reserve/find/open steps as the digest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.command_text import command_prefix_for, meeting_text, reply
from bot.domain import (
    Author,
    ChannelSettings,
    Citation,
    ConversationRef,
    Paper,
    ThreadRef,
    Turn,
)
from bot.errors import InvalidSetting, NotAPaperThread
from bot.i18n import label
from bot.reading.model import Passage
from bot.render import Post
from bot.schedule import Clock, channel_name, next_fire_after, utc_now
from bot.service import PaperClub
from bot.sources.ids import parse_arxiv_ref
from bot.store.club_tables import ClubTables, ReadingEntry, SessionRow

MAX_PICK = 5
RECAP_TURNS = 400
_QUOTE = re.compile(r"[“\"]([^”\"]{12,})[”\"]")
_MARKERS = re.compile(r"\s*\[\d+\]")
MIN_SHARED_WORDS = 0.6  # share of a key point's words a paper sentence must contain to back it
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass(frozen=True, slots=True)
class PaperInChannel:
    """A paper named in a channel (`/vote 2309.12288`), rather than by its thread."""

    conversation: ConversationRef
    reference: str


VoteTarget = ThreadRef | PaperInChannel


@dataclass(frozen=True, slots=True)
class Tally:
    paper: Paper
    votes: int
    thread: ThreadRef  # the paper's thread in this channel


@dataclass(frozen=True, slots=True)
class Session:
    paper: Paper
    thread: ThreadRef  # the reading session's own thread
    votes: int
    presenter: str | None  # display name
    meeting_at: datetime | None  # in the channel's time zone


@dataclass(frozen=True, slots=True)
class KeyPoint:
    text: str
    asked_by: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Question:
    author_id: str
    text: str


@dataclass(frozen=True, slots=True)
class MeetingNotes:
    paper: Paper
    key_points: tuple[KeyPoint, ...]
    open_questions: tuple[Question, ...]
    asked: tuple[Question, ...]


class ClubWorkflow:
    def __init__(
        self, club: PaperClub, *, now: Clock = utc_now, command_prefix: str | None = None
    ) -> None:
        """`command_prefix` is how members type a command ("/paperclub " on Slack), named
        in posts and errors; None: each conversation's platform decides."""
        self.club = club
        self.now = now
        self.command_prefix = command_prefix
        self.tables = ClubTables(club.store)

    # Votes ------------------------------------------------------------------------

    async def vote(self, target: VoteTarget, member: Author) -> Tally:
        """One vote per member and paper; voting again changes nothing."""
        conversation, paper, thread = await self._channel_paper(target)
        if not member.is_bot:
            await self.tables.add_vote(conversation, paper.arxiv_id, member.user_id)
        return Tally(paper, await self.tables.votes_for(conversation, paper.arxiv_id), thread)

    async def unvote(self, target: VoteTarget, member: Author) -> Tally:
        """A removed reaction takes its vote back."""
        conversation, paper, thread = await self._channel_paper(target)
        await self.tables.remove_vote(conversation, paper.arxiv_id, member.user_id)
        return Tally(paper, await self.tables.votes_for(conversation, paper.arxiv_id), thread)

    async def standings(self, conversation: ConversationRef) -> list[Tally]:
        """Papers with votes not yet picked for a session, most votes first."""
        tallies: list[Tally] = []
        for count in await self.tables.vote_counts(conversation):
            thread = await self.club.store.channel_thread_for(conversation, count.arxiv_id)
            paper = await self._paper(count.arxiv_id)
            if thread is not None:
                tallies.append(Tally(paper, count.votes, thread))
        return tallies

    # Reading sessions -----------------------------------------------------------------

    async def pick(
        self,
        conversation: ConversationRef,
        n: int = 1,
        *,
        meeting_at: datetime | str | None = None,
    ) -> list[Session]:
        """Announce the `n` most-voted papers, each in its own reading-session thread.
        A meeting time given as text is `YYYY-MM-DD HH:MM` in the channel's time zone."""
        if not 1 <= n <= MAX_PICK:
            raise InvalidSetting(f"Pick between 1 and {MAX_PICK} papers at a time.")
        meeting_at = await self._meeting_time(conversation, meeting_at)
        standings = await self.standings(conversation)
        if not standings:
            raise InvalidSetting(
                "No paper in this channel has a vote yet (or every voted paper was already "
                "picked). React to a paper's post or use "
                f"{self._prefix(conversation)}vote <arXiv id> first."
            )
        return [
            await self._start_session(conversation, tally.paper, tally.votes, meeting_at)
            for tally in standings[:n]
        ]

    async def send_due_auto_picks(self, now: datetime) -> int:
        """Each channel's automatic pick, `auto_pick_hours` before its next weekly meeting,
        once per meeting (recorded in the store, so a restart or a second poll never picks
        again); a pick missed while the bot was down runs while the meeting is still ahead."""
        done = 0
        for channel in await self.club.store.auto_pick_channels():
            meeting_at = next_meeting(channel, now)
            if meeting_at is None or now < meeting_at - timedelta(hours=channel.auto_pick_hours):
                continue
            if await self.auto_pick(channel.conversation, meeting_at):
                done += 1
        return done

    async def auto_pick(self, conversation: ConversationRef, meeting_at: datetime) -> bool:
        """The most-voted paper becomes the session for `meeting_at`; with no votes, the
        channel is told so. False if this meeting's pick was already made."""
        row = await self.tables.auto_pick(conversation, meeting_at)
        if row is None:
            standings = await self.standings(conversation)
            first = standings[0].paper.arxiv_id if standings else None
            row = await self.tables.reserve_auto_pick(conversation, meeting_at, first)
        if row.done:
            return False
        if row.arxiv_id is None:
            await self._post_no_votes(conversation, meeting_at)
        else:
            paper = await self._paper(row.arxiv_id)
            votes = await self.tables.votes_for(conversation, row.arxiv_id)
            await self._start_session(conversation, paper, votes, meeting_at)
        await self.tables.finish_auto_pick(conversation, meeting_at)
        return True

    async def _start_session(
        self, conversation: ConversationRef, paper: Paper, votes: int, meeting_at: datetime | None
    ) -> Session:
        await self.tables.reserve_session(conversation, paper.arxiv_id, votes)
        if meeting_at is not None:
            await self.tables.set_meeting(conversation, paper.arxiv_id, meeting_at)
        return await self._open_session(conversation, paper)

    async def _post_no_votes(self, conversation: ConversationRef, meeting_at: datetime) -> None:
        channel = await self.club.channel_settings(conversation)
        key = f"autopick:{channel_name(conversation)}:{meeting_at.astimezone(UTC).isoformat()}"
        local = meeting_at.astimezone(ZoneInfo(channel.timezone))
        meeting = meeting_text(local, channel.language)
        chat = self.club.chat_for(conversation)
        if await chat.find_thread(conversation, key) is None:
            await chat.open_thread(
                conversation,
                Post(
                    text=self.club.clean_text(
                        reply("auto_pick_none", channel.language, meeting=meeting)
                    )
                ),
                thread_name=_thread_name(
                    reply("auto_pick_none_thread", channel.language, meeting=meeting)
                ),
                idempotency_key=key,
            )

    async def present(
        self,
        conversation: ConversationRef,
        paper: VoteTarget | str,
        member: Author,
        meeting_time: datetime | str | None = None,
    ) -> Session:
        """Make `member` the paper's presenter (opening its session if not yet picked)."""
        target = PaperInChannel(conversation, paper) if isinstance(paper, str) else paper
        conversation, found, _ = await self._channel_paper(target)
        meeting_at = await self._meeting_time(conversation, meeting_time)
        votes = await self.tables.votes_for(conversation, found.arxiv_id)
        await self.tables.reserve_session(conversation, found.arxiv_id, votes)
        await self._open_session(conversation, found)
        name = self.club.clean_text(" ".join(member.display_name.split())[:80])
        await self.tables.set_presenter(
            conversation, found.arxiv_id, member.user_id, name, meeting_at
        )
        session = await self._session(conversation, found.arxiv_id)
        await self.club.chat_for(conversation).reply(
            session.thread,
            Post(
                text=self.club.clean_text(
                    await self._session_text(session, "session_presenter_set")
                )
            ),
        )
        return session

    async def send_due_reminders(self, now: datetime) -> int:
        """Post each meeting's reminder once, `reminder_minutes` before it; missed ones are
        still sent while the meeting has not started."""
        lead = timedelta(minutes=self.club.settings.reminder_minutes)
        sent = 0
        for row in await self.tables.upcoming_sessions(now + lead):
            assert row.meeting_at is not None and row.root_id is not None
            if row.meeting_at <= now:
                continue  # the meeting has started; a late reminder would only confuse
            session = await self._session(row.conversation, row.arxiv_id)
            minutes = max(1, round((row.meeting_at - now).total_seconds() / 60))
            text = await self._session_text(session, "session_reminder", minutes=minutes)
            key = (
                f"reminder:{channel_name(row.conversation)}:{row.arxiv_id}:"
                f"{row.meeting_at.isoformat()}"
            )
            await self.club.chat_for(row.conversation).reply(
                session.thread, Post(text=self.club.clean_text(text)), idempotency_key=key
            )
            await self.tables.mark_reminded(row.conversation, row.arxiv_id, row.meeting_at)
            sent += 1
        return sent

    async def session(self, conversation: ConversationRef, reference: str) -> Session:
        arxiv_id = parse_arxiv_ref(reference).arxiv_id
        return await self._session(conversation, arxiv_id)

    # Reading list ---------------------------------------------------------------------

    async def save(self, conversation: ConversationRef, member: Author, reference: str) -> Paper:
        paper = await self._known_paper(reference)
        await self.tables.save(
            conversation.platform, conversation.workspace_id, member.user_id, paper.arxiv_id
        )
        return paper

    async def read(self, conversation: ConversationRef, member: Author, reference: str) -> Paper:
        paper = await self._known_paper(reference)
        await self.tables.mark_read(
            conversation.platform, conversation.workspace_id, member.user_id, paper.arxiv_id
        )
        return paper

    async def saved(self, conversation: ConversationRef, member: Author) -> list[ReadingEntry]:
        return await self.tables.reading_list(
            conversation.platform, conversation.workspace_id, member.user_id
        )

    # Recap ------------------------------------------------------------------------------

    async def recap(self, target: VoteTarget, *, post: bool = True) -> MeetingNotes:
        """Meeting notes from the thread's questions and answers, posted in the thread.
        A paper named in a channel (`/paperclub recap 2309.12288`) means its thread there."""
        thread = target if isinstance(target, ThreadRef) else await self._paper_thread(target)
        arxiv_id = await self.club.store.thread_paper(thread)
        if arxiv_id is None:
            raise NotAPaperThread()
        paper = await self._paper(arxiv_id)
        text = await self.club.library.text(paper)
        turns = await self.club.store.turns(thread, limit=RECAP_TURNS)
        notes = meeting_notes(paper, turns, text.passages)
        if post:
            language = (await self.club.channel_settings(thread.conversation)).language
            await self.club.chat_for(thread.conversation).reply(
                thread, Post(text=self.club.clean_text(recap_text(notes, language)))
            )
        return notes

    # Helpers ----------------------------------------------------------------------------

    async def _channel_paper(self, target: VoteTarget) -> tuple[ConversationRef, Paper, ThreadRef]:
        """The paper `target` names, which must have been posted in its channel."""
        if isinstance(target, ThreadRef):
            arxiv_id = await self.club.store.thread_paper(target)
            if arxiv_id is None:
                raise NotAPaperThread()
            return target.conversation, await self._paper(arxiv_id), target
        arxiv_id = parse_arxiv_ref(target.reference).arxiv_id
        thread = await self.club.store.channel_thread_for(target.conversation, arxiv_id)
        if thread is None:
            raise InvalidSetting(
                f"{arxiv_id} was not posted in this channel, so it cannot be voted on or "
                f"presented here. Pick a paper from this channel's digest, or post it here "
                f"first with {self._prefix(target.conversation)}paper {arxiv_id}."
            )
        return target.conversation, await self._paper(arxiv_id), thread

    async def _paper_thread(self, target: PaperInChannel) -> ThreadRef:
        arxiv_id = parse_arxiv_ref(target.reference).arxiv_id
        thread = await self.club.store.channel_thread_for(target.conversation, arxiv_id)
        if thread is None:
            raise InvalidSetting(
                f"{arxiv_id} has no thread in this channel, so there is nothing to recap. "
                f"Open it with {self._prefix(target.conversation)}paper {arxiv_id} and discuss "
                "it in its thread first."
            )
        return thread

    async def _paper(self, arxiv_id: str) -> Paper:
        return await self.club.store.paper(arxiv_id) or await self.club.find_paper(arxiv_id)

    async def _known_paper(self, reference: str) -> Paper:
        arxiv_id = parse_arxiv_ref(reference).arxiv_id
        paper = await self.club.store.paper(arxiv_id)
        if paper is None:
            paper = await self.club.find_paper(arxiv_id)
            await self.club.store.save_paper(paper)
        return paper

    async def _open_session(self, conversation: ConversationRef, paper: Paper) -> Session:
        """The paper's reading-session thread, opened once however often this is retried."""
        row = await self.tables.session(conversation, paper.arxiv_id)
        assert row is not None  # reserved by the caller
        if row.root_id is None:
            chat = self.club.chat_for(conversation)
            key = f"session:{channel_name(conversation)}:{paper.arxiv_id}"
            draft = await self._session_from_row(row, paper, ThreadRef(conversation, ""))
            text = await self._session_text(draft, "session_reading")
            language = (await self.club.channel_settings(conversation)).language
            thread = await chat.find_thread(conversation, key) or await chat.open_thread(
                conversation,
                Post(text=self.club.clean_text(text)),
                thread_name=_thread_name(reply("session_thread", language, title=paper.title)),
                idempotency_key=key,
            )
            await self.tables.set_session_root(conversation, paper.arxiv_id, thread.root_id)
        return await self._session(conversation, paper.arxiv_id)

    async def _session(self, conversation: ConversationRef, arxiv_id: str) -> Session:
        row = await self.tables.session(conversation, arxiv_id)
        if row is None or row.root_id is None:
            p = self._prefix(conversation)
            raise InvalidSetting(
                f"{arxiv_id} has no reading session in this channel yet. Use {p}pick to pick "
                f"the most-voted papers, or {p}present {arxiv_id} to present it."
            )
        paper = await self._paper(arxiv_id)
        return await self._session_from_row(row, paper, ThreadRef(conversation, row.root_id))

    async def _session_from_row(self, row: SessionRow, paper: Paper, thread: ThreadRef) -> Session:
        timezone = (await self.club.channel_settings(row.conversation)).timezone
        meeting = row.meeting_at.astimezone(ZoneInfo(timezone)) if row.meeting_at else None
        return Session(paper, thread, row.votes, row.presenter_name, meeting)

    async def _session_text(self, session: Session, heading: str, **values: object) -> str:
        """The session's card in the channel's language; `heading` is a command_text key."""
        conversation = session.thread.conversation
        language = (await self.club.channel_settings(conversation)).language
        p = self._prefix(conversation)
        meeting = (
            meeting_text(session.meeting_at, language)
            if session.meeting_at
            else reply("meeting_unscheduled", language, p=p)
        )
        presenter = session.presenter or reply("presenter_none", language, p=p)
        return "\n".join(
            [
                f"**📚 {reply(heading, language, **values)}: {session.paper.title}**",
                f"• {reply('session_paper', language)}: {session.paper.abs_url}",
                f"• {reply('session_votes', language)}: {session.votes}",
                f"• {reply('session_presenter', language)}: {presenter}",
                f"• {reply('session_meeting', language)}: {meeting}",
            ]
        )

    def _prefix(self, conversation: ConversationRef) -> str:
        if self.command_prefix is not None:
            return self.command_prefix
        return command_prefix_for(conversation.platform)

    async def _meeting_time(
        self, conversation: ConversationRef, value: datetime | str | None
    ) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            timezone = (await self.club.channel_settings(conversation)).timezone
            value = parse_meeting_time(value, timezone)
        self._check_future(value)
        return value

    def _check_future(self, meeting_at: datetime) -> None:
        if meeting_at.tzinfo is None:
            raise InvalidSetting("The meeting time needs a time zone.")
        if meeting_at <= self.now():
            raise InvalidSetting(
                f"The meeting time {meeting_at.isoformat(timespec='minutes')} is in the past; "
                "give a future date and time as YYYY-MM-DD HH:MM."
            )


def next_meeting(channel: ChannelSettings, moment: datetime) -> datetime | None:
    """The channel's next weekly meeting at or after `moment`, in the channel's zone."""
    if channel.meeting_weekday is None or channel.meeting_time is None:
        return None
    weekly = replace(channel, weekday=channel.meeting_weekday, time=channel.meeting_time)
    return next_fire_after(weekly, moment).astimezone(ZoneInfo(channel.timezone))


def parse_meeting_time(text: str, timezone: str) -> datetime:
    """`YYYY-MM-DD HH:MM` in the channel's time zone."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})", text.strip())
    if match is None:
        raise InvalidSetting(
            f"Unknown meeting time '{text[:40]}'. Use YYYY-MM-DD HH:MM in the channel's time "
            f"zone ({timezone}), e.g. 2027-03-11 18:00."
        )
    try:
        year, month, day, hour, minute = (int(part) for part in match.groups())
        naive = datetime(year, month, day, hour, minute)
    except ValueError:
        raise InvalidSetting(
            f"'{text[:40]}' is not a real date and time; use YYYY-MM-DD HH:MM."
        ) from None
    return naive.replace(tzinfo=ZoneInfo(timezone))


def meeting_notes(paper: Paper, turns: list[Turn], passages: tuple[Passage, ...]) -> MeetingNotes:
    """Key points (each answer's first sentence, with the passages it quotes), open
    questions (no answer, or an answer the paper's text does not back), who asked what."""
    asked: list[Question] = []
    key_points: list[KeyPoint] = []
    open_questions: list[Question] = []
    for index, turn in enumerate(turns):
        if turn.role != "user":
            continue
        question = Question(turn.author_id, " ".join(turn.text.split()))
        asked.append(question)
        reply = turns[index + 1] if index + 1 < len(turns) else None
        if reply is None or reply.role != "assistant":
            open_questions.append(question)
            continue
        citations = _citations(reply.text, passages)
        if not citations:
            open_questions.append(question)
            continue
        key_points.append(KeyPoint(_first_sentence(reply.text), turn.author_id, citations))
    return MeetingNotes(paper, tuple(key_points), tuple(open_questions), tuple(asked))


def recap_text(notes: MeetingNotes, language: str) -> str:
    def say(key: str) -> str:
        return reply(key, language)

    lines = [f"**📝 {reply('recap_title', language, title=notes.paper.title)}**", ""]
    lines.append(f"**{say('recap_key_points')}**")
    for point in notes.key_points:
        where = "; ".join(_where(c) for c in point.citations)
        lines.append(f"• {point.text} ({label('sources', language)}: {where})")
    if not notes.key_points:
        lines.append(f"• {say('recap_no_key_points')}")
    lines += ["", f"**{say('recap_open_questions')}**"]
    asked_by = say("recap_asked_by")
    lines += [f"• {q.text} ({asked_by} `{q.author_id}`)" for q in notes.open_questions] or [
        f"• {say('recap_none')}"
    ]
    lines += ["", f"**{say('recap_who_asked')}**"]
    by_member: dict[str, list[str]] = {}
    for q in notes.asked:
        by_member.setdefault(q.author_id, []).append(q.text)
    for member, questions in by_member.items():
        lines.append(f"• `{member}`: " + " / ".join(questions))
    if not by_member:
        lines.append(f"• {say('recap_nobody')}")
    return "\n".join(lines)


def _citations(answer: str, passages: tuple[Passage, ...]) -> tuple[Citation, ...]:
    """Where the paper backs the answer: its quotes found verbatim in the text, else the
    sentence of the text that shares most of the key point's words (a paraphrase)."""
    found: list[Citation] = []
    for quote in dict.fromkeys(m.group(1).strip() for m in _QUOTE.finditer(answer)):
        wanted = _normal(quote).rstrip(".")
        passage = next((p for p in passages if wanted and wanted in _normal(p.text)), None)
        if passage is not None and len(wanted) >= 12:
            found.append(Citation(quote, passage.section, passage.page))
    if found:
        return tuple(found)
    point = _first_sentence(answer)
    words = _words(point)
    if len(words) < 3:
        return ()
    best: tuple[float, str, Passage] | None = None
    for passage in passages:
        for sentence in _SENTENCE_END.split(" ".join(passage.text.split())):
            share = len(words & _words(sentence)) / len(words)
            if best is None or share > best[0]:
                best = (share, sentence, passage)
    if best is None or best[0] < MIN_SHARED_WORDS:
        return ()
    _, sentence, passage = best
    return (Citation(sentence, passage.section, passage.page),)


def _first_sentence(text: str) -> str:
    """The answer's first sentence of substance: not an intro line ("...:"), no quote
    marks or [n] markers, no "According to the paper," lead-in."""
    for line in text.strip().splitlines():
        line = line.strip().lstrip(">").strip()
        if not line or line.endswith(":"):
            continue
        first = _SENTENCE_END.split(line, maxsplit=1)[0]
        first = _MARKERS.sub("", first).strip()
        for lead in ("According to the paper,", "The paper says that", "The paper says"):
            if first.startswith(lead):
                first = first[len(lead) :].strip()
                first = first[:1].upper() + first[1:]
        return first
    return ""


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) > 3}


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _where(citation: Citation) -> str:
    where = citation.section or "?"
    if citation.page is not None:
        where += f", p. {citation.page}"
    return where


def _thread_name(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
