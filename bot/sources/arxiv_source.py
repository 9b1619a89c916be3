"""arXiv through the real `arxiv` client: metadata look-ups and the weekly category query.

The client is synchronous (requests), so every call runs in a worker thread. One
client and one lock serialise the calls, which lets the client keep arXiv's
"one request every 3 seconds" spacing for the whole process.
"""

from __future__ import annotations

import asyncio
import logging
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

import arxiv
import requests

from bot.domain import Candidate, Paper, Window
from bot.errors import SourceUnavailable
from bot.sources.http import retry_after_seconds
from bot.sources.ids import parse_arxiv_ref

log = logging.getLogger(__name__)

_ID_BATCH = 100  # arXiv's id_list works well up to a few hundred ids; one page of 100 is safe
_MAX_RETRY_AFTER = 30.0  # seconds; a longer wait fails the call instead of stalling the digest


class MalformedFeed(requests.exceptions.ConnectionError):
    """A 200 answer that is not XML: the arxiv client retries it like a dropped connection
    (it would otherwise read it as an empty feed, i.e. "no such paper")."""


class _TimeoutSession(requests.Session):
    """What the arxiv client's session lacks: a timeout, Retry-After, and a well-formed check."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        response = super().request(*args, **kwargs)
        wait = _retry_after(response)
        if wait is not None:
            log.info("arXiv API answered HTTP %s; retrying in %.1f s", response.status_code, wait)
            time.sleep(wait)  # a worker thread: the event loop keeps running
            response = super().request(*args, **kwargs)
        if response.status_code == 200:
            try:
                ElementTree.fromstring(response.content)
            except ElementTree.ParseError as error:
                raise MalformedFeed(f"malformed XML from the arXiv API: {error}") from error
        return response


def _retry_after(response: requests.Response) -> float | None:
    if response.status_code not in (429, 503):
        return None
    wait = retry_after_seconds(response.headers.get("Retry-After"))
    return wait if wait is not None and wait <= _MAX_RETRY_AFTER else None


def paper_from_result(result: arxiv.Result) -> Paper:
    ref = parse_arxiv_ref(result.get_short_id())
    return Paper(
        arxiv_id=ref.arxiv_id,
        version=ref.version or 1,
        title=" ".join(result.title.split()),
        authors=tuple(a.name for a in result.authors),
        abstract=" ".join(result.summary.split()),
        published=result.published,
        updated=result.updated,
        primary_category=result.primary_category,
        categories=tuple(result.categories),
        comment=" ".join((result.comment or "").split()),
    )


class ArxivClient:
    """The process's one arXiv client: `lookup` (PaperCatalog) and `query` for sources."""

    def __init__(
        self, api_url: str, *, delay_seconds: float, timeout_seconds: float, retries: int
    ) -> None:
        self._client = arxiv.Client(page_size=100, delay_seconds=delay_seconds, num_retries=retries)
        self._client.query_url_format = api_url.rstrip("?") + "?{}"
        self._client._session = _TimeoutSession(timeout_seconds)
        self._lock = asyncio.Lock()
        self.requests_made = 0

    async def lookup(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """Metadata for each id arXiv knows, batched with id_list; unknown ids are absent."""
        wanted = list(dict.fromkeys(parse_arxiv_ref(i).arxiv_id for i in arxiv_ids))
        found: dict[str, Paper] = {}
        for start in range(0, len(wanted), _ID_BATCH):
            batch = wanted[start : start + _ID_BATCH]
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            for result in await self._run(search):
                paper = paper_from_result(result)
                found[paper.arxiv_id] = paper
        return found

    async def query(self, search_query: str, max_results: int) -> list[Paper]:
        search = arxiv.Search(
            query=search_query,
            max_results=max_results,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Descending,
        )
        return [paper_from_result(r) for r in await self._run(search)]

    async def _run(self, search: arxiv.Search) -> list[arxiv.Result]:
        async with self._lock:
            try:
                return await asyncio.to_thread(partial(self._fetch_all, search))
            except arxiv.HTTPError as error:
                if error.status == 400:
                    raise SourceUnavailable(
                        "arXiv API", "it rejected the query (HTTP 400)"
                    ) from error
                raise SourceUnavailable(
                    "arXiv API", f"HTTP {error.status} after retries"
                ) from error
            except arxiv.UnexpectedEmptyPageError as error:
                raise SourceUnavailable("arXiv API", "it kept returning empty pages") from error
            except MalformedFeed as error:
                raise SourceUnavailable(
                    "arXiv API", "it returned malformed XML after retries"
                ) from error
            except requests.RequestException as error:
                reason = "timed out" if isinstance(error, requests.Timeout) else "connection failed"
                raise SourceUnavailable("arXiv API", f"{reason} after retries") from error

    def _fetch_all(self, search: arxiv.Search) -> list[arxiv.Result]:
        results = list(self._client.results(search))
        self.requests_made += 1 + max(0, (len(results) - 1) // 100)
        return results


class ArxivSource:
    """The week's new papers in the configured categories (a PaperSource)."""

    name = "arXiv"

    def __init__(self, client: ArxivClient, categories: Sequence[str], max_results: int) -> None:
        self._client = client
        self._categories = tuple(categories)
        self._max_results = max_results

    def search_query(self, window: Window) -> str:
        cats = " OR ".join(f"cat:{c}" for c in self._categories)
        return f"({cats}) AND submittedDate:[{_stamp(window.start)} TO {_stamp(window.end)}]"

    async def candidates(self, window: Window) -> list[Candidate]:
        papers = await self._client.query(self.search_query(window), self._max_results)
        if not papers:
            # A valid but empty first page is how arXiv's flaky feed looks, and also how a
            # weekend index delay looks: either way it is not "no papers this week".
            raise SourceUnavailable(
                "arXiv API", "the category query returned an empty page (arXiv may be re-indexing)"
            )
        return [Candidate(arxiv_id=p.arxiv_id, source=self.name, paper=p) for p in papers]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")
