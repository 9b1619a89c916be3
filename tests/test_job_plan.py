"""The job queue's weekly plan (bot/jobs/weekly_plan.py) on SQLite and PostgreSQL.

Due channels are claimed once however many ticks run at once; a channel planned for
the first time catches up a run missed within the grace window, a schedule changed
later does not; an unsubscribed channel has no next run; new channels' times spread.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.domain import ChannelSettings, ConversationRef, Platform
from bot.errors import StoreUnavailable
from bot.jobs.weekly_plan import defer_due_runs, refresh_plans, schedule_of
from bot.schedule.weekly import next_fire_after
from bot.store import Store
from bot.store.schedule_runs import ScheduleRuns
from bot.usecases.channels import Channels, SettingsHook, default_time

GRACE = timedelta(hours=12)
NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)  # a Monday


def channel(number: int, *, at: datetime = NOW - timedelta(minutes=2)) -> ChannelSettings:
    return ChannelSettings(
        ConversationRef(Platform.SLACK, "T1", f"C{number:04d}"),
        language="en",
        subscribed=True,
        weekday=at.weekday(),
        time=at.strftime("%H:%M"),
        timezone="UTC",
        digest_size=10,
    )


async def subscribe(store: Store, channels: list[ChannelSettings]) -> None:
    runs = ScheduleRuns(store)
    for c in channels:
        await store.save_channel(c)
        await runs.record(c.conversation, NOW - timedelta(days=1))


async def test_concurrent_ticks_claim_each_due_channel_once(database: str | Path) -> None:
    """On PostgreSQL two stores, as two worker processes; SQLite has one writing
    process, so there the two ticks share its store."""
    postgres = isinstance(database, str)
    async with (
        Store.open(database, exclusive=not postgres) as one,
        Store.open(database, exclusive=False) if postgres else nullcontext(one) as two,
    ):
        channels = [channel(n) for n in range(40)]
        await subscribe(one, channels)
        assert await refresh_plans(one, NOW, GRACE) == 40
        deferred: list[list[ConversationRef]] = [[], []]

        def recorder(into: list[ConversationRef]):  # type: ignore[no-untyped-def]
            async def defer(conversation: ConversationRef, scheduled_for: datetime) -> bool:
                assert scheduled_for == NOW - timedelta(minutes=2)
                into.append(conversation)
                await asyncio.sleep(0.001)  # the other tick runs meanwhile
                return True

            return defer

        await asyncio.gather(
            defer_due_runs(one, NOW, GRACE, recorder(deferred[0])),
            defer_due_runs(two, NOW, GRACE, recorder(deferred[1])),
        )
        every = deferred[0] + deferred[1]
        assert sorted(c.channel_id for c in every) == sorted(
            c.conversation.channel_id for c in channels
        )  # each exactly once
        plans = await ScheduleRuns(one).plans()
        week_later = NOW - timedelta(minutes=2) + timedelta(days=7)
        assert {p.next_run_at for p in plans.values()} == {week_later}
        assert await defer_due_runs(one, NOW, GRACE, recorder([])) == []


async def test_first_plan_catches_up_a_schedule_change_does_not(database: str | Path) -> None:
    async with Store.open(database) as store:
        missed = channel(1)
        late = channel(2, at=NOW - timedelta(hours=13))  # beyond the grace window
        await subscribe(store, [missed, late])
        await refresh_plans(store, NOW, GRACE)
        plans = await ScheduleRuns(store).plans()
        assert plans[missed.conversation].next_run_at == NOW - timedelta(minutes=2)
        assert plans[late.conversation].next_run_at == next_fire_after(late, NOW)
        assert plans[missed.conversation].planned_for == schedule_of(missed)

        changed = channel(1, at=NOW - timedelta(minutes=1))  # its time moved, just passed
        await store.save_channel(changed)
        assert await refresh_plans(store, NOW, GRACE) == 1
        plan = (await ScheduleRuns(store).plans())[changed.conversation]
        assert plan.next_run_at == next_fire_after(changed, NOW)  # next week, no catch-up
        assert plan.planned_for == schedule_of(changed)


async def test_unsubscribed_channels_have_no_next_run(database: str | Path) -> None:
    async with Store.open(database) as store:
        c = channel(1)
        await subscribe(store, [c])
        await refresh_plans(store, NOW, GRACE)
        await store.save_channel(replace(c, subscribed=False))
        await refresh_plans(store, NOW, GRACE)
        assert (await ScheduleRuns(store).plans())[c.conversation].next_run_at is None
        deferred: list[ConversationRef] = []

        async def defer(conversation: ConversationRef, scheduled_for: datetime) -> bool:
            deferred.append(conversation)
            return True

        assert await defer_due_runs(store, NOW, GRACE, defer) == [] and deferred == []
        await store.save_channel(c)  # subscribed again: from its next time on
        await refresh_plans(store, NOW, GRACE)
        assert (await ScheduleRuns(store).plans())[c.conversation].next_run_at == next_fire_after(
            c, NOW
        )


async def test_new_channels_times_spread_over_the_setting(tmp_path: Path) -> None:
    conversations = [ConversationRef(Platform.SLACK, "T1", f"C{n:04d}") for n in range(50)]
    assert {default_time(c, 0) for c in conversations} == {"09:00"}
    spread = {default_time(c, 120) for c in conversations}
    assert len(spread) > 20  # not all in one minute
    assert all("09:00" <= t <= "10:59" for t in spread)
    assert [default_time(c, 120) for c in conversations] == [
        default_time(c, 120) for c in conversations
    ]  # the same in every process
    settings = Settings(_env_file=None, db_path=tmp_path / "c.db", schedule_spread_minutes=120)  # type: ignore[call-arg]
    async with Store.open(settings.db_path) as store:
        channels = Channels(store, settings, SettingsHook())
        subscribed = await channels.subscribe(conversations[7])
        assert subscribed.time == default_time(conversations[7], 120)


def test_a_worker_on_sqlite_is_refused_saying_what_to_set(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAPERCLUB_")}
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "worker"],
        env={**env, "PAPERCLUB_DB_PATH": str(tmp_path / "club.db")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "PAPERCLUB_DB_URL=postgresql://" in done.stderr
    assert "one writing process" in done.stderr
    assert not (tmp_path / "club.db").exists()  # refused before anything was written


async def test_hosting_processes_share_the_database_but_never_beside_paperclub_run(
    postgres_url: str,
) -> None:
    async with (
        Store.open(postgres_url, exclusive=False, shared_writer=True),
        Store.open(postgres_url, exclusive=False, shared_writer=True),  # a second worker
    ):
        try:
            async with Store.open(postgres_url):  # `paperclub run`
                raise AssertionError("paperclub run opened beside the workers")
        except StoreUnavailable as refused:
            assert refused.kind == "in_use"
            assert "pid " in str(refused)  # names the holding process
    async with Store.open(postgres_url):  # the workers gone: `paperclub run` may open
        try:
            async with Store.open(postgres_url, exclusive=False, shared_writer=True):
                raise AssertionError("a worker opened beside paperclub run")
        except StoreUnavailable as refused:
            assert "it runs alone" in str(refused) and "pid " in str(refused)
