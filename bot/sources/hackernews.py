"""Hacker News stories that link an arXiv paper, through the Algolia HN Search API.

`GET {api}/api/v1/search_by_date?query=arxiv.org&restrictSearchableAttributes=url
&tags=story&numericFilters=created_at_i>=START,created_at_i<END&hitsPerPage=N&page=P`,
as documented at https://hn.algolia.com/api: the answer is an object with `hits` (each
story's `objectID`, `title`, `url`, `points`, `num_comments`, `created_at_i`), `page`,
`nbPages` and `hitsPerPage`. A story whose url is not an arXiv paper is skipped; two
stories of one paper add up. A payload without `hits` is a changed format and fails the
source loudly.
"""

from __future__ import annotations

import json
import logging

import aiohttp

from bot.domain import Candidate, Window
from bot.errors import InvalidPaperId, SourceUnavailable
from bot.sources.http import FORMAT_CHANGED, FetchFailed, RetryPolicy, get_bytes
from bot.sources.ids import canonical_id

logger = logging.getLogger(__name__)

SOURCE_NAME = "Hacker News"
DEFAULT_BASE_URL = "https://hn.algolia.com"


class HackerNewsSource:
    """Stories posted in the window whose link is an arXiv paper: points and comments."""

    name = SOURCE_NAME

    def __init__(
        self,
        base_url: str,
        http: aiohttp.ClientSession,
        *,
        policy: RetryPolicy | None = None,
        hits_per_page: int = 100,
        max_pages: int = 3,
    ) -> None:
        self._url = base_url.rstrip("/") + "/api/v1/search_by_date"
        self._http = http
        self._policy = policy or RetryPolicy()
        self._per_page = hits_per_page
        self._max_pages = max_pages
        self.requests = 0

    async def candidates(self, window: Window) -> list[Candidate]:
        start, end = int(window.start.timestamp()), int(window.end.timestamp())
        totals: dict[str, Candidate] = {}
        page, pages = 0, 1
        while page < min(pages, self._max_pages):
            params = {
                "query": "arxiv.org",
                "restrictSearchableAttributes": "url",
                "tags": "story",
                "numericFilters": f"created_at_i>={start},created_at_i<{end}",
                "hitsPerPage": str(self._per_page),
                "page": str(page),
            }
            try:
                self.requests += 1
                body = await get_bytes(self._http, self._url, self._policy, params)
            except FetchFailed as failure:
                raise SourceUnavailable("Hacker News", failure.reason) from failure
            try:
                stories, pages = parse_search(body)
            except ValueError as error:
                logger.error("Hacker News search: %s: %s", FORMAT_CHANGED, error)
                raise SourceUnavailable("Hacker News", f"{FORMAT_CHANGED} ({error})") from error
            for story in stories:
                kept = totals.get(story.arxiv_id)
                totals[story.arxiv_id] = (
                    story
                    if kept is None
                    else Candidate(
                        kept.arxiv_id,
                        SOURCE_NAME,
                        upvotes=kept.upvotes + story.upvotes,
                        comments=kept.comments + story.comments,
                    )
                )
            page += 1
        return list(totals.values())


def parse_search(body: bytes) -> tuple[list[Candidate], int]:
    """The arXiv stories of one search page and the number of pages; ValueError if not one."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not JSON: {error}") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("hits"), list):
        kind = type(payload).__name__
        raise ValueError(f"expected an object with a 'hits' list, got {kind}")
    pages = payload.get("nbPages")
    hits = [hit for hit in payload["hits"] if isinstance(hit, dict)]
    if hits and not any("points" in hit and "url" in hit for hit in hits):
        raise ValueError("no hit has 'url' and 'points'")
    stories = []
    for hit in hits:
        url = hit.get("url")
        if not isinstance(url, str) or not url:
            continue
        try:
            arxiv_id = canonical_id(url)
        except InvalidPaperId:
            continue  # "arxiv.org" also matches blogs and mirrors quoting it
        # The story's title is the submitter's, not the paper's: it never merges by title.
        stories.append(
            Candidate(
                arxiv_id,
                SOURCE_NAME,
                upvotes=_count(hit.get("points")),
                comments=_count(hit.get("num_comments")),
            )
        )
    return stories, pages if isinstance(pages, int) and pages >= 0 else 1


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
