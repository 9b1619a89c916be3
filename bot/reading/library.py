"""Each paper is downloaded, parsed and indexed once for the whole process.

Full texts are cached in the store (so a restart or another channel does not fetch
again); an abstract-only fallback is kept only in memory for a while, so a paper
whose HTML and PDF were briefly unreachable gets its full text on a later try.
Parsing runs in a bounded worker process (bot.reading.worker). Indexes live in a small
in-memory LRU and are built in a worker thread; chunk embeddings (seconds of CPU per
paper) are kept in the store too.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from pathlib import Path

import aiohttp

from bot.config import Settings
from bot.domain import Paper
from bot.reading.chunking import chunk_passages
from bot.reading.fetch import fetch_paper_text, read_local_file
from bot.reading.model import PaperText, TextSource, paper_text_from_json, paper_text_to_json
from bot.reading.worker import ParseLimits
from bot.retrieval import Embedder, PaperIndex
from bot.store import Store

ABSTRACT_RETRY_SECONDS = 3600.0
MAX_DOWNLOAD_BYTES = 40_000_000  # the default of Settings.fulltext_max_bytes


def parse_limits(settings: Settings) -> ParseLimits:
    return ParseLimits(
        memory_bytes=settings.parse_memory_mb * 2**20,
        deadline=settings.parse_timeout_seconds,
        max_decompressed_bytes=settings.fulltext_max_unzipped_bytes,
        max_elements=settings.parse_max_elements,
        max_chars=settings.parse_max_chars,
        max_passages=settings.parse_max_passages,
    )


class PaperLibrary:
    def __init__(
        self,
        store: Store,
        http: aiohttp.ClientSession,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        cached_indexes: int = 32,
    ) -> None:
        self._store = store
        self._http = http
        self._settings = settings
        self._embedder = embedder
        self._locks: dict[str, asyncio.Lock] = {}
        self._abstract_only: dict[str, tuple[float, PaperText]] = {}
        self._indexes: OrderedDict[str, PaperIndex] = OrderedDict()
        self._cached_indexes = cached_indexes
        self._limits = parse_limits(settings)
        self.downloads = 0

    async def text(self, paper: Paper) -> PaperText:
        async with self._lock(paper.arxiv_id):
            cached = await self._store.text(paper.arxiv_id)
            if cached is not None:
                return paper_text_from_json(cached)
            recent = self._abstract_only.get(paper.arxiv_id)
            if recent is not None and time.monotonic() - recent[0] < ABSTRACT_RETRY_SECONDS:
                return recent[1]
            self.downloads += 1
            text = await fetch_paper_text(
                paper.arxiv_id,
                paper.version,
                paper.abstract,
                paper.title,
                http=self._http,
                html_base=self._settings.arxiv_html_url,
                pdf_base=self._settings.arxiv_pdf_url,
                max_bytes=self._settings.fulltext_max_bytes,
                timeout=self._settings.arxiv_timeout_seconds,
                deadline=self._settings.fulltext_deadline_seconds,
                limits=self._limits,
            )
            if text.source is TextSource.ABSTRACT:
                self._abstract_only[paper.arxiv_id] = (time.monotonic(), text)
            else:
                await self._store.save_text(
                    paper.arxiv_id, str(text.source), paper_text_to_json(text)
                )
            return text

    async def local_file(self, path: Path) -> PaperText:
        return await read_local_file(path, limits=self._limits)

    async def index(self, text: PaperText) -> PaperIndex:
        """The retrieval index of `text`, built once (off the event loop) and kept in an LRU."""
        async with self._lock(f"index:{text.key}"):
            index = self._indexes.get(text.key)
            if index is not None and len(index.chunks) > 0:
                self._indexes.move_to_end(text.key)
                return index
            chunks = await asyncio.to_thread(chunk_passages, text.passages)
            embedder = self._embedder
            cached = await self._store.vectors(text.key, embedder.name) if embedder else None
            index = await asyncio.to_thread(
                PaperIndex.build, chunks, embedder=embedder, vectors=cached
            )
            if embedder is not None and cached is None and index.vectors:
                await self._store.save_vectors(text.key, embedder.name, index.vectors)
            if text.source is not TextSource.ABSTRACT:
                self._indexes[text.key] = index
                while len(self._indexes) > self._cached_indexes:
                    self._indexes.popitem(last=False)
            return index

    def _lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())
