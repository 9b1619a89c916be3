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

from bot.domain import Paper, QAPair, Summary, SummaryEngine, Turn
from bot.llm.grounding import extractive_answer
from bot.reading.chunking import split_sentences
from bot.reading.model import PaperText, Passage
from bot.retrieval import STOPWORDS as ENGLISH_STOPWORDS

MIN_SENTENCE_CHARS = 20
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
# English function words, and the words every paper frames itself with: neither tells
# one of its sentences from another.
STOPWORDS = ENGLISH_STOPWORDS | frozenset(
    """per using use used based show shows shown propose proposed present approach method methods
    results result new one two three""".split()
)

# Key-point questions and the words that mark a sentence answering them, in priority order.
_KEY_POINTS: tuple[tuple[str, dict[str, str], tuple[str, ...]], ...] = (
    (
        "problem",
        {
            "en": "What problem does the paper address?",
            "ja": "この論文はどんな問題に取り組んでいますか？",
            "ko": "이 논문은 어떤 문제를 다루나요?",
        },
        ("problem", "challenge", "however", "limitation", "fail", "struggle", "lack", "difficult"),
    ),
    (
        "proposal",
        {
            "en": "What do the authors propose?",
            "ja": "著者は何を提案していますか？",
            "ko": "저자들은 무엇을 제안하나요?",
        },
        (
            "we propose",
            "we introduce",
            "we present",
            "we develop",
            "this paper",
            "we describe",
            "we study",
            "are studied",
            "we investigate",
        ),
    ),
    (
        "method",
        {
            "en": "How does the method work?",
            "ja": "手法はどのように機能しますか？",
            "ko": "방법은 어떻게 작동하나요?",
        },
        ("consists", "architecture", "train", "framework", "mechanism", "based on", "we then"),
    ),
    (
        "finding",
        {
            "en": "What is the main finding?",
            "ja": "主な発見は何ですか？",
            "ko": "주요 발견은 무엇인가요?",
        },
        ("we find", "we show", "we demonstrate", "reveal", "surprising", "finding"),
    ),
    (
        "results",
        {
            "en": "What results do they report?",
            "ja": "どのような結果が報告されていますか？",
            "ko": "어떤 결과를 보고하나요?",
        },
        ("outperform", "achieve", "improve", "state-of-the-art", "accuracy", "%", "bleu", "score"),
    ),
    (
        "evaluation",
        {
            "en": "How is it evaluated?",
            "ja": "どのように評価されていますか？",
            "ko": "어떻게 평가되나요?",
        },
        ("evaluat", "benchmark", "dataset", "experiment", "test", "compare"),
    ),
    (
        "novelty",
        {
            "en": "What is new compared with earlier work?",
            "ja": "先行研究と比べて何が新しいですか？",
            "ko": "기존 연구와 비교해 무엇이 새로운가요?",
        },
        ("first", "novel", "unlike", "contrast", "previous", "prior work", "existing"),
    ),
    (
        "limitations",
        {
            "en": "What are the limitations?",
            "ja": "限界は何ですか？",
            "ko": "한계는 무엇인가요?",
        },
        ("limitation", "future work", "does not", "cannot", "only", "restricted"),
    ),
    (
        "impact",
        {
            "en": "Why does it matter?",
            "ja": "なぜ重要なのですか？",
            "ko": "왜 중요한가요?",
        },
        ("implication", "enable", "important", "significant", "practical", "broad"),
    ),
    (
        "availability",
        {
            "en": "Are code or data available?",
            "ja": "コードやデータは公開されていますか？",
            "ko": "코드나 데이터가 공개되어 있나요?",
        },
        (
            "github",
            "code is available",
            "release",
            "open-source",
            "open source",
            "publicly available",
        ),
    ),
)

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
        used = {tldr_sentence for tldr_sentence in tldr}
        key_points = self._key_points(sentences, language, used)
        return Summary(
            arxiv_id=paper.arxiv_id,
            language=language,
            tldr=" ".join(tldr),
            key_points=tuple(key_points),
            tags=tuple(self._tags(paper)),
            engine=SummaryEngine.EXTRACTIVE,
            model="extractive",
            basis=str(text.source),
            notes=text.notes,
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

    def _key_points(
        self, sentences: list[_Sentence], language: str, used: set[str]
    ) -> list[QAPair]:
        """One verbatim sentence per key-point question whose cue words it carries.

        Sentences already in the TL;DR are kept for last: with only an abstract to read,
        a short list that repeats the TL;DR beats an empty one.
        """
        pairs: list[QAPair] = []
        taken: set[str] = set()
        for _, questions, cues in _KEY_POINTS:
            fitting = [
                s
                for s in sentences
                if s.text not in taken and any(cue in s.text.lower() for cue in cues)
            ]
            match = next((s for s in fitting if s.text not in used), None)
            if match is None and len(sentences) <= len(used) + 2:
                match = next(iter(fitting), None)
            if match is None:
                continue
            taken.add(match.text)
            pairs.append(QAPair(questions.get(language, questions["en"]), match.text))
        if not pairs and sentences:
            questions = _KEY_POINTS[1][1]  # "What do the authors propose?"
            pairs.append(QAPair(questions.get(language, questions["en"]), sentences[0].text))
        return pairs

    def _tags(self, paper: Paper, limit: int = 6) -> list[str]:
        haystack = f"{paper.title} {paper.abstract}".lower()
        tags: list[str] = []
        for phrase, tag in _TAG_VOCABULARY.items():
            if phrase in haystack and tag not in tags:
                tags.append(tag)
        tags.append(paper.primary_category)
        return tags[:limit]
