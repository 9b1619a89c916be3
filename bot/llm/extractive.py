"""The offline engine: summaries and key points made only of the paper's own sentences.

No model, no network, no key: a newcomer sees paperclub work, and a club that wants
no model at all still gets faithful posts. Every sentence it shows is verbatim, so
the post says "extractive" and stays in the paper's language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from bot.domain import Paper, Summary, SummaryEngine, Turn
from bot.llm.grounding import extractive_answer
from bot.llm.key_points import key_points
from bot.reading.chunking import split_sentences
from bot.reading.model import PaperText, Passage
from bot.retrieval import STOPWORDS as ENGLISH_STOPWORDS
from bot.text import t
from bot.text_processes import run_text_work

MIN_SENTENCE_CHARS = 20
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
# English function words, and the words every paper frames itself with: neither tells
# one of its sentences from another.
STOPWORDS = ENGLISH_STOPWORDS | frozenset(
    """per using use used based show shows shown propose proposed present approach method methods
    results result new one two three""".split()
)

# The bank of key-point questions lives in bot/llm/key_points.py.

# Tags the field uses, matched in the title and abstract (lower-cased phrase -> tag).
_TAG_VOCABULARY: dict[str, str] = {
    "large language model": "llm",
    "language model": "llm",
    "llm": "llm",
    "reinforcement learning from human feedback": "rlhf",
    "rlhf": "rlhf",
    "preference": "alignment",
    "alignment": "alignment",
    "diffusion": "diffusion",
    "transformer": "transformer",
    "attention": "attention",
    "agent": "agents",
    "retrieval": "rag",
    "reasoning": "reasoning",
    "chain-of-thought": "reasoning",
    "benchmark": "benchmark",
    "fine-tun": "fine-tuning",
    "instruction": "instruction-tuning",
    "quantiz": "quantization",
    "long context": "long-context",
    "long-context": "long-context",
    "multimodal": "multimodal",
    "vision": "vision",
    "image": "vision",
    "video": "video",
    "speech": "speech",
    "code generation": "code",
    "translation": "translation",
    "knowledge": "knowledge",
    "hallucination": "hallucination",
    "safety": "safety",
    "evaluation": "evaluation",
    "scaling": "scaling",
    "pretrain": "pretraining",
    "pre-train": "pretraining",
    "robot": "robotics",
    "graph": "graphs",
    "mixture of experts": "moe",
    "mixture-of-experts": "moe",
}


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    position: int
    words: frozenset[str]


def _sentences(text: str) -> list[str]:
    """Whole sentences long enough to stand alone in a summary."""
    return [s for s in split_sentences(" ".join(text.split())) if len(s) > MIN_SENTENCE_CHARS]


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class ExtractiveEngine:
    """An `LLM` with no model behind it."""

    name = "extractive"

    async def summarise(self, paper: Paper, text: PaperText, language: str) -> Summary:
        sentences = self._sentences(paper, text)
        tldr = self._tldr(sentences)
        passages = text.passages or (Passage(paper.abstract, "Abstract", kind="abstract"),)
        if not any(p.kind == "abstract" or p.section.lower() == "abstract" for p in passages):
            passages = (Passage(paper.abstract, "Abstract", kind="abstract"), *passages)
        pairs = await run_text_work(
            key_points, passages, language, authors=paper.authors, title=paper.title, avoid=tldr
        )
        notes = text.notes
        if pairs and language != "en":
            notes = (*notes, t("key_points_quoted", language))
        return Summary(
            arxiv_id=paper.arxiv_id,
            language=language,
            tldr=" ".join(tldr),
            key_points=tuple(pairs),
            tags=tuple(self._tags(paper)),
            engine=SummaryEngine.EXTRACTIVE,
            model="extractive",
            basis=str(text.source),
            notes=notes,
        )

    async def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn],
        language: str,
    ) -> AsyncIterator[str]:
        """The passages' sentences that best match the question, verbatim."""
        yield extractive_answer(question, passages, language).text

    async def search_queries(self, question: str) -> list[str]:
        """No model, no translation: the lexical match has to do."""
        return []

    def _sentences(self, paper: Paper, text: PaperText) -> list[_Sentence]:
        body = [p.text for p in text.passages if p.kind in ("body", "abstract")]
        source = [paper.abstract, *body[:40]] if body else [paper.abstract]
        seen: set[str] = set()
        out: list[_Sentence] = []
        for chunk in source:
            for sentence in _sentences(chunk):
                if sentence in seen or len(sentence) > 500:
                    continue
                seen.add(sentence)
                out.append(_Sentence(sentence, len(out), frozenset(content_words(sentence))))
        return out

    def _tldr(self, sentences: list[_Sentence], count: int = 3) -> list[str]:
        """The most central sentences (TextRank-like overlap), shown in paper order."""
        abstract_part = sentences[:12]
        if not abstract_part:
            return []
        frequency = Counter(w for s in abstract_part for w in s.words)

        def centrality(s: _Sentence) -> float:
            if not s.words:
                return 0.0
            return sum(frequency[w] for w in s.words) / math.sqrt(len(s.words)) - 0.3 * s.position

        chosen = sorted(
            sorted(abstract_part, key=centrality, reverse=True)[:count], key=lambda s: s.position
        )
        return [s.text for s in chosen]

    def _tags(self, paper: Paper, limit: int = 6) -> list[str]:
        haystack = f"{paper.title} {paper.abstract}".lower()
        tags: list[str] = []
        for phrase, tag in _TAG_VOCABULARY.items():
            if phrase in haystack and tag not in tags:
                tags.append(tag)
        tags.append(paper.primary_category)
        return tags[:limit]
