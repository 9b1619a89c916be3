"""A 10-paper digest against its slowest paper, at the concurrency each endpoint gets.

Against the loopback arXiv and OpenAI servers (real `arxiv` and `openai` clients, a fixed
model latency per call; `--full-text` serves a real fixture paper's full text under
every id, so each paper is also downloaded and parsed), each run on a fresh database so
nothing is cached. First every paper is prepared alone (the slowest one is the floor),
then the whole digest at: the hosted default (PAPERCLUB_LLM_CONCURRENCY unset, hosted
API: 25), the local-server default (4) and 1. Prints the times and the ratios to the
slowest paper.

    python bench/digest.py [--latency 2.0] [--rounds 3] [--full-text]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from adapters.console import ConsoleChat
from bench.load import FullTextArxiv
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import Platform
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.openai_server import OpenAIServer

CPU: dict[int, list[float]] = {}  # this process's CPU seconds per digest, by concurrency


def settings_for(folder: str, arxiv: ArxivServer, model: OpenAIServer, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        db_path=Path(folder) / "bench.db",
        arxiv_api_url=arxiv.api_url,
        arxiv_html_url=f"{arxiv.url}/html",  # full text from the loopback, not arxiv.org
        arxiv_pdf_url=f"{arxiv.url}/pdf",
        arxiv_delay_seconds=0,
        sources=("arxiv",),
        llm="openai",
        openai_api_key="sk-bench-loopback",
        openai_base_url=model.base_url,
        embeddings=False,
        **extra,
    )


async def one_digest(
    arxiv: ArxivServer, model: OpenAIServer, concurrency: int
) -> tuple[float, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(folder, arxiv, model, llm_concurrency=concurrency)
        async with bootstrap(settings) as club:
            club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), None))
            started, cpu = time.perf_counter(), time.process_time()
            report = await club.digest.weekly_digest(TERMINAL, dry_run=True)
            elapsed = time.perf_counter() - started
            CPU.setdefault(concurrency, []).append(time.process_time() - cpu)
        assert len(report.posted) == 10, report
        return elapsed, report.posted


async def each_alone(arxiv: ArxivServer, model: OpenAIServer, papers: list[str]) -> list[float]:
    """Each paper prepared on its own (metadata, full text, summary), fresh database."""
    times = []
    for arxiv_id in papers:
        with tempfile.TemporaryDirectory() as folder:
            async with bootstrap(settings_for(folder, arxiv, model)) as club:
                started = time.perf_counter()
                paper = await club.papers.find_paper(arxiv_id)
                await club.papers.prepare_paper(paper, "en")
                times.append(time.perf_counter() - started)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per model call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full-text", action="store_true", help="real full texts for every id")
    args = parser.parse_args()
    arxiv = (FullTextArxiv() if args.full_text else ArxivServer()).start()
    model = OpenAIServer(latency=args.latency).start()
    runs: dict[int, list[float]] = {25: [], 4: [], 1: []}
    slowest: list[float] = []
    try:
        for n in range(args.rounds):
            _, papers = await one_digest(arxiv, model, 25)  # warm-up: which ten papers
            slowest.append(max(await each_alone(arxiv, model, papers)))
            for concurrency in runs:
                if concurrency == 1 and n > 0:
                    continue  # one sequential run is enough to show the floor
                runs[concurrency].append((await one_digest(arxiv, model, concurrency))[0])
    finally:
        arxiv.stop()
        model.stop()
    floor = statistics.median(slowest)
    text = "real full texts" if args.full_text else "abstracts (no full text for these ids)"
    print(
        f"papers per digest: 10, model latency per call: {args.latency:.2f} s, "
        f"rounds: {args.rounds}, {text}"
    )
    print(f"slowest paper prepared alone:        median {floor:6.2f} s  {_r(slowest)}")
    for concurrency, label in ((25, "hosted default"), (4, "local default"), (1, "sequential")):
        median = statistics.median(runs[concurrency])
        print(
            f"digest, concurrency {concurrency:2} ({label:14}): median {median:6.2f} s  "
            f"{_r(runs[concurrency])}  = {median / floor:.2f}x the slowest paper; "
            f"bot CPU {statistics.median(CPU[concurrency]):.2f} s"
        )


def _r(values: list[float]) -> str:
    return "runs " + str([round(v, 2) for v in values])


if __name__ == "__main__":
    asyncio.run(main())
