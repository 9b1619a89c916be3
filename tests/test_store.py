"""The store on both backends (a SQLite file, then a real PostgreSQL database): migrations,
isolation between workspaces, post reservations, the archive search, the usage ledger,
events seen and questions counted across processes, migrations raced by processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from bot.domain import (
    ConversationRef,
    MessageRef,
    Platform,
    QAPair,
    Summary,
    SummaryEngine,
    ThreadRef,
    Turn,
)
from bot.store import PostState, Store
from bot.store.club_notes import ClubNotes
from bot.store.feedback import FeedbackTables
from bot.store.migrations import MIGRATIONS
from bot.store.schema import usage
from bot.store.unfinished_answers import UnfinishedAnswers
from tests.test_store_faults import paper

Target = str | Path


def summary(arxiv_id: str, language: str, tldr: str, tags: tuple[str, ...]) -> Summary:
    return Summary(
        arxiv_id,
        language,
        tldr,
        (QAPair("What does it show?", "That models fail to reverse facts."),),
        tags,
        SummaryEngine.EXTRACTIVE,
        "",
        "abstract",
    )


async def test_migrations_apply_once_and_the_database_is_sound(database: Target) -> None:
    async with Store.open(database) as store:
        assert await store.schema_version() == len(MIGRATIONS)
    async with Store.open(database) as store:  # reopening applies nothing twice
        assert await store.schema_version() == len(MIGRATIONS)
        assert await store.integrity_check() == "ok"
        assert await store.schema_problems() == []  # the queries' tables are the migrated ones


async def test_times_are_real_timestamps_on_postgresql(postgres_url: str) -> None:
    async with Store.open(postgres_url) as store:
        async with store.reading() as db:
            types: dict[str, str] = dict(
                (
                    await db.execute(
                        text(
                            "SELECT table_name || '.' || column_name, data_type FROM "
                            "information_schema.columns WHERE column_name IN "
                            "('created_at', 'at', 'meeting_at', 'published', 'expires_at')"
                        )
                    )
                ).all()
            )
        await store.save_paper(paper(1))
        async with store.reading() as db:
            published = (await db.execute(text("SELECT published FROM papers"))).scalar()
    assert types["posts.created_at"] == "timestamp with time zone"
    assert types["usage.at"] == "timestamp with time zone"
    assert types["sessions.meeting_at"] == "timestamp with time zone"
    assert types["seen_events.expires_at"] == "timestamp with time zone"
    assert published == datetime(2023, 9, 21, tzinfo=UTC)


async def test_a_reserved_post_is_not_counted_as_received_until_its_root_exists(
    database: Target,
) -> None:
    channel = ConversationRef(Platform.SLACK, "T1", "C1")
    async with Store.open(database) as store:
        record = await store.reserve_post("k1", channel, "2309.12288", "2023-W39")
        assert record.state == PostState.RESERVED and record.fresh
        assert await store.posted_paper_ids(channel) == set()
        await store.mark_root_posted("k1", ThreadRef(channel, "171.1"), "2309.12288")
        again = await store.reserve_post("k1", channel, "2309.12288", "2023-W39")
        assert again.state == PostState.ROOT_POSTED and again.root_id == "171.1"
        assert not again.fresh
        assert await store.posted_paper_ids(channel) == {"2309.12288"}
        assert await store.thread_paper(ThreadRef(channel, "171.1")) == "2309.12288"
        await store.mark_reply_posted("k1", 2)
        await store.mark_complete("k1")
        [done] = await store.posts_in_week(channel, "2023-W39")
        assert (done.state, done.replies_done) == (PostState.COMPLETE, 2)


async def test_a_thread_posted_by_another_process_is_found_after_a_miss(
    database: Target,
) -> None:
    """A thread's paper is remembered once found; a miss is not, so a thread another
    process posts afterwards is found (and the remembered one stays right)."""
    channel = ConversationRef(Platform.DISCORD, "G1", "C1")
    thread, other = ThreadRef(channel, "11"), ThreadRef(channel, "12")
    async with Store.open(database) as asking:
        await asking.mark_root_posted("k0", other, "2309.12288")
        assert await asking.thread_paper(other) == "2309.12288"
        assert await asking.thread_paper(thread) is None
        async with Store.open(database, exclusive=False) as posting:
            await posting.mark_root_posted("k1", thread, "2310.06825")
            await posting.mark_root_posted("k2", other, "2310.06825")  # ignored: posted
        assert await asking.thread_paper(thread) == "2310.06825"
        assert await asking.thread_paper(other) == "2309.12288"


async def test_workspaces_never_see_each_others_threads(database: Target) -> None:
    team_a = ConversationRef(Platform.SLACK, "TA", "C1")
    team_b = ConversationRef(Platform.SLACK, "TB", "C1")  # same channel id, other workspace
    async with Store.open(database) as store:
        await store.mark_root_posted("k", ThreadRef(team_a, "1.1"), "2309.12288")
        assert await store.thread_paper(ThreadRef(team_b, "1.1")) is None
        assert await store.channel_thread_for(team_b, "2309.12288") is None
        assert await store.channel_thread_for(team_a, "2309.12288") == ThreadRef(team_a, "1.1")
        assert await store.posted_paper_ids(team_b) == set()


async def test_the_archive_search_reads_titles_abstracts_and_summaries_alike(
    database: Target,
) -> None:
    channel = ConversationRef(Platform.DISCORD, "G1", "C1")
    async with Store.open(database) as store:
        for number in range(3):
            await store.save_paper(paper(number))
            await store.mark_root_posted(
                f"k{number}", ThreadRef(channel, f"r{number}"), paper(number).arxiv_id
            )
        await store.save_summary(summary(paper(1).arxiv_id, "ja", "逆転の呪い", ("100%-recall",)))
        by_title = await store.search_archive(channel, ["PAPER", "2"])
        by_summary = await store.search_archive(channel, ["逆転の呪い"])
        by_tag = await store.search_archive(channel, ["100%-recall"])
        percent = await store.search_archive(channel, ["100%"])
        wildcard = await store.search_archive(channel, ["P%1"])
        by_id = await store.search_archive(channel, [paper(0).arxiv_id])
        elsewhere = await store.search_archive(ConversationRef(Platform.DISCORD, "G1", "C2"), [])
    assert [h.arxiv_id for h in by_title] == [paper(2).arxiv_id]
    assert [h.arxiv_id for h in by_summary] == [paper(1).arxiv_id]
    assert [h.arxiv_id for h in by_tag] == [paper(1).arxiv_id]
    assert [h.arxiv_id for h in percent] == [paper(1).arxiv_id]  # % is a character, not "any"
    assert wildcard == []
    assert [h.arxiv_id for h in by_id] == [paper(0).arxiv_id]
    assert elsewhere == []


async def test_usage_weeks_are_labelled_the_same_on_both_backends(database: Target) -> None:
    moments = [
        datetime(2023, 1, 1, 12, tzinfo=UTC),  # a Sunday: week 00
        datetime(2024, 1, 1, 0, 30, tzinfo=UTC),  # a Monday: week 01
        datetime(2026, 12, 1, 23, 59, tzinfo=UTC),
        datetime(2026, 12, 2, 8, tzinfo=UTC),
    ]
    async with Store.open(database) as store:
        async with store.transaction() as db:
            for moment in moments:
                await db.execute(
                    insert(usage).values(
                        at=moment,
                        platform="slack",
                        workspace_id="T1",
                        channel_id="C1",
                        purpose="answer",
                        model="m",
                        tokens_in=10,
                        tokens_out=5,
                    )
                )
        weeks = await store.usage_by_week()
        since = await store.workspace_tokens_since("slack", "T1", datetime(2026, 1, 1, tzinfo=UTC))
    assert weeks == [
        ("2026-W48", "slack:T1", "answer", 2, 20, 10),
        ("2024-W01", "slack:T1", "answer", 1, 10, 5),
        ("2023-W00", "slack:T1", "answer", 1, 10, 5),
    ]
    assert [m.strftime("%Y-W%W") for m in moments] == [
        "2023-W00",
        "2024-W01",
        "2026-W48",
        "2026-W48",
    ]
    assert since == 30


async def test_an_event_is_first_seen_once_by_every_process_until_it_expires(
    database: Target,
) -> None:
    window = timedelta(minutes=15)
    # Two stores on one database stand for two processes (exclusive=False: no writer lock).
    async with (
        Store.open(database, exclusive=False) as one,
        Store.open(database, exclusive=False) as other,
    ):
        assert await one.first_sighting(["Ev1", "T1:C1:1.1"], window)
        assert not await other.first_sighting(["Ev1"], window)  # Slack's retry, elsewhere
        assert not await other.first_sighting(["Ev2", "T1:C1:1.1"], window)  # the mention
        assert not await one.first_sighting(["Ev2"], window)  # recorded with the message
        assert await one.first_sighting([], window)
        assert await other.first_sighting(["Old"], timedelta(0))  # expires at once
        assert await one.first_sighting(["Old"], window)  # so it counts as new again
        assert not await other.first_sighting(["Old"], window)


async def test_questions_are_counted_from_the_database_by_every_process(
    database: Target,
) -> None:
    channel = ConversationRef(Platform.SLACK, "T1", "C1")
    thread = ThreadRef(channel, "1.1")
    since = datetime.now(UTC) - timedelta(hours=1)
    async with (
        Store.open(database, exclusive=False) as one,
        Store.open(database, exclusive=False) as other,
    ):
        await one.add_turn(thread, Turn("user", "U1", "What is it?"))
        await one.add_turn(thread, Turn("assistant", "bot", "It is …"))
        await other.add_turn(ThreadRef(channel, "2.2"), Turn("user", "U1", "And this?"))
        await other.add_turn(thread, Turn("user", "U2", "Someone else's"))
        other_team = ThreadRef(ConversationRef(Platform.SLACK, "T2", "C1"), "1.1")
        await other.add_turn(other_team, Turn("user", "U1", "Another workspace"))
        message = MessageRef(channel, "3.3", thread)
        await UnfinishedAnswers(other).begin(message, "U1", "Being answered", "en")
        asked = await one.member_questions_since("slack", "T1", "U1", since)
        assert len(asked) == 3 and asked == sorted(asked)
        await UnfinishedAnswers(one).finish(message)
        assert len(await other.member_questions_since("slack", "T1", "U1", since)) == 2
        later = datetime.now(UTC) + timedelta(seconds=1)
        assert await one.member_questions_since("slack", "T1", "U1", later) == []


RACER = """
import asyncio, sys
from bot.store import Store

async def race(target):
    async with Store.open(target, exclusive=False) as store:
        print(await store.schema_version(), flush=True)

sys.stdin.readline()  # all start together
asyncio.run(race(sys.argv[1]))
"""


def test_processes_starting_together_migrate_once(database: Target) -> None:
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    results = [racer.communicate(timeout=120) for racer in racers]
    assert [r.returncode for r in racers] == [0] * 4, [err for _, err in results]
    assert [out.strip() for out, _ in results] == [str(len(MIGRATIONS))] * 4

    async def applied() -> list[int]:
        async with Store.open(database) as store:
            assert await store.integrity_check() == "ok"
            if store.dialect == "sqlite":
                return list(range(1, await store.schema_version() + 1))
            async with store.reading() as db:
                numbers = await db.execute(text("SELECT number FROM schema_migrations ORDER BY 1"))
                return [int(n) for n in numbers.scalars()]

    assert asyncio.run(applied()) == list(range(1, len(MIGRATIONS) + 1))


async def test_the_clubs_feedback_notes_and_paper_links_on_both_backends(
    database: Target,
) -> None:
    channel = ConversationRef(Platform.SLACK, "T1", "C1")
    thread = ThreadRef(channel, "1.1")
    async with Store.open(database) as store:
        linked = replace(paper(1), comment="12 pages", code_url="https://github.com/x/y")
        await store.save_paper(linked)
        await store.save_paper(paper(1))  # a lookup that knows neither keeps both
        kept = await store.paper(paper(1).arxiv_id)
        assert kept is not None and (kept.comment, kept.code_url) == ("12 pages", linked.code_url)

        feedback = FeedbackTables(store)
        for number in (1, 2):
            await feedback.save_answer(
                MessageRef(channel, f"a{number}", thread),
                paper(1).arxiv_id,
                f"Question {number}?",
                "Answer.",
                [{"text": "passage", "section": "1", "page": 1, "score": 0.5}],
                [],
                "en",
            )
        record = await feedback.find_answer(Platform.SLACK, "T1", "1.1", "a1")  # by its thread
        assert record is not None and record.question == "Question 1?"
        await feedback.set_rating(record, "U1", 1)
        await feedback.set_rating(record, "U2", -1)
        await feedback.set_rating(record, "U2", 1)  # the other thumb replaces the first
        await feedback.remove_rating(record, "U2", -1)  # not the rating it gave: kept
        [rated] = await feedback.rated_answers(channel)
        assert (rated.record.message.message_id, rated.ups, rated.downs) == ("a1", 2, 0)
        assert await feedback.rating(record, "U2") == 1
        assert await feedback.rated_answers(ConversationRef(Platform.SLACK, "T1", "C2")) == []

        notes = ClubNotes(store)
        assert not await notes.posted("outline:x")
        await notes.mark_posted("outline:x", "m1")
        assert await notes.posted("outline:x")
        moment = datetime(2026, 12, 1, 9, tzinfo=UTC)
        await notes.record_check("versions", moment)
        assert await notes.last_check("versions") == moment
        await store.mark_root_posted("k", thread, paper(1).arxiv_id)
        await store.mark_root_posted("k2", ThreadRef(channel, "2.2"), paper(1).arxiv_id)
        assert await notes.papers_with_threads() == [paper(1).arxiv_id]
        assert await notes.paper_threads(paper(1).arxiv_id) == [thread]
        await store.save_text(paper(1).arxiv_id, "html", {"text": "words"})
        await store.forget_text(paper(1).arxiv_id)
        assert await store.text(paper(1).arxiv_id) is None


async def test_a_transaction_opened_inside_another_is_refused_at_once(tmp_path: Path) -> None:
    """On SQLite one connection serves a lane's transactions in turn: a nested one would
    wait for itself forever, so it fails at once instead of hanging."""
    async with Store.open(tmp_path / "club.db") as store:
        async with store.transaction():
            with pytest.raises(RuntimeError, match="inside another"):
                async with store.transaction():
                    pass
        await store.save_paper(paper(1))  # the lane is free again
        assert await store.paper(paper(1).arxiv_id) is not None


async def test_a_nul_character_in_member_text_is_dropped_not_a_failed_write(
    database: str | Path,
) -> None:
    """PostgreSQL's text cannot hold NUL; a hostile question carrying one is stored
    without it on both backends (found running the suite on PostgreSQL)."""
    conversation = ConversationRef(Platform.SLACK, "T1", "C1")
    thread = ThreadRef(conversation, "1.0")
    message = MessageRef(conversation, "2.0", thread)
    async with Store.open(database) as store:
        unfinished = UnfinishedAnswers(store)
        await unfinished.begin(message, "W1", "what\x00 is\x00 this?", "en")
        [stored] = await unfinished.all()
        assert stored.question == "what is this?"
