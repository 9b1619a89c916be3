"""A loopback arXiv export API serving the real recorded Atom feeds in ../shared/fixtures/arxiv.

- `id_list` queries answer with the real entries of those ids, gathered from every
  recorded feed (so an id that appears in a recorded search page can be looked up),
  wrapped in a real feed header; an unknown id gets arXiv's real empty feed, a
  malformed id arXiv's real HTTP 400 error feed.
- `search_query` queries answer with the real `search_query=testing` pages, by
  `start`/`max_results`.
- `/html/{id}` and `/pdf/{id}` stand in for arXiv's HTML and PDF hosts: the real
  fixture papers (`full_texts`), and for any other id arXiv's real "No HTML" page
  (HTML) or a 404 (PDF).
- `faults` script failures (503, 429 with Retry-After, a slow answer, an empty page,
  malformed XML) for the next requests.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from tests.loopback.fixtures import fixtures_dir
from tests.loopback.threaded import ThreadedServer

_ENTRY = re.compile(r"<entry>.*?</entry>", re.S)
_ENTRY_ID = re.compile(r"<id>https?://arxiv\.org/abs/(?P<id>[^<]+?)(?:v\d+)?</id>")
_VALID_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")


NO_HTML_PAGE = "arxiv-html-2601.17668-no-html-available-error-page.html"
FULL_TEXTS = {
    "2309.12288": "reversal-curse-2309.12288.pdf",
    "1706.03762": "attention-is-all-you-need-1706.03762.pdf",
    "2309.16609": "qwen-technical-report-2309.16609.pdf",
    "2501.11120": "arxiv-html-2501.11120v1-tell-me-about-yourself.html",
    "2303.17564": "ar5iv-2303.17564-bloomberggpt.html",
}


def _unversioned(paper: str) -> str:
    return re.sub(r"v\d+$", "", paper)


class ArxivServer(ThreadedServer):
    def __init__(self) -> None:
        super().__init__()
        self.full_text_requests: list[str] = []  # kept apart: `requests` counts API calls
        folder = fixtures_dir() / "arxiv"
        self.feeds = {p.name: p.read_bytes() for p in sorted(folder.glob("*.xml"))}
        self.entries: dict[str, str] = {}
        for name, body in self.feeds.items():
            if name.startswith("id_abc"):
                continue
            for entry in _ENTRY.findall(body.decode("utf-8")):
                match = _ENTRY_ID.search(entry)
                if match:
                    self.entries.setdefault(match["id"], entry)
        self.empty_feed = self._feed("id_0000.0000_")
        self.error_feed = self._feed("id_abc_")
        header_feed = self._feed("id_1605.08386_").decode("utf-8")
        self._header = header_feed[: header_feed.index("<entry>")]

    def _feed(self, prefix: str) -> bytes:
        return next(body for name, body in self.feeds.items() if name.startswith(prefix))

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/query", self.query)
        app.router.add_get("/html/{paper}", self.html)
        app.router.add_get("/pdf/{paper}", self.pdf)
        return app

    async def html(self, request: web.Request) -> web.Response:
        self.full_text_requests.append(request.path)
        name = FULL_TEXTS.get(_unversioned(request.match_info["paper"]))
        if name is None or not name.endswith(".html"):
            page = (fixtures_dir() / "papers" / "html" / NO_HTML_PAGE).read_bytes()
            return web.Response(status=404, body=page, content_type="text/html")
        body = (fixtures_dir() / "papers" / "html" / name).read_bytes()
        return web.Response(body=body, content_type="text/html")

    async def pdf(self, request: web.Request) -> web.Response:
        self.full_text_requests.append(request.path)
        name = FULL_TEXTS.get(_unversioned(request.match_info["paper"]))
        if name is None or not name.endswith(".pdf"):
            return web.Response(status=404, text="Not found")
        body = (fixtures_dir() / "papers" / name).read_bytes()
        return web.Response(body=body, content_type="application/pdf")

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    def known_ids(self) -> list[str]:
        return list(self.entries)

    async def query(self, request: web.Request) -> web.Response:
        self.record(request, None)
        fault = await self.take_fault()
        if fault is not None:
            return fault
        id_list = [i for i in request.query.get("id_list", "").split(",") if i]
        if id_list:
            return self._by_ids(id_list)
        start = request.query.get("start", "0")
        size = request.query.get("max_results", "100")
        name = next(
            (n for n in self.feeds if n.startswith(f"q_testing_s{start}_m{size}_")),
            None,
        )
        if name is None:
            return _atom(self.empty_feed)
        return _atom(self.feeds[name])

    def _by_ids(self, ids: list[str]) -> web.Response:
        if not all(_VALID_ID.match(i) for i in ids):
            return _atom(self.error_feed, status=400)
        found = [
            self.entries[re.sub(r"v\d+$", "", i)]
            for i in ids
            if re.sub(r"v\d+$", "", i) in self.entries
        ]
        if not found:
            return _atom(self.empty_feed)
        header = re.sub(
            r"<opensearch:totalResults>\d+</opensearch:totalResults>",
            f"<opensearch:totalResults>{len(found)}</opensearch:totalResults>",
            self._header,
        )
        body = header + "\n  ".join(found) + "\n</feed>\n"
        return _atom(body.encode("utf-8"))


def _atom(body: bytes, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=body, headers={"Content-Type": "application/atom+xml; charset=UTF-8"}
    )


def entry_ids_in(path: Path) -> list[str]:
    return [m["id"] for m in _ENTRY_ID.finditer(path.read_text("utf-8"))]
