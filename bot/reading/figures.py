"""A paper's key figure: the first figure of its arXiv HTML, else a render of the PDF page
that holds "Figure 1".

Everything comes from the configured arXiv HTML and PDF bases only (no redirect to another
host is followed, an image must be on the page's own host), every download is size-capped
and its Content-Type checked (an image's first bytes too), and a PDF page is rendered by
pdfium in the bounded parse worker (bot.reading.worker), never on the event loop. A paper
without a figure, or whose figure cannot be had within those rules, simply has none.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]
import pypdfium2

from bot.keyed_locks import KeyedLocks
from bot.reading.model import TextSource
from bot.sources.http import USER_AGENT
from bot.text.mentions import defuse_mass_mentions

log = logging.getLogger(__name__)

MAX_FIGURE_BYTES = 8 * 2**20  # Discord's smallest attachment limit is 10 MiB; Slack's is 1 GB
CAPTION_CHARS = 300
RENDER_LONGEST_SIDE = 1600  # pixels: sharp on a phone, well under the size cap as a PNG
FIGURES_SCANNED = 40  # <figure> elements looked at before giving up (tables come first)
FIGURE_HTML_CHARS = 200_000  # one <figure>'s markup, at most
REMEMBERED = 256
IMAGE_TYPES = {
    "image/png": ("png", (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ("jpg", (b"\xff\xd8\xff",)),
    "image/gif": ("gif", (b"GIF87a", b"GIF89a")),
}
_FIGURE_TAG = re.compile(r"<(/?)figure\b[^>]*>", re.IGNORECASE)
_BASE_HREF = re.compile(r"<base\s[^>]*href=[\"']([^\"']+)[\"']", re.IGNORECASE)
_FIGURE_ONE = re.compile(r"(?m)^[ \t]*(?:Figure|Fig\.)[ \t]*1[ \t]*[:.|]")
# A sentence's end, but not that of "e.g.", "i.e.", "et al.", "Fig." or "vs."
_SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)(?<! al)(?<!Fig)(?<! vs)[.!?。](?=\s|$)")
_HEADING_LINE = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*\.?|[A-Z]\.)\s+[A-Z]")
# Joining the text of inline elements with spaces: "et al. ( 2020 ) ." reads "et al. (2020)."
_LOOSE_OPENING = re.compile(r"([(\[])\s+")
_LOOSE_PUNCTUATION = re.compile(r"\s+([)\],.;:!?])")


@dataclass(frozen=True, slots=True)
class HtmlFigure:
    """The first figure of an arXiv HTML page: its image, caption and anchor."""

    src: str  # absolute URL of the image
    caption: str
    anchor: str  # the figure's id, "" when it has none


@dataclass(frozen=True, slots=True)
class PageRender:
    """The PDF page holding the "Figure 1" caption, as a PNG."""

    png: bytes
    page: int  # 1-based
    caption: str


RenderPage = Callable[[bytes], Awaitable["PageRender | None"]]
"""Renders a PDF's "Figure 1" page off the loop (bot.reading.worker.render_isolated)."""


@dataclass(frozen=True, slots=True)
class KeyFigure:
    image: bytes
    content_type: str
    filename: str
    caption: str  # cleaned: one paragraph, at most CAPTION_CHARS, no mass mention
    url: str  # where a member sees it on arXiv: the figure's anchor or the PDF page
    page: int | None = None  # the PDF page rendered; None for an HTML figure


def clean_caption(text: str) -> str:
    """One printable paragraph of at most CAPTION_CHARS, cut at a sentence or a word."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c if c.isprintable() else " " for c in text)
    text = _LOOSE_PUNCTUATION.sub(r"\1", _LOOSE_OPENING.sub(r"\1", " ".join(text.split())))
    if len(text) > CAPTION_CHARS:
        window = text[:CAPTION_CHARS]
        ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() >= 40]
        text = window[: ends[-1]] if ends else window.rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return defuse_mass_mentions(text)


def first_html_figure(html: str, page_url: str) -> HtmlFigure | None:
    """The first `<figure>` with an image and a caption (tables and equations have no
    image); its image URL resolved against the page's `<base href>` and `page_url`."""
    base = _BASE_HREF.search(html[:50_000])
    base_url = urljoin(page_url, base.group(1)) if base else page_url
    for scanned, opening in enumerate(_outer_figures(html)):
        if scanned >= FIGURES_SCANNED:
            return None
        found = _figure_in(opening, base_url)
        if found is not None:
            return found
    return None


def _figure_in(markup: str, base_url: str) -> HtmlFigure | None:
    """The figure of one `<figure>`'s markup, if it has an image and a caption.

    lxml's tree lives in C, so what is parsed here is freed as soon as it is dropped; a
    BeautifulSoup tree is a web of Python objects that only a full garbage collection
    frees, and every collection walked it until then (bench/gc_pauses.py)."""
    try:
        root = lxml.html.fromstring(markup)
    except (lxml.etree.LxmlError, ValueError):  # empty, NUL bytes, an encoding declaration
        return None
    figure = root if root.tag == "figure" else root.find(".//figure")
    if figure is None:
        return None
    image = figure.find(".//img")
    caption = figure.find(".//figcaption")
    src = image.get("src") if image is not None else None
    if not src or not src.strip() or src.startswith("data:") or caption is None:
        return None
    lxml.etree.strip_elements(caption, "script", "style", with_tail=False)  # not text
    text = clean_caption(" ".join(caption.itertext()))
    return HtmlFigure(urljoin(base_url, src.strip()), text, figure.get("id") or "")


def _outer_figures(html: str) -> list[str]:
    """The markup of each outermost <figure>…</figure>, in order (sub-figures nest)."""
    found: list[str] = []
    depth, start = 0, 0
    for match in _FIGURE_TAG.finditer(html):
        closing = match.group(1) == "/"
        if not closing:
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0 and match.end() - start <= FIGURE_HTML_CHARS:
                found.append(html[start : match.end()])
                if len(found) >= FIGURES_SCANNED:
                    break
    return found


def render_figure_page(pdf: bytes, longest_side: int = RENDER_LONGEST_SIDE) -> PageRender | None:
    """The first page whose text has a line starting "Figure 1:" (or "Fig. 1."), rendered.

    Blocking, and pdfium parses untrusted bytes: run it in the parse worker."""

    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            text = page.get_textpage().get_text_range()
            match = _FIGURE_ONE.search(text)
            if match is None:
                continue
            width, height = page.get_size()
            scale = longest_side / max(width, height, 1.0)
            image = page.render(scale=scale).to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            caption = clean_caption(_caption_lines(text[match.start() :]))
            return PageRender(out.getvalue(), index + 1, caption)
        return None
    finally:
        document.close()


def _caption_lines(text: str) -> str:
    """The caption's lines: up to a blank line or a section heading ("3.1 Encoder …")."""
    lines: list[str] = []
    for index, line in enumerate(text.splitlines()):
        if index and (not line.strip() or _HEADING_LINE.match(line)):
            break
        lines.append(line)
        if sum(len(kept) for kept in lines) > 2 * CAPTION_CHARS:
            break
    return " ".join(lines)


def image_type(content_type: str, body: bytes) -> str | None:
    """The image's MIME type when both the header and the first bytes say it is one we
    post (PNG, JPEG, GIF); SVG and anything else is refused."""
    kind = content_type.split(";", 1)[0].strip().lower()
    known = IMAGE_TYPES.get(kind)
    if known is None or not body.startswith(known[1]):
        return None
    return kind


class KeyFigures:
    """Finds a paper's key figure once per paper version and remembers the answer."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        html_base: str,
        pdf_base: str,
        max_page_bytes: int,
        timeout: float,  # seconds per download
        render: RenderPage,
    ) -> None:
        self._http = http
        self._html_base = html_base.rstrip("/")
        self._pdf_base = pdf_base.rstrip("/")
        self._max_page_bytes = max_page_bytes
        self._timeout = timeout
        self._render = render
        self._known: OrderedDict[tuple[str, int], KeyFigure | None] = OrderedDict()
        self._locks: KeyedLocks[tuple[str, int]] = KeyedLocks()

    async def key_figure(self, arxiv_id: str, version: int, source: TextSource) -> KeyFigure | None:
        """From the text the paper was read from: its HTML figure, or its PDF's page; an
        abstract-only paper has none (neither could be had a moment ago)."""
        if source not in (TextSource.HTML, TextSource.PDF):
            return None
        key = (arxiv_id, version)
        async with self._locks.hold(key):
            if key in self._known:
                self._known.move_to_end(key)
                return self._known[key]
            try:
                if source is TextSource.HTML:
                    figure = await self._from_html(arxiv_id, version)
                else:
                    figure = await self._from_pdf(arxiv_id, version)
            except (TimeoutError, aiohttp.ClientError) as error:
                log.info("no key figure for %s: %r", arxiv_id, error)
                figure = None
            self._known[key] = figure
            while len(self._known) > REMEMBERED:
                self._known.popitem(last=False)
            return figure

    async def _from_html(self, arxiv_id: str, version: int) -> KeyFigure | None:
        page_url = f"{self._html_base}/{arxiv_id}v{version}"
        page = await self._get(page_url, self._max_page_bytes, ("text/html",))
        if page is None:
            return None
        html = page[0].decode("utf-8", errors="replace")
        found = await asyncio.to_thread(first_html_figure, html, page_url)
        if found is None or urlsplit(found.src).netloc != urlsplit(page_url).netloc:
            return None
        image = await self._get(found.src, MAX_FIGURE_BYTES, tuple(IMAGE_TYPES))
        if image is None:
            return None
        kind = image_type(image[1], image[0])
        if kind is None:
            return None
        anchor = f"#{found.anchor}" if found.anchor else ""
        return KeyFigure(
            image=image[0],
            content_type=kind,
            filename=f"figure-{arxiv_id}.{IMAGE_TYPES[kind][0]}",
            caption=found.caption,
            url=f"https://arxiv.org/html/{arxiv_id}v{version}{anchor}",
        )

    async def _from_pdf(self, arxiv_id: str, version: int) -> KeyFigure | None:
        pdf = await self._get(
            f"{self._pdf_base}/{arxiv_id}v{version}", self._max_page_bytes, ("application/pdf",)
        )
        if pdf is None:
            return None
        rendered = await self._render(pdf[0])
        if rendered is None or len(rendered.png) > MAX_FIGURE_BYTES:
            return None
        return KeyFigure(
            image=rendered.png,
            content_type="image/png",
            filename=f"figure-{arxiv_id}-page{rendered.page}.png",
            caption=rendered.caption,
            url=f"https://arxiv.org/pdf/{arxiv_id}v{version}#page={rendered.page}",
            page=rendered.page,
        )

    async def _get(
        self, url: str, max_bytes: int, types: tuple[str, ...]
    ) -> tuple[bytes, str] | None:
        """The body and Content-Type of a 200 answer of an accepted type within
        `max_bytes` (counted after any decompression), with no redirect; else None."""
        async with self._http.get(
            url,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            headers={"User-Agent": USER_AGENT},
        ) as response:
            content_type = response.headers.get("Content-Type", "")
            if response.status != 200 or content_type.split(";")[0].strip().lower() not in types:
                log.info("no key figure from %s: HTTP %s %s", url, response.status, content_type)
                return None
            if (response.content_length or 0) > max_bytes:
                return None
            body = bytearray()
            async for piece in response.content.iter_chunked(64 * 1024):
                body.extend(piece)
                if len(body) > max_bytes:
                    return None
            return bytes(body), content_type
