"""A paper's full text: arXiv HTML first, then the PDF, then the abstract alone.

Only the configured HTML and PDF bases are ever requested (redirects are followed only
within their hosts); every download has a size cap, a timeout per attempt, a few
retries that honour Retry-After, and one total deadline across all its redirects,
retries and waits (a server dripping a byte a second is cut there). Bodies arrive
still compressed; decompressing (with a cap on the inflated size) and parsing happen
in a bounded worker process (bot.reading.worker), never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.errors import PaperUnreadable
from bot.reading.extract_html import HtmlPaper, passages_from_html
from bot.reading.extract_pdf import PdfPaper, passages_from_pdf
from bot.reading.extract_text import passages_from_markdown, passages_from_text
from bot.reading.model import PaperText, Passage, TextSource
from bot.reading.worker import Kind, ParseLimits, parse_isolated
from bot.sources.http import USER_AGENT, retry_after_seconds

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0  # seconds: a server asking for longer is treated as unavailable
MAX_REDIRECTS = 3
LOCAL_SUFFIXES = (".pdf", ".html", ".htm", ".txt", ".md", ".markdown")
# Decoded by us, off the loop and with a cap (bot.reading.worker.decompress).
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True, slots=True)
class _Fetched:
    body: bytes | None
    reason: str  # why body is None, for the notes
    encoding: str = ""  # the body's Content-Encoding, not yet decoded


def _retry_after(headers: Mapping[str, str], attempt: int, backoff: float) -> float:
    asked = retry_after_seconds(headers.get("Retry-After"))
    return asked if asked is not None else backoff * (2**attempt)


async def _download(
    http: aiohttp.ClientSession,
    url: str,
    *,
    max_bytes: int,
    timeout: float,  # noqa: ASYNC109 (aiohttp's per-request timeout)
    retries: int,
    backoff: float,
    deadline: float,
) -> _Fetched:
    """The body of `url`, or why not, within `deadline` seconds in all."""
    try:
        async with asyncio.timeout(deadline):
            return await _attempts(
                http, url, max_bytes=max_bytes, timeout=timeout, retries=retries, backoff=backoff
            )
    except TimeoutError:
        return _Fetched(None, f"timed out: no complete answer within {deadline:g} s")


async def _attempts(
    http: aiohttp.ClientSession,
    url: str,
    *,
    max_bytes: int,
    timeout: float,  # noqa: ASYNC109 (aiohttp's per-request timeout)
    retries: int,
    backoff: float,
) -> _Fetched:
    allowed_host = urlsplit(url).netloc
    reason = "no answer"
    for attempt in range(retries + 1):
        target = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                async with http.get(
                    target,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                    headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
                    auto_decompress=False,
                ) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        location = urljoin(target, response.headers.get("Location", ""))
                        if urlsplit(location).netloc != allowed_host:
                            return _Fetched(None, "redirected to another host")
                        target = location
                        continue
                    if response.status in RETRY_STATUSES:
                        reason = f"HTTP {response.status}"
                        delay = _retry_after(response.headers, attempt, backoff)
                        if attempt == retries or delay > MAX_RETRY_AFTER:
                            return _Fetched(None, reason)
                        break
                    if response.status != 200:
                        return _Fetched(None, f"HTTP {response.status}")
                    if (response.content_length or 0) > max_bytes:
                        return _Fetched(None, f"larger than the {_megabytes(max_bytes)} cap")
                    body = bytearray()
                    async for piece in response.content.iter_chunked(64 * 1024):
                        body.extend(piece)
                        if len(body) > max_bytes:
                            return _Fetched(None, f"larger than the {_megabytes(max_bytes)} cap")
                    encoding = response.headers.get("Content-Encoding", "")
                    return _Fetched(bytes(body), "", encoding)
            else:
                return _Fetched(None, "too many redirects")
        except (TimeoutError, aiohttp.ClientError) as error:
            reason = "timed out" if isinstance(error, TimeoutError) else "connection failed"
            if attempt == retries:
                return _Fetched(None, reason)
            delay = backoff * (2**attempt)
        log.info("retrying %s in %.1fs (%s)", url, delay, reason)
        await asyncio.sleep(delay)
    return _Fetched(None, reason)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _versioned(base: str, arxiv_id: str, version: int | None) -> str:
    suffix = f"v{version}" if version else ""
    return f"{base.rstrip('/')}/{arxiv_id}{suffix}"


async def fetch_paper_text(
    arxiv_id: str,
    version: int | None,
    abstract: str,
    title: str,
    *,
    http: aiohttp.ClientSession,
    html_base: str,
    pdf_base: str,
    max_bytes: int,
    timeout: float,  # noqa: ASYNC109 (seconds per download attempt)
    retries: int = 2,
    backoff: float = 1.0,
    deadline: float | None = None,
    limits: ParseLimits | None = None,
) -> PaperText:
    """The best text we can get; never raises for a missing, broken or hostile full text.

    `deadline` bounds each download (HTML, PDF) in all, across redirects, retries and
    their waits (default: three attempts' worth); `limits` bound each parse.
    """
    total = deadline if deadline is not None else timeout * 3
    parse_limits = limits or ParseLimits()
    suffix = f"v{version}" if version else ""

    async def get(base: str) -> _Fetched:
        url = _versioned(base, arxiv_id, version)
        return await _download(
            http,
            url,
            max_bytes=max_bytes,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            deadline=total,
        )

    async def read(kind: Kind, base: str) -> HtmlPaper | PdfPaper | str:
        """The parsed paper, or why there is none."""
        fetched = await get(base)
        if fetched.body is None:
            return fetched.reason
        try:
            return await parse_isolated(kind, fetched.body, fetched.encoding, parse_limits)
        except PaperUnreadable as error:
            return error.reason

    html = await read("html", html_base)
    if not isinstance(html, str):
        return PaperText(
            key=arxiv_id,
            source=TextSource.HTML,
            title=title or html.title,
            passages=placed(html.passages, f"https://arxiv.org/html/{arxiv_id}{suffix}"),
            notes=tuple(html.notes),
        )
    html_reason = html
    pdf = await read("pdf", pdf_base)
    if not isinstance(pdf, str):
        return PaperText(
            key=arxiv_id,
            source=TextSource.PDF,
            title=title or pdf.title,
            passages=placed(pdf.passages, f"https://arxiv.org/pdf/{arxiv_id}{suffix}"),
            notes=(f"arXiv HTML unavailable ({html_reason}); used the PDF", *pdf.notes),
        )
    pdf_reason = pdf

    return PaperText(
        key=arxiv_id,
        source=TextSource.ABSTRACT,
        title=title,
        passages=(
            (Passage(abstract, "Abstract", None, "abstract", f"https://arxiv.org/abs/{arxiv_id}"),)
            if abstract.strip()
            else ()
        ),
        notes=(
            f"arXiv HTML unavailable ({html_reason}) and PDF unavailable ({pdf_reason}); "
            "only the abstract was read",
        ),
    )


def placed(passages: Sequence[Passage], url: str) -> tuple[Passage, ...]:
    """Each passage with the link to its place on arXiv: `url#S3.p2` for an HTML anchor
    the extractor found, `url#page=6` for a PDF page, `url` itself otherwise."""

    def place(passage: Passage) -> str:
        if passage.url.startswith("#"):
            return url + passage.url
        if passage.page is not None:
            return f"{url}#page={passage.page}"
        return url

    return tuple(replace(p, url=place(p)) for p in passages)


def _read_local(path: str | Path, max_bytes: int) -> tuple[Path, str, bytes]:
    file = Path(path).expanduser()
    suffix = file.suffix.lower()
    if suffix not in LOCAL_SUFFIXES:
        raise PaperUnreadable("file", f"'{file.name}' is not a .pdf, .html, .txt or .md file")
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise PaperUnreadable("file", f"'{file.name}' is larger than {_megabytes(max_bytes)}")
        data = file.read_bytes()
    except OSError as error:
        raise PaperUnreadable("file", f"'{file}' cannot be opened ({error.strerror})") from error
    return file, suffix, data


def _plain_text(suffix: str, data: bytes) -> tuple[str, list[Passage]]:
    text = data.decode("utf-8", errors="replace")
    if suffix in (".md", ".markdown"):
        return passages_from_markdown(text)
    return "", passages_from_text(text)


def _local_paper(
    file: Path, data: bytes, title: str, passages: list[Passage], notes: tuple[str, ...]
) -> PaperText:
    if not passages:
        raise PaperUnreadable("file", f"'{file.name}' holds no text")
    return PaperText(
        key="file:" + hashlib.sha256(data).hexdigest(),
        source=TextSource.FILE,
        title=title or file.stem,
        passages=tuple(replace(p, url="") for p in passages),  # no public place to link
        notes=notes,
    )


def load_local_file(path: str | Path, *, max_bytes: int = 50_000_000) -> PaperText:
    """A local .pdf, .html, .txt or .md file, parsed in this process (blocking).

    The bot itself uses `read_local_file`, which parses PDF and HTML in a bounded worker.
    """
    file, suffix, data = _read_local(path, max_bytes)
    notes: tuple[str, ...] = ()
    if suffix == ".pdf":
        pdf = passages_from_pdf(data)
        title, passages, notes = pdf.title, pdf.passages, tuple(pdf.notes)
    elif suffix in (".html", ".htm"):
        parsed = passages_from_html(data.decode("utf-8", errors="replace"))
        title, passages, notes = parsed.title, parsed.passages, tuple(parsed.notes)
    else:
        title, passages = _plain_text(suffix, data)
    return _local_paper(file, data, title, passages, notes)


async def read_local_file(
    path: str | Path, *, max_bytes: int = 50_000_000, limits: ParseLimits | None = None
) -> PaperText:
    """`load_local_file` off the event loop, PDF and HTML parsed in a bounded worker."""
    file, suffix, data = await asyncio.to_thread(_read_local, path, max_bytes)
    if suffix in (".txt", ".md", ".markdown"):
        title, passages = await asyncio.to_thread(_plain_text, suffix, data)
        return _local_paper(file, data, title, passages, ())
    kind: Kind = "pdf" if suffix == ".pdf" else "html"
    try:
        paper = await parse_isolated(kind, data, "", limits or ParseLimits())
    except PaperUnreadable as error:
        raise PaperUnreadable("file", f"'{file.name}': {error.reason}") from error
    return _local_paper(file, data, paper.title, paper.passages, tuple(paper.notes))
