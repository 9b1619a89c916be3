"""What a member may set on a channel, and the one clear refusal for everything else.

Values come from slash-command options and free text, so each rule accepts the usual
spellings, refuses the rest, and never echoes more than `ECHO_CHARS` of what it was given.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
import zoneinfo
from collections.abc import Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import ChannelSettings
from bot.errors import InvalidSetting
from bot.text import SUPPORTED_LANGUAGES
from bot.text.weekdays import parse_weekday

ECHO_CHARS = 40
MAX_TOPICS = 20
TOPIC_CHARS = 40
MAX_TIMEZONE_CHARS = 64  # the longest IANA name is 32 characters
MAX_AUTO_PICK_HOURS = 167  # under a week, so "before each meeting" names one meeting
NO_MEETING = ("off", "none", "no", "-")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)
_REFUSED_ZONES = frozenset({"localtime", "posixrules", "factory"})


def shown(value: object) -> str:
    """A member's value as a refusal quotes it: printable, at most ECHO_CHARS."""
    text = "".join(c for c in str(value) if c.isprintable())
    return text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 1] + "…"


def readable(text: str) -> str:
    """Member text as valid Unicode: a lone surrogate (valid in JSON, not in UTF-8) becomes '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def valid_language(value: str) -> str:
    value = value.strip().lower()
    if value not in SUPPORTED_LANGUAGES:
        raise InvalidSetting(
            key="error_unknown_language",
            given=shown(value),
            choices=", ".join(SUPPORTED_LANGUAGES),
        )
    return value


def valid_weekday(value: int | str) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    weekday = parse_weekday(readable(str(value)))
    if weekday is None:
        raise InvalidSetting(key="error_unknown_weekday", given=shown(value))
    return weekday


def valid_time(value: str) -> str:
    match = _TIME.fullmatch(value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidSetting(key="error_unknown_time", given=shown(value))
    return f"{int(match[1]):02d}:{match[2]}"


def valid_timezone(value: str) -> str:
    name = value.strip()
    if not name or len(name) > MAX_TIMEZONE_CHARS or name.lower() in _REFUSED_ZONES:
        raise _unknown_timezone(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _unknown_timezone(value) from None
    return name


def _unknown_timezone(value: str) -> InvalidSetting:
    """The refusal, with the closest IANA names when the value is only misspelt."""
    name = value.strip()
    close = [] if len(name) > MAX_TIMEZONE_CHARS else _close_zones(name)
    if close:
        return InvalidSetting(
            key="error_unknown_timezone_close", given=shown(value), close=", ".join(close)
        )
    return InvalidSetting(key="error_unknown_timezone", given=shown(value))


@functools.cache
def _zones_by_fold() -> dict[str, str]:
    zones = zoneinfo.available_timezones()
    return {zone.casefold(): zone for zone in zones if zone.casefold() not in _REFUSED_ZONES}


def _close_zones(name: str) -> list[str]:
    zones = _zones_by_fold()
    folded = name.casefold().replace(" ", "_")
    if folded in zones:  # only the case was off: "asia/tokyo"
        return [zones[folded]]
    cities = {zone.rsplit("/", 1)[-1].casefold(): zone for zone in zones.values()}
    if folded in cities:  # the city alone: "Tokyo"
        return [cities[folded]]
    matches = difflib.get_close_matches(folded, list(zones), n=3, cutoff=0.75)
    return [zones[m] for m in matches]


def valid_topics(value: Sequence[str] | str) -> tuple[str, ...]:
    items = [readable(t) for t in (value.split(",") if isinstance(value, str) else value)]
    folded = (unicodedata.normalize("NFKC", t).strip().lower()[:TOPIC_CHARS] for t in items)
    topics = tuple(dict.fromkeys(t for t in folded if t))
    if len(topics) > MAX_TOPICS:
        raise InvalidSetting(key="error_too_many_topics", limit=MAX_TOPICS)
    return topics


CLEAR = ("off", "none", "all", "-", "")
MAX_CATEGORIES = 20
MAX_TOPIC_WEIGHT = 5.0
_CATEGORY = re.compile(r"([a-z][a-z\-]{1,15})(?:\.([a-z][a-z\-]{0,15}))?", re.ASCII | re.IGNORECASE)
_WEIGHTED = re.compile(r"(?P<topic>.*?)\s*[:=]\s*(?P<weight>[0-9]+(?:\.[0-9]+)?)\s*$")


def _items(value: Sequence[str] | str) -> list[str]:
    return [readable(t) for t in (value.split(",") if isinstance(value, str) else value)]


def valid_weighted_topics(
    value: Sequence[str] | str,
) -> tuple[tuple[str, ...], tuple[tuple[str, float], ...]]:
    """`llm agents:2, diffusion` -> the topics, and the weights that are not 1."""
    topics: list[str] = []
    weights: dict[str, float] = {}
    for item in _items(value):
        match = _WEIGHTED.fullmatch(item.strip())
        weight = 1.0
        if match:
            item, weight = match["topic"], float(match["weight"])
            if weight > MAX_TOPIC_WEIGHT:
                raise InvalidSetting(
                    key="error_topic_weight_too_large",
                    limit=f"{MAX_TOPIC_WEIGHT:g}",
                    given=shown(match["weight"]),
                )
        for topic in valid_topics([item]):
            topics.append(topic)
            if weight != 1.0:
                weights[topic] = weight
    kept = valid_topics(topics)
    return kept, tuple((t, w) for t, w in weights.items() if t in kept)


def valid_muted_topics(value: Sequence[str] | str) -> tuple[str, ...]:
    """Topics whose papers are left out; `off` clears them."""
    if isinstance(value, str) and value.strip().lower() in CLEAR:
        return ()
    return valid_topics(value)


def valid_categories(value: Sequence[str] | str) -> tuple[str, ...]:
    """arXiv categories such as cs.CL or stat.ML; `all` keeps every category."""
    if isinstance(value, str) and value.strip().lower() in CLEAR:
        return ()
    categories = []
    for item in _items(value):
        item = item.strip()
        if not item:
            continue
        match = _CATEGORY.fullmatch(item)
        if match is None:
            raise InvalidSetting(key="error_unknown_category", given=shown(item))
        archive, subject = match[1].lower(), match[2]
        categories.append(
            f"{archive}.{subject.upper() if archive == 'cs' else subject}" if subject else archive
        )
    if len(categories) > MAX_CATEGORIES:
        raise InvalidSetting(key="error_too_many_categories", limit=MAX_CATEGORIES)
    return tuple(dict.fromkeys(categories))


def valid_sources(value: Sequence[str] | str, known: Sequence[str]) -> tuple[str, ...]:
    """Source names among `known`; `all` uses every configured source."""
    if isinstance(value, str) and value.strip().lower() in CLEAR:
        return ()
    chosen = [item.strip().lower() for item in _items(value) if item.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise InvalidSetting(
            key="error_unknown_source", given=shown(unknown[0]), choices=", ".join(known)
        )
    return tuple(dict.fromkeys(chosen))


def valid_size(value: int) -> int:
    if not 1 <= value <= 25:
        raise InvalidSetting(key="error_digest_size")
    return value


def with_meeting(
    settings: ChannelSettings,
    weekday: int | str | None,
    time: str | None,
    auto_pick_hours: int | str | None,
) -> ChannelSettings:
    if isinstance(weekday, str) and weekday.strip().lower() in NO_MEETING:
        return replace(settings, meeting_weekday=None, meeting_time=None, auto_pick_hours=0)
    changed = replace(
        settings,
        meeting_weekday=settings.meeting_weekday if weekday is None else valid_weekday(weekday),
        meeting_time=settings.meeting_time if time is None else valid_time(time),
        auto_pick_hours=(
            settings.auto_pick_hours
            if auto_pick_hours is None
            else valid_auto_pick_hours(auto_pick_hours)
        ),
    )
    if (changed.meeting_weekday is None) != (changed.meeting_time is None):
        raise InvalidSetting(key="error_meeting_needs_day_and_time")
    if changed.auto_pick_hours and changed.meeting_weekday is None:
        raise InvalidSetting(key="error_auto_pick_needs_meeting")
    return changed


def valid_auto_pick_hours(value: int | str) -> int:
    text = str(value).strip().lower().removesuffix("h")
    if text in NO_MEETING:
        return 0
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_AUTO_PICK_HOURS:
        raise InvalidSetting(
            key="error_unknown_auto_pick", given=shown(value), limit=MAX_AUTO_PICK_HOURS
        )
    return int(text)
