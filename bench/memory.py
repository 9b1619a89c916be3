"""RSS with many papers read and indexed, the index cache at its default size, dense off.

The five fixture papers are parsed once (their real full texts), then stored under
--papers distinct ids, as if that many papers had been prepared; each is then read from
the store and indexed through the one PaperLibrary, the way questions reach them, in
order (so the byte-bounded cache keeps evicting). Prints RSS before and after, the peak,
what the cache holds, and the same with the cache's budget written out; and what a full
collection then walks (start-up's heap frozen first, as `paperclub run` does).

    python bench/memory.py [--papers 500] [--cache-mb 64]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.answer import papers as fixture_papers
from bench.gc_pauses import heap_census
from bot.config import Settings
from bot.domain import Paper
from bot.heap import settle_heap
from bot.reading.library import PaperLibrary
from bot.reading.model import PaperText, TextSource, paper_text_to_json
from bot.store import Store

NOW = datetime.now(UTC)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument(
        "--cache-mb", type=int, default=Settings.model_fields["index_cache_mb"].default
    )
    args = parser.parse_args()
    texts = [extract() for _, extract in fixture_papers()]
    gc.collect()
    start = rss_mib()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            db_path=Path(folder) / "m.db",
            embeddings=False,
            index_cache_mb=args.cache_mb,
        )
        async with Store.open(settings.db_path) as store, aiohttp.ClientSession() as http:
            for n in range(args.papers):
                key = f"2601.{n:05d}"
                text = PaperText(
                    key=key,
                    source=TextSource.PDF,
                    title=f"Paper {n}",
                    passages=tuple(texts[n % len(texts)]),
                )
                await store.save_text(key, str(text.source), paper_text_to_json(text))
            del texts
            settle_heap()
            library = PaperLibrary(store, http, settings)
            began = time.perf_counter()
            for n in range(args.papers):
                paper = Paper(
                    arxiv_id=f"2601.{n:05d}",
                    version=1,
                    title=f"Paper {n}",
                    authors=("A. Author",),
                    abstract="An abstract.",
                    published=NOW,
                    updated=NOW,
                    primary_category="cs.CL",
                )
                text = await library.text(paper)
                await library.index(text)
            elapsed = time.perf_counter() - began
            gc.collect()
            print(
                f"{args.papers} papers (real fixture full texts) read from the store and "
                f"indexed in {elapsed:.1f} s, dense off, index cache {args.cache_mb} MiB"
            )
            print(
                f"  RSS before {start:.0f} MiB, after {rss_mib():.0f} MiB, peak "
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
            )
            print(
                f"  cache holds {len(library.cache)} entries, "
                f"{library.cache.held / 2**20:.1f} MiB of {args.cache_mb} MiB"
            )
            print(f"  heap then: {heap_census()}")


if __name__ == "__main__":
    asyncio.run(main())
