"""Hugging Face Daily Papers: each day's list, with upvotes and comments as the social signal."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, timedelta

import aiohttp

from bot.domain import Candidate, Window
from bot.errors import InvalidPaperId, SourceUnavailable
from bot.sources.http import FetchFailed, RetryPolicy, get_bytes
from bot.sources.ids import canonical_id

logger = logging.getLogger(__name__)

SOURCE_NAME = "Hugging Face"
DEFAULT_BASE_URL = "https://huggingface.co"


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
    ) -> None:
        self._url = base_url.rstrip("/") + "/api/daily_papers"
        self._http = http
        self._policy = policy or RetryPolicy()
        self._slots = asyncio.Semaphore(concurrency)

    async def candidates(self, window: Window) -> list[Candidate]:
        days = window_days(window)
        results = await asyncio.gather(*(self._day(day) for day in days))
        failures = [
            f"{day}: {outcome}"
            for day, outcome in zip(days, results, strict=True)
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


def parse_daily_papers(body: bytes) -> list[Candidate]:
    """Candidates from one `api/daily_papers` response; raises ValueError if it is not one."""
    try:
        entries = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not JSON: {error}") from error
    if not isinstance(entries, list):
        raise ValueError(f"expected a JSON list, got {type(entries).__name__}")
    candidates = []
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
        candidates.append(
            Candidate(
                arxiv_id=arxiv_id,
                source=SOURCE_NAME,
                upvotes=_count(paper.get("upvotes")),
                comments=_count(entry.get("numComments")),
            )
        )
    if entries and not candidates:
        raise ValueError("no entry had a paper id")
    return candidates


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
