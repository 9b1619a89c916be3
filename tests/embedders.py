"""Embedders standing in for MiniLM, and loaders for them that a worker process can run
(bot/embedding.py's ProcessEmbedder sends the loader by name: it must be module-level)."""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from bot.retrieval import tokenize


class HashingEmbedder:
    """A small deterministic embedder (hashed word counts) standing in for MiniLM."""

    name = "hashing-64"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        vectors = []
        for text in texts:
            vector = [0.0] * 64
            for word in tokenize(text):
                vector[zlib.crc32(word.encode()) % 64] += 1.0
            norm = sum(x * x for x in vector) ** 0.5 or 1.0
            vectors.append([x / norm for x in vector])
        return vectors


class WhereEmbedder(HashingEmbedder):
    """Hashing vectors, except for texts that ask the worker something:
    `where` gives [pid, niceness], `die` kills the process, `slow:PATH` touches PATH and
    then takes two seconds."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        rows = super().embed(texts)
        for i, text in enumerate(texts):
            if text == "where":
                rows[i] = [float(os.getpid()), float(os.nice(0))] + [0.0] * 62
            elif text == "die":
                os._exit(9)
            elif text.startswith("slow:"):
                Path(text.removeprefix("slow:")).touch()
                time.sleep(2.0)
        return rows


def load_hashing(threads: int) -> WhereEmbedder:
    return WhereEmbedder()


def load_nothing(threads: int) -> WhereEmbedder:
    raise ImportError("No module named 'torch'")


def load_slowly(mark: Path, threads: int) -> WhereEmbedder:
    """A load that takes a minute, as a first download of the model can: it first
    touches `mark`-PID so a test knows the worker is loading."""
    Path(f"{mark}-{os.getpid()}").touch()
    time.sleep(60)
    return WhereEmbedder()
