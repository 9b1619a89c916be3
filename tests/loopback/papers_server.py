"""A loopback Hugging Face daily-papers API and curated-list host, serving the real fixtures.

- `GET /api/daily_papers?date=YYYY-MM-DD` answers with the recorded response for that
  day from ../shared/fixtures/weekly_lists/hf_daily_papers (the real API's content),
  and `[]` for a day with no recording, as the real API does for a day without papers.
- `GET /dair-ai/README.md` answers with the real dair-ai README copy.
- `faults[key]` scripts the next answers for a day (`"2026-08-18"`) or for `"readme"`:
  an HTTP status with body and headers, or a delay (timeouts).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from tests.loopback.fixtures import fixtures_dir
from tests.loopback.threaded import bound_port

_DAY_FILE = re.compile(r"_daily_papers_(?P<day>\d{4}-\d{2}-\d{2})\.json$")


def weekly_lists_dir() -> Path:
    return fixtures_dir() / "weekly_lists"


def readme_bytes() -> bytes:
    return (weekly_lists_dir() / "dair-ai-ml-papers-of-the-week.md").read_bytes()


def daily_files() -> dict[str, bytes]:
    """Recorded `api/daily_papers` responses by day (the full-day recordings)."""
    days = {}
    for path in sorted((weekly_lists_dir() / "hf_daily_papers").glob("*.json")):
        match = _DAY_FILE.search(path.name)
        if match:
            days[match["day"]] = path.read_bytes()
    return days


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Hit:
    path: str
    query: dict[str, str]
    at: float


class PapersServer:
    def __init__(self, days: dict[str, bytes] | None = None, readme: bytes | None = None) -> None:
        self.days = daily_files() if days is None else days
        self.readme = readme_bytes() if readme is None else readme
        self.faults: dict[str, list[Answer]] = {}
        self.hits: list[Hit] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def readme_url(self) -> str:
        return f"{self.url}/dair-ai/README.md"

    def fail(self, key: str, *answers: Answer) -> None:
        self.faults.setdefault(key, []).extend(answers)

    def hits_for(self, day: str) -> int:
        return sum(1 for hit in self.hits if hit.query.get("date") == day)

    async def start(self) -> PapersServer:
        app = web.Application()
        app.router.add_get("/api/daily_papers", self._daily_papers)
        app.router.add_get("/dair-ai/README.md", self._readme)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = bound_port(site)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _scripted(self, key: str) -> web.Response | None:
        queue = self.faults.get(key)
        if not queue:
            return None
        answer = queue.pop(0)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return web.Response(status=answer.status, body=answer.body, headers=answer.headers)

    async def _daily_papers(self, request: web.Request) -> web.Response:
        day = request.query.get("date", "")
        self.hits.append(Hit(request.path, dict(request.query), time.monotonic()))
        scripted = await self._scripted(day)
        if scripted is not None:
            return scripted
        return web.Response(
            body=self.days.get(day, b"[]"), content_type="application/json", charset="utf-8"
        )

    async def _readme(self, request: web.Request) -> web.Response:
        self.hits.append(Hit(request.path, dict(request.query), time.monotonic()))
        scripted = await self._scripted("readme")
        if scripted is not None:
            return scripted
        return web.Response(body=self.readme, content_type="text/plain", charset="utf-8")
