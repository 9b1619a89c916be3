"""The job queue's weekly plan: which channels' digests are due, claimed once.

Each subscribed channel has a row in `schedule_runs` with its next run (`next_run_at`)
and the schedule that time was computed from (`planned_for`, e.g. "0 09:00 Asia/Tokyo").
Every tick, in whichever worker runs it:

1. `refresh_plans` plans channels that have no plan yet, and replans those whose
   schedule changed (a `/settings` in any process) or that unsubscribed. A channel
   never planned before, whose last run (`paperclub run`'s record) is older than a
   scheduled time still within the grace window, is due at once: the same catch-up rule
   as `paperclub run` (bot/schedule/scheduler.py).
2. `defer_due_runs` claims the due rows (`FOR UPDATE SKIP LOCKED`), defers one digest
   job per channel, and moves each row to its next scheduled time, all before the claim
   ends. A crash between the defer and the commit leaves the row due: the next tick
   defers again, which the job's queueing lock (one waiting digest per channel) or the
   digest's post keys (one post per paper and week) make harmless.

The times use the same trigger as `paperclub run` (bot/schedule/weekly.py): the channel's
own time zone, DST gaps and folds included.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.domain import ChannelSettings, ConversationRef
from bot.publishing.keys import channel_name
from bot.schedule.weekly import fire_times_between, next_fire_after
from bot.store import Store
from bot.store.schedule_runs import PlannedRun, ScheduleRuns

log = logging.getLogger(__name__)

# Defers a channel's digest as of its scheduled time; False when one was already waiting.
DeferDigest = Callable[[ConversationRef, datetime], Awaitable[bool]]

CLAIM_BATCH = 500  # due rows claimed per transaction; a tick claims batches until none is due


def schedule_of(channel: ChannelSettings) -> str:
    return f"{channel.weekday} {channel.time} {channel.timezone}"


def first_run_at(
    channel: ChannelSettings, last_run: datetime | None, now: datetime, grace: timedelta
) -> datetime:
    """A channel planned for the first time: its missed run if within the grace window
    (run at once), else its next scheduled time."""
    if last_run is not None:
        missed = fire_times_between(channel, last_run, now)
        if missed and now - missed[-1] <= grace:
            return missed[-1]
    return next_fire_after(channel, now)


async def refresh_plans(store: Store, now: datetime, grace: timedelta) -> int:
    """Plan new and changed channels; returns how many plans were written."""
    runs = ScheduleRuns(store)
    plans = await runs.plans()
    written = 0
    subscribed = await store.subscribed_channels()
    for channel in subscribed:
        plan = plans.get(channel.conversation)
        schedule = schedule_of(channel)
        if plan is not None and plan.planned_for == schedule and plan.next_run_at is not None:
            continue
        if plan is None or plan.planned_for is None:
            next_run = first_run_at(channel, plan.last_run if plan else None, now, grace)
        else:  # the schedule changed: from now on, no catch-up of the old one
            next_run = next_fire_after(channel, now)
        await runs.plan(
            channel.conversation,
            next_run_at=next_run,
            planned_for=schedule,
            last_run=plan.last_run if plan else now,
        )
        written += 1
    subscribed_refs = {channel.conversation for channel in subscribed}
    for conversation, plan in plans.items():
        if conversation not in subscribed_refs and plan.next_run_at is not None:
            await runs.unplan(conversation)
            written += 1
    return written


async def defer_due_runs(
    store: Store, now: datetime, grace: timedelta, defer: DeferDigest
) -> list[ConversationRef]:
    """Defer every due channel's digest once; the channels deferred (already waiting
    ones excluded)."""
    runs = ScheduleRuns(store)
    deferred: list[ConversationRef] = []
    channels = {c.conversation: c for c in await store.subscribed_channels()}
    while True:
        async with runs.claim_due(now, limit=CLAIM_BATCH) as due:
            if not due.runs:
                return deferred
            for run in due.runs:
                channel = channels.get(run.conversation)
                if channel is None:
                    await due.advance(run.conversation, None)
                    continue
                await _defer_one(run, channel, now, grace, defer, deferred)
                upcoming = next_fire_after(channel, max(now, _after(run)))
                await due.advance(run.conversation, upcoming)


async def _defer_one(
    run: PlannedRun,
    channel: ChannelSettings,
    now: datetime,
    grace: timedelta,
    defer: DeferDigest,
    deferred: list[ConversationRef],
) -> None:
    assert run.next_run_at is not None
    name = channel_name(run.conversation)
    late = now - run.next_run_at
    if late > grace:  # the workers were all down past the grace window: wait for next week
        log.warning(
            "schedule: %s: skipped the run due %s, %s late (beyond the grace window)",
            name,
            run.next_run_at.isoformat(timespec="minutes"),
            late,
        )
        return
    if await defer(run.conversation, run.next_run_at):
        deferred.append(run.conversation)
        log.info("schedule: %s: digest due %s deferred", name, run.next_run_at.isoformat())


def _after(run: PlannedRun) -> datetime:
    assert run.next_run_at is not None
    return run.next_run_at + timedelta(microseconds=1)
