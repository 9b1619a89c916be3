"""A loopback full-text host that misbehaves on purpose, and hostile documents to serve.

- `serve(path, body, headers)`: the bytes as given (a `Content-Encoding: gzip` header
  with gzip bytes is sent as is: the client must decode it).
- `drip(path, body, every)`: one byte every `every` seconds (a slow-loris server).
- `slow_redirect(path, location, delay)`: waits `delay`, then answers 302 to `location`.
- any other path: 404. `hits` records every path requested.

`nested_divs_html`, `flat_html`, `pdf_deflate_bomb` and `gzip_bomb` build the documents.
"""

from __future__ import annotations

import asyncio
import functools
import io
import zlib
from dataclasses import dataclass, field

from aiohttp import web

from tests.loopback.threaded import bound_port

ARTICLE_WORDS = " ".join(["The model reads the paper and answers questions about it."] * 12)


@dataclass
class _Route:
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    every: float = 0.0  # seconds per byte when dripping
    redirect: str = ""
    delay: float = 0.0


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, _Route] = {}
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

    def serve(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.routes[path] = _Route(body=body, headers=headers or {})

    def drip(self, path: str, body: bytes, every: float = 1.0) -> None:
        self.routes[path] = _Route(body=body, every=every)

    def slow_redirect(self, path: str, location: str, delay: float) -> None:
        self.routes[path] = _Route(redirect=location, delay=delay)

    async def start(self) -> HostileServer:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._answer)
        self._runner = web.AppRunner(
            app, handle_signals=False, shutdown_timeout=0.1, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        self.port = bound_port(site)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="Not found")
        if route.redirect:
            await asyncio.sleep(route.delay)
            return web.Response(status=302, headers={"Location": route.redirect})
        if route.every:
            response = web.StreamResponse(headers={"Content-Length": str(len(route.body))})
            await response.prepare(request)
            try:
                for i in range(len(route.body)):
                    await response.write(route.body[i : i + 1])
                    await asyncio.sleep(route.every)
            except ConnectionResetError:  # the client gave up, as it should
                pass
            return response
        return web.Response(body=route.body, headers=route.headers)


def _article(inner: str) -> bytes:
    return (
        '<html><head><title>t</title></head><body><article class="ltx_document">'
        '<h1 class="ltx_title ltx_title_document">A Hostile Paper</h1>'
        f"<section><h2>1 Introduction</h2><p>{ARTICLE_WORDS}</p></section>"
        f"{inner}</article></body></html>"
    ).encode()


def nested_divs_html(depth: int) -> bytes:
    """A LaTeXML-like page whose last paragraph sits `depth` <div>s deep."""
    return _article("<div>" * depth + "<p>The deepest paragraph.</p>" + "</div>" * depth)


def flat_html(paragraphs: int) -> bytes:
    """A page of `paragraphs` sibling paragraphs (~60 bytes each)."""
    return _article("".join(f"<p>Paragraph {i} says very little.</p>" for i in range(paragraphs)))


def _deflate_zeros(size: int, wbits: int) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    parts = [
        compressor.compress(block[: min(len(block), size - at)])
        for at in range(0, size, len(block))
    ]
    return b"".join(parts) + compressor.flush()


@functools.cache
def gzip_bomb(size: int = 200_000_000) -> bytes:
    """`size` zero bytes, gzip-compressed (~200 KB for 200 MB)."""
    return _deflate_zeros(size, 16 + zlib.MAX_WBITS)


@functools.cache
def pdf_deflate_bomb(inflated: int = 200_000_000) -> bytes:
    """A valid one-page PDF whose content stream is FlateDecode of `inflated` zero bytes."""
    stream = _deflate_zeros(inflated, zlib.MAX_WBITS)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()
