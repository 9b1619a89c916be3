"""A curated weekly list in the Markdown of dair-ai's "AI Papers of the Week".

The list was `dair-ai/ML-Papers-of-the-Week` (one README) and goes on as
`dair-ai/AI-Papers-of-the-Week`, one file per year (`years/<year>.md`); a `{year}` in the
URL is filled with the digest window's year (and the year before, when the window
starts in it and the newer file has no matching week).

Each week is a `## Top ML|AI Papers of the Week (<range>)[ - <year>]` heading followed by
a two-column table whose rows read `| N) <title> <description> | [Paper](url), ... |`.
The README has used three title styles: `**Title** - description` (2023-2024),
`Title - description` (January 2025) and `Title  Description` (two spaces, 2025).
Headings before 2024 carry no year; it is inferred from the next newer week.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import aiohttp

from bot.domain import Candidate, Paper, Window
from bot.errors import InvalidPaperId, SourceUnavailable
from bot.sources.http import FetchFailed, RetryPolicy, get_bytes
from bot.sources.ids import canonical_id

logger = logging.getLogger(__name__)

SOURCE_NAME = "curated list"
DEFAULT_URL = "https://raw.githubusercontent.com/dair-ai/AI-Papers-of-the-Week/main/years/{year}.md"

_HEADING = re.compile(
    r"^##\s+Top (?:ML|AI) Papers of the Week\s*\((?P<range>[^)]*)\)\s*(?:-\s*(?P<year>\d{4}))?\s*$"
)
_RANGE = re.compile(
    r"(?P<m1>[A-Za-z]+)\.?\s*(?P<d1>\d{1,2})\s*[-–]\s*(?:(?P<m2>[A-Za-z]+)\.?\s*)?(?P<d2>\d{1,2})"
)
_ROW = re.compile(r"^\|\s*(?P<rank>\d+)\)\s*(?P<text>.*)\|(?P<links>[^|]*)\|\s*$")
_LINK = re.compile(r"\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]+)\)")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_NOTE_LIMIT = 300
# A curated paper found by title must exist by the week's end and be at most this old.
_TITLE_MATCH_MAX_AGE = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class CuratedPaper:
    rank: int
    title: str
    note: str  # the curator's one-line description
    links: tuple[str, ...]  # every link of the row's links cell, in order
    arxiv_id: str | None  # canonical, when one of the links is an arXiv link


@dataclass(frozen=True, slots=True)
class CuratedWeek:
    heading: str
    start: date
    end: date  # inclusive, as the heading writes it
    papers: tuple[CuratedPaper, ...]


class TitleSearch(Protocol):
    async def search_title(self, title: str) -> Paper | None:
        """The one arXiv paper whose title matches `title` exactly (normalised), else None."""
        ...


def parse_weeks(markdown: str, today: date | None = None) -> list[CuratedWeek]:
    """Every week of the list, in file order (newest first); raises ValueError if none."""
    lines = markdown.splitlines()
    starts = [i for i, line in enumerate(lines) if _HEADING.match(line.strip())]
    if not starts:
        raise ValueError("no 'Top AI Papers of the Week' heading found")
    weeks: list[CuratedWeek] = []
    newer_start = today or datetime.now(UTC).date()
    for position, first in enumerate(starts):
        last = starts[position + 1] if position + 1 < len(starts) else len(lines)
        heading = lines[first].strip()
        start, end = _week_dates(heading, newer_start)
        papers = tuple(_parse_rows(lines[first + 1 : last]))
        weeks.append(CuratedWeek(heading.lstrip("# "), start, end, papers))
        newer_start = start
    return weeks


def latest_week(weeks: Sequence[CuratedWeek]) -> CuratedWeek:
    return max(weeks, key=lambda week: week.end)


def week_containing(weeks: Sequence[CuratedWeek], day: date) -> CuratedWeek | None:
    return next((week for week in weeks if week.start <= day <= week.end), None)


def week_overlapping(weeks: Sequence[CuratedWeek], window: Window) -> CuratedWeek | None:
    """The week sharing the most days with the window (the newer one on a tie)."""
    best: tuple[timedelta, date] | None = None
    chosen = None
    for week in weeks:
        week_start = datetime.combine(week.start, datetime.min.time(), UTC)
        week_end = datetime.combine(week.end + timedelta(days=1), datetime.min.time(), UTC)
        shared = min(week_end, window.end) - max(week_start, window.start)
        if shared > timedelta(0) and (best is None or (shared, week.end) > best):
            best, chosen = (shared, week.end), week
    return chosen


class CuratedListSource:
    """The list's week for the digest window: `week` is "window", "latest" or a YYYY-MM-DD day.

    Papers linked only off arXiv are resolved by an exact title match through
    `titles`; without one, or without a match, they are dropped and logged.
    """

    name = SOURCE_NAME

    def __init__(
        self,
        url: str,
        http: aiohttp.ClientSession,
        *,
        titles: TitleSearch | None = None,
        week: str = "window",
        policy: RetryPolicy | None = None,
    ) -> None:
        if week not in ("window", "latest"):
            date.fromisoformat(week)  # a ValueError here names the bad setting at startup
        self._url = url
        self._http = http
        self._titles = titles
        self._week = week
        self._policy = policy or RetryPolicy()

    async def candidates(self, window: Window) -> list[Candidate]:
        if "{year}" not in self._url:
            return await self._from(self._url, window)
        try:
            return await self._from(self._url.replace("{year}", str(window.end.year)), window)
        except SourceUnavailable:
            if window.start.year == window.end.year:
                raise
            return await self._from(self._url.replace("{year}", str(window.start.year)), window)

    async def _from(self, url: str, window: Window) -> list[Candidate]:
        try:
            body = await get_bytes(self._http, url, self._policy)
        except FetchFailed as failure:
            raise SourceUnavailable("The curated paper list", failure.reason) from failure
        try:
            weeks = parse_weeks(body.decode("utf-8"), today=window.end.date())
        except (UnicodeDecodeError, ValueError) as error:
            raise SourceUnavailable(
                "The curated paper list", f"unreadable list ({error})"
            ) from error
        week = self._select(weeks, window)
        candidates = []
        for paper in week.papers:
            candidate = await self._candidate(paper, week)
            if candidate is not None:
                candidates.append(candidate)
        if not candidates:
            raise SourceUnavailable(
                "The curated paper list", f"no arXiv paper in the week {week.heading!r}"
            )
        return candidates

    def _select(self, weeks: list[CuratedWeek], window: Window) -> CuratedWeek:
        if self._week == "latest":
            return latest_week(weeks)
        if self._week == "window":
            chosen = week_overlapping(weeks, window)
            wanted = f"week overlapping {window.start.date()} to {window.end.date()}"
        else:
            chosen = week_containing(weeks, date.fromisoformat(self._week))
            wanted = f"week containing {self._week}"
        if chosen is None:
            newest = latest_week(weeks)
            raise SourceUnavailable(
                "The curated paper list",
                f"it has no {wanted}; its latest week is {newest.start} to {newest.end}",
            )
        return chosen

    async def _candidate(self, paper: CuratedPaper, week: CuratedWeek) -> Candidate | None:
        if paper.arxiv_id is not None:
            return Candidate(paper.arxiv_id, self.name, curated_note=paper.note)
        found = await self._titles.search_title(paper.title) if self._titles else None
        if found is None:
            logger.info(
                "Curated list: dropped %r (%s): no arXiv link and no exact arXiv title match",
                paper.title,
                paper.links[0] if paper.links else "no link",
            )
            return None
        published = found.published.date()
        if not week.end - _TITLE_MATCH_MAX_AGE <= published <= week.end:
            logger.info(
                "Curated list: dropped %r: the arXiv paper with that title (%s) is from %s",
                paper.title,
                found.arxiv_id,
                published,
            )
            return None
        return Candidate(found.arxiv_id, self.name, paper=found, curated_note=paper.note)


def _week_dates(heading: str, newer_start: date) -> tuple[date, date]:
    match = _HEADING.match(heading)
    assert match is not None
    span = _RANGE.search(match["range"])
    if span is None:
        raise ValueError(f"cannot read the dates of {heading!r}")
    start_month = _month(span["m1"], heading)
    end_month = _month(span["m2"], heading) if span["m2"] else start_month
    if match["year"]:
        end_year = int(match["year"])
    else:
        # Weeks run newest first, so this week ends on or before the newer week starts.
        end_year = newer_start.year
        if date(end_year, end_month, int(span["d2"])) > newer_start:
            end_year -= 1
    end = date(end_year, end_month, int(span["d2"]))
    start_year = end_year - 1 if start_month > end_month else end_year
    return date(start_year, start_month, int(span["d1"])), end


def _month(name: str, heading: str) -> int:
    number = _MONTHS.get(name[:3].lower())
    if number is None:
        raise ValueError(f"unknown month {name!r} in {heading!r}")
    return number


def _parse_rows(lines: Sequence[str]) -> list[CuratedPaper]:
    papers = []
    for line in lines:
        match = _ROW.match(line.strip())
        if match is None:
            continue
        title, note = _split_title(match["text"])
        links = tuple(link["url"] for link in _LINK.finditer(match["links"]))
        papers.append(CuratedPaper(int(match["rank"]), title, note, links, _arxiv_id_of(links)))
    return papers


def _split_title(text: str) -> tuple[str, str]:
    text = text.strip()
    bold = re.match(r"\*{1,2}(?P<title>[^*]+?)\*\*\s*[-–:]?\s*(?P<rest>.*)", text, re.DOTALL)
    if bold:
        title, rest = bold["title"], bold["rest"]
    else:
        dash = text.find(" - ")
        gap = text.find("  ")
        cut = min((at for at in (dash, gap) if at > 0), default=-1)
        if cut < 0:
            return _clean(text), ""
        title, rest = text[:cut], text[cut:].lstrip(" -")
    return _clean(title), _one_line(rest)


def _one_line(description: str) -> str:
    note = _clean(re.split(r"<br\s*/?>", description, maxsplit=1)[0])
    if len(note) <= _NOTE_LIMIT:
        return note
    sentence_end = note.rfind(". ", 0, _NOTE_LIMIT)
    if sentence_end > 0:
        return note[: sentence_end + 1]
    return note[: _NOTE_LIMIT - 1].rstrip() + "…"


def _clean(markdown: str) -> str:
    text = _LINK.sub(lambda link: link["label"], markdown)
    text = text.replace("**", "").replace("\\&", "&").replace("&amp;", "&")
    return " ".join(text.split())


def _arxiv_id_of(links: Sequence[str]) -> str | None:
    for url in links:
        try:
            return canonical_id(url)
        except InvalidPaperId:
            continue
    return None
