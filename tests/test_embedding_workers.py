"""Embeddings run in worker processes (bot/embedding.py): never in the bot's process, at
a lower priority, a query never behind a paper's chunks, and a dead worker or a model that
will not load costs dense re-ranking for a call (or for good), never an answer."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from bot.embedding import BATCH, EmbedderUnavailable, ProcessEmbedder, as_vectors
from bot.reading.model import Passage
from bot.retrieval import PaperIndex
from tests.embedders import HashingEmbedder, load_hashing, load_nothing, load_slowly

CHUNKS = [
    Passage(text="We pretrain with AdamW at a learning rate of 3e-4.", section="Setup", page=1),
    Passage(text="The tokenizer is a byte-level BPE with 50k merges.", section="Setup", page=1),
    Passage(text="Results improve on every benchmark we tried.", section="Results", page=2),
]


@pytest.fixture
def workers() -> Iterator[ProcessEmbedder]:
    embedder = ProcessEmbedder(load=load_hashing, name=HashingEmbedder.name, workers=2)
    yield embedder
    embedder.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_vectors_are_made_in_lower_priority_worker_processes(
    workers: ProcessEmbedder, tmp_path: Path
) -> None:
    assert not workers.loaded
    assert workers.warm() and workers.loaded
    # Two batches that each hold a worker for 2 s: one runs in each worker.
    batch = ["where"] + ["filler"] * (BATCH - 2) + [f"slow:{tmp_path / 'slow'}"]
    rows = workers.embed(batch * 2)
    pids = {int(rows[0][0]), int(rows[BATCH][0])}
    assert os.getpid() not in pids and len(pids) == 2
    assert rows[0][1] > os.nice(0) and rows[BATCH][1] > os.nice(0)


def test_worker_vectors_are_the_ones_the_model_makes_here(workers: ProcessEmbedder) -> None:
    texts = [f"chunk {i} about attention heads and layer {i % 5}" for i in range(BATCH * 3 + 1)]
    there = workers.embed(texts)
    assert there.dtype.name == "float32" and there.shape == (len(texts), 64)
    assert (there == as_vectors(HashingEmbedder().embed(texts))).all()
    assert workers.embed([]).size == 0
    index = PaperIndex.build(CHUNKS, embedder=workers)
    assert index.dense
    assert "AdamW" in index.search("Which optimizer?")[0].passage.text


def test_a_query_is_not_kept_waiting_behind_a_papers_chunks(
    workers: ProcessEmbedder, tmp_path: Path
) -> None:
    assert workers.warm()
    started = tmp_path / "chunks-started"
    chunks = threading.Thread(target=workers.embed, args=([f"slow:{started}"],))
    chunks.start()
    for _ in range(500):
        if started.exists():
            break
        time.sleep(0.01)
    assert started.exists()
    assert workers.embed(["which optimizer?"]).shape == (1, 64)
    assert chunks.is_alive()  # the query came back while the paper's batch still ran
    chunks.join(10)


def test_with_one_worker_a_query_waits_for_the_batch_in_hand_not_the_paper(
    tmp_path: Path,
) -> None:
    """The library sends a paper's chunks a batch per call: a query sent meanwhile is
    embedded before the paper's next batch."""
    embedder = ProcessEmbedder(load=load_hashing, name=HashingEmbedder.name, workers=1)
    finished: list[str] = []

    def paper() -> None:
        for batch in ("first", "second"):
            embedder.embed([f"slow:{tmp_path / batch}"])
            finished.append(batch)

    try:
        assert embedder.warm()
        chunks = threading.Thread(target=paper)
        chunks.start()
        for _ in range(500):
            if (tmp_path / "first").exists():
                break
            time.sleep(0.01)
        assert (tmp_path / "first").exists()
        assert embedder.embed(["which optimizer?"]).shape == (1, 64)
        assert "second" not in finished  # it takes 2 s more
        chunks.join(15)
        assert finished == ["first", "second"]
    finally:
        embedder.close()


def test_a_dead_worker_fails_its_call_and_the_next_call_gets_new_workers(
    workers: ProcessEmbedder,
) -> None:
    first = {int(row[0]) for row in workers.embed(["where"])}
    with pytest.raises(EmbedderUnavailable, match="stopped"):
        workers.embed(["die"])
    again = {int(row[0]) for row in workers.embed(["where"])}
    assert again and not again & first
    index = PaperIndex.build(CHUNKS, embedder=workers)
    assert index.dense


def test_a_model_that_will_not_load_leaves_retrieval_lexical_for_good() -> None:
    embedder = ProcessEmbedder(load=load_nothing, name="nothing")
    try:
        assert not embedder.warm() and not embedder.loaded
        with pytest.raises(EmbedderUnavailable, match="torch"):
            embedder.embed(["x"])
        index = PaperIndex.build(CHUNKS, embedder=embedder)
        assert not index.dense
        assert "AdamW" in index.search("Which optimizer?")[0].passage.text
    finally:
        embedder.close()


def test_closed_workers_end_and_later_calls_fall_back_to_lexical(
    workers: ProcessEmbedder,
) -> None:
    pids = {int(row[0]) for row in workers.embed(["where"])}
    index = PaperIndex.build(CHUNKS, embedder=workers)
    workers.close()
    with pytest.raises(EmbedderUnavailable, match="stopping"):
        workers.embed(["x"])
    assert "AdamW" in index.search("Which optimizer?")[0].passage.text  # lexical now
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def test_a_stop_while_the_workers_load_the_model_ends_them_at_once(tmp_path: Path) -> None:
    """The interpreter's exit waits for pool workers: a stop in the first seconds of
    `paperclub run` used to wait for the model's load (7 s; minutes on a first download)."""
    mark = tmp_path / "loading"
    embedder = ProcessEmbedder(load=partial(load_slowly, mark), name="slow", workers=2)
    warmed: list[bool] = []
    warming = threading.Thread(target=lambda: warmed.append(embedder.warm()), daemon=True)
    warming.start()
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("loading-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    pids = {int(path.name.removeprefix("loading-")) for path in tmp_path.glob("loading-*")}
    assert len(pids) == 2
    embedder.close()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)
    warming.join(10)
    assert warmed == [False]  # warm() gave up: dense stays off, nothing raised
    with pytest.raises(EmbedderUnavailable, match="stopping"):
        embedder.embed(["x"])
