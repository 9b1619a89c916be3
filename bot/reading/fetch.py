"""A paper's full text: arXiv HTML first, then the PDF, then the abstract alone.

Only the configured HTML and PDF bases are ever requested (redirects are followed only
within their hosts); every download has a size cap, a timeout and a few retries that
honour Retry-After. Parsing runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.errors import PaperUnreadable
from bot.reading.extract_html import passages_from_html
from bot.reading.extract_pdf import passages_from_pdf
from bot.reading.extract_text import passages_from_markdown, passages_from_text
from bot.reading.model import PaperText, Passage, TextSource

log = logging.getLogger(__name__)

USER_AGENT = "paperclub/0.1 (research paper club bot)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0  # seconds: a server asking for longer is treated as unavailable
MAX_REDIRECTS = 3
LOCAL_SUFFIXES = (".pdf", ".html", ".htm", ".txt", ".md", ".markdown")


@dataclass(frozen=True, slots=True)
class _Fetched:
    body: bytes | None
    reason: str  # why body is None, for the notes


def _retry_after(headers: Mapping[str, str], attempt: int, backoff: float) -> float:
    value = headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else backoff * (2**attempt)


async def _download(
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
                    headers={"User-Agent": USER_AGENT},
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
                    return _Fetched(bytes(body), "")
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
) -> PaperText:
    """The best text we can get; never raises for a missing or broken full text."""

    async def get(base: str) -> _Fetched:
        url = _versioned(base, arxiv_id, version)
        return await _download(
            http, url, max_bytes=max_bytes, timeout=timeout, retries=retries, backoff=backoff
        )

    html = await get(html_base)
    html_reason = html.reason
    if html.body is not None:
        try:
            parsed = await asyncio.to_thread(
                passages_from_html, html.body.decode("utf-8", errors="replace")
            )
        except PaperUnreadable as error:
            html_reason = error.reason
        else:
            return PaperText(
                key=arxiv_id,
                source=TextSource.HTML,
                title=title or parsed.title,
                passages=tuple(parsed.passages),
            )

    pdf = await get(pdf_base)
    pdf_reason = pdf.reason
    if pdf.body is not None:
        try:
            paper = await asyncio.to_thread(passages_from_pdf, pdf.body)
        except PaperUnreadable as error:
            pdf_reason = error.reason
        else:
            return PaperText(
                key=arxiv_id,
                source=TextSource.PDF,
                title=title or paper.title,
                passages=tuple(paper.passages),
                notes=(f"arXiv HTML unavailable ({html_reason}); used the PDF", *paper.notes),
            )

    return PaperText(
        key=arxiv_id,
        source=TextSource.ABSTRACT,
        title=title,
        passages=(Passage(abstract, "Abstract", None, "abstract"),) if abstract.strip() else (),
        notes=(
            f"arXiv HTML unavailable ({html_reason}) and PDF unavailable ({pdf_reason}); "
            "only the abstract was read",
        ),
    )


def load_local_file(path: str | Path, *, max_bytes: int = 50_000_000) -> PaperText:
    """A local .pdf, .html, .txt or .md file (blocking: call it via asyncio.to_thread)."""
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
    key = "file:" + hashlib.sha256(data).hexdigest()
    notes: tuple[str, ...] = ()
    if suffix == ".pdf":
        pdf = passages_from_pdf(data)
        title, passages, notes = pdf.title, pdf.passages, tuple(pdf.notes)
    elif suffix in (".html", ".htm"):
        parsed = passages_from_html(data.decode("utf-8", errors="replace"))
        title, passages = parsed.title, parsed.passages
    elif suffix in (".md", ".markdown"):
        title, passages = passages_from_markdown(data.decode("utf-8", errors="replace"))
    else:
        passages = passages_from_text(data.decode("utf-8", errors="replace"))
        title = ""
    if not passages:
        raise PaperUnreadable("file", f"'{file.name}' holds no text")
    return PaperText(
        key=key,
        source=TextSource.FILE,
        title=title or file.stem,
        passages=tuple(passages),
        notes=notes,
    )
