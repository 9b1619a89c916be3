"""What keeps members from waiting (issue 15): nothing heavy loads before it is needed, the
cache is bounded in bytes, the first streamed edit comes early, quota reads do not queue
behind writes, and the digest's concurrency follows the endpoint. Behaviour only: speed
is measured in bench/, never asserted here."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from rich.console import Console
from sqlalchemy import text

import bot.usecases.answers
from adapters.console import ConsoleChat
from adapters.slack_app import make_client
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform
from bot.embedding import BATCH as EMBED_BATCH
from bot.embedding import EmbedderUnavailable, ProcessEmbedder, find_embedder
from bot.reading.library import ByteLRU
from bot.reading.model import Passage
from bot.retrieval import PaperIndex
from bot.store import Store
from tests.embedders import HashingEmbedder
from tests.loopback.openai_server import OpenAIServer
from tests.test_thread_answers import MEMBER, open_reversal_thread, transcript

CHUNKS = [
    Passage(text="We pretrain with AdamW at a learning rate of 3e-4.", section="Setup", page=1),
    Passage(text="The tokenizer is a byte-level BPE with 50k merges.", section="Setup", page=1),
    Passage(text="Results improve on every benchmark we tried.", section="Results", page=2),
]


def test_the_embeddings_extra_is_found_without_importing_torch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    embedder = find_embedder(threads=1)
    if embedder is not None:  # the extra is installed here: still nothing loaded
        assert not embedder.loaded
    assert "torch" not in sys.modules


async def test_bootstrap_loads_no_model(make_settings: Callable[..., Settings]) -> None:
    async with bootstrap(make_settings(embeddings=True)) as club:
        embedder = club.library._embedder
        assert embedder is None or (isinstance(embedder, ProcessEmbedder) and not embedder.loaded)


class BrokenEmbedder:
    name = "broken"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise EmbedderUnavailable("no model here")


def test_an_embedder_that_cannot_load_leaves_the_index_lexical() -> None:
    index = PaperIndex.build(CHUNKS, embedder=BrokenEmbedder())
    assert not index.dense
    assert "AdamW" in index.search("Which optimizer?")[0].passage.text


def test_vectors_are_held_as_float32_and_counted_in_the_index_size() -> None:
    lexical = PaperIndex.build(CHUNKS)
    dense = PaperIndex.build(CHUNKS, embedder=HashingEmbedder())
    assert dense.vectors is not None and str(dense.vectors.dtype) == "float32"
    assert dense.vectors.shape == (3, 64)
    assert dense.nbytes >= lexical.nbytes + dense.vectors.nbytes > lexical.nbytes > 0


def test_a_held_index_gives_a_full_collection_almost_nothing_to_walk() -> None:
    """Its chunks are held as columns of strings and ints, which the collector stops
    tracking, not as one Passage object per chunk (bot/reading/model.py)."""
    PaperIndex.build(CHUNKS).search("warm: what the first search imports and caches")
    gc.collect()
    before = len(gc.get_objects())
    chunks = [
        Passage(text=f"Head {i} attends to the previous token.", section=f"{i % 7} Heads", page=i)
        for i in range(400)
    ]
    index = PaperIndex.build(chunks)
    del chunks
    gc.collect()
    gc.collect()  # a tuple of tuples is untracked by the pass after its members'
    walked = len(gc.get_objects()) - before
    [best, *_] = index.search("which token does head 12 attend to", word_budget=8)
    assert best.passage.page == 12 and best.passage.section == "5 Heads"
    assert walked < 40  # 400 Passages, and more, before


def test_the_cache_is_bounded_in_bytes_least_recently_used_first() -> None:
    cache = ByteLRU(100)
    cache.put("a", "A", 40)
    cache.put("b", "B", 40)
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C", 40)
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C"
    assert cache.held == 80 and len(cache) == 2
    cache.put("huge", "H", 101)  # larger than the whole budget: not kept, nothing dropped
    assert cache.get("huge") is None and len(cache) == 2
    cache.put("a", "A2", 10)  # replacing an entry counts its new size only
    assert cache.held == 50


def test_model_concurrency_follows_the_endpoint() -> None:
    def settings(**values: object) -> Settings:
        return Settings(_env_file=None, **values)  # type: ignore[arg-type]

    assert settings().model_concurrency >= settings().digest_size  # hosted: a whole digest
    assert settings(openai_base_url="https://api.openai.com/v1").model_concurrency == 25
    for local in (
        "http://localhost:11434/v1",
        "http://127.0.0.1:8000/v1",
        "http://192.168.1.20:8000/v1",
        "http://gpu-box.local:8000/v1",
    ):
        assert settings(openai_base_url=local).model_concurrency == 4, local
    assert (
        settings(openai_base_url="http://localhost:1/v1", llm_concurrency=2).model_concurrency == 2
    )
    assert settings(llm_concurrency="", digest_concurrency="").digest_concurrency is None


async def test_the_first_streamed_edit_does_not_wait_for_the_edit_interval(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an edit interval longer than the whole answer, the first-edit timer still shows
    the answer's start before the model has finished."""
    monkeypatch.setattr(bot.usecases.answers, "STREAM_EDIT_INTERVAL", 60.0)
    server = OpenAIServer().start()
    server.chunk_delay = 0.1
    path = tmp_path / "t.jsonl"
    settings = make_settings(
        llm="openai", openai_api_key="sk-loopback-123456", openai_base_url=server.base_url
    )
    try:
        async with bootstrap(settings) as club:
            club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
            thread = await open_reversal_thread(club)
            answer = await club.answers.answer(thread, MEMBER, "What is the reversal curse?")
    finally:
        server.stop()
    assert answer is not None
    edits = [e for e in transcript(path) if e["edits"]]
    assert len(edits) >= 2  # the early progress edit, then the final answer
    assert edits[-2]["text"].endswith(" …") and not edits[-1]["text"].endswith(" …")
    assert len(edits[-2]["text"]) < len(edits[-1]["text"])


async def test_quota_reads_do_not_wait_for_an_open_write(database: Path | str) -> None:
    where = ConversationRef(Platform.SLACK, "T1", "C1")
    since = datetime.now(UTC) - timedelta(days=1)
    async with Store.open(database) as store:
        await store.record_usage(where, "answer", "m", 10, 5)
        async with store.transaction() as db:  # the writer is mid-transaction
            await db.execute(
                text("UPDATE usage SET tokens_in = tokens_in + 100 WHERE workspace_id='T1'")
            )
            # Queued behind the open write, this would wait for the block to end: forever.
            used = await asyncio.wait_for(store.workspace_tokens_since("slack", "T1", since), 60)
            assert used == 15  # the last commit, read beside the open write
            asked = store.member_questions_since("slack", "T1", "U1", since)
            assert await asyncio.wait_for(asked, 60) == []
        assert await store.workspace_tokens_since("slack", "T1", since) == 115
    async with Store.open(":memory:") as memory:  # one connection: hot reads take their turn
        assert memory._hot_reads is memory._writes
        await memory.record_usage(where, "answer", "m", 1, 1)
        assert await memory.workspace_tokens_since("slack", "T1", since) == 2


async def test_the_slack_client_reuses_one_session() -> None:
    async with aiohttp.ClientSession() as session:
        client = make_client("xoxb-test", session=session)
        assert client.session is session


async def test_in_the_bot_a_paper_is_embedded_in_the_background(
    make_settings: Callable[..., Settings], arxiv_server: object, tmp_path: Path
) -> None:
    """The first question gets the lexical index at once; the dense one replaces it when its
    vectors are ready, and they are kept in the store."""
    from bot.reading.library import PaperLibrary
    from tests.test_thread_answers import REVERSAL

    embedder = HashingEmbedder()
    async with Store.open(tmp_path / "bg.db") as store, aiohttp.ClientSession() as http:
        library = PaperLibrary(store, http, make_settings(), embedder=embedder)
        library.dense_in_background = True
        text = await library.text(REVERSAL)
        first = await library.index(text)
        assert not first.dense
        for _ in range(200):
            if not library._background:
                break
            await asyncio.sleep(0.05)
        later = await library.index(text)
        assert later.dense and sum(embedder.calls) == len(later.chunks)
        assert max(embedder.calls) <= EMBED_BATCH < len(later.chunks)
        assert await store.vectors(text.key, embedder.name) is not None


class GatedEmbedder(HashingEmbedder):
    """Holds its first batch until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.entered.set()
        self.release.wait(10)
        return super().embed(texts)


async def test_closing_the_library_stops_a_background_embedding_between_batches(
    make_settings: Callable[..., Settings], arxiv_server: object, tmp_path: Path
) -> None:
    """A stop during a dense build waits for the batch being embedded and no more: the
    embedding thread has ended when `close()` returns, so the interpreter's exit never
    tears torch down under it."""
    from bot.reading.library import PaperLibrary
    from tests.test_thread_answers import REVERSAL

    embedder = GatedEmbedder()
    async with Store.open(tmp_path / "bg.db") as store, aiohttp.ClientSession() as http:
        library = PaperLibrary(store, http, make_settings(), embedder=embedder)
        library.dense_in_background = True
        text = await library.text(REVERSAL)
        assert not (await library.index(text)).dense
        assert await asyncio.to_thread(embedder.entered.wait, 10)
        closing = asyncio.create_task(library.close())
        await asyncio.sleep(0.1)
        assert not closing.done()  # it waits for the batch in hand
        embedder.release.set()
        await asyncio.wait_for(closing, 10)
        assert not [t for t in threading.enumerate() if t.name == "paperclub-embed"]
        assert embedder.calls == [EMBED_BATCH]
        for _ in range(100):
            if not library._background:
                break
            await asyncio.sleep(0.01)
        assert not library._background
        assert not (await library.index(text)).dense
        assert await store.vectors(text.key, embedder.name) is None


async def test_paperclub_run_freezes_what_start_up_built_before_serving(
    make_settings: Callable[..., Settings],
) -> None:
    """A full collection then walks only what the bot allocated since (bot/heap.py): the
    libraries' modules, classes and functions are in the permanent generation."""
    from adapters.runner import run_bot

    output = io.StringIO()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    running = asyncio.create_task(run_bot(make_settings(), Console(file=output)))
    try:
        for _ in range(200):
            if "Running" in output.getvalue():
                break
            await asyncio.sleep(0.05)
        assert "Running; press Ctrl+C to stop." in output.getvalue()
        assert gc.get_freeze_count() > 50_000
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        gc.unfreeze()  # the rest of the test session collects as before


LATEX_IN_A_NEW_THREAD = """
import gc, threading
from bot.text.latex import readable
gc.collect()
gc.freeze()  # as bot/heap.py does once start-up is done
out = []
worker = threading.Thread(target=lambda: out.append(readable(r"$\\alpha$-entmax, \\textbf{$O(n^2)$}")))
worker.start()
worker.join()
gc.collect()
print(out[0])
print(len(gc.get_objects()))
"""


def test_latex_tables_are_built_before_the_heap_is_frozen_and_shared_by_threads() -> None:
    """pylatexenc's macro tables (~2,000 objects) come with the import, so freezing
    start-up's heap covers them, and a thread's first conversion builds none of its own:
    a full collection has nothing of pylatexenc's to walk."""
    root = Path(__file__).resolve().parents[1]
    ran = subprocess.run(
        [sys.executable, "-c", LATEX_IN_A_NEW_THREAD],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=60,
        check=True,
    )
    converted, walked = ran.stdout.splitlines()
    assert converted == "α-entmax, O(n^2)"
    assert int(walked) < 300  # 2,251 when the tables were built at the first conversion
