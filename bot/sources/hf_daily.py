"""Hugging Face Daily Papers: the week's lists, with upvotes and comments as the social signal.

`GET /api/daily_papers?week=YYYY-Www` gives a whole ISO week in one request (pages of
`limit`, `p` from 0), as `huggingface_hub`'s `HfApi.list_daily_papers(week=...)` documents
it; `?date=YYYY-MM-DD` gives one day and is the fallback when a week request fails or
answers with papers from outside that week (an API that ignores `week`). Each entry is
`{"paper": {"id", "title", "upvotes", "submittedOnDailyAt", "githubRepo", "githubStars",
"ai_keywords", ...}, "numComments", ...}`; the recorded days in
../shared/fixtures/weekly_lists/hf_daily_papers show the shape (see its SOURCES.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiohttp

from bot.domain import Candidate, Window
from bot.errors import InvalidPaperId, SourceUnavailable
from bot.sources.http import FetchFailed, RetryPolicy, get_bytes
from bot.sources.ids import canonical_id

logger = logging.getLogger(__name__)

SOURCE_NAME = "Hugging Face"
DEFAULT_BASE_URL = "https://huggingface.co"
PAGE_LIMIT = 100  # papers per request; a full page means there may be another
MAX_WEEK_PAGES = 5


@dataclass(frozen=True)
class Unreachable:
    """A week request that got no HTTP answer at all: no point asking day by day."""

    reason: str


class HuggingFaceDailySource:
    """`GET {base_url}/api/daily_papers?date=YYYY-MM-DD` for every day the window touches.

    A day that fails (after its retries) is skipped and logged; the source is
    unavailable only when no day gave a usable list, so one bad day costs only
    that day's papers.
    """

    name = SOURCE_NAME

    def __init__(
        self,
        base_url: str,
        http: aiohttp.ClientSession,
        *,
        policy: RetryPolicy | None = None,
        concurrency: int = 4,
        by_week: bool = False,
    ) -> None:
        self._url = base_url.rstrip("/") + "/api/daily_papers"
        self._http = http
        self._policy = policy or RetryPolicy()
        self._slots = asyncio.Semaphore(concurrency)
        self._by_week = by_week
        self.requests = 0  # requests asked (a request's retries not counted), for the bench

    async def candidates(self, window: Window) -> list[Candidate]:
        days = window_days(window)
        if self._by_week:
            results = await self._by_weeks(days)
        else:
            results = list(await asyncio.gather(*(self._day(day) for day in days)))
        return self._combine(days, results)

    async def _by_weeks(self, days: list[date]) -> list[list[Candidate] | str]:
        """One `week=` request (and its pages) per ISO week the days touch; a week that
        fails falls back to its days one by one, unless the host answered nothing at all
        (then every day would fail the same way, one retry round later)."""
        weeks: dict[str, list[date]] = {}
        for day in days:
            weeks.setdefault(iso_week_of(day), []).append(day)
        results: list[list[Candidate] | str] = []
        for week, week_days in weeks.items():
            listed = await self._week(week, week_days)
            if isinstance(listed, Unreachable):
                results.append(listed.reason)
            elif isinstance(listed, str):
                logger.warning(
                    "Hugging Face daily papers: week %s failed (%s); asking day by day",
                    week,
                    listed,
                )
                results.extend(await asyncio.gather(*(self._day(day) for day in week_days)))
            else:
                results.append(listed)
        return results

    async def _week(self, week: str, days: Sequence[date]) -> list[Candidate] | str | Unreachable:
        wanted = set(days)
        first, last = iso_week_days(week)
        found: list[Candidate] = []
        for page in range(MAX_WEEK_PAGES):
            params = {"week": week, "limit": str(PAGE_LIMIT), "p": str(page)}
            try:
                self.requests += 1
                body = await get_bytes(self._http, self._url, self._policy, params)
            except FetchFailed as failure:
                return failure.reason if failure.answered else Unreachable(failure.reason)
            try:
                entries = _listed(body)
            except ValueError as error:
                return f"malformed response ({error})"
            for candidate, day in entries:
                if day is not None and not first <= day <= last:
                    return f"the answer to week={week} listed a paper of {day}"
                if day is None or day in wanted:
                    found.append(candidate)
            if len(entries) < PAGE_LIMIT:
                return found
        logger.warning("Hugging Face daily papers: week %s has more than %d pages", week, page + 1)
        return found

    def _combine(self, days: list[date], results: list[list[Candidate] | str]) -> list[Candidate]:
        labels = (
            days if len(days) == len(results) else [f"part {n + 1}" for n in range(len(results))]
        )
        failures = [
            f"{day}: {outcome}"
            for day, outcome in zip(labels, results, strict=True)
            if isinstance(outcome, str)
        ]
        lists = [outcome for outcome in results if not isinstance(outcome, str)]
        if not lists:
            raise SourceUnavailable("Hugging Face daily papers", "; ".join(failures))
        if failures:
            logger.warning("Hugging Face daily papers: skipped %s", "; ".join(failures))
        best: dict[str, Candidate] = {}
        for day_list in lists:
            for candidate in day_list:
                kept = best.get(candidate.arxiv_id)
                if kept is None or (candidate.upvotes, candidate.comments) > (
                    kept.upvotes,
                    kept.comments,
                ):
                    best[candidate.arxiv_id] = candidate
        if not best:
            raise SourceUnavailable(
                "Hugging Face daily papers", f"no papers listed for {days[0]} to {days[-1]}"
            )
        return list(best.values())

    async def _day(self, day: date) -> list[Candidate] | str:
        """The day's candidates, or the reason the day failed."""
        async with self._slots:
            try:
                self.requests += 1
                body = await get_bytes(
                    self._http, self._url, self._policy, {"date": day.isoformat(), "limit": "100"}
                )
            except FetchFailed as failure:
                return failure.reason
        try:
            return parse_daily_papers(body)
        except ValueError as error:
            return f"malformed response ({error})"


def window_days(window: Window) -> list[date]:
    """Every UTC calendar day that overlaps the half-open window."""
    first = window.start.date()
    last = (window.end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def iso_week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def iso_week_days(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written YYYY-Www."""
    monday = datetime.strptime(week + "-1", "%G-W%V-%u").date()
    return monday, monday + timedelta(days=6)


def parse_daily_papers(body: bytes) -> list[Candidate]:
    """Candidates from one `api/daily_papers` response; raises ValueError if it is not one."""
    return [candidate for candidate, _ in _listed(body)]


def _listed(body: bytes) -> list[tuple[Candidate, date | None]]:
    """Each entry's candidate and the day it was on the daily list (None if not given)."""
    try:
        entries = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not JSON: {error}") from error
    if not isinstance(entries, list):
        raise ValueError(f"expected a JSON list, got {type(entries).__name__}")
    candidates: list[tuple[Candidate, date | None]] = []
    for entry in entries:
        paper = entry.get("paper") if isinstance(entry, dict) else None
        if not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
            logger.info("Hugging Face daily papers: skipped an entry without a paper id")
            continue
        try:
            arxiv_id = canonical_id(paper["id"])
        except InvalidPaperId:
            logger.info("Hugging Face daily papers: skipped non-arXiv id %r", paper["id"][:40])
            continue
        keywords = paper.get("ai_keywords")
        title = paper.get("title") or entry.get("title")
        candidate = Candidate(
            arxiv_id=arxiv_id,
            source=SOURCE_NAME,
            upvotes=_count(paper.get("upvotes")),
            comments=_count(entry.get("numComments")),
            title=" ".join(title.split()) if isinstance(title, str) else "",
            github_stars=_count(paper.get("githubStars", entry.get("githubStars"))),
            code_url=_github_repo(paper.get("githubRepo", entry.get("githubRepo"))),
            keywords=tuple(k for k in keywords if isinstance(k, str))[:20]
            if isinstance(keywords, list)
            else (),
        )
        candidates.append((candidate, _day_of(paper.get("submittedOnDailyAt"))))
    if entries and not candidates:
        raise ValueError("no entry had a paper id")
    return candidates


def _day_of(stamp: object) -> date | None:
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


_GITHUB_REPO = re.compile(r"https://github\.com/[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}/?")


def _github_repo(value: object) -> str:
    """The repository link Hugging Face lists, when it is a plain GitHub repository URL."""
    if isinstance(value, str) and _GITHUB_REPO.fullmatch(value.strip()):
        return value.strip().rstrip("/")
    return ""
