"""One paper's retrieval index: BM25 over sentence-aware chunks, optional dense re-ranking.

The lexical path is self-contained (no model, no network) and fast enough to build per
question; the dense path needs the optional `embeddings` extra (bot/embedding.py).
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy.typing as npt

from bot.embedding import Embedder, EmbedderUnavailable, Vectors, as_vectors
from bot.reading.model import Passage, PassageColumns

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each few for
    from further had has have having he her here hers herself him himself his how i if in into
    is it its itself just me more most my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves also may might must shall via paper papers authors author""".split()
)

# Words that frame a question without saying what it is about: kept, at a low weight.
QUESTION_FRAME = frozenset(
    """use used using uses propose proposed work approach method methods model models
    result results show shows report reported perform performance their""".split()
)
QUESTION_FRAME_WEIGHT = 0.3

# A few general equivalences of scientific writing (not tuned per question).
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "dataset": ("corpus", "data", "benchmark"),
    "datasets": ("corpora", "data", "benchmarks"),
    "corpus": ("dataset", "data"),
    "baseline": ("compare", "baselines"),
    "baselines": ("compare", "baseline"),
    "compare": ("baseline", "baselines", "comparison"),
    "accuracy": ("score", "performance"),
    "size": ("number", "large"),
    "big": ("size", "number"),
    "many": ("number",),
    "language": ("languages", "english"),
    "languages": ("language", "english"),
    "metric": ("evaluation", "measure"),
    "metrics": ("evaluation", "measure"),
    "evaluate": ("evaluation", "metric"),
    "architecture": ("layer", "layers", "network"),
    "annotated": ("annotation", "annotators", "labeled"),
    "improvement": ("improve", "outperform", "gain"),
}
EXPANSION_WEIGHT = 0.35


def _stem(word: str) -> str:
    """A light suffix stemmer: plural, -ing, -ed, -ly. Cheap and good enough for BM25."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stem(word)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed word tokens (CJK runs stay whole tokens)."""
    return [stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]


def query_terms(question: str) -> dict[str, float]:
    """Weighted query terms: content words 1.0, question framing words and expansions less."""
    weights: dict[str, float] = {}
    words = [w for w in _TOKEN.findall(question.lower()) if w not in STOPWORDS]
    for word in words:
        term = stem(word)
        weight = QUESTION_FRAME_WEIGHT if word in QUESTION_FRAME else 1.0
        weights[term] = max(weights.get(term, 0.0), weight)
    for key, extra in EXPANSIONS.items():
        if key in words:
            for word in extra:
                term = stem(word)
                weights.setdefault(term, EXPANSION_WEIGHT)
    return weights


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    passage: Passage
    score: float


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    k1: float = 1.2
    b: float = 0.75
    section_weight: int = 1  # how many times a chunk's heading words count
    neighbour_weight: float = 0.3  # share of adjacent chunks' scores (same section) added
    prf_terms: int = 0  # pseudo-relevance feedback: terms added from the top chunks
    prf_docs: int = 3
    prf_weight: float = 0.3
    dense_weight: float = 0.4  # share of the (z-normalised) dense score in the fused score
    merge_adjacent: bool = True  # retrieved neighbours become one passage


@dataclass(slots=True)
class PaperIndex:
    # columns and tuples, not Passages and lists: once the collector has seen them it
    # stops tracking them, so a held index adds almost nothing for every full collection
    # to walk (bot/heap.py)
    _chunks: PassageColumns
    config: RetrievalConfig
    _postings: dict[str, tuple[tuple[int, float], ...]] = field(repr=False)
    _lengths: tuple[int, ...] = field(repr=False)
    _term_counts: list[Counter[str]] = field(repr=False)
    _vectors: Vectors | None = field(default=None, repr=False)
    _embedder: Embedder | None = field(default=None, repr=False)
    nbytes: int = 0  # about what holding this index costs, lexical and dense parts

    @classmethod
    def build(
        cls,
        chunks: Sequence[Passage],
        *,
        config: RetrievalConfig | None = None,
        embedder: Embedder | None = None,
        vectors: npt.ArrayLike | None = None,
    ) -> PaperIndex:
        """Blocking (embedding takes seconds): call it via asyncio.to_thread.

        `vectors` are chunk embeddings cached from an earlier `index.vectors`; with them
        and an embedder, only the question is embedded. An embedder that cannot load
        leaves the index lexical.
        """
        cfg = config or RetrievalConfig()
        term_counts: list[Counter[str]] = []
        for chunk in chunks:
            counts = Counter(tokenize(chunk.text))
            for term in tokenize(chunk.section):
                counts[term] += cfg.section_weight
            term_counts.append(counts)
        lengths = [int(sum(c.values())) for c in term_counts]
        growing: dict[str, list[tuple[int, float]]] = {}
        for i, counts in enumerate(term_counts):
            for term, tf in counts.items():
                growing.setdefault(term, []).append((i, float(tf)))
        postings = {term: tuple(posting) for term, posting in growing.items()}
        kept: Vectors | None = None
        if embedder is not None and chunks:
            given = as_vectors(vectors) if vectors is not None else None
            if given is not None and given.ndim == 2 and len(given) == len(chunks):
                kept = given
            else:
                try:
                    kept = as_vectors(embedder.embed([_embedding_text(c) for c in chunks]))
                except EmbedderUnavailable:
                    kept = None
        held_terms = term_counts if cfg.prf_terms else []  # only feedback reads them
        return cls(
            _chunks=PassageColumns.of(chunks),
            config=cfg,
            _postings=postings,
            _lengths=tuple(lengths),
            _term_counts=held_terms,
            _vectors=kept,
            _embedder=embedder if kept is not None else None,
            nbytes=_estimate_bytes(chunks, postings, held_terms, kept),
        )

    @property
    def chunks(self) -> tuple[Passage, ...]:
        """The indexed chunks, made anew on each call (see `_chunks`)."""
        return tuple(self._chunks.passage(i) for i in range(len(self._chunks)))

    @property
    def size(self) -> int:
        """How many chunks the index holds."""
        return len(self._chunks)

    def knows(self, query: str) -> bool:
        """Whether any of `query`'s terms occurs in the paper (a lexical match at all)."""
        return any(term in self._postings for term in query_terms(query))

    @property
    def dense(self) -> bool:
        return self._vectors is not None

    @property
    def vectors(self) -> Vectors | None:
        """The chunk embeddings, for the store to cache next to the chunks."""
        return self._vectors

    def _bm25(self, terms: dict[str, float]) -> list[float]:
        n = len(self._chunks)
        scores = [0.0] * n
        if n == 0:
            return scores
        avg = (sum(self._lengths) / n) or 1.0
        k1, b = self.config.k1, self.config.b
        for term, weight in terms.items():
            posting = self._postings.get(term)
            if not posting:
                continue
            idf = math.log(1.0 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for i, tf in posting:
                norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * self._lengths[i] / avg))
                scores[i] += weight * idf * norm
        return scores

    def _feedback_terms(self, terms: dict[str, float], scores: list[float]) -> dict[str, float]:
        cfg = self.config
        top = sorted(range(len(scores)), key=lambda i: -scores[i])[: cfg.prf_docs]
        pooled: Counter[str] = Counter()
        for i in top:
            if scores[i] > 0:
                pooled.update(self._term_counts[i])
        n = len(self._chunks)
        ranked = sorted(
            (t for t in pooled if t not in terms),
            key=lambda t: -pooled[t] * math.log(1.0 + n / len(self._postings.get(t, [0]))),
        )
        expanded = dict(terms)
        for term in ranked[: cfg.prf_terms]:
            expanded[term] = cfg.prf_weight
        return expanded

    def scores(self, query: str) -> list[float]:
        """One fused relevance score per chunk (higher is better)."""
        terms = query_terms(query)
        scores = self._bm25(terms)
        if self.config.prf_terms and any(scores):
            scores = self._bm25(self._feedback_terms(terms, scores))
        if self.config.neighbour_weight:
            scores = self._smooth(scores)
        if self._vectors is not None and self._embedder is not None:
            scores = self._fuse(query, scores)
        return scores

    def _smooth(self, scores: list[float]) -> list[float]:
        w = self.config.neighbour_weight
        sections = self._chunks.sections
        out = list(scores)
        for i in range(len(scores)):
            for j in (i - 1, i + 1):
                if 0 <= j < len(scores) and sections[j] == sections[i]:
                    out[i] += w * scores[j]
        return out

    def _fuse(self, query: str, lexical: list[float]) -> list[float]:
        assert self._vectors is not None and self._embedder is not None
        try:
            q = as_vectors(self._embedder.embed([query]))[0]
        except EmbedderUnavailable:
            return lexical
        dense = [float(x) for x in self._vectors @ q]
        w = self.config.dense_weight
        return [
            (1 - w) * lx + w * dn for lx, dn in zip(_zscores(lexical), _zscores(dense), strict=True)
        ]

    def search(
        self, query: str, *, word_budget: int = 1000, alternatives: Sequence[str] = ()
    ) -> list[ScoredPassage]:
        """Best chunks first until `word_budget` words, adjacent ones merged into one passage.

        Merging neighbours gives an answer that straddles a chunk boundary back its whole
        context at no cost in words; the last chunk may be cut to fit the budget.
        `alternatives` are other phrasings of the question (e.g. English search queries
        a model wrote for a Japanese question): their normalised scores are added up.
        """
        if not self.size:
            return []
        scores = self.scores(query)
        if alternatives:
            total = _zscores(scores)
            for alternative in alternatives:
                total = [
                    a + b for a, b in zip(total, _zscores(self.scores(alternative)), strict=True)
                ]
            scores = total
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        texts = self._chunks.texts
        taken: dict[int, int] = {}  # chunk index -> words kept (a prefix)
        used = 0
        for i in order:
            if used >= word_budget:
                break
            n = len(texts[i].split())
            taken[i] = min(n, word_budget - used)
            used += taken[i]
        return self._merged(taken, scores)

    def _merged(self, taken: dict[int, int], scores: list[float]) -> list[ScoredPassage]:
        columns = self._chunks
        runs: list[list[int]] = []
        for i in sorted(taken):
            prev = runs[-1][-1] if runs else -2
            if (
                self.config.merge_adjacent
                and prev == i - 1
                and columns.sections[prev] == columns.sections[i]
                and columns.kinds[prev] == columns.kinds[i] == "body"
                and taken[prev] == len(columns.texts[prev].split())
            ):
                runs[-1].append(i)
            else:
                runs.append([i])
        merged = []
        for run in runs:
            head = columns.passage(run[0])
            text = " ".join(" ".join(columns.texts[i].split()[: taken[i]]) for i in run)
            passage = replace(head, text=text)  # keeps its place (url)
            merged.append(ScoredPassage(passage, max(scores[i] for i in run)))
        merged.sort(key=lambda r: -r.score)
        return merged


def _estimate_bytes(
    chunks: Sequence[Passage],
    postings: dict[str, tuple[tuple[int, float], ...]],
    term_counts: list[Counter[str]],
    vectors: Vectors | None,
) -> int:
    """CPython's sizes for what the index holds (within ~15% of tracemalloc on the fixtures).

    Per posting: a tuple slot, a 2-tuple and a float; per term: its dict slot and key; per
    chunk: its five column slots and its strings (the text is usually shared with the paper text,
    but the cache may be the only holder). Stemmed terms are interned by `stem`'s cache.
    """
    size = 0
    for chunk in chunks:
        size += 40 + sys.getsizeof(chunk.text) + sys.getsizeof(chunk.section) // 4
    n_postings = sum(len(p) for p in postings.values())
    size += n_postings * (8 + 56 + 24) + len(postings) * (56 + 60 + 50)
    size += sum(sys.getsizeof(c) for c in term_counts)
    if vectors is not None:
        size += int(vectors.nbytes) + 112
    return size


def _embedding_text(chunk: Passage) -> str:
    return f"{chunk.section}: {chunk.text}" if chunk.section else chunk.text


def _zscores(values: list[float]) -> list[float]:
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / n) or 1.0
    return [(v - mean) / std for v in values]
