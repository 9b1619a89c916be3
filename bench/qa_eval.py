"""Answer-recall evaluation of paperclub's retrieval (and answers) on L-Eval QASPER JSONL.

    python bench/qa_eval.py ../shared/fixtures/qa/leval_scientific_qa_qasper.fixtures.jsonl \
        [--llm extractive|openai] [--no-dense]

Prints ONE JSON line. Retrieval metric, over questions whose gold answer is not
yes/no/unanswerable: recall within the first 1,000 words of retrieved passages, where a
hit is one passage holding >= 80% of the gold answer's normalised tokens (answers of
<= 3 tokens must appear verbatim). The same metric is printed for a plain BM25 baseline
(bm25s over 120-word chunks with a 90-word stride), run side by side.

Answer metric, over the same questions: the share whose *shown* answer (what a member
reads: the answer's text without its frame line, not the Sources under it) contains the
gold answer by the same hit rule. It is printed for the extractive engine by default
(`--llm extractive`), next to the recall of the passages it was given.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import string
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.embedding import Embedder, load_embedder
from bot.reading.chunking import DEFAULT_MAX_WORDS, chunk_passages
from bot.reading.extract_text import passages_from_text
from bot.reading.model import Passage
from bot.retrieval import PaperIndex, RetrievalConfig

BUDGET_WORDS = 1000
HIT_SHARE = 0.8
NON_SPAN = {"yes", "no", "unanswerable"}


def normalise_tokens(text: str) -> list[str]:
    text = text.lower()
    text = "".join(" " if ch in string.punctuation else ch for ch in text)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return text.split()


def is_hit(answer_tokens: list[str], passage_tokens: list[str]) -> bool:
    if not answer_tokens:
        return False
    if len(answer_tokens) <= 3:
        n = len(answer_tokens)
        return any(
            passage_tokens[i : i + n] == answer_tokens for i in range(len(passage_tokens) - n + 1)
        )
    have = Counter(passage_tokens)
    found = sum(min(c, have[t]) for t, c in Counter(answer_tokens).items())
    return found / len(answer_tokens) >= HIT_SHARE


def within_budget(texts: Sequence[str], budget: int = BUDGET_WORDS) -> list[str]:
    """The first `budget` words of the ranked passages, passage by passage."""
    kept: list[str] = []
    used = 0
    for text in texts:
        words = text.split()
        if used >= budget:
            break
        kept.append(" ".join(words[: budget - used]))
        used += len(words)
    return kept


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = normalise_tokens(prediction), normalise_tokens(gold)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or common == 0:
        return float(pred == ref)
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


@dataclass
class Record:
    text: str
    questions: list[str]
    answers: list[str]


def load_records(path: Path) -> list[Record]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            records.append(Record(data["input"], data["instructions"], data["outputs"]))
    return records


def baseline_ranker(text: str) -> Callable[[str], list[str]]:
    import bm25s  # the reference implementation, independent of ours

    words = text.split()
    chunks = [" ".join(words[i : i + 120]) for i in range(0, max(len(words) - 30, 1), 90)]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(chunks, stopwords="en", show_progress=False), show_progress=False
    )

    def rank(question: str) -> list[str]:
        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return chunks
        docs, _ = retriever.retrieve(tokens, k=len(chunks), show_progress=False)
        return [chunks[int(i)] for i in docs[0]]

    return rank


def ours_index(
    text: str, max_words: int, config: RetrievalConfig, embedder: Embedder | None
) -> PaperIndex:
    chunks = chunk_passages(passages_from_text(text), max_words=max_words)
    return PaperIndex.build(chunks, config=config, embedder=embedder)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def evaluate(
    records: list[Record],
    *,
    max_words: int,
    config: RetrievalConfig,
    embedder: Embedder | None,
    answerer: Callable[[str, list[Passage]], str] | None = None,
) -> dict[str, Any]:
    hits = total = 0
    latencies: list[float] = []
    build_times: list[float] = []
    f1s: list[float] = []
    shown_hits = 0
    for record in records:
        start = time.perf_counter()
        index = ours_index(record.text, max_words, config, embedder)
        build_times.append(time.perf_counter() - start)
        for question, answer in zip(record.questions, record.answers, strict=True):
            start = time.perf_counter()
            results = index.search(question, word_budget=BUDGET_WORDS)
            latencies.append(time.perf_counter() - start)
            passages = [r.passage for r in results]
            shown = answerer(question, passages) if answerer is not None else ""
            if answerer is not None:
                f1s.append(token_f1(shown, answer))
            gold = normalise_tokens(answer)
            if answer.strip().lower().rstrip(".") in NON_SPAN or not gold:
                continue
            total += 1
            kept = within_budget([p.text for p in passages])
            hits += any(is_hit(gold, normalise_tokens(t)) for t in kept)
            shown_hits += is_hit(gold, normalise_tokens(shown))
    out: dict[str, Any] = {
        "recall@1000w": round(hits / total, 4),
        "questions": total,
        "latency_ms_mean": round(1000 * statistics.mean(latencies), 2),
        "latency_ms_p95": round(1000 * percentile(latencies, 0.95), 2),
        "build_ms_mean": round(1000 * statistics.mean(build_times), 1),
    }
    if answerer is not None:
        out["shown_answer_has_gold"] = round(shown_hits / total, 4)
        out["answer_token_f1"] = round(statistics.mean(f1s), 4)
    return out


def evaluate_baseline(records: list[Record]) -> dict[str, Any]:
    hits = total = 0
    latencies: list[float] = []
    for record in records:
        rank = baseline_ranker(record.text)
        for question, answer in zip(record.questions, record.answers, strict=True):
            start = time.perf_counter()
            ranked = rank(question)
            latencies.append(time.perf_counter() - start)
            gold = normalise_tokens(answer)
            if answer.strip().lower().rstrip(".") in NON_SPAN or not gold:
                continue
            total += 1
            hits += any(is_hit(gold, normalise_tokens(t)) for t in within_budget(ranked))
    return {
        "recall@1000w": round(hits / total, 4),
        "questions": total,
        "latency_ms_mean": round(1000 * statistics.mean(latencies), 2),
        "latency_ms_p95": round(1000 * percentile(latencies, 0.95), 2),
    }


def extractive_answerer(question: str, passages: list[Passage]) -> str:
    from bot.llm.grounding import extractive_answer

    answer = extractive_answer(question, passages, "en")
    # Scored without the frame line ("The most relevant sentences in the paper:").
    return "\n".join(answer.text.splitlines()[1:]) if answer.grounded else answer.text


def openai_answerer(model: str) -> Callable[[str, list[Passage]], str]:
    import openai

    from bot.llm.grounding import build_answer_messages, extractive_answer, finalise_answer

    client = openai.OpenAI()  # OPENAI_API_KEY / OPENAI_BASE_URL from the environment

    def answer(question: str, passages: list[Passage]) -> str:
        messages = build_answer_messages(question, passages, [], "en")
        reply = client.chat.completions.create(model=model, messages=messages)  # type: ignore[arg-type]
        final = finalise_answer(reply.choices[0].message.content or "", passages)
        if not final.grounded:
            final = extractive_answer(question, passages, "en")
        return final.text

    return answer


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--llm", choices=["extractive", "openai", "none"], default="extractive")
    parser.add_argument("--model", default=os.environ.get("PAPERCLUB_OPENAI_MODEL", "gpt-4o-mini"))
    parser.add_argument("--no-dense", action="store_true", help="skip the lexical+dense run")
    parser.add_argument("--max-words", type=int, default=DEFAULT_MAX_WORDS)
    parser.add_argument("--config", default="{}", help="RetrievalConfig overrides as JSON")
    args = parser.parse_args(argv)

    records = load_records(args.file)
    config = replace(RetrievalConfig(), **json.loads(args.config))
    answerer: Callable[[str, list[Passage]], str] | None = None
    if args.llm == "extractive":
        answerer = extractive_answerer
    elif args.llm == "openai":
        answerer = openai_answerer(args.model)

    result: dict[str, Any] = {
        "file": args.file.name,
        "budget_words": BUDGET_WORDS,
        "chunk_words": args.max_words,
        "baseline_bm25_120w_stride90": evaluate_baseline(records),
        "ours_lexical": evaluate(
            records, max_words=args.max_words, config=config, embedder=None, answerer=answerer
        ),
    }
    if not args.no_dense:
        embedder = load_embedder()
        if embedder is None:
            result["ours_lexical_dense"] = "embeddings extra not installed"
        else:
            result["ours_lexical_dense"] = evaluate(
                records,
                max_words=args.max_words,
                config=config,
                embedder=embedder,
                answerer=answerer,
            )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
