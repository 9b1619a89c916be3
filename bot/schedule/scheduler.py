"""The weekly rhythm: one APScheduler job per subscribed channel, and missed-run catch-up.

APScheduler 3's in-memory job store forgets the last run on restart (a weekly run missed
while the bot was down is simply lost), so whether a run was missed is decided here,
at start-up, from `schedule_runs.last_run` in our store. The digest itself is
idempotent (the service's post keys), so a catch-up, a retry or a second process can
never post a paper twice; the scheduler only decides *when* to try.

Every decision uses the injected clock `now`, so tests can move time without waiting.

APScheduler's jobs only start the work, as tasks this scheduler owns: APScheduler 3
cancels a coroutine job still running at shutdown and logs the cancellation as the job's
error, with a traceback, on every stop that lands mid-run. Owning the tasks, `shutdown`
cancels them and waits for them quietly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain import ChannelSettings, ConversationRef, DigestReport
from bot.errors import PaperclubError, PlatformUnavailable, SourceUnavailable
from bot.publishing import ChatRouter
from bot.publishing.keys import REMINDER_JOB_ID, channel_name, digest_job_id, retry_job_id
from bot.schedule.weekly import (
    Clock,
    WeeklyTrigger,
    describe_schedule,
    fire_times_between,
    local_time,
    next_fire_after,
    utc_now,
)
from bot.store import Store
from bot.store.schedule_runs import ScheduleRuns
from bot.usecases.channels import SettingsHook
from bot.usecases.digest import Digest

log = logging.getLogger(__name__)

Reminders = Callable[[datetime], Awaitable[int]]  # a club job polled with the current time

RETRY_DELAY = timedelta(minutes=30)
MAX_RETRIES = 4  # then wait for next week's run (or a restart's catch-up)
CHAT_WAIT = timedelta(minutes=2)  # a platform still connecting at start-up
REMINDER_POLL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What start-up decided for one channel's missed runs, and why."""

    conversation: ConversationRef
    missed: tuple[datetime, ...]  # scheduled times not run since last_run, oldest first
    run_now: bool
    reason: str


class DigestScheduler:
    def __init__(
        self,
        store: Store,
        digest: Digest,
        chats: ChatRouter,
        settings_changed: SettingsHook,
        *,
        grace: timedelta,
        now: Clock = utc_now,
        retry_delay: timedelta = RETRY_DELAY,
        max_retries: int = MAX_RETRIES,
        chat_wait: timedelta = CHAT_WAIT,
        reminders: Reminders | None = None,
        auto_picks: Reminders | None = None,
        interrupted_answers: Reminders | None = None,
        new_versions: Reminders | None = None,
    ) -> None:
        self._store = store
        self._digest = digest
        self._chats = chats
        self._settings_changed = settings_changed
        self.now = now
        self.grace = grace
        self.retry_delay = retry_delay
        self.max_retries = max_retries
        self.chat_wait = chat_wait
        self.reminders = reminders
        self.auto_picks = auto_picks
        self.interrupted_answers = interrupted_answers
        self.new_versions = new_versions
        self.runs = ScheduleRuns(store)
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": max(1, int(self.grace.total_seconds())),
            },
        )
        self._channels: dict[ConversationRef, ChannelSettings] = {}
        self._running: set[ConversationRef] = set()
        self._retries: dict[ConversationRef, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._tick: asyncio.Task[Any] | None = None

    # Registration -----------------------------------------------------------------

    async def load(self, *, record: bool = True) -> None:
        """Register every subscribed channel's weekly job; nothing runs. `record=False`
        (`paperclub schedule list`) leaves the store untouched."""
        for channel in await self._store.subscribed_channels():
            await self._register(channel, record_first_run=record)

    async def start(self) -> list[CatchUp]:
        """Register the jobs, start dispatching, and catch up runs missed while down."""
        await self.load()
        self._settings_changed.connect(self.on_settings_changed)
        self._scheduler.start()
        if any(job is not None for _, job in self._club_jobs()):
            self._scheduler.add_job(
                self._start_club_tick,
                "interval",
                seconds=REMINDER_POLL.total_seconds(),
                id=REMINDER_JOB_ID,
                replace_existing=True,
                next_run_time=utc_now(),
            )
        decisions = [await self.catch_up_decision(c) for c in list(self._channels.values())]
        for decision in decisions:
            log.info("schedule: %s: %s", channel_name(decision.conversation), decision.reason)
            if decision.run_now:
                self._spawn(
                    self.run_channel(
                        decision.conversation, why="catch-up", scheduled_for=decision.missed[-1]
                    )
                )
        return decisions

    async def shutdown(self) -> None:
        """Stop dispatching, cancel runs in progress (their posts resume on the next run)."""
        self._settings_changed.disconnect(self.on_settings_changed)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def on_settings_changed(self, channel: ChannelSettings) -> None:
        """A `/settings`, `/subscribe` or `/unsubscribe` takes effect without a restart."""
        newly = channel.subscribed and channel.conversation not in self._channels
        if newly:
            await self.runs.record(channel.conversation, self.now())
        await self._register(channel)
        if channel.subscribed:
            when = self.next_run(channel.conversation)
            log.info(
                "schedule: %s: %s; next run %s",
                channel_name(channel.conversation),
                describe_schedule(channel),
                local_time(when, channel.timezone) if when else "paused",
            )
        else:
            log.info("schedule: %s: unsubscribed", channel_name(channel.conversation))

    async def _register(self, channel: ChannelSettings, *, record_first_run: bool = True) -> None:
        conversation = channel.conversation
        job_id = digest_job_id(conversation)
        if not channel.subscribed:
            self._channels.pop(conversation, None)
            if self._scheduler.get_job(job_id) is not None:
                self._scheduler.remove_job(job_id)
            return
        if record_first_run and await self.runs.last_run(conversation) is None:
            await self.runs.record(conversation, self.now())
        self._scheduler.add_job(
            self._scheduled_run,
            WeeklyTrigger(channel),
            args=[conversation],
            id=job_id,
            name=f"weekly digest {channel_name(conversation)}",
            replace_existing=True,
            next_run_time=next_fire_after(channel, self.now()),
        )
        self._channels[conversation] = channel

    # What runs when ---------------------------------------------------------------

    def next_run(self, conversation: ConversationRef) -> datetime | None:
        job = self._scheduler.get_job(digest_job_id(conversation))
        when: datetime | None = getattr(job, "next_run_time", None) if job else None
        return when

    def next_runs(self) -> list[tuple[ChannelSettings, datetime]]:
        """Every scheduled channel with its next run, in the channel's own time zone, soonest first."""
        runs: list[tuple[ChannelSettings, datetime]] = []
        for conversation, channel in self._channels.items():
            when = self.next_run(conversation)
            if when is not None:
                runs.append((channel, when.astimezone(ZoneInfo(channel.timezone))))
        return sorted(runs, key=lambda item: item[1])

    def pending_retries(self) -> dict[ConversationRef, datetime]:
        retries: dict[ConversationRef, datetime] = {}
        for conversation in self._retries:
            job = self._scheduler.get_job(retry_job_id(conversation))
            if job is not None and job.next_run_time is not None:
                retries[conversation] = job.next_run_time
        return retries

    async def catch_up_decision(self, channel: ChannelSettings) -> CatchUp:
        """Run once now if the latest missed run is within the grace window, else skip it."""
        conversation = channel.conversation
        now = self.now()
        last = await self.runs.last_run(conversation) or now
        missed = tuple(fire_times_between(channel, last, now))
        if not missed:
            return CatchUp(conversation, (), False, "no scheduled run was missed")
        latest = missed[-1]
        late = now - latest
        due = local_time(latest, channel.timezone)
        count = f"{len(missed)} scheduled runs were" if len(missed) > 1 else "1 scheduled run was"
        if late <= self.grace:
            reason = (
                f"{count} missed while the bot was down; running the one due {due} once now "
                f"({_hours(late)} late, within the {_hours(self.grace)} grace window)"
            )
            return CatchUp(conversation, missed, True, reason)
        upcoming = local_time(next_fire_after(channel, now), channel.timezone)
        reason = (
            f"skipped the missed run due {due}: it is {_hours(late)} late, beyond the "
            f"{_hours(self.grace)} grace window (PAPERCLUB_MISFIRE_GRACE_HOURS); "
            f"next run {upcoming}"
        )
        return CatchUp(conversation, missed, False, reason)

    async def _scheduled_run(self, conversation: ConversationRef) -> None:
        self._spawn(self.run_channel(conversation, why="weekly run"))

    async def _retry_run(self, conversation: ConversationRef, scheduled_for: datetime) -> None:
        why = f"retry {self._retries.get(conversation, 0)}"
        self._spawn(self.run_channel(conversation, why=why, scheduled_for=scheduled_for))

    async def run_channel(
        self,
        conversation: ConversationRef,
        *,
        why: str,
        scheduled_for: datetime | None = None,
    ) -> DigestReport | None:
        """One digest run for the channel; never two at once for the same channel.

        A catch-up or retry runs as of the time it was scheduled for, so a run cut short
        late on Sunday and resumed on Monday finishes the week it began (same post keys)."""
        name = channel_name(conversation)
        if conversation in self._running:
            log.info("schedule: %s: %s skipped, a run is already in progress", name, why)
            return None
        self._running.add(conversation)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        started = self.now()
        try:
            await self._wait_for_chat(conversation)
            log.info("schedule: %s: digest starting (%s)", name, why)
            report = await self._digest.weekly_digest(conversation, now=scheduled_for or started)
        except SourceUnavailable as error:
            reason = f"sources unavailable ({error.reason})"
            self._schedule_retry(conversation, reason, scheduled_for or started)
            return None
        except PlatformUnavailable as error:
            self._schedule_retry(conversation, str(error).rstrip("."), scheduled_for or started)
            return None
        except PaperclubError as error:
            log.error("schedule: %s: digest failed (%s): %s", name, why, error)
            return None
        finally:
            self._running.discard(conversation)
            if task is not None:
                self._tasks.discard(task)
        self._retries.pop(conversation, None)
        await self.runs.record(conversation, started)
        log.info(
            "schedule: %s: digest %s done: %d posted, %d already posted, %d failed%s",
            name,
            report.week,
            len(report.posted),
            len(report.already_posted),
            len(report.failed),
            f" ({report.empty_reason})" if report.empty_reason else "",
        )
        return report

    def _schedule_retry(
        self, conversation: ConversationRef, reason: str, scheduled_for: datetime
    ) -> None:
        name = channel_name(conversation)
        attempt = self._retries.get(conversation, 0) + 1
        if attempt > self.max_retries:
            self._retries.pop(conversation, None)
            log.error(
                "schedule: %s: digest still failing after %d retries (%s); waiting for the next "
                "scheduled run",
                name,
                self.max_retries,
                reason,
            )
            return
        self._retries[conversation] = attempt
        when = self.now() + self.retry_delay
        log.warning(
            "schedule: %s: digest could not run, %s; retry %d of %d at %s",
            name,
            reason,
            attempt,
            self.max_retries,
            when.isoformat(timespec="seconds"),
        )
        self._scheduler.add_job(
            self._retry_run,
            "date",
            run_date=when,
            args=[conversation, scheduled_for],
            id=retry_job_id(conversation),
            replace_existing=True,
        )

    async def _wait_for_chat(self, conversation: ConversationRef) -> None:
        """At start-up a platform may still be connecting when a catch-up run begins."""
        deadline = asyncio.get_running_loop().time() + self.chat_wait.total_seconds()
        while True:
            try:
                self._chats.for_conversation(conversation)
                return
            except PaperclubError:
                if asyncio.get_running_loop().time() >= deadline:
                    raise PlatformUnavailable(
                        f"no {conversation.platform} connection came up within "
                        f"{_hours(self.chat_wait)}"
                    ) from None
                await asyncio.sleep(0.5)

    def _club_jobs(self) -> tuple[tuple[str, Reminders | None], ...]:
        """Automatic picks before reminders, so a session picked late still gets its
        reminder in the same tick; the daily check for new arXiv versions last (it waits
        on arXiv)."""
        return (
            ("interrupted answers", self.interrupted_answers),
            ("automatic picks", self.auto_picks),
            ("reminders", self.reminders),
            ("new paper versions", self.new_versions),
        )

    async def _start_club_tick(self) -> None:
        """One tick at a time: a tick still waiting on arXiv lets the next minute's pass."""
        if self._tick is None or self._tick.done():
            self._tick = self._spawn(self._club_tick())

    async def _club_tick(self) -> None:
        """Every minute: the club's jobs that poll the clock."""
        for name, job in self._club_jobs():
            if job is None:
                continue
            try:
                await job(self.now())
            except PaperclubError as error:
                log.warning("schedule: %s failed: %s", name, error)

    def _spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(_logged(coroutine))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self) -> None:
        """Wait for the runs and ticks in progress (tests, and a clean exit of one-shot commands)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def _logged(coroutine: Awaitable[Any]) -> None:
    try:
        await coroutine
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("schedule: a scheduled run failed unexpectedly")


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    if hours < 1:
        return f"{round(span.total_seconds() / 60)} min"
    return f"{hours:.1f} h".replace(".0 h", " h")
