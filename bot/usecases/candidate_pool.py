"""One weekly candidate pool per source configuration, shared by every channel.

A channel's digest needs the week's candidates from the configured sources (arXiv,
Hugging Face, Hacker News, alphaXiv …) and arXiv's metadata for those that came
without it. Those are the same for every channel using the same sources, so the first
digest of a day fetches them under a named lock (every process: bot/store/named_locks.py)
and keeps them in the store; the others, in this process or another, wait for it and
read them. arXiv asks for one request per 3 seconds: 1,000 channels due at once would
otherwise queue ~2 hours of requests before the first post.

A pool is keyed by the sources' names, the window's length and the UTC day it ends on,
and is fresh for POOL_FRESH (a pool that missed a source only for POOL_FRESH_INCOMPLETE,
so later digests try that source again). Each channel then merges in its own
submissions, ranks with its own topics and filters, and excludes what it has posted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from bot.domain import Window
from bot.seams import PaperCatalog, PaperSource
from bot.sources.gather import ask_sources
from bot.sources.ranking import merge_candidates, missing_metadata
from bot.store import Store
from bot.store.candidate_pools import Pool, StoredPools
from bot.store.named_locks import LockNotTaken

log = logging.getLogger(__name__)

POOL_FRESH = timedelta(hours=6)
POOL_FRESH_INCOMPLETE = timedelta(minutes=15)
POOL_WAIT = 300.0  # seconds a digest waits for another process fetching the same pool


def pool_key(source_names: Iterable[str], window: Window) -> str:
    names = ",".join(sorted(source_names))
    days = round((window.end - window.start) / timedelta(days=1))
    return f"{names}|{days}d|{window.end.astimezone(UTC).date().isoformat()}"


class CandidatePools:
    def __init__(self, store: Store, catalog: PaperCatalog) -> None:
        self._store = store
        self._stored = StoredPools(store)
        self._catalog = catalog

    async def pool(
        self, sources: Sequence[PaperSource], window: Window, *, now: datetime | None = None
    ) -> Pool:
        """The shared pool for `sources` and `window`: stored if fresh, else fetched now."""
        key = pool_key((source.name for source in sources), window)
        try:
            async with self._store.held(f"pool {key}", wait=POOL_WAIT):
                return await self._fresh_or_fetched(key, sources, window, now)
        except LockNotTaken:  # the fetching process is stuck: fetch for this digest alone
            log.warning("candidate pool %s: still being fetched elsewhere; fetching here", key)
            return await self._fetch(sources, window)

    async def _fresh_or_fetched(
        self, key: str, sources: Sequence[PaperSource], window: Window, now: datetime | None
    ) -> Pool:
        moment = now or datetime.now(UTC)
        stored = await self._stored.load(key)
        if stored is not None:
            fetched_at, pool = stored
            fresh = POOL_FRESH_INCOMPLETE if pool.unavailable else POOL_FRESH
            if moment - fetched_at <= fresh:
                return pool
        pool = await self._fetch(sources, window)
        if pool.candidates:  # a pool of nothing (every source down) is never kept
            await self._stored.save(key, moment, pool)
        return pool

    async def _fetch(self, sources: Sequence[PaperSource], window: Window) -> Pool:
        candidates, unavailable = await ask_sources(sources, window)
        papers = await self._catalog.lookup(missing_metadata(merge_candidates(candidates)))
        return Pool(candidates, papers, unavailable)
