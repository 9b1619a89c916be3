"""A paper is downloaded, parsed and embedded once, whatever the channels and restarts."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import aiohttp

from bot.config import Settings
from bot.domain import Paper
from bot.reading.library import PaperLibrary
from bot.reading.model import PaperText, Passage, TextSource, paper_text_to_json
from bot.store import Store
from tests.embedders import HashingEmbedder
from tests.loopback.arxiv_server import ArxivServer
from tests.test_thread_answers import REVERSAL


async def test_full_text_and_embeddings_are_kept_across_restarts(
    make_settings: Callable[..., Settings], arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    settings = make_settings()
    first_embedder, second_embedder = HashingEmbedder(), HashingEmbedder()
    async with Store.open(tmp_path / "lib.db") as store, aiohttp.ClientSession() as http:
        library = PaperLibrary(store, http, settings, embedder=first_embedder)
        text = await library.text(REVERSAL)
        again = await library.text(REVERSAL)
        index = await library.index(text)
        assert text.source is TextSource.PDF and again == text
        assert library.downloads == 1
        assert first_embedder.calls == [len(index.chunks)]

        restarted = PaperLibrary(store, http, settings, embedder=second_embedder)
        reread = await restarted.text(REVERSAL)
        reindexed = await restarted.index(reread)
    assert restarted.downloads == 0 and reread == text
    assert second_embedder.calls == []  # the chunk vectors came from the store
    assert reindexed.vectors is not None and index.vectors is not None
    stored = [x for vector in reindexed.vectors for x in vector]
    computed = [x for vector in index.vectors for x in vector]
    assert len(stored) == len(computed)
    assert max(abs(a - b) for a, b in zip(stored, computed, strict=True)) < 1e-6  # float32
    assert arxiv_server.full_text_requests.count("/pdf/2309.12288v1") == 1


async def test_a_library_keeps_no_lock_for_the_papers_it_has_read(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """One lock per paper while it is read or indexed, forgotten after: a host reading
    thousands of papers does not keep thousands of locks (nor their objects for every
    full collection to walk)."""
    papers = [replace(REVERSAL, arxiv_id=f"2601.{n:05d}") for n in range(30)]
    async with Store.open(tmp_path / "lib.db") as store, aiohttp.ClientSession() as http:
        for paper in papers:
            text = PaperText(
                key=paper.arxiv_id,
                source=TextSource.PDF,
                title=paper.title,
                passages=(Passage(text=f"Paper {paper.arxiv_id} reverses.", section="1"),),
            )
            await store.save_text(paper.arxiv_id, str(text.source), paper_text_to_json(text))
        library = PaperLibrary(store, http, make_settings())
        gc.collect()
        locks_before = sum(isinstance(o, asyncio.Lock) for o in gc.get_objects())

        async def read(paper: Paper) -> int:
            return (await library.index(await library.text(paper))).size

        sizes = await asyncio.gather(*(read(p) for p in papers + papers))  # each twice at once
        gc.collect()
        locks_after = sum(isinstance(o, asyncio.Lock) for o in gc.get_objects())
    assert sizes == [1] * 60
    assert locks_after <= locks_before + 2  # one per paper and index (60) before
