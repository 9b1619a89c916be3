"""Answering benchmarks on the fixture papers: extraction, index build, retrieval latency,
memory per indexed paper, and time to the first streamed answer chunk (loopback LLM).

    python bench/answer.py [--dense]

Prints one JSON line per paper, then one summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.embedding import Embedder, load_embedder  # noqa: E402
from bot.llm.grounding import build_answer_messages  # noqa: E402
from bot.reading.chunking import chunk_passages  # noqa: E402
from bot.reading.extract_html import passages_from_html  # noqa: E402
from bot.reading.extract_pdf import passages_from_pdf  # noqa: E402
from bot.reading.model import Passage  # noqa: E402
from bot.retrieval import PaperIndex  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
QUESTIONS = [
    "What dataset did they use?",
    "How many parameters does the largest model have?",
    "What baselines do they compare to?",
    "Which optimizer and learning rate schedule were used?",
    "What are the limitations of the approach?",
    "How is the model evaluated?",
    "Does Table 3 include the 70B model?",
    "What is the main finding?",
    "How does this compare to RoPE scaling?",
    "What tokenizer do they use and how large is the vocabulary?",
]


def papers() -> list[tuple[str, Callable[[], list[Passage]]]]:
    html = FIXTURES / "papers" / "html"
    pdfs = FIXTURES / "papers"
    return [
        (
            "tell-me-about-yourself (arXiv HTML)",
            lambda: (
                passages_from_html(
                    (html / "arxiv-html-2501.11120v1-tell-me-about-yourself.html").read_text(
                        "utf-8"
                    )
                ).passages
            ),
        ),
        (
            "bloomberggpt (ar5iv HTML)",
            lambda: (
                passages_from_html(
                    (html / "ar5iv-2303.17564-bloomberggpt.html").read_text("utf-8")
                ).passages
            ),
        ),
        (
            "qwen-technical-report (PDF, 59 pages)",
            lambda: (
                passages_from_pdf(
                    (pdfs / "qwen-technical-report-2309.16609.pdf").read_bytes()
                ).passages
            ),
        ),
        (
            "attention-is-all-you-need (PDF, 15 pages)",
            lambda: (
                passages_from_pdf(
                    (pdfs / "attention-is-all-you-need-1706.03762.pdf").read_bytes()
                ).passages
            ),
        ),
    ]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_paper(
    name: str, extract: Callable[[], list[Passage]], embedder: Embedder | None
) -> dict[str, Any]:
    start = time.perf_counter()
    passages = extract()
    extract_s = time.perf_counter() - start

    start = time.perf_counter()
    chunks = chunk_passages(passages)
    chunk_ms = 1000 * (time.perf_counter() - start)

    start = time.perf_counter()
    index = PaperIndex.build(chunks)
    build_ms = 1000 * (time.perf_counter() - start)
    tracemalloc.start()
    traced = PaperIndex.build(chunks)  # measured apart: tracing slows the build several times
    index_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced

    latencies = []
    for _ in range(20):
        for question in QUESTIONS:
            start = time.perf_counter()
            index.search(question, word_budget=1000)
            latencies.append(1000 * (time.perf_counter() - start))
    result: dict[str, Any] = {
        "paper": name,
        "words": sum(len(p.text.split()) for p in passages),
        "chunks": len(chunks),
        "extract_s": round(extract_s, 3),
        "chunk_ms": round(chunk_ms, 1),
        "lexical_build_ms": round(build_ms, 1),
        "lexical_search_ms_p50": round(statistics.median(latencies), 3),
        "lexical_search_ms_p95": round(percentile(latencies, 0.95), 3),
        "lexical_index_kib": round(index_bytes / 1024, 1),
    }
    if embedder is not None:
        start = time.perf_counter()
        dense = PaperIndex.build(chunks, embedder=embedder)
        result["dense_build_s"] = round(time.perf_counter() - start, 2)
        result["dense_chunks_per_s"] = round(len(chunks) / result["dense_build_s"], 1)
        dense_latencies = []
        for question in QUESTIONS:
            start = time.perf_counter()
            dense.search(question, word_budget=1000)
            dense_latencies.append(1000 * (time.perf_counter() - start))
        result["dense_search_ms_p50"] = round(statistics.median(dense_latencies), 1)
        result["dense_search_ms_p95"] = round(percentile(dense_latencies, 0.95), 1)
        result["dense_vectors_kib"] = round(len(chunks) * 384 * 8 / 1024, 1)
    return result


async def first_chunk_ms(chunks: list[Passage], rounds: int = 10) -> dict[str, float]:
    """Question -> retrieval -> prompt -> first streamed token from the loopback OpenAI server."""
    import openai

    from tests.loopback.openai_server import OpenAIServer

    server = OpenAIServer().start()
    index = PaperIndex.build(chunks)
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="bench-key", max_retries=0)
    times = []
    try:
        for i in range(rounds):
            start = time.perf_counter()
            passages = [r.passage for r in index.search(QUESTIONS[i % len(QUESTIONS)])]
            messages = build_answer_messages(QUESTIONS[i % len(QUESTIONS)], passages, [], "en")
            stream = await client.chat.completions.create(
                model="loopback",
                messages=messages,  # type: ignore[arg-type]
                stream=True,
            )
            first: float | None = None
            assert isinstance(stream, openai.AsyncStream)
            async for event in stream:
                if first is None and event.choices and event.choices[0].delta.content:
                    first = 1000 * (time.perf_counter() - start)
            if first is not None:
                times.append(first)
    finally:
        await client.close()
        server.stop()
    return {
        "first_chunk_ms_p50": round(statistics.median(times), 1),
        "first_chunk_ms_p95": round(percentile(times, 0.95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dense", action="store_true", help="also time the MiniLM re-ranker")
    args = parser.parse_args()
    embedder = load_embedder() if args.dense else None
    if args.dense and embedder is None:
        print(json.dumps({"dense": "the embeddings extra is not installed"}))
    results = []
    for name, extract in papers():
        results.append(bench_paper(name, extract, embedder))
        print(json.dumps(results[-1]))
    longest = max(papers(), key=lambda p: sum(len(x.text.split()) for x in p[1]()))
    summary = {
        "longest_paper": longest[0],
        **asyncio.run(first_chunk_ms(chunk_passages(longest[1]()))),
        "max_lexical_search_ms_p95": max(r["lexical_search_ms_p95"] for r in results),
        "max_lexical_build_ms": max(r["lexical_build_ms"] for r in results),
        "max_lexical_index_kib": max(r["lexical_index_kib"] for r in results),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
