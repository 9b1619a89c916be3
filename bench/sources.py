"""Build a digest's 10-paper candidate set from every source over loopback, and count arXiv calls.

Sources: the arXiv category query (real `arxiv` client against the loopback arXiv
serving the recorded Atom feeds), Hugging Face daily papers for the recorded week of
2026-08-17 asked by ISO week (`?week=2026-W34`, pages of 100, the five real daily
responses), alphaXiv's trending feed and Hacker News search (payloads in the documented
shapes, tests/loopback/SOURCES.md), the real dair-ai list as `years/<year>.md` (week of
2023-09-25, whose off-arXiv paper costs one title search) and one member submission.
Then merge, one batched `id_list` look-up for every id without arXiv metadata, and rank.

Prints the median wall time, the requests per digest per source, and the arXiv
requests by kind, beside what one request per id would cost, and what arXiv's 3 s
spacing would make of both.

    python bench/sources.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bot.domain import Author, ConversationRef, Platform, Window
from bot.seams import PaperSource
from bot.sources.alphaxiv import AlphaXivSource
from bot.sources.arxiv_source import ArxivClient, ArxivSource
from bot.sources.arxiv_titles import ArxivTitleSearch
from bot.sources.curated_list import CuratedListSource
from bot.sources.gather import gather_candidates
from bot.sources.hackernews import HackerNewsSource
from bot.sources.hf_daily import HuggingFaceDailySource
from bot.sources.ranking import merge_candidates, missing_metadata, rank
from bot.sources.submissions import InMemorySubmissions, SubmissionSource
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.papers_server import PapersServer
from tests.loopback.social_server import SocialServer

WINDOW = Window(datetime(2026, 8, 17, tzinfo=UTC), datetime(2026, 8, 22, tzinfo=UTC))
CHANNEL = ConversationRef(Platform.CONSOLE, "local", "bench")
ARXIV_SPACING = 3.0  # seconds between requests, arXiv's terms of use


async def one_round(
    arxiv_server: ArxivServer, papers: PapersServer, social: SocialServer
) -> dict[str, float]:
    arxiv_server.requests.clear()
    social.asked.clear()
    client = ArxivClient(arxiv_server.api_url, delay_seconds=0.0, timeout_seconds=10.0, retries=1)
    submissions = InMemorySubmissions()
    await submissions.add(CHANNEL, "https://arxiv.org/abs/1605.08386v1", Author("U1", "Ada"))
    async with aiohttp.ClientSession() as http:
        sources: list[PaperSource] = [
            ArxivSource(client, ["cs.LG", "cs.CL"], max_results=10),
            HuggingFaceDailySource(social.url, http, by_week=True),
            AlphaXivSource(social.url, http),
            HackerNewsSource(social.url, http),
            CuratedListSource(
                social.curated_url, http, titles=ArxivTitleSearch(client), week="2023-09-27"
            ),
            SubmissionSource(submissions, CHANNEL),
        ]
        started = time.perf_counter()
        candidates, unavailable = await gather_candidates(sources, WINDOW)
        merging = time.perf_counter()
        merged = merge_candidates(candidates)
        merge_rank = time.perf_counter() - merging
        lookups_before = len(arxiv_server.requests)
        wanted = missing_metadata(merged)
        papers_found = await client.lookup(wanted)
        ranking = time.perf_counter()
        ranked = rank(merged, papers_found, WINDOW, ("LLM", "testing"), set(), 10)
        merge_rank += time.perf_counter() - ranking
        elapsed = time.perf_counter() - started
    assert not unavailable, unavailable
    assert len(ranked) == 10, len(ranked)
    searches = [r.query.get("search_query", "") for r in arxiv_server.requests[:lookups_before]]
    return {
        "seconds": elapsed,
        "candidates": len(candidates),
        "merged": len(merged),
        "missing": len(wanted),
        "known": len(papers_found),
        "category": sum(1 for q in searches if q.startswith("(cat:")),
        "titles": sum(1 for q in searches if q.startswith("ti:")),
        "id_list": len(arxiv_server.requests) - lookups_before,
        "arxiv_total": len(arxiv_server.requests),
        "sources": len(sources),
        "merge_rank_ms": merge_rank * 1000,
        **{
            f"req_{route}": float(social.count(route))
            for route in ("hf", "alphaxiv", "hn", "curated")
        },
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    arxiv_server = ArxivServer().start()
    assert isinstance(arxiv_server, ArxivServer)
    papers = await PapersServer().start()
    social = await SocialServer().start()
    try:
        rounds = [await one_round(arxiv_server, papers, social) for _ in range(args.rounds)]
    finally:
        await social.stop()
        await papers.stop()
        arxiv_server.stop()
    last = rounds[-1]
    times = [r["seconds"] for r in rounds]
    unbatched = last["category"] + last["titles"] + last["missing"]
    print(f"rounds: {args.rounds}")
    print(
        f"candidate set: {last['candidates']:.0f} candidates from {last['sources']:.0f} sources -> "
        f"{last['merged']:.0f} papers -> top 10"
    )
    print(
        f"wall time (loopback, no arXiv spacing): median {statistics.median(times) * 1000:.0f} ms,"
        f" min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )
    print(
        "merge + rank (no network): median "
        f"{statistics.median(r['merge_rank_ms'] for r in rounds):.1f} ms"
    )
    print(
        f"requests per digest: Hugging Face {last['req_hf']:.0f} (week=, pages of 100), "
        f"alphaXiv {last['req_alphaxiv']:.0f}, Hacker News {last['req_hn']:.0f}, "
        f"curated list {last['req_curated']:.0f}, arXiv {last['arxiv_total']:.0f}"
    )
    print(
        f"arXiv requests: {last['arxiv_total']:.0f} = {last['category']:.0f} category query + "
        f"{last['titles']:.0f} title search + {last['id_list']:.0f} id_list look-up "
        f"for {last['missing']:.0f} ids ({last['known']:.0f} known to the loopback arXiv)"
    )
    print(f"one request per id instead: {unbatched:.0f} requests")
    print(
        f"at arXiv's {ARXIV_SPACING:g} s spacing: batched >= "
        f"{(last['arxiv_total'] - 1) * ARXIV_SPACING:.0f} s, one per id >= "
        f"{(unbatched - 1) * ARXIV_SPACING:.0f} s "
        f"(id_list batches of 100: {math.ceil(last['missing'] / 100)} for these ids)"
    )


if __name__ == "__main__":
    asyncio.run(main())
