"""A loopback for every social paper source at once, on one port.

- `GET /api/daily_papers?week=YYYY-Www&limit=N&p=P`: that ISO week's entries, in pages,
  made of the recorded daily responses in ../shared/fixtures/weekly_lists/hf_daily_papers
  (each entry byte-for-byte the real API's content; the week grouping and paging follow
  `huggingface_hub`'s `HfApi.list_daily_papers(week=, limit=, p=)`); `?date=` answers one
  recorded day, `[]` for an unrecorded one.
- `GET /papers/v3/feed`: an alphaXiv trending feed in the documented shape (see
  tests/loopback/SOURCES.md): cards for recorded papers of that week, with votes we chose.
- `GET /api/v1/search_by_date`: a Hacker News Algolia search answer in the documented
  shape (hn.algolia.com/api), stories linking recorded papers (and one non-arXiv link).
- `GET /years/<year>.md`: the recorded dair-ai list with its newer `Top AI Papers` headings.
- `faults[route]` scripts the next answers of a route ("hf", "alphaxiv", "hn", "curated").
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aiohttp import web

from tests.loopback.papers_server import Answer, daily_files, readme_bytes
from tests.loopback.threaded import bound_port

# (arXiv id, public votes, X likes) for the feed; ids are recorded papers of 2026-W34
ALPHAXIV_VOTES = (
    ("2608.17253", 240, 31),  # Co-RL
    ("2608.19880", 95, 12),  # EnvHarness
    ("2608.15265", 60, 0),
    ("2608.12209", 44, 3),
)
# (arXiv link, points, comments, created) for the stories
HN_STORIES = (
    ("https://arxiv.org/abs/2608.19880v1", 412, 188, "2026-08-19T14:00:00Z"),
    ("https://arxiv.org/pdf/2608.12209", 57, 20, "2026-08-18T09:30:00Z"),
    ("http://arxiv.org/abs/2608.12209v2", 12, 3, "2026-08-20T10:00:00Z"),  # a second story
    ("https://example.com/blog/arxiv.org-digest", 80, 10, "2026-08-18T10:00:00Z"),
)


def recorded_week() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for day in sorted(daily_files()):
        entries.extend(json.loads(daily_files()[day]))
    return entries


def alphaxiv_feed() -> bytes:
    papers = {e["paper"]["id"]: e["paper"] for e in recorded_week()}
    cards = []
    for arxiv_id, votes, likes in ALPHAXIV_VOTES:
        paper = papers[arxiv_id]
        cards.append(
            {
                "id": f"group-{arxiv_id}",
                "paper_group_id": f"group-{arxiv_id}",
                "title": paper["title"],
                "abstract": paper["summary"],
                "universal_paper_id": arxiv_id,
                "canonical_id": f"{arxiv_id}v1",
                "metrics": {
                    "visits_count": {"all": votes * 30, "last_7_days": votes * 20},
                    "total_votes": votes // 3,
                    "public_total_votes": votes,
                    "x_likes": likes,
                },
                "publication_date": paper["publishedAt"],
                "topics": ["Computer Science", "cs.LG"],
                "github_stars": None,
            }
        )
    page = {"pageNum": 0, "pageSize": 50, "totalPages": 1, "totalCount": len(cards)}
    return json.dumps({"papers": cards, "page": page}).encode()


def hn_search() -> bytes:
    hits = []
    for n, (url, points, comments, created) in enumerate(HN_STORIES):
        stamp = int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp())
        hits.append(
            {
                "objectID": str(44000000 + n),
                "title": f"Story {n}",
                "url": url,
                "author": "someone",
                "points": points,
                "num_comments": comments,
                "story_id": 44000000 + n,
                "created_at": created,
                "created_at_i": stamp,
                "_tags": ["story", "author_someone", f"story_{44000000 + n}"],
            }
        )
    answer = {"hits": hits, "nbHits": len(hits), "page": 0, "nbPages": 1, "hitsPerPage": 100}
    return json.dumps(answer).encode()


@dataclass
class SocialServer:
    faults: dict[str, list[Answer]] = field(default_factory=dict)
    asked: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    week_supported: bool = True
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def curated_url(self) -> str:
        return self.url + "/years/{year}.md"

    def fail(self, route: str, *answers: Answer) -> None:
        self.faults.setdefault(route, []).extend(answers)

    def count(self, route: str) -> int:
        return len(self.asked.get(route, []))

    async def start(self) -> SocialServer:
        app = web.Application()
        app.router.add_get("/api/daily_papers", self._hf)
        app.router.add_get("/papers/v3/feed", self._alphaxiv)
        app.router.add_get("/api/v1/search_by_date", self._hn)
        app.router.add_get("/years/{year}.md", self._curated)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = bound_port(site)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _answer(self, route: str, request: web.Request, body: bytes) -> web.Response:
        self.asked.setdefault(route, []).append(dict(request.query))
        queue = self.faults.get(route)
        if queue:
            answer = queue.pop(0)
            if answer.delay:
                await asyncio.sleep(answer.delay)
            return web.Response(status=answer.status, body=answer.body, headers=answer.headers)
        return web.Response(body=body, content_type="application/json", charset="utf-8")

    async def _hf(self, request: web.Request) -> web.Response:
        week = request.query.get("week")
        if week is None or not self.week_supported:
            day = request.query.get("date", "")
            return await self._answer("hf", request, daily_files().get(day, b"[]"))
        monday = datetime.strptime(week + "-1", "%G-W%V-%u").date()
        entries = [
            e
            for e in recorded_week()
            if _daily_day(e) is not None and 0 <= (_daily_day(e) - monday).days < 7  # type: ignore[operator]
        ]
        limit, page = int(request.query.get("limit", "50")), int(request.query.get("p", "0"))
        chunk = entries[page * limit : (page + 1) * limit]
        return await self._answer("hf", request, json.dumps(chunk).encode())

    async def _alphaxiv(self, request: web.Request) -> web.Response:
        return await self._answer("alphaxiv", request, alphaxiv_feed())

    async def _hn(self, request: web.Request) -> web.Response:
        return await self._answer("hn", request, hn_search())

    async def _curated(self, request: web.Request) -> web.Response:
        text = (
            readme_bytes()
            .decode("utf-8")
            .replace("Top ML Papers of the Week", "Top AI Papers of the Week")
        )
        return await self._answer("curated", request, text.encode())


def _daily_day(entry: dict[str, object]) -> date | None:
    paper = entry.get("paper")
    stamp = paper.get("submittedOnDailyAt") if isinstance(paper, dict) else None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date() if stamp else None
