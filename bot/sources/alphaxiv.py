"""alphaXiv's trending feed: `GET {api}/papers/v3/feed?sort=Hot&interval=7 Days`.

The payload shape is the one the maintained client `alphaxiv-py` reads
(petroslamb/alphaxiv-py, `src/alphaxiv/_explore.py` `ExploreAPI.feed` and
`src/alphaxiv/types.py` `FeedCard.from_payload`, commit 139dbb5): a JSON object whose
`papers` is a list of cards, each with `universal_paper_id` (the arXiv id, no
version), `title`, `metrics` {`public_total_votes`, `total_votes`, `x_likes`,
`visits_count` {`all`, `last_7_days`}}, `github_stars`, `topics` and
`publication_date`; query parameters `pageNum`, `pageSize`, `sort`, `interval`. The v2
route (`/papers/v2/feed`) is retired.

A payload without that shape is a changed format: the source fails with a reason that
says so (logged, and named in the digest's header and footer), never an empty list.
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

SOURCE_NAME = "alphaXiv"
DEFAULT_BASE_URL = "https://api.alphaxiv.org"


class AlphaXivSource:
    """The week's hottest papers on alphaXiv; public votes are the signal, X likes the second."""

    name = SOURCE_NAME

    def __init__(
        self,
        base_url: str,
        http: aiohttp.ClientSession,
        *,
        policy: RetryPolicy | None = None,
        page_size: int = 50,
        interval: str = "7 Days",
    ) -> None:
        self._url = base_url.rstrip("/") + "/papers/v3/feed"
        self._http = http
        self._policy = policy or RetryPolicy()
        self._page_size = page_size
        self._interval = interval
        self.requests = 0

    async def candidates(self, window: Window) -> list[Candidate]:
        params = {
            "pageNum": "0",
            "pageSize": str(self._page_size),
            "sort": "Hot",
            "interval": self._interval,
        }
        try:
            self.requests += 1
            body = await get_bytes(self._http, self._url, self._policy, params)
        except FetchFailed as failure:
            raise SourceUnavailable("alphaXiv", failure.reason) from failure
        try:
            candidates = parse_feed(body)
        except ValueError as error:
            logger.error("alphaXiv feed: %s: %s", FORMAT_CHANGED, error)
            raise SourceUnavailable("alphaXiv", f"{FORMAT_CHANGED} ({error})") from error
        if not candidates:
            raise SourceUnavailable("alphaXiv", "the trending feed listed no arXiv paper")
        return candidates


def parse_feed(body: bytes) -> list[Candidate]:
    """Candidates from one feed response; raises ValueError when it is not the known shape."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not JSON: {error}") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("papers"), list):
        kind = type(payload).__name__
        keys = ", ".join(sorted(payload)[:5]) if isinstance(payload, dict) else ""
        raise ValueError(f"expected an object with a 'papers' list, got {kind} {keys}".strip())
    cards = [card for card in payload["papers"] if isinstance(card, dict)]
    if cards and not any(
        isinstance(c.get("universal_paper_id"), str) and isinstance(c.get("metrics"), dict)
        for c in cards
    ):
        raise ValueError("no card has 'universal_paper_id' and 'metrics'")
    best: dict[str, Candidate] = {}
    for card in cards:
        raw_id = card.get("universal_paper_id")
        metrics = card.get("metrics")
        if not isinstance(raw_id, str) or not isinstance(metrics, dict):
            continue
        try:
            arxiv_id = canonical_id(raw_id)
        except InvalidPaperId:
            logger.info("alphaXiv feed: skipped non-arXiv id %r", raw_id[:40])
            continue
        title = card.get("title")
        topics = card.get("topics")
        candidate = Candidate(
            arxiv_id=arxiv_id,
            source=SOURCE_NAME,
            upvotes=_count(metrics.get("public_total_votes")),
            comments=_count(metrics.get("x_likes")),
            title=" ".join(title.split()) if isinstance(title, str) else "",
            github_stars=_count(card.get("github_stars")),
            keywords=tuple(t for t in topics if isinstance(t, str))[:20]
            if isinstance(topics, list)
            else (),
        )
        kept = best.get(arxiv_id)  # the feed can list one paper twice (two paper groups)
        if kept is None or candidate.upvotes > kept.upvotes:
            best[arxiv_id] = candidate
    return list(best.values())


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
