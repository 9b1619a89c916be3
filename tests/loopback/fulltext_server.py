"""A loopback stand-in for arXiv's HTML and PDF hosts, serving the real fixture papers.

- `GET /html/{id}` and `GET /pdf/{id}` answer with the bytes registered for that path
  (`server.html["2501.11120v1"] = ...`), or 404 like arXiv for an unknown paper; a page's
  pictures are under its path (`server.images["2501.11120v1/x1.png"] = (png, "image/png")`).
- `script(path, *answers)` queues answers (status, body, headers, delay) served before
  the registered bytes: 429s with Retry-After, 5xx, redirects, slow answers.
- `hits` records every path requested, in order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from tests.loopback.fixtures import fixtures_dir
from tests.loopback.threaded import bound_port


def paper_file(name: str) -> bytes:
    return (fixtures_dir() / "papers" / name).read_bytes()


def html_file(name: str) -> bytes:
    return (fixtures_dir() / "papers" / "html" / name).read_bytes()


TELL_ME_HTML = "arxiv-html-2501.11120v1-tell-me-about-yourself.html"
BLOOMBERG_HTML = "ar5iv-2303.17564-bloomberggpt.html"
NO_HTML_PAGE = "arxiv-html-2601.17668-no-html-available-error-page.html"
REVERSAL_PDF = "reversal-curse-2309.12288.pdf"
ATTENTION_PDF = "attention-is-all-you-need-1706.03762.pdf"
QWEN_PDF = "qwen-technical-report-2309.16609.pdf"


@dataclass
class Scripted:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FullTextServer:
    def __init__(self) -> None:
        self.html: dict[str, bytes] = {}
        self.pdf: dict[str, bytes] = {}
        # a page's pictures, under its path: images["2501.11120v1/x1.png"] = (bytes, type)
        self.images: dict[str, tuple[bytes, str]] = {}
        self.scripted: dict[str, list[Scripted]] = {}
        self.hits: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def html_base(self) -> str:
        return f"{self.url}/html"

    @property
    def pdf_base(self) -> str:
        return f"{self.url}/pdf"

    def script(self, path: str, *answers: Scripted) -> None:
        self.scripted.setdefault(path, []).extend(answers)

    async def start(self) -> FullTextServer:
        app = web.Application()
        app.router.add_get("/html/{paper:.+}", self._html)
        app.router.add_get("/pdf/{paper:.+}", self._pdf)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        self.port = bound_port(site)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _answer(
        self, request: web.Request, store: dict[str, bytes], kind: str
    ) -> web.Response:
        self.hits.append(request.path)
        queue = self.scripted.get(request.path)
        if queue:
            answer = queue.pop(0)
            if answer.delay:
                await asyncio.sleep(answer.delay)
            return web.Response(status=answer.status, body=answer.body, headers=answer.headers)
        body = store.get(request.match_info["paper"])
        if body is None:
            return web.Response(status=404, text="Not found")
        return web.Response(body=body, content_type=kind)

    async def _html(self, request: web.Request) -> web.Response:
        image = self.images.get(request.match_info["paper"])
        if image is not None:
            self.hits.append(request.path)
            return web.Response(body=image[0], content_type=image[1])
        return await self._answer(request, self.html, "text/html")

    async def _pdf(self, request: web.Request) -> web.Response:
        return await self._answer(request, self.pdf, "application/pdf")


def write_temp(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path
