"""Per-paper retrieval: chunking, BM25 ranking, budget, merging, serialisation, speed."""

from __future__ import annotations

import json
import time

import pytest

from bot.reading.chunking import chunk_passages, split_sentences
from bot.reading.extract_text import passages_from_markdown, passages_from_text
from bot.reading.model import (
    PaperText,
    Passage,
    TextSource,
    paper_text_from_json,
    paper_text_to_json,
)
from bot.retrieval import PaperIndex, RetrievalConfig, query_terms, tokenize
from tests.embedders import HashingEmbedder
from tests.loopback.fixtures import fixtures_dir


def qasper_papers() -> list[dict[str, object]]:
    path = fixtures_dir() / "qa" / "leval_scientific_qa_qasper.fixtures.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def memo_chunks() -> list[Passage]:
    text = (fixtures_dir() / "papers" / "qwen-tech-memo.md").read_text(encoding="utf-8")
    return chunk_passages(passages_from_markdown(text)[1])


def test_sentences_survive_abbreviations_and_decimals() -> None:
    text = (
        "We follow Smith et al. 2020 and use e.g. BERT. Accuracy is 91.5 on SST-2. Fig. 3 shows it."
    )
    assert split_sentences(text) == [
        "We follow Smith et al. 2020 and use e.g. BERT.",
        "Accuracy is 91.5 on SST-2.",
        "Fig. 3 shows it.",
    ]


def test_chunks_are_bounded_keep_sections_and_end_on_sentences(
    memo_chunks: list[Passage],
) -> None:
    assert len(memo_chunks) > 30
    for chunk in memo_chunks:
        assert len(chunk.text.split()) <= 100
    body = [c for c in memo_chunks if c.kind == "body" and len(c.text.split()) > 20]
    assert sum(c.text.rstrip().endswith((".", ":", ")", "?")) for c in body) / len(body) > 0.7
    assert {c.section for c in memo_chunks} >= {"Pretraining > Data", "Fine-tuning > Data"}
    assert any(c.kind == "table" for c in memo_chunks)


def test_qasper_headings_become_sections() -> None:
    paper = qasper_papers()[2]
    passages = passages_from_text(str(paper["input"]))
    sections = {p.section for p in passages}
    assert "Methodology ::: Fine-Tuning Strategies" in sections
    assert "Experiments and Results ::: Dataset Description" in sections
    assert not any(p.text in sections for p in passages)


def test_query_terms_weight_content_over_question_framing() -> None:
    terms = query_terms("Which dataset do they use for evaluation?")
    assert terms["dataset"] == 1.0
    assert terms["use"] < 1.0
    assert "corpu" in terms or "corpus" in terms  # an expansion, at a lower weight
    assert "which" not in terms
    assert tokenize("Datasets were annotated") == ["dataset", "annotat"]


def test_search_finds_the_passage_that_answers(memo_chunks: list[Passage]) -> None:
    index = PaperIndex.build(memo_chunks)
    results = index.search("What optimizer and learning rate were used for pretraining?")
    assert "AdamW" in results[0].passage.text
    assert results[0].passage.section == "Pretraining > Model"
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


def test_search_respects_the_word_budget_and_merges_neighbours(
    memo_chunks: list[Passage],
) -> None:
    index = PaperIndex.build(memo_chunks)
    for budget in (50, 300, 1000):
        results = index.search("C-Eval accuracy of Qwen-7B-Chat", word_budget=budget)
        assert sum(len(r.passage.text.split()) for r in results) <= budget
    results = index.search("C-Eval accuracy of Qwen-7B-Chat", word_budget=1000)
    texts = [r.passage.text for r in results]
    assert len(set(texts)) == len(texts)
    # Merged passages are verbatim runs of consecutive chunks.
    joined = " ".join(" ".join(c.text for c in memo_chunks).split())
    assert all(" ".join(t.split()) in joined for t in texts)


def test_merging_can_be_switched_off(memo_chunks: list[Passage]) -> None:
    plain = PaperIndex.build(memo_chunks, config=RetrievalConfig(merge_adjacent=False))
    chunk_texts = {c.text for c in memo_chunks}
    assert all(r.passage.text in chunk_texts for r in plain.search("tokenizer vocabulary")[:-1])


def test_lexical_index_beats_plain_bm25_on_qasper_answers() -> None:
    """A small slice of bench/qa_eval.py, so a regression in retrieval fails a test."""
    from bench.qa_eval import evaluate, evaluate_baseline, load_records

    path = fixtures_dir() / "qa" / "leval_scientific_qa_qasper.fixtures.jsonl"
    records = load_records(path)
    ours = evaluate(records, max_words=80, config=RetrievalConfig(), embedder=None)
    baseline = evaluate_baseline(records)
    assert ours["recall@1000w"] >= baseline["recall@1000w"] + 0.08


def test_build_and_search_are_fast_without_embeddings() -> None:
    text = max((str(p["input"]) for p in qasper_papers()), key=len)
    chunks = chunk_passages(passages_from_text(text))
    start = time.perf_counter()
    index = PaperIndex.build(chunks)
    build = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        index.search("What baselines do they compare to?")
    per_query = (time.perf_counter() - start) / 20
    assert build < 0.5 and per_query < 0.02
    assert not index.dense


def test_empty_paper_searches_to_nothing() -> None:
    assert PaperIndex.build([]).search("anything") == []


def test_paper_text_round_trips_through_json(memo_chunks: list[Passage]) -> None:
    paper = PaperText(
        key="2309.16609",
        source=TextSource.PDF,
        title="Qwen",
        passages=(*memo_chunks[:5], Passage("Figure 1: x", "Intro", page=3, kind="caption")),
        notes=("arXiv HTML unavailable (404); used the PDF",),
    )
    data = json.loads(json.dumps(paper_text_to_json(paper)))
    assert paper_text_from_json(data) == paper


def test_rewritten_queries_rescue_a_question_in_another_language(
    memo_chunks: list[Passage],
) -> None:
    index = PaperIndex.build(memo_chunks)
    alone = index.search("事前学習に使ったオプティマイザは？", word_budget=100)
    assert not any("AdamW" in r.passage.text for r in alone)
    helped = index.search(
        "事前学習に使ったオプティマイザは？",
        word_budget=100,
        alternatives=["pretraining optimizer", "AdamW learning rate"],
    )
    assert "AdamW" in helped[0].passage.text


def test_dense_scores_are_fused_and_cached_vectors_reused(memo_chunks: list[Passage]) -> None:
    embedder = HashingEmbedder()
    index = PaperIndex.build(memo_chunks, embedder=embedder)
    assert index.dense and embedder.calls == [len(memo_chunks)]
    results = index.search("What optimizer and learning rate were used for pretraining?")
    assert "AdamW" in results[0].passage.text
    assert embedder.calls == [len(memo_chunks), 1]  # the chunks once, then the question
    assert index.vectors is not None
    again = PaperIndex.build(memo_chunks, embedder=embedder, vectors=index.vectors)
    assert [r.passage for r in again.search("tokenizer")] == [
        r.passage for r in index.search("tokenizer")
    ]
    assert embedder.calls == [len(memo_chunks), 1, 1, 1]  # cached vectors: questions only
