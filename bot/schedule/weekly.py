"""A channel's weekly time as APScheduler cron triggers, in the channel's own time zone.

Pure time arithmetic, shared by the scheduler and the club's meeting logic; every
function takes the moment it reasons about, so tests can move time without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain import ChannelSettings
from bot.text.weekdays import CRON_DAYS

Clock = Callable[[], datetime]

LOOKBACK = timedelta(weeks=53)  # how far back missed runs are counted
_FOLD = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


class WeeklyTrigger(CronTrigger):  # type: ignore[misc]
    """A channel's weekly time as a cron trigger in the channel's own time zone.

    At a DST change a wall-clock time in the gap fires just after it (APScheduler's
    behaviour); a time in the fold, which occurs twice, fires only the first time.
    """

    def __init__(self, channel: ChannelSettings) -> None:
        hour, minute = (int(part) for part in channel.time.split(":"))
        super().__init__(
            day_of_week=CRON_DAYS[channel.weekday],
            hour=hour,
            minute=minute,
            timezone=ZoneInfo(channel.timezone),
        )

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while (
            previous_fire_time is not None
            and fire is not None
            and fire - previous_fire_time < _FOLD
        ):
            fire = super().get_next_fire_time(fire, _just_after(fire))
        return fire


def next_fire_after(channel: ChannelSettings, moment: datetime) -> datetime:
    fire = WeeklyTrigger(channel).get_next_fire_time(None, moment)
    assert fire is not None  # a weekly cron trigger without an end date always has one
    return fire


def fire_times_between(channel: ChannelSettings, start: datetime, end: datetime) -> list[datetime]:
    """The channel's scheduled times in (start, end], oldest first."""
    trigger = WeeklyTrigger(channel)
    times: list[datetime] = []
    fire = trigger.get_next_fire_time(None, _just_after(max(start, end - LOOKBACK)))
    while fire is not None and fire <= end:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, _just_after(fire))
    return times


def _just_after(moment: datetime) -> datetime:
    """In UTC: local wall-clock arithmetic would land back before a DST fold's repeat."""
    return moment.astimezone(UTC) + timedelta(microseconds=1)


def describe_schedule(channel: ChannelSettings) -> str:
    day = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
    return f"{day[channel.weekday]} {channel.time} {channel.timezone}"


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M %Z")
