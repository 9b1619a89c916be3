"""A 10-paper digest against its slowest paper, at the concurrency each endpoint gets.

Against the loopback arXiv and OpenAI servers (real `arxiv` and `openai` clients, a fixed
model latency per call; `--full-text` serves a real fixture paper's full text under
every id, so each paper is also downloaded and parsed), each run on a fresh database so
nothing is cached. The servers run in a child process, so what is timed and profiled
here is the bot, not the loopback model writing its streams. First every paper is
prepared alone (the slowest one is the floor), then the whole digest at: the hosted
default (PAPERCLUB_LLM_CONCURRENCY unset, hosted API: 25), the local-server default (4)
and 1. Prints the times, the ratios to the slowest paper, and the event loop's peak lag
during the hosted-default digests; `--watch` also names what blocked the loop
(bench/loop_watch.py).

    python bench/digest.py [--latency 2.0] [--rounds 3] [--full-text] [--watch]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
import multiprocessing.connection
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from adapters.console import ConsoleChat
from bench.loop_lag import LoopLag
from bench.loop_watch import LoopWatch
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import Platform

CPU: dict[int, list[float]] = {}  # this process's CPU seconds per digest, by concurrency
LAG: list[float] = []  # peak loop lag of each hosted-default digest


@dataclass(frozen=True)
class Endpoints:
    """Where the child process serves the loopback arXiv and model."""

    arxiv_api: str
    arxiv_url: str
    model: str


def serve(conn: multiprocessing.connection.Connection, latency: float, full_text: bool) -> None:
    """The child process: the loopback servers until the parent says stop."""
    from bench.load import FullTextArxiv
    from tests.loopback.arxiv_server import ArxivServer
    from tests.loopback.openai_server import OpenAIServer

    arxiv = (FullTextArxiv() if full_text else ArxivServer()).start()
    model = OpenAIServer(latency=latency).start()
    conn.send(Endpoints(arxiv.api_url, arxiv.url, model.base_url))
    conn.recv()
    model.stop()
    arxiv.stop()


def settings_for(folder: str, endpoints: Endpoints, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        db_path=Path(folder) / "bench.db",
        arxiv_api_url=endpoints.arxiv_api,
        arxiv_html_url=f"{endpoints.arxiv_url}/html",  # full text from the loopback
        arxiv_pdf_url=f"{endpoints.arxiv_url}/pdf",
        arxiv_delay_seconds=0,
        sources=("arxiv",),
        llm="openai",
        openai_api_key="sk-bench-loopback",
        openai_base_url=endpoints.model,
        embeddings=False,
        **extra,
    )


async def one_digest(
    endpoints: Endpoints, concurrency: int, watch: LoopWatch | None = None
) -> tuple[float, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(folder, endpoints, llm_concurrency=concurrency)
        async with bootstrap(settings) as club:
            club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), None))
            started, cpu = time.perf_counter(), time.process_time()
            with LoopLag(0.005) as lag:
                if watch is not None:
                    with watch:
                        report = await club.digest.weekly_digest(TERMINAL, dry_run=True)
                else:
                    report = await club.digest.weekly_digest(TERMINAL, dry_run=True)
            elapsed = time.perf_counter() - started
            CPU.setdefault(concurrency, []).append(time.process_time() - cpu)
            if concurrency == 25:
                LAG.append(lag.peak)
        assert len(report.posted) == 10, report
        return elapsed, report.posted


async def each_alone(endpoints: Endpoints, papers: list[str]) -> list[float]:
    """Each paper prepared on its own (metadata, full text, summary), fresh database."""
    times = []
    for arxiv_id in papers:
        with tempfile.TemporaryDirectory() as folder:
            async with bootstrap(settings_for(folder, endpoints)) as club:
                started = time.perf_counter()
                paper = await club.papers.find_paper(arxiv_id)
                await club.papers.prepare_paper(paper, "en")
                times.append(time.perf_counter() - started)
    return times


async def measure(endpoints: Endpoints, args: argparse.Namespace) -> None:
    runs: dict[int, list[float]] = {25: [], 4: [], 1: []}
    slowest: list[float] = []
    watch = LoopWatch(asyncio.get_running_loop()) if args.watch else None
    for n in range(args.rounds):
        _, papers = await one_digest(endpoints, 25)  # warm-up: which ten papers
        slowest.append(max(await each_alone(endpoints, papers)))
        for concurrency in runs:
            if concurrency == 1 and n > 0:
                continue  # one sequential run is enough to show the floor
            observed = watch if concurrency == 25 and n == 0 else None
            runs[concurrency].append((await one_digest(endpoints, concurrency, observed))[0])
    floor = statistics.median(slowest)
    text = "real full texts" if args.full_text else "abstracts (no full text for these ids)"
    print(
        f"papers per digest: 10, model latency per call: {args.latency:.2f} s, "
        f"rounds: {args.rounds}, {text}; servers in another process"
    )
    print(f"slowest paper prepared alone:        median {floor:6.2f} s  {_r(slowest)}")
    for concurrency, label in ((25, "hosted default"), (4, "local default"), (1, "sequential")):
        median = statistics.median(runs[concurrency])
        print(
            f"digest, concurrency {concurrency:2} ({label:14}): median {median:6.2f} s  "
            f"{_r(runs[concurrency])}  = {median / floor:.2f}x the slowest paper; "
            f"bot CPU {statistics.median(CPU[concurrency]):.2f} s"
        )
    print(
        f"event-loop peak lag during the hosted-default digests: {_r([x * 1000 for x in LAG])} ms"
    )
    if watch is not None:
        print(watch.report())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per model call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full-text", action="store_true", help="real full texts for every id")
    parser.add_argument("--watch", action="store_true", help="name what blocks the loop")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    conn, child_conn = context.Pipe()
    child = context.Process(
        target=serve, args=(child_conn, args.latency, args.full_text), daemon=True
    )
    child.start()
    try:
        asyncio.run(measure(conn.recv(), args))
    finally:
        conn.send("stop")
        child.join(10)


def _r(values: list[float]) -> str:
    return "runs " + str([round(v, 2) for v in values])


if __name__ == "__main__":
    main()
