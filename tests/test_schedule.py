"""The weekly scheduler: next runs per zone and across DST, missed-run catch-up, coalescing,
settings changes, retries, and a SIGKILL mid-run of `paperclub run` (a real subprocess).

Scheduled times are decided with an injected clock set in 2027, so APScheduler (which
dispatches on the real clock) never fires them during a test; where a test needs
APScheduler itself to fire, the clock is set relative to the real time.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, Services, bootstrap, build_scheduler
from bot.config import Settings
from bot.domain import ChannelSettings, ConversationRef, Platform
from bot.schedule.weekly import WeeklyTrigger, fire_times_between
from bot.store import Store
from bot.store.schedule_runs import ScheduleRuns
from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.openai_server import OpenAIServer
from tests.loopback.threaded import Fault

TOKYO = ConversationRef(Platform.CONSOLE, "local", "tokyo")
NEW_YORK = ConversationRef(Platform.CONSOLE, "local", "new-york")
MakeSettings = Callable[..., Settings]


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@asynccontextmanager
async def terminal_club(settings: Settings, transcript: Path) -> AsyncIterator[Services]:
    async with bootstrap(settings) as club:
        club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), transcript))
        yield club


def roots(transcript: Path) -> list[dict[str, object]]:
    if not transcript.exists():
        return []
    entries = [json.loads(line) for line in transcript.read_text("utf-8").splitlines()]
    return [
        e
        for e in entries
        if e["root"] is None and not str(e["key"]).startswith("digest-header:")  # the header
    ]


async def eventually(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for what a real-time APScheduler dispatch does (milliseconds), bounded."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not true after {seconds} s")


def search_requests(server: ArxivServer) -> int:
    return sum(1 for r in server.requests if "search_query" in r.query)


def channel(weekday: int, at: str, timezone: str) -> ChannelSettings:
    return ChannelSettings(TERMINAL, "en", True, weekday, at, timezone, 10)


async def test_next_runs_are_shown_in_each_channels_own_zone(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    clock = Clock(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))  # a Wednesday
    async with terminal_club(make_settings(), tmp_path / "t.jsonl") as club:
        await club.channels.update_settings(
            TERMINAL, weekday="mon", time="09:00", timezone="Europe/Paris"
        )
        await club.channels.subscribe(TERMINAL)
        await club.channels.update_settings(
            TOKYO, weekday="wednesday", time="18:30", timezone="Asia/Tokyo"
        )
        await club.channels.subscribe(TOKYO)
        await club.channels.update_settings(
            NEW_YORK, weekday=4, time="7:00", timezone="America/New_York"
        )
        await club.channels.subscribe(NEW_YORK)
        await club.channels.unsubscribe(ConversationRef(Platform.CONSOLE, "local", "quiet"))
        scheduler = build_scheduler(club, now=clock)
        await scheduler.start()
        try:
            runs = [(c.conversation, when) for c, when in scheduler.next_runs()]
        finally:
            await scheduler.shutdown()
    assert runs == [
        (NEW_YORK, datetime(2027, 3, 12, 7, 0, tzinfo=ZoneInfo("America/New_York"))),
        (TERMINAL, datetime(2027, 3, 15, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))),
        # 18:30 in Tokyo today was 09:30 UTC, before the clock's 12:00 UTC: next week.
        (TOKYO, datetime(2027, 3, 17, 18, 30, tzinfo=ZoneInfo("Asia/Tokyo"))),
    ]
    assert [when.utcoffset() for _, when in runs] == [
        timedelta(hours=-5),
        timedelta(hours=1),
        timedelta(hours=9),
    ]


def test_weekly_time_keeps_its_wall_clock_across_dst_changes() -> None:
    paris = channel(0, "09:00", "Europe/Paris")
    before = datetime(2027, 3, 22, 9, 30, tzinfo=UTC)  # Monday, after that day's run
    runs = fire_times_between(paris, before, before + timedelta(weeks=2))
    # Summer time starts on 28 March: 09:00 local moves from 08:00 to 07:00 UTC.
    assert [r.astimezone(UTC) for r in runs] == [
        datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 7, 0, tzinfo=UTC),
    ]
    new_york = channel(6, "09:00", "America/New_York")
    autumn = fire_times_between(
        new_york, datetime(2027, 10, 30, tzinfo=UTC), datetime(2027, 11, 14, tzinfo=UTC)
    )
    assert [r.astimezone(UTC).hour for r in autumn] == [13, 14]  # EDT, then EST (7 Nov)


def test_a_time_inside_a_dst_gap_runs_once_just_after_and_a_fold_runs_once() -> None:
    gap = channel(6, "02:30", "America/New_York")  # 14 March 2027: 02:00 -> 03:00
    runs = fire_times_between(
        gap, datetime(2027, 3, 13, tzinfo=UTC), datetime(2027, 3, 22, tzinfo=UTC)
    )
    assert [r.astimezone(UTC) for r in runs] == [
        datetime(2027, 3, 14, 7, 30, tzinfo=UTC),  # 03:30 EDT, the first minute after the gap
        datetime(2027, 3, 21, 6, 30, tzinfo=UTC),
    ]
    fold = channel(6, "02:30", "Europe/Paris")  # 31 October 2027: 02:30 happens twice
    runs = fire_times_between(
        fold, datetime(2027, 10, 30, tzinfo=UTC), datetime(2027, 11, 8, tzinfo=UTC)
    )
    assert [r.astimezone(UTC) for r in runs] == [
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
        datetime(2027, 11, 7, 1, 30, tzinfo=UTC),
    ]
    # APScheduler asks the trigger for the run after the one it just did: not the repeat.
    first = runs[0]
    assert WeeklyTrigger(fold).get_next_fire_time(first, first) == runs[1]


async def test_missed_run_within_grace_runs_once_on_start(
    make_settings: MakeSettings,
    arxiv_server: ArxivServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.schedule")
    transcript = tmp_path / "t.jsonl"
    clock = Clock(datetime(2027, 3, 8, 11, 0, tzinfo=UTC))  # Monday, 2 h after 09:00
    async with terminal_club(make_settings(), transcript) as club:
        await club.channels.update_settings(TERMINAL, weekday="mon", time="09:00", timezone="UTC")
        await club.channels.subscribe(TERMINAL)
        await ScheduleRuns(club.store).record(TERMINAL, datetime(2027, 3, 1, 9, 0, 2, tzinfo=UTC))
        scheduler = build_scheduler(club, now=clock)
        decisions = await scheduler.start()
        await scheduler.wait_idle()
        last_run = await scheduler.runs.last_run(TERMINAL)
        await scheduler.shutdown()
    assert [d.run_now for d in decisions] == [True]
    assert decisions[0].missed == (datetime(2027, 3, 8, 9, 0, tzinfo=ZoneInfo("UTC")),)
    assert "within the 12 h grace window" in caplog.text
    assert len(roots(transcript)) == 10
    assert last_run == clock.moment
    assert search_requests(arxiv_server) == 1


async def test_a_catch_up_after_midnight_finishes_the_week_it_was_due_in(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    transcript = tmp_path / "t.jsonl"
    clock = Clock(datetime(2027, 3, 8, 0, 10, tzinfo=UTC))  # Monday of 2027-W10
    async with terminal_club(make_settings(), transcript) as club:
        await club.channels.update_settings(TERMINAL, weekday="sun", time="23:30", timezone="UTC")
        await club.channels.subscribe(TERMINAL)
        await ScheduleRuns(club.store).record(TERMINAL, datetime(2027, 3, 1, tzinfo=UTC))
        scheduler = build_scheduler(club, now=clock)
        await scheduler.start()
        await scheduler.wait_idle()
        await scheduler.shutdown()
    keys = {str(entry["key"]).split(":")[4] for entry in roots(transcript)}
    assert keys == {"2027-W09"}  # due Sunday 7 March, 23:30: that week's digest


async def test_missed_run_beyond_grace_is_skipped_with_a_log_line(
    make_settings: MakeSettings,
    arxiv_server: ArxivServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.schedule")
    transcript = tmp_path / "t.jsonl"
    clock = Clock(datetime(2027, 3, 8, 22, 0, tzinfo=UTC))  # 13 h after Monday 09:00
    async with terminal_club(make_settings(), transcript) as club:
        await club.channels.update_settings(TERMINAL, weekday="mon", time="09:00", timezone="UTC")
        await club.channels.subscribe(TERMINAL)
        await ScheduleRuns(club.store).record(TERMINAL, datetime(2027, 3, 1, 9, 0, 2, tzinfo=UTC))
        scheduler = build_scheduler(club, now=clock)
        decisions = await scheduler.start()
        await scheduler.wait_idle()
        next_run = scheduler.next_run(TERMINAL)
        await scheduler.shutdown()
    assert [d.run_now for d in decisions] == [False]
    assert (
        "skipped the missed run due Mon 2027-03-08 09:00 UTC: it is 13 h late, beyond the 12 h "
        "grace window (PAPERCLUB_MISFIRE_GRACE_HOURS); next run Mon 2027-03-15 09:00 UTC"
    ) in caplog.text
    assert roots(transcript) == []
    assert arxiv_server.requests == []
    assert next_run == datetime(2027, 3, 15, 9, 0, tzinfo=UTC)


async def test_grace_window_comes_from_the_setting(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    clock = Clock(datetime(2027, 3, 8, 22, 0, tzinfo=UTC))
    async with terminal_club(make_settings(misfire_grace_hours=14), tmp_path / "t.jsonl") as club:
        await club.channels.update_settings(TERMINAL, weekday="mon", time="09:00", timezone="UTC")
        await club.channels.subscribe(TERMINAL)
        await ScheduleRuns(club.store).record(TERMINAL, datetime(2027, 3, 1, 10, tzinfo=UTC))
        scheduler = build_scheduler(club, now=clock)
        decision = await scheduler.catch_up_decision(await club.channels.channel_settings(TERMINAL))
    assert decision.run_now
    assert "within the 14 h grace window" in decision.reason


async def test_weeks_of_missed_runs_coalesce_into_one_catch_up(
    make_settings: MakeSettings, arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    transcript = tmp_path / "t.jsonl"
    clock = Clock(datetime(2027, 3, 8, 9, 30, tzinfo=UTC))
    async with terminal_club(make_settings(), transcript) as club:
        await club.channels.update_settings(TERMINAL, weekday="mon", time="09:00", timezone="UTC")
        await club.channels.subscribe(TERMINAL)
        await ScheduleRuns(club.store).record(TERMINAL, datetime(2027, 2, 8, 9, 1, tzinfo=UTC))
        scheduler = build_scheduler(club, now=clock)
        decisions = await scheduler.start()
        await scheduler.wait_idle()
        # A second start-up the same morning finds nothing missed any more.
        await scheduler.shutdown()
        again = build_scheduler(club, now=clock)
        second = await again.start()
        await again.wait_idle()
        await again.shutdown()
    assert len(decisions[0].missed) == 4  # 15 Feb, 22 Feb, 1 Mar, 8 Mar
    assert "4 scheduled runs were missed" in decisions[0].reason
    assert search_requests(arxiv_server) == 1
    assert len(roots(transcript)) == 10
    assert [d.run_now for d in second] == [False]
    assert second[0].missed == ()


async def test_apscheduler_coalesces_overdue_runs_into_one(
    make_settings: MakeSettings, arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    """The clock runs three weeks behind the real time, so the job APScheduler is given is
    three runs overdue; with coalesce=True it runs once and moves on to the real future."""
    transcript = tmp_path / "t.jsonl"
    real_now = datetime.now(UTC)
    clock = Clock(real_now - timedelta(weeks=3))
    async with terminal_club(make_settings(), transcript) as club:
        await club.channels.update_settings(TERMINAL, weekday=real_now.weekday(), time="00:00")
        await club.channels.subscribe(TERMINAL)
        scheduler = build_scheduler(club, now=clock, grace=timedelta(weeks=5))
        await scheduler.start()
        try:
            await eventually(lambda: len(roots(transcript)) == 10)
            await scheduler.wait_idle()
            await asyncio.sleep(0.3)  # room for a second, wrong run to start
            next_run = scheduler.next_run(TERMINAL)
        finally:
            await scheduler.shutdown()
    assert search_requests(arxiv_server) == 1
    assert len(roots(transcript)) == 10
    assert next_run is not None and real_now < next_run <= real_now + timedelta(weeks=1)


async def test_settings_changes_re_register_without_a_restart(
    make_settings: MakeSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.schedule")
    clock = Clock(datetime(2027, 3, 8, 12, 0, tzinfo=UTC))
    async with terminal_club(make_settings(), tmp_path / "t.jsonl") as club:
        await club.channels.subscribe(TERMINAL)
        scheduler = build_scheduler(club, now=clock)
        await scheduler.start()
        try:
            assert scheduler.next_run(TERMINAL) == datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
            await club.channels.update_settings(
                TERMINAL, weekday="thu", time="18:30", timezone="Asia/Tokyo"
            )
            moved = scheduler.next_run(TERMINAL)
            clock.moment = datetime(2027, 3, 9, 8, 0, tzinfo=UTC)
            await club.channels.subscribe(TOKYO)
            tokyo_last_run = await scheduler.runs.last_run(TOKYO)
            listed = [c.conversation for c, _ in scheduler.next_runs()]
            await club.channels.unsubscribe(TERMINAL)
            after_unsubscribe = [c.conversation for c, _ in scheduler.next_runs()]
            gone = scheduler.next_run(TERMINAL)
        finally:
            await scheduler.shutdown()
    assert moved == datetime(2027, 3, 11, 9, 30, tzinfo=UTC)  # Thursday 18:30 in Tokyo
    assert "Thursdays 18:30 Asia/Tokyo; next run Thu 2027-03-11 18:30 JST" in caplog.text
    assert listed == [TERMINAL, TOKYO]
    assert tokyo_last_run == clock.moment  # nothing before the subscription counts as missed
    assert after_unsubscribe == [TOKYO]
    assert gone is None


async def test_all_sources_down_is_retried_later_and_then_posts(
    make_settings: MakeSettings,
    arxiv_server: ArxivServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.schedule")
    transcript = tmp_path / "t.jsonl"
    arxiv_server.faults += [Fault(status=503), Fault(status=503)]  # one try and one retry
    async with terminal_club(make_settings(), transcript) as club:
        await club.channels.subscribe(TERMINAL)
        scheduler = build_scheduler(club, retry_delay=timedelta(milliseconds=200))
        await scheduler.start()
        try:
            failed = await scheduler.run_channel(TERMINAL, why="weekly run")
            retries = scheduler.pending_retries()
            await eventually(lambda: len(roots(transcript)) == 10)
            await scheduler.wait_idle()
            await eventually(lambda: not scheduler.pending_retries())
        finally:
            await scheduler.shutdown()
    assert failed is None
    assert list(retries) == [TERMINAL]
    assert (
        "digest could not run, sources unavailable (arXiv: HTTP 503 after retries); retry 1 of 4 at"
    ) in caplog.text
    assert len(roots(transcript)) == 10


async def test_retries_are_bounded(
    make_settings: MakeSettings,
    arxiv_server: ArxivServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    arxiv_server.faults += [Fault(status=503)] * 4
    async with terminal_club(make_settings(), tmp_path / "t.jsonl") as club:
        await club.channels.subscribe(TERMINAL)
        scheduler = build_scheduler(club, retry_delay=timedelta(hours=1), max_retries=1)
        await scheduler.start()
        try:
            await scheduler.run_channel(TERMINAL, why="weekly run")
            await scheduler.run_channel(TERMINAL, why="retry 1")
            left = scheduler.pending_retries()
        finally:
            await scheduler.shutdown()
    assert "still failing after 1 retries" in caplog.text
    assert "waiting for the next scheduled run" in caplog.text
    assert left == {}


async def test_one_run_per_channel_at_a_time(
    make_settings: MakeSettings, arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    transcript = tmp_path / "t.jsonl"
    async with terminal_club(make_settings(), transcript) as club:
        await club.channels.subscribe(TERMINAL)
        scheduler = build_scheduler(club)
        reports = await asyncio.gather(
            scheduler.run_channel(TERMINAL, why="weekly run"),
            scheduler.run_channel(TERMINAL, why="catch-up"),
        )
    assert sum(r is not None for r in reports) == 1
    assert search_requests(arxiv_server) == 1
    assert len(roots(transcript)) == 10


async def test_a_stop_during_a_club_job_cancels_it_without_logging_an_error(
    make_settings: MakeSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """APScheduler logs a coroutine job cancelled at its shutdown as the job's error."""
    caplog.set_level(logging.INFO)
    started, cancelled = asyncio.Event(), asyncio.Event()
    calls: list[datetime] = []

    async def reminders_waiting_on_a_platform(now: datetime) -> int:
        calls.append(now)
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    async with terminal_club(make_settings(), tmp_path / "t.jsonl") as club:
        scheduler = build_scheduler(club, reminders=reminders_waiting_on_a_platform)
        await scheduler.start()
        try:
            await asyncio.wait_for(started.wait(), 10)  # the first tick runs at once
            await scheduler._start_club_tick()  # the next minute's, while it still waits
            await asyncio.sleep(0.1)
        finally:
            await asyncio.wait_for(scheduler.shutdown(), 10)
    assert len(calls) == 1  # one tick at a time
    assert cancelled.is_set()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "Traceback" not in caplog.text


# A real process, killed mid-digest ------------------------------------------------------


def _seed_missed_run(db_path: Path | str, moment: datetime) -> None:
    """The terminal subscribed to a weekly time an hour ago, last run eight days ago."""

    async def seed() -> None:
        async with Store.open(db_path) as store:
            due = moment - timedelta(hours=1)
            await store.save_channel(
                ChannelSettings(
                    TERMINAL, "en", True, due.weekday(), due.strftime("%H:%M"), "UTC", 10
                )
            )
            await ScheduleRuns(store).record(TERMINAL, moment - timedelta(days=8))

    asyncio.run(seed())


def _start_bot(env: dict[str, str], cwd: Path, output: Path) -> subprocess.Popen[bytes]:
    """`paperclub run`; its output goes to a file (a full, unread pipe would block it)."""
    with output.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "adapters", "run"],
            env={**os.environ, "COLUMNS": "120", **env},
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def _wait_for_lines(path: Path, count: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    lines = 0
    while time.monotonic() < deadline:
        lines = len(path.read_text("utf-8").splitlines()) if path.exists() else 0
        if lines >= count:
            break
        time.sleep(0.05)
    return lines


def test_bot_killed_during_a_catch_up_run_posts_each_paper_once_after_restart(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    slow_model = OpenAIServer(latency=0.3).start()
    try:
        env = loopback_env(
            arxiv_server,
            tmp_path,
            PAPERCLUB_LLM="openai",
            OPENAI_API_KEY="sk-loopback-test-key",
            OPENAI_BASE_URL=slow_model.base_url,
            PAPERCLUB_DIGEST_CONCURRENCY="1",
        )
        _seed_missed_run(
            env.get("PAPERCLUB_DB_URL") or tmp_path / "paperclub.db", datetime.now(UTC)
        )
        transcript = tmp_path / "paperclub.terminal.jsonl"

        first = _start_bot(env, tmp_path, tmp_path / "first.log")
        _wait_for_lines(transcript, 6, 40)
        first.send_signal(signal.SIGKILL)
        first.wait()
        before = roots(transcript)
        assert 1 <= len(before) < 10, (tmp_path / "first.log").read_text("utf-8")[-3000:]

        second = _start_bot(env, tmp_path, tmp_path / "second.log")
        _wait_for_lines(transcript, 1 + 10 * 3, 40)  # the header, then 10 roots + 2 replies
        time.sleep(0.3)  # anything extra would be posted now
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)
    finally:
        slow_model.stop()
    output = (tmp_path / "second.log").read_text("utf-8")
    assert second.returncode == 0, output
    assert "running the one due" in output
    assert "paperclub stopped." in output
    entries = [json.loads(line) for line in transcript.read_text("utf-8").splitlines()]
    tops = [e for e in entries if e["root"] is None]
    assert sum(str(e["key"]).startswith("digest-header:") for e in tops) == 1  # posted once
    posted = [e for e in tops if not str(e["key"]).startswith("digest-header:")]
    assert len(posted) == 10, output
    assert max(Counter(str(e["title"]) for e in posted).values()) == 1
    for root in posted:
        replies = [e for e in entries if e["root"] == root["id"]]
        assert len(replies) == 2, root["title"]  # key points, tags


def test_first_run_subscribes_the_terminal_and_says_how_to_enable_platforms(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    log = tmp_path / "run.log"
    bot = _start_bot(loopback_env(arxiv_server, tmp_path), tmp_path, log)
    try:
        deadline = time.monotonic() + 30
        while "press Ctrl+C" not in log.read_text("utf-8") and time.monotonic() < deadline:
            time.sleep(0.05)
        bot.send_signal(signal.SIGINT)
        bot.wait(timeout=10)
    finally:
        if bot.poll() is None:
            bot.kill()
    output = log.read_text("utf-8")
    assert bot.returncode == 0, output
    assert "Subscribed this terminal to the weekly digest (Mondays 09:00 UTC)" in output
    assert "Discord: set DISCORD_TOKEN" in output
    assert "SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode)" in output
    assert "SLACK_SIGNING_SECRET (HTTP mode)" in output
    assert "Next digest for console:local/terminal: Mon " in output
    assert "paperclub stopped." in output
    assert "Traceback" not in output
    assert arxiv_server.requests == []  # a first start owes no missed run
