"""Quotes chosen in code, for a model answer that cites nothing we can check.

A small local model rarely writes the citation lines the prompt asks for (SmolLM2-135M:
never, in 26 answers), so `finalise_answer` finds no verified quote and the answer was
thrown away. Here the quotes are picked from the passages the model was given: the
sentences sharing the most content words with its answer (the passages it marked [n]
first). The answer counts as grounded only when those quotes carry enough of the
answer's own content words (`MIN_SUPPORT`): a model that wrote something the passages
do not say still falls back to the paper's own sentences. The caller says so in the
member's language (`answer_note_quotes_chosen`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain import Answer, SummaryEngine
from bot.llm.grounding import cite
from bot.reading.chunking import split_sentences
from bot.reading.model import Passage
from bot.retrieval import STOPWORDS, tokenize

MIN_SUPPORT = 0.5  # share of the answer's content words found in the chosen quotes
MIN_ANSWER_TERMS = 3  # fewer content words (e.g. an answer in Japanese) cannot be checked
MAX_QUOTES = 3
MAX_QUOTE_CHARS = 300
_MARKER = re.compile(r"\[(\d{1,3})\]")


def _terms(text: str) -> set[str]:
    return {t for t in tokenize(text) if t not in STOPWORDS and len(t) > 2}


# Words about the asking itself: "The answer to the question is …" names no content.
META_TERMS = frozenset(_terms("answer answers question questions paper passage passages query"))


def content_terms(text: str) -> set[str]:
    """`text`'s content words (stemmed), without the words about the asking itself."""
    return _terms(text) - META_TERMS


def attribute(
    model_text: str, body: str, passages: Sequence[Passage], question: str = ""
) -> Answer | None:
    """`body` (the model's answer, citation lines removed) with quotes chosen from
    `passages`; None when the quotes do not support it.

    Only what the answer adds counts: the question's own words, echoed back ("The next
    question to answer is: Which models were tested?", SmolLM2-135M on llama-server),
    support nothing."""
    answer_terms = content_terms(body) - _terms(question)
    if len(answer_terms) < MIN_ANSWER_TERMS or not passages:
        return None
    marked = [int(n) for n in _MARKER.findall(model_text) if 1 <= int(n) <= len(passages)]
    order = list(dict.fromkeys(marked)) + [
        i for i in range(1, len(passages) + 1) if i not in marked
    ]
    scored: list[tuple[float, int, str, Passage]] = []
    for rank, number in enumerate(order):
        passage = passages[number - 1]
        for sentence in split_sentences(" ".join(passage.text.split())):
            shared = answer_terms & _terms(sentence)
            if len(shared) < 2:
                continue
            bonus = 1.5 if number in marked else 1.0
            scored.append((len(shared) * bonus / (1 + 0.05 * rank), rank, sentence, passage))
    scored.sort(key=lambda s: (-s[0], s[1]))
    chosen: list[tuple[str, Passage]] = []
    covered: set[str] = set()
    for _score, _rank, sentence, passage in scored:
        new = (answer_terms & _terms(sentence)) - covered
        if not new:
            continue
        chosen.append((sentence, passage))
        covered |= new
        if len(chosen) >= MAX_QUOTES:
            break
    if not chosen or len(covered) < MIN_SUPPORT * len(answer_terms):
        return None
    citations = tuple(
        cite(passage, sentence, limit=MAX_QUOTE_CHARS) for sentence, passage in chosen
    )
    text = _MARKER.sub("", body).strip()
    text = re.sub(r"[ \t]+([.,;:])", r"\1", text)
    return Answer(text=text, grounded=True, citations=citations, engine=SummaryEngine.MODEL)
