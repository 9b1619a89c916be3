"""The club's workflow through the terminal adapter, on a real digest (loopback arXiv):
votes, pick, presenter, reminder, reading list, recap, and the errors members see."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, Services, bootstrap, build_scheduler
from bot.config import Settings
from bot.domain import Author, ConversationRef, PaperInChannel, Platform, ThreadRef
from bot.errors import InvalidPaperId, InvalidSetting, NotAPaperThread, PaperNotFound
from bot.store.club_tables import ClubTables

MakeSettings = Callable[..., Settings]
OTHER_CHANNEL = ConversationRef(Platform.CONSOLE, "local", "other")
MARCH_1_2027 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ALICE = Author("u-alice", "Alice")
BOB = Author("u-bob", "Bob")
CAROL = Author("u-carol", "Carol")


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Club:
    club: Services
    clock: Clock
    transcript: Path
    posted: list[str]  # the digest's arXiv ids, in posting order

    async def thread(self, arxiv_id: str) -> ThreadRef:
        thread = await self.club.store.channel_thread_for(TERMINAL, arxiv_id)
        assert thread is not None
        return thread

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.transcript.read_text("utf-8").splitlines()]

    def replies_in(self, thread: ThreadRef) -> list[str]:
        return [e["text"] for e in self.entries() if e["root"] == thread.root_id]


@pytest.fixture
async def club(make_settings: MakeSettings, tmp_path: Path) -> AsyncIterator[Club]:
    transcript = tmp_path / "paperclub.terminal.jsonl"
    clock = Clock(MARCH_1_2027)
    async with bootstrap(make_settings(), now=clock) as paperclub:
        paperclub.chats.attach(
            Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), transcript)
        )
        await paperclub.channels.update_settings(TERMINAL, timezone="Asia/Tokyo")
        report = await paperclub.digest.weekly_digest(TERMINAL, now=MARCH_1_2027)
        yield Club(paperclub, clock, transcript, report.posted)


async def test_votes_pick_the_most_voted_paper_and_open_its_reading_session(club: Club) -> None:
    first, second, third = club.posted[:3]
    await club.club.votes.vote(await club.thread(second), ALICE)  # a reaction on the root post
    await club.club.votes.vote(await club.thread(second), ALICE)  # the same member again
    tally = await club.club.votes.vote(await club.thread(second), BOB)
    await club.club.votes.vote(PaperInChannel(TERMINAL, f"https://arxiv.org/abs/{first}"), CAROL)
    await club.club.votes.vote(PaperInChannel(TERMINAL, third), BOB)
    removed = await club.club.votes.unvote(await club.thread(third), BOB)  # reaction removed
    await club.club.votes.vote(await club.thread(third), Author("bot", "paperclub", is_bot=True))

    assert tally.votes == 2
    assert removed.votes == 0
    standings = await club.club.votes.standings(TERMINAL)
    assert [(t.paper.arxiv_id, t.votes) for t in standings] == [(second, 2), (first, 1)]

    meeting = datetime(2027, 3, 11, 10, 0, tzinfo=UTC)
    [session] = await club.club.sessions.pick(TERMINAL, 1, meeting_at=meeting)
    assert session.paper.arxiv_id == second
    assert session.votes == 2
    assert session.meeting_at == meeting
    assert str(session.meeting_at.tzinfo) == "Asia/Tokyo"
    root = next(e for e in club.entries() if e["id"] == session.thread.root_id)
    assert root["key"] == f"session:console:local/terminal:{second}"
    assert f"Reading session: {session.paper.title}" in root["text"]
    assert "• Votes: 2" in root["text"]
    assert "• Meeting: Thu 2027-03-11 19:00 JST" in root["text"]
    assert "• Presenter: nobody yet" in root["text"]

    [following] = await club.club.sessions.pick(TERMINAL)  # the picked paper is out of the race
    assert following.paper.arxiv_id == first
    with pytest.raises(InvalidSetting, match="No paper in this channel has a vote yet"):
        await club.club.sessions.pick(TERMINAL)
    with pytest.raises(InvalidSetting, match="Pick between 1 and 5 papers"):
        await club.club.sessions.pick(TERMINAL, 6)
    sessions = [e for e in club.entries() if str(e["key"]).startswith("session:")]
    assert len(sessions) == 2


async def test_votes_only_count_for_papers_of_this_channel(club: Club) -> None:
    paper = club.posted[0]
    with pytest.raises(InvalidSetting) as refused:
        await club.club.votes.vote(PaperInChannel(OTHER_CHANNEL, paper), ALICE)
    assert str(refused.value) == (
        f"{paper} was not posted in this channel, so it cannot be voted on or presented "
        f"here. Pick a paper from this channel's digest, or post it here first with "
        f"/paper {paper}."
    )
    with pytest.raises(NotAPaperThread):
        await club.club.votes.vote(ThreadRef(TERMINAL, "not-a-thread"), ALICE)
    with pytest.raises(InvalidPaperId):
        await club.club.votes.vote(PaperInChannel(TERMINAL, "2309.1228"), ALICE)
    assert await club.club.votes.standings(OTHER_CHANNEL) == []
    assert await club.club.votes.standings(TERMINAL) == []


async def test_presenter_is_announced_and_reminded_once_before_the_meeting(club: Club) -> None:
    paper = club.posted[4]
    hostile = Author("u-ada", "Ada @everyone")
    session = await club.club.sessions.present(TERMINAL, paper, hostile, "2027-03-11 18:00")

    assert session.presenter == "Ada @\u200beveryone"  # shown, never a mass mention
    assert session.meeting_at == datetime(2027, 3, 11, 9, 0, tzinfo=UTC)
    [outline, announcement] = club.replies_in(session.thread)  # the presenter's outline first
    assert outline.startswith(f"**🎤 Presenter outline: {session.paper.title}**")
    assert "• Presenter: Ada @\u200beveryone" in announcement
    assert "• Meeting: Thu 2027-03-11 18:00 JST" in announcement

    def reminders() -> list[str]:
        return [t for t in club.replies_in(session.thread) if "Reminder" in t]

    assert (
        await club.club.sessions.send_due_reminders(datetime(2027, 3, 11, 7, 59, tzinfo=UTC)) == 0
    )
    assert await club.club.sessions.send_due_reminders(datetime(2027, 3, 11, 8, 0, tzinfo=UTC)) == 1
    assert (
        await club.club.sessions.send_due_reminders(datetime(2027, 3, 11, 8, 30, tzinfo=UTC)) == 0
    )
    assert reminders() == [
        f"**📚 Reminder: the meeting starts in 60 min: {session.paper.title}**\n"
        f"• Paper: https://arxiv.org/abs/{paper}\n• Votes: 0\n"
        "• Presenter: Ada @\u200beveryone\n• Meeting: Thu 2027-03-11 18:00 JST"
    ]

    # Moving the meeting re-arms its reminder; a new presenter keeps the same thread.
    moved = await club.club.sessions.present(TERMINAL, paper, BOB, "2027-03-12 18:00")
    assert moved.thread == session.thread
    assert (
        await club.club.sessions.send_due_reminders(datetime(2027, 3, 12, 8, 10, tzinfo=UTC)) == 1
    )
    assert "starts in 50 min" in reminders()[-1]
    assert "• Presenter: Bob" in reminders()[-1]
    # A meeting that already started gets no late reminder.
    late = await club.club.sessions.present(TERMINAL, club.posted[5], ALICE, "2027-03-02 10:00")
    assert await club.club.sessions.send_due_reminders(datetime(2027, 3, 2, 1, 30, tzinfo=UTC)) == 0
    assert [t for t in club.replies_in(late.thread) if "Reminder" in t] == []


async def test_the_scheduler_sends_due_reminders(club: Club) -> None:
    paper = club.posted[1]
    session = await club.club.sessions.present(TERMINAL, paper, ALICE, "2027-03-11 18:00")
    clock = Clock(datetime(2027, 3, 11, 8, 30, tzinfo=UTC))
    scheduler = build_scheduler(
        club.club, now=clock, reminders=club.club.sessions.send_due_reminders
    )
    await scheduler.start()
    try:
        for _ in range(100):
            if any("Reminder" in text for text in club.replies_in(session.thread)):
                break
            await asyncio.sleep(0.02)
    finally:
        await scheduler.shutdown()
    assert [t for t in club.replies_in(session.thread) if "starts in 30 min" in t]


async def test_meeting_times_that_cannot_work_are_refused(club: Club) -> None:
    paper = club.posted[0]
    with pytest.raises(InvalidSetting, match=r"Use YYYY-MM-DD HH:MM in the channel's time zone"):
        await club.club.sessions.present(TERMINAL, paper, ALICE, "next thursday")
    with pytest.raises(InvalidSetting, match="is not a real date and time"):
        await club.club.sessions.present(TERMINAL, paper, ALICE, "2027-02-30 18:00")
    with pytest.raises(InvalidSetting, match="is in the past"):
        await club.club.sessions.present(TERMINAL, paper, ALICE, "2027-02-28 18:00")
    with pytest.raises(InvalidSetting, match="was not posted in this channel"):
        await club.club.sessions.present(OTHER_CHANNEL, paper, ALICE, "2027-03-11 18:00")
    assert not [e for e in club.entries() if str(e["key"]).startswith("session:")]


async def test_schedule_settings_that_cannot_work_are_refused(club: Club) -> None:
    with pytest.raises(InvalidSetting, match="Unknown time zone 'Mars/Olympus'"):
        await club.club.channels.update_settings(TERMINAL, timezone="Mars/Olympus")
    with pytest.raises(InvalidSetting, match="Unknown day 'someday'"):
        await club.club.channels.update_settings(TERMINAL, weekday="someday")
    with pytest.raises(InvalidSetting, match=r"Unknown time '25:00'\. Use 24-hour HH:MM"):
        await club.club.channels.update_settings(TERMINAL, time="25:00")
    with pytest.raises(InvalidSetting, match="Unknown time '9am'"):
        await club.club.channels.update_settings(TERMINAL, time="9am")
    assert (await club.club.channels.channel_settings(TERMINAL)).timezone == "Asia/Tokyo"


async def test_reading_list_per_member(club: Club) -> None:
    first, second = club.posted[:2]
    await club.club.reading_list.save(TERMINAL, ALICE, first)
    saved = await club.club.reading_list.save(
        TERMINAL, ALICE, "1605.08386"
    )  # never posted: arXiv look-up
    await club.club.reading_list.save(TERMINAL, ALICE, first)  # twice is still once
    await club.club.reading_list.read(TERMINAL, ALICE, second)  # read without saving first

    entries = await club.club.reading_list.saved(TERMINAL, ALICE)
    assert saved.title == "Heat-bath random walks with Markov bases"
    assert [(e.arxiv_id, e.read_at is not None) for e in entries] == [
        (first, False),
        ("1605.08386", False),
        (second, True),
    ]
    await club.club.reading_list.read(TERMINAL, ALICE, first)
    assert [
        e.arxiv_id for e in await club.club.reading_list.saved(TERMINAL, ALICE) if e.read_at is None
    ] == ["1605.08386"]
    assert await club.club.reading_list.saved(TERMINAL, BOB) == []
    other_workspace = ConversationRef(Platform.CONSOLE, "elsewhere", "terminal")
    assert await club.club.reading_list.saved(other_workspace, ALICE) == []
    with pytest.raises(PaperNotFound):
        await club.club.reading_list.save(TERMINAL, ALICE, "2309.12288")


async def test_recap_turns_the_threads_questions_into_meeting_notes(club: Club) -> None:
    await club.club.papers.summon_paper(TERMINAL, "1605.08386")
    thread = await club.thread("1605.08386")
    await club.club.answers.answer(
        thread, ALICE, "What is the diameter of these graphs bounded by?"
    )
    await club.club.answers.answer(thread, BOB, "What is the recipe for chocolate cake?")
    await club.club.answers.answer(thread, CAROL, "What do the authors compare Markov bases with?")

    notes = await club.club.recap.recap(thread)

    [point, *others] = notes.key_points
    assert point.text.startswith(
        "We show that the diameter of these graphs on fibers of a fixed integer matrix"
    )
    assert point.asked_by == ALICE.user_id
    assert [c.section for c in point.citations] == ["Abstract"]
    open_questions = [(q.author_id, q.text) for q in notes.open_questions]
    assert open_questions == [
        (BOB.user_id, "What is the recipe for chocolate cake?"),
        (CAROL.user_id, "What do the authors compare Markov bases with?"),
    ]
    assert [q.author_id for q in notes.asked] == [ALICE.user_id, BOB.user_id, CAROL.user_id]
    posted = club.replies_in(thread)[-1]
    assert posted.startswith("**📝 Meeting notes: Heat-bath random walks with Markov bases**")
    assert "**Key points**\n• We show that the diameter" in posted
    # issue 14: the citation links to its place (here the abstract page)
    assert "(Sources: [Abstract](https://arxiv.org/abs/1605.08386))" in posted
    assert "• What is the recipe for chocolate cake? (asked by `u-bob`)" in posted
    assert "• `u-carol`: What do the authors compare Markov bases with?" in posted
    with pytest.raises(NotAPaperThread):
        await club.club.recap.recap(ThreadRef(TERMINAL, "nowhere"))
    assert others == []  # the paper's abstract does not answer Carol's question either


async def test_meeting_and_automatic_pick_settings_are_validated(club: Club) -> None:
    settings = await club.club.channels.update_settings(
        TERMINAL, meeting_weekday="thu", meeting_time="18:00", auto_pick_hours=24
    )
    assert (settings.meeting_weekday, settings.meeting_time, settings.auto_pick_hours) == (
        3,
        "18:00",
        24,
    )
    assert (await club.club.channels.channel_settings(TERMINAL)).auto_pick_hours == 24  # stored
    with pytest.raises(InvalidSetting, match=r"Unknown automatic pick '200'.*from 1 to 167"):
        await club.club.channels.update_settings(TERMINAL, auto_pick_hours=200)
    with pytest.raises(InvalidSetting, match="Unknown automatic pick 'soon'"):
        await club.club.channels.update_settings(TERMINAL, auto_pick_hours="soon")
    with pytest.raises(InvalidSetting, match="Unknown day 'someday'"):
        await club.club.channels.update_settings(TERMINAL, meeting_weekday="someday")
    with pytest.raises(InvalidSetting, match="Unknown time '18h'"):
        await club.club.channels.update_settings(TERMINAL, meeting_time="18h")
    with pytest.raises(InvalidSetting, match="needs both a day and a time"):
        await club.club.channels.update_settings(OTHER_CHANNEL, meeting_weekday="fri")
    with pytest.raises(InvalidSetting, match="Set the meeting's day and time first"):
        await club.club.channels.update_settings(OTHER_CHANNEL, auto_pick_hours=12)
    assert (await club.club.channels.channel_settings(TERMINAL)).auto_pick_hours == 24  # unchanged
    cleared = await club.club.channels.update_settings(TERMINAL, meeting_weekday="off")
    assert (cleared.meeting_weekday, cleared.meeting_time, cleared.auto_pick_hours) == (
        None,
        None,
        0,
    )


async def test_automatic_pick_runs_once_before_each_meeting(club: Club) -> None:
    first, second = club.posted[:2]
    await club.club.votes.vote(await club.thread(second), ALICE)
    await club.club.votes.vote(await club.thread(second), BOB)
    await club.club.votes.vote(await club.thread(first), CAROL)
    # Thursdays 18:00 in Tokyo (09:00 UTC), picked 24 h before: Wed 2027-03-03 09:00 UTC.
    await club.club.channels.update_settings(
        TERMINAL, meeting_weekday="thu", meeting_time="18:00", auto_pick_hours=24
    )

    assert (
        await club.club.sessions.send_due_auto_picks(datetime(2027, 3, 3, 8, 59, tzinfo=UTC)) == 0
    )
    assert not [e for e in club.entries() if str(e["key"]).startswith("session:")]
    assert await club.club.sessions.send_due_auto_picks(datetime(2027, 3, 3, 9, 0, tzinfo=UTC)) == 1
    assert await club.club.sessions.send_due_auto_picks(datetime(2027, 3, 3, 9, 1, tzinfo=UTC)) == 0
    restarted = (
        club.club.sessions
    )  # a restart: the use cases keep no state, only the store remembers
    assert await restarted.send_due_auto_picks(datetime(2027, 3, 4, 8, 0, tzinfo=UTC)) == 0

    session = await club.club.sessions.session(TERMINAL, second)
    assert session.meeting_at == datetime(2027, 3, 4, 9, 0, tzinfo=UTC)
    assert session.votes == 2
    roots = [e for e in club.entries() if str(e["key"]).startswith("session:")]
    assert [r["key"] for r in roots] == [f"session:console:local/terminal:{second}"]
    assert "• Meeting: Thu 2027-03-04 18:00 JST" in roots[0]["text"]
    # The existing reminder fires before the picked meeting.
    assert await club.club.sessions.send_due_reminders(datetime(2027, 3, 4, 8, 0, tzinfo=UTC)) == 1
    assert "Reminder: the meeting starts in 60 min" in club.replies_in(session.thread)[-1]

    # The next week's pick takes the next most-voted paper.
    assert (
        await club.club.sessions.send_due_auto_picks(datetime(2027, 3, 10, 9, 0, tzinfo=UTC)) == 1
    )
    following = await club.club.sessions.session(TERMINAL, first)
    assert following.meeting_at == datetime(2027, 3, 11, 9, 0, tzinfo=UTC)


async def test_an_automatic_pick_without_votes_says_so_in_the_channel(club: Club) -> None:
    await club.club.channels.update_settings(
        TERMINAL, meeting_weekday="fri", meeting_time="10:00", auto_pick_hours=2
    )
    friday_8am_tokyo = datetime(2027, 3, 4, 23, 0, tzinfo=UTC)
    assert await club.club.sessions.send_due_auto_picks(friday_8am_tokyo) == 1
    assert await club.club.sessions.send_due_auto_picks(friday_8am_tokyo) == 0
    [notice] = [e for e in club.entries() if str(e["key"]).startswith("autopick:")]
    assert notice["root"] is None  # a top-level post in the channel
    assert "no paper has votes yet; react to a paper's post to vote" in notice["text"]
    assert "Fri 2027-03-05 10:00 JST" in notice["text"]
    assert await club.club.votes.standings(TERMINAL) == []


async def test_the_scheduler_makes_a_missed_automatic_pick_and_reminds_in_one_tick(
    club: Club,
) -> None:
    paper = club.posted[2]
    await club.club.votes.vote(await club.thread(paper), ALICE)
    await club.club.channels.update_settings(
        TERMINAL, meeting_weekday="thu", meeting_time="18:00", auto_pick_hours=24
    )
    # Down through Wednesday's pick; back 30 min before Thursday's meeting.
    clock = Clock(datetime(2027, 3, 4, 8, 30, tzinfo=UTC))
    scheduler = build_scheduler(
        club.club,
        now=clock,
        reminders=club.club.sessions.send_due_reminders,
        auto_picks=club.club.sessions.send_due_auto_picks,
    )
    await scheduler.start()
    try:
        for _ in range(100):
            if any("starts in 30 min" in e["text"] for e in club.entries()):
                break
            await asyncio.sleep(0.02)
    finally:
        await scheduler.shutdown()
    session = await club.club.sessions.session(TERMINAL, paper)
    [root] = [e for e in club.entries() if e["id"] == session.thread.root_id]
    assert root["text"].startswith(f"**📚 Reading session: {session.paper.title}**")
    assert [t for t in club.replies_in(session.thread) if "starts in 30 min" in t]


async def test_an_automatic_pick_cut_short_resumes_with_the_paper_it_chose(club: Club) -> None:
    first, second = club.posted[:2]
    await club.club.votes.vote(await club.thread(first), ALICE)
    await club.club.channels.update_settings(
        TERMINAL, meeting_weekday="thu", meeting_time="18:00", auto_pick_hours=24
    )
    meeting = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)
    # The bot chose `first` for Thursday's meeting and was killed before opening its session.
    await ClubTables(club.club.store).reserve_auto_pick(TERMINAL, meeting, first)
    await club.club.votes.vote(await club.thread(second), BOB)  # votes shift while it is down
    await club.club.votes.vote(await club.thread(second), CAROL)

    restarted = club.club  # a restart: the use cases keep no state, only the store remembers
    assert (
        await restarted.sessions.send_due_auto_picks(datetime(2027, 3, 3, 12, 0, tzinfo=UTC)) == 1
    )
    assert (await restarted.sessions.session(TERMINAL, first)).meeting_at == meeting
    assert [t.paper.arxiv_id for t in await restarted.votes.standings(TERMINAL)] == [second]
    assert (
        await restarted.sessions.send_due_auto_picks(datetime(2027, 3, 3, 12, 1, tzinfo=UTC)) == 0
    )
