"""Each paper is downloaded, parsed and indexed once for the whole process.

Full texts are cached in the store (so a restart or another channel does not fetch
again); an abstract-only fallback is kept only in memory for a while, so a paper
whose HTML and PDF were briefly unreachable gets its full text on a later try.
Parsing runs in a bounded worker process (bot.reading.worker). Texts and indexes live in
one in-memory LRU bounded in bytes (`index_cache_mb`: lexical and dense parts counted) and
are built in a worker thread; chunk embeddings (seconds of CPU per paper) are kept in the
store too. The embedding model loads on the first dense build, in worker processes
(bot/embedding.py).

Locks are per paper and only around work that must happen once (a download, a build): a
paper already in memory is returned without waiting behind another paper's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import numpy as np

from bot.config import Settings
from bot.domain import Paper
from bot.embedding import BATCH as EMBED_BATCH
from bot.embedding import Embedder, ProcessEmbedder, Vectors, as_vectors
from bot.keyed_locks import KeyedLocks
from bot.reading.chunking import chunk_passages
from bot.reading.fetch import fetch_paper_text, read_local_file
from bot.reading.model import (
    PaperText,
    Passage,
    TextSource,
    paper_text_from_json,
    paper_text_to_json,
)
from bot.reading.worker import ParseLimits
from bot.retrieval import PaperIndex
from bot.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
ABSTRACT_RETRY_SECONDS = 3600.0
STOP_WAIT_SECONDS = 10.0
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
        cache_bytes: int | None = None,
    ) -> None:
        self._store = store
        self._http = http
        self._settings = settings
        self._embedder = embedder
        self._locks: KeyedLocks[str] = KeyedLocks()
        self._abstract_only: dict[str, tuple[float, PaperText]] = {}
        self._cache = ByteLRU(
            cache_bytes if cache_bytes is not None else settings.index_cache_mb * 2**20
        )
        self._limits = parse_limits(settings)
        self.downloads = 0
        # `paperclub run` turns this on: a paper's first question is answered from its
        # lexical index while its chunk vectors (tens of seconds of CPU for a long paper on
        # one torch thread) are computed in the background, one paper at a time.
        self.dense_in_background = False
        self._embedding = asyncio.Semaphore(1)
        self._background: dict[str, asyncio.Task[None]] = {}
        self._stopping = threading.Event()
        self._threads: set[threading.Thread] = set()

    @property
    def cache(self) -> ByteLRU:
        return self._cache

    async def close(self) -> None:
        """Stop background embedding between two batches and wait for its thread (the
        embedder's workers end after it, in bootstrap's teardown)."""
        self._stopping.set()
        for thread in list(self._threads):
            await asyncio.to_thread(thread.join, STOP_WAIT_SECONDS)
            if thread.is_alive():
                log.warning("background embedding still running after %.0f s", STOP_WAIT_SECONDS)

    def warm_embedder(self) -> bool:
        """Load the embedding model now (blocking: run it in a thread); True if dense is on."""
        if isinstance(self._embedder, ProcessEmbedder):
            return self._embedder.warm()
        return self._embedder is not None

    async def text(self, paper: Paper) -> PaperText:
        held = self._cache.get(f"text:{paper.arxiv_id}")
        if isinstance(held, PaperText):
            return held
        recent = self._recent_abstract(paper.arxiv_id)
        if recent is not None:
            return recent
        async with self._lock(paper.arxiv_id):
            held = self._cache.get(f"text:{paper.arxiv_id}")
            if isinstance(held, PaperText):
                return held
            cached = await self._store.text(paper.arxiv_id)
            if cached is not None:
                text = await asyncio.to_thread(paper_text_from_json, cached)
                self._cache.put(f"text:{paper.arxiv_id}", text, text_bytes(text))
                return text
            recent = self._recent_abstract(paper.arxiv_id)
            if recent is not None:
                return recent
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
                stored = await asyncio.to_thread(paper_text_to_json, text)  # a whole paper
                await self._store.save_text(paper.arxiv_id, str(text.source), stored)
                self._cache.put(f"text:{paper.arxiv_id}", text, text_bytes(text))
            return text

    async def forget(self, arxiv_id: str) -> None:
        """arXiv published a new version: the text, index and vectors held for the paper
        (in memory and in the store) are dropped, so the next read fetches it again."""
        async with self._lock(arxiv_id):
            self._abstract_only.pop(arxiv_id, None)
            self._cache.drop(f"text:{arxiv_id}")
            for source in TextSource:
                self._cache.drop(f"index:{source}:{arxiv_id}")
            await self._store.forget_text(arxiv_id)

    def _recent_abstract(self, arxiv_id: str) -> PaperText | None:
        recent = self._abstract_only.get(arxiv_id)
        if recent is None:
            return None
        if time.monotonic() - recent[0] < ABSTRACT_RETRY_SECONDS:
            return recent[1]
        del self._abstract_only[arxiv_id]  # try the full text again
        return None

    async def local_file(self, path: Path) -> PaperText:
        return await read_local_file(path, limits=self._limits)

    async def index(self, text: PaperText) -> PaperIndex:
        """The retrieval index of `text`, built once (off the event loop) and kept in the
        byte-bounded LRU (an abstract-only index too, under its own key: it is small)."""
        key = f"index:{text.source}:{text.key}"
        index = self._cache.get(key)
        if isinstance(index, PaperIndex) and index.size:
            return index
        async with self._lock(key):
            index = self._cache.get(key)
            if isinstance(index, PaperIndex) and index.size:
                return index
            chunks = await asyncio.to_thread(chunk_passages, text.passages)
            embedder = self._embedder
            cached = await self._store.vectors(text.key, embedder.name) if embedder else None
            if embedder is not None and cached is None and self.dense_in_background:
                lexical = await asyncio.to_thread(PaperIndex.build, chunks)
                self._cache.put(key, lexical, lexical.nbytes)
                if key not in self._background:
                    self._background[key] = asyncio.create_task(
                        self._dense_later(key, text, chunks, embedder)
                    )
                return lexical
            built = await asyncio.to_thread(
                PaperIndex.build, chunks, embedder=embedder, vectors=cached
            )
            if embedder is not None and cached is None and built.vectors is not None:
                if text.source is not TextSource.ABSTRACT:
                    await self._store.save_vectors(text.key, embedder.name, built.vectors)
            self._cache.put(key, built, built.nbytes)
            return built

    async def _dense_later(
        self, key: str, text: PaperText, chunks: list[Passage], embedder: Embedder
    ) -> None:
        """Embed `chunks` in a daemon thread, a batch at a time so `close()` can stop it,
        then swap the dense index in for the lexical one and keep its vectors in the store."""
        try:
            async with self._embedding:
                batched = _StoppableEmbedder(embedder, self._stopping)
                built = await self._in_daemon_thread(PaperIndex.build, chunks, embedder=batched)
            if built.vectors is None:
                return
            if text.source is not TextSource.ABSTRACT:
                await self._store.save_vectors(text.key, embedder.name, built.vectors)
            self._cache.put(key, built, built.nbytes)
        except EmbeddingStopped:
            log.info("dense index for %s not built: the bot is stopping", text.key)
        except Exception as error:  # the lexical index keeps answering
            log.warning("dense index for %s not built: %s", text.key, error)
        finally:
            self._background.pop(key, None)

    async def _in_daemon_thread(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `function` in a thread of its own that a stop does not wait on for long
        (a daemon, joined by `close()` for at most STOP_WAIT_SECONDS)."""
        if self._stopping.is_set():
            raise EmbeddingStopped
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def deliver(result: T | None, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

        def run() -> None:
            result: T | None = None
            failure: BaseException | None = None
            try:
                result = function(*args, **kwargs)
            except BaseException as error:
                failure = error
            finally:
                self._threads.discard(threading.current_thread())
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
                loop.call_soon_threadsafe(deliver, result, failure)

        thread = threading.Thread(target=run, name="paperclub-embed", daemon=True)
        self._threads.add(thread)
        thread.start()
        return await future

    def _lock(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._locks.hold(key)


class EmbeddingStopped(Exception):
    """The library is closing: a background embedding gave up between two batches."""


class _StoppableEmbedder:
    """`embedder`, called EMBED_BATCH texts at a time, checking `stopping` before each."""

    def __init__(self, embedder: Embedder, stopping: threading.Event) -> None:
        self.name = embedder.name
        self._embedder = embedder
        self._stopping = stopping

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows: list[Vectors] = []
        for start in range(0, len(texts), EMBED_BATCH):
            if self._stopping.is_set():
                raise EmbeddingStopped
            rows.append(as_vectors(self._embedder.embed(texts[start : start + EMBED_BATCH])))
        return np.concatenate(rows) if rows else as_vectors(np.zeros((0, 0)))


def text_bytes(text: PaperText) -> int:
    """About what holding `text` costs: its passages' strings and objects."""
    return 200 + sum(
        sys.getsizeof(p.text) + sys.getsizeof(p.section) // 4 + 72 for p in text.passages
    )


class ByteLRU:
    """Least recently used entries dropped first, so the sizes held stay within `limit` bytes.

    An entry larger than the whole limit is not kept at all.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._entries: OrderedDict[str, tuple[object, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def drop(self, key: str) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.held -= old[1]

    def put(self, key: str, value: object, size: int) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.held -= old[1]
        if size > self.limit:
            return
        self._entries[key] = (value, size)
        self.held += size
        while self.held > self.limit:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.held -= dropped
