"""What the job queue's workers run: the tasks, and the rules for retrying them.

    schedule_tick    periodic (every few seconds): plan channels, defer due digests
    weekly_digest    one channel's digest as of its scheduled time
    club_tick        periodic (every minute, one at a time): picks, reminders,
                     interrupted answers, new paper versions
    recover_stalled  periodic: jobs of workers that stopped sending heartbeats go back
                     to the queue

A digest that meets a transient fault (arXiv or a platform down: every 30 minutes, 4
times; the database busy or unreachable: every 5 s) is retried as the same job; one a
member must fix (a missing permission) is logged and not retried.

A digest holds its channel's named lock (bot/store/named_locks.py, taken by
`Digest.weekly_digest` in every process) for the whole run, so even a worker wrongly judged dead (too loaded to send its heartbeat) and the
worker that took its job over never post to one channel at once; the digest's post
keys then make the second run find everything posted. The recovery task holds no lock
of its own: one killed while holding it would hold it forever.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import procrastinate
from procrastinate import exceptions as queue_errors
from procrastinate.jobs import Job, Status
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from bot.bootstrap import Services
from bot.domain import ConversationRef, Platform
from bot.errors import (
    DigestBusy,
    PaperclubError,
    PlatformUnavailable,
    SourceUnavailable,
    StoreUnavailable,
)
from bot.jobs.weekly_plan import defer_due_runs, refresh_plans
from bot.publishing.keys import channel_name
from bot.schedule.weekly import utc_now
from bot.store.named_locks import LockNotTaken
from bot.store.schedule_runs import ScheduleRuns

log = logging.getLogger(__name__)

DIGEST_TASK = "paperclub.weekly_digest"
CLUB_TICK_WAIT = 5.0  # then this minute's tick is left to the worker running the last one
CHANNEL_LOCK_WAIT = 5.0  # then the job comes back later: another worker runs the channel
BUSY_RETRY = timedelta(seconds=30)
UPSTREAM_RETRY = timedelta(minutes=30)
UPSTREAM_ATTEMPTS = 5  # the first try and 4 retries, as `paperclub run`'s scheduler
STORE_RETRY = timedelta(seconds=5)
STORE_ATTEMPTS = 60
TRANSIENT_STORE_FAULTS = ("busy", "unreachable")


@dataclass(frozen=True, slots=True)
class QueueTiming:
    """How often the periodic tasks run and when a worker counts as gone (settings)."""

    tick_seconds: int
    stalled_seconds: float


class ChannelBusy(Exception):
    """Another worker holds the channel's digest lock."""


class StoreBusy(Exception):
    """The database refused a connection or a statement for now (too many clients, a
    lock timeout, a restart); the digest is tried again soon."""


class UpstreamDown(Exception):
    """arXiv, the sources or the platform failed; the digest is tried again later."""


class DigestRetry(BaseRetryStrategy):
    """A busy channel is tried again soon and without limit (its holder finishes or dies,
    and its lock goes with it); an upstream failure every 30 minutes, 4 times."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, ChannelBusy):
            return RetryDecision(retry_in={"seconds": int(BUSY_RETRY.total_seconds())})
        if isinstance(exception, StoreBusy) and job.attempts + 1 < STORE_ATTEMPTS:
            return RetryDecision(retry_in={"seconds": int(STORE_RETRY.total_seconds())})
        if isinstance(exception, UpstreamDown) and job.attempts + 1 < UPSTREAM_ATTEMPTS:
            return RetryDecision(retry_in={"seconds": int(UPSTREAM_RETRY.total_seconds())})
        return None


def conversation_key(conversation: ConversationRef) -> str:
    return f"{conversation.platform}:{conversation.workspace_id}:{conversation.channel_id}"


def register_tasks(app: procrastinate.App, timing: QueueTiming) -> None:
    """Every paperclub task on `app`, periodic ones at `timing`'s cadence."""
    every = f"* * * * * */{timing.tick_seconds}"
    app.periodic(cron=every, periodic_id="schedule")(
        app.task(name="paperclub.schedule_tick", pass_context=True, queue="schedule")(schedule_tick)
    )
    app.periodic(cron=every, periodic_id="recovery")(
        app.task(name="paperclub.recover_stalled", pass_context=True, queue="schedule")(
            recover_stalled
        )
    )
    app.periodic(cron="* * * * *", periodic_id="club")(
        app.task(name="paperclub.club_tick", pass_context=True, queue="schedule", lock="club-tick")(
            club_tick
        )
    )
    app.task(name=DIGEST_TASK, pass_context=True, queue="digests", retry=DigestRetry())(
        weekly_digest
    )


def _club(context: procrastinate.JobContext) -> Services:
    club: Services = context.additional_context["club"]
    return club


def _timing(context: procrastinate.JobContext) -> QueueTiming:
    timing: QueueTiming = context.additional_context["timing"]
    return timing


async def schedule_tick(context: procrastinate.JobContext, timestamp: int) -> None:
    club = _club(context)
    now = utc_now()
    grace = timedelta(hours=club.settings.misfire_grace_hours)
    await refresh_plans(club.store, now, grace)

    async def defer(conversation: ConversationRef, scheduled_for: datetime) -> bool:
        key = conversation_key(conversation)
        try:
            await context.app.configure_task(
                DIGEST_TASK, queueing_lock=f"digest {key}", lock=f"digest {key}"
            ).defer_async(
                platform=str(conversation.platform),
                workspace_id=conversation.workspace_id,
                channel_id=conversation.channel_id,
                scheduled_for=scheduled_for.astimezone(UTC).isoformat(),
            )
        except queue_errors.AlreadyEnqueued:
            return False  # that channel's digest is already waiting
        return True

    await defer_due_runs(club.store, now, grace, defer)


async def weekly_digest(
    context: procrastinate.JobContext,
    platform: str,
    workspace_id: str,
    channel_id: str,
    scheduled_for: str,
) -> None:
    club = _club(context)
    conversation = ConversationRef(Platform(platform), workspace_id, channel_id)
    name = channel_name(conversation)
    try:
        await _run_digest(club, conversation, datetime.fromisoformat(scheduled_for))
    except DigestBusy:
        log.info("schedule: %s: another worker is running its digest; trying later", name)
        raise ChannelBusy(name) from None


async def _run_digest(
    club: Services, conversation: ConversationRef, scheduled_for: datetime
) -> None:
    name = channel_name(conversation)
    channel = await club.store.channel(conversation)
    if channel is None or not channel.subscribed:
        log.info("schedule: %s: unsubscribed before its digest ran; nothing posted", name)
        return
    started = utc_now()
    try:
        report = await club.digest.weekly_digest(
            conversation, now=scheduled_for, lock_wait=CHANNEL_LOCK_WAIT
        )
    except DigestBusy:
        raise
    except (SourceUnavailable, PlatformUnavailable) as error:
        log.warning("schedule: %s: digest could not run (%s); retrying later", name, error)
        raise UpstreamDown(str(error)) from error
    except StoreUnavailable as error:
        if error.kind not in TRANSIENT_STORE_FAULTS:
            raise
        log.warning("schedule: %s: the database is busy (%s); retrying soon", name, error)
        raise StoreBusy(str(error)) from error
    except PaperclubError as error:
        log.error("schedule: %s: digest failed: %s", name, error)
        return
    await ScheduleRuns(club.store).record(conversation, started)
    log.info(
        "schedule: %s: digest %s done: %d posted, %d already posted, %d failed",
        name,
        report.week,
        len(report.posted),
        len(report.already_posted),
        len(report.failed),
    )


async def club_tick(context: procrastinate.JobContext, timestamp: int) -> None:
    club = _club(context)
    now = utc_now()
    # An answer younger than twice the answer deadline may still be streaming in a
    # receiver process; older ones were cut short by a crash.
    cutoff = now - timedelta(seconds=2 * club.settings.answer_deadline_seconds)
    jobs: tuple[tuple[str, Callable[[], Awaitable[int]]], ...] = (
        ("interrupted answers", lambda: club.answers.mark_interrupted(now, started_before=cutoff)),
        ("automatic picks", lambda: club.sessions.send_due_auto_picks(now)),
        ("reminders", lambda: club.sessions.send_due_reminders(now)),
        ("new paper versions", lambda: club.new_versions.check_due(now)),
    )
    try:
        # Beside the queue's own job lock: a worker judged dead while it still runs this
        # tick must not post a reminder the tick that took over posts too.
        async with club.store.held("club tick", wait=CLUB_TICK_WAIT):
            for what, job in jobs:
                try:
                    await job()
                except PaperclubError as error:
                    log.warning("schedule: %s failed: %s", what, error)
    except LockNotTaken:
        log.info("schedule: the club's minute jobs are running in another worker")


async def recover_stalled(context: procrastinate.JobContext, timestamp: int) -> None:
    """Put the jobs of workers gone silent back in the queue. A job whose channel already
    has another digest waiting (the queueing lock) is finished instead: the waiting one
    does its work."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        seconds_since_heartbeat=_timing(context).stalled_seconds
    )
    for job in stalled:
        assert job.id is not None
        try:
            await manager.retry_job(job)
            log.warning("queue: job %s (%s) of a silent worker queued again", job.id, job.task_name)
        except queue_errors.UniqueViolation:
            await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
            log.warning("queue: job %s of a silent worker finished: an equal job waits", job.id)
