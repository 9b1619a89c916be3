"""Passages -> retrieval chunks: whole sentences, one section each, bounded in words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from bot.reading.model import Passage

# Chosen by bench/qa_eval.py: best answer recall at a fixed 1,000-word budget.
DEFAULT_MAX_WORDS = 80

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    "e.g. i.e. al. fig. figs. eq. eqs. sec. secs. tab. vs. cf. etc. no. approx. resp. "
    "dr. mr. ms. prof. st. ref. refs. ch. pp. vol. app. alg. thm. def. lem.".split()
)


def split_sentences(text: str) -> list[str]:
    """Sentence boundaries that survive "e.g.", "et al.", "Fig. 2" and decimals."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        last_word = candidate.rsplit(maxsplit=1)[-1].lower() if candidate else ""
        if last_word in _ABBREVIATIONS:
            continue
        sentence = text[start : match.end()].strip()
        if sentence:
            sentences.append(sentence)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _word_windows(sentence: str, max_words: int) -> list[str]:
    words = sentence.split()
    return [" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words)]


def _pack(sentences: list[str], max_words: int, joiner: str = " ") -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in sentences:
        pieces = (
            _word_windows(sentence, max_words) if len(sentence.split()) > max_words else [sentence]
        )
        for piece in pieces:
            n = len(piece.split())
            if current and count + n > max_words:
                chunks.append(joiner.join(current))
                current, count = [], 0
            current.append(piece)
            count += n
    if current:
        chunks.append(joiner.join(current))
    return _merge_short_tail(chunks, max_words, joiner)


def _merge_short_tail(chunks: list[str], max_words: int, joiner: str) -> list[str]:
    """A last chunk of a few words joins its predecessor instead of standing alone."""
    if len(chunks) >= 2 and len(chunks[-1].split()) < max_words // 4:
        merged = chunks[-2] + joiner + chunks[-1]
        if len(merged.split()) <= max_words * 5 // 4:
            return [*chunks[:-2], merged]
    return chunks


# Body text, and the loose text drawn inside a figure ("???", "LLM is correct."), are
# packed with their neighbours of the same kind; a fragment alone would outrank real
# paragraphs on a short query just for being short.
GROUPED_KINDS = frozenset({"body", "figure"})


def chunk_passages(
    passages: Iterable[Passage], *, max_words: int = DEFAULT_MAX_WORDS
) -> list[Passage]:
    """Packs consecutive passages of one section and page into chunks of whole sentences.

    Captions and tables stay chunks of their own (split only when too long), so a question
    about "Table 3" can find the table's text without the paragraphs around it; a figure's
    loose text fragments are packed together.
    """
    chunks: list[Passage] = []
    run: list[Passage] = []

    def flush() -> None:
        if not run:
            return
        head = run[0]
        if head.kind == "table":  # whole rows, so a cell stays next to its row label
            units, joiner = [r for p in run for r in p.text.split("\n") if r.strip()], "\n"
        else:
            units, joiner = [s for p in run for s in split_sentences(p.text)], " "
        for text in _pack(units, max_words, joiner):
            chunks.append(replace(head, text=text))  # keeps its place (url)
        run.clear()

    for passage in passages:
        if not passage.text.strip():
            continue
        standalone = passage.kind not in GROUPED_KINDS
        if run and (
            standalone
            or passage.kind != run[0].kind
            or passage.section != run[0].section
            or passage.page != run[0].page
        ):
            flush()
        run.append(passage)
        if standalone:
            flush()
    flush()
    return chunks
