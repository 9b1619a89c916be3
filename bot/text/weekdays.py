"""The days of the week: how each language writes them, and reading a day a member typed."""

from __future__ import annotations

import unicodedata

CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # also APScheduler's day_of_week
DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ja": ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日"),
    "ko": ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"),
}
SHORT_DAY_NAMES = {"ja": "月火水木金土日", "ko": "월화수목금토일"}
_EXTRA_ENGLISH = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}


def _spellings() -> dict[str, int]:
    """Every accepted spelling: full names and exact abbreviations in each language."""
    accepted: dict[str, int] = dict(_EXTRA_ENGLISH)
    for index, full in enumerate(DAY_NAMES["en"]):
        accepted[full.lower()] = index
        accepted[CRON_DAYS[index]] = index
    for language in ("ja", "ko"):
        for index, full in enumerate(DAY_NAMES[language]):
            accepted[full] = index  # 月曜日, 월요일
            accepted[full[:-1]] = index  # 月曜, 월요
            accepted[SHORT_DAY_NAMES[language][index]] = index  # 月, 월
    return accepted


_ACCEPTED = _spellings()


def parse_weekday(text: str) -> int | None:
    """0 for Monday … 6 for Sunday, or None when `text` is not a day's name."""
    folded = unicodedata.normalize("NFKC", text).strip().lower().removesuffix(".")
    return _ACCEPTED.get(folded)


def day_name(weekday: int, language: str) -> str:
    return DAY_NAMES.get(language, DAY_NAMES["en"])[weekday]
