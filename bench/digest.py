"""Digest of 10 papers, sequential vs concurrent, with a fixed model latency per call.

Runs both side by side in one process against the loopback arXiv and OpenAI servers
(real `arxiv` and `openai` clients), each with a fresh database so no summary is
cached, and prints the two times and their ratio.

    python bench/digest.py [--latency 0.5] [--rounds 3]
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

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import Platform
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.openai_server import OpenAIServer


async def one_digest(arxiv: ArxivServer, model: OpenAIServer, concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            db_path=Path(folder) / "bench.db",
            arxiv_api_url=arxiv.api_url,
            arxiv_html_url=f"{arxiv.url}/html",  # full text from the loopback, not arxiv.org
            arxiv_pdf_url=f"{arxiv.url}/pdf",
            arxiv_delay_seconds=0,
            sources=("arxiv",),
            llm="openai",
            openai_api_key=SecretStr("sk-bench-loopback"),
            openai_base_url=model.base_url,
            digest_concurrency=concurrency,
            embeddings=False,
        )
        async with bootstrap(settings) as club:
            club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), None))
            started = time.perf_counter()
            report = await club.digest.weekly_digest(TERMINAL, dry_run=True)
            elapsed = time.perf_counter() - started
        assert len(report.posted) == 10, report
        return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per model call")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    arxiv = ArxivServer().start()
    model = OpenAIServer(latency=args.latency).start()
    sequential, concurrent = [], []
    try:
        for _ in range(args.rounds):
            sequential.append(await one_digest(arxiv, model, concurrency=1))
            concurrent.append(await one_digest(arxiv, model, concurrency=10))
    finally:
        arxiv.stop()
        model.stop()
    seq, con = statistics.median(sequential), statistics.median(concurrent)
    print(
        f"papers per digest: 10, model latency per call: {args.latency:.2f} s, rounds: {args.rounds}"
    )
    print(
        f"sequential (concurrency 1):  median {seq:.2f} s  runs {[round(t, 2) for t in sequential]}"
    )
    print(
        f"concurrent (concurrency 10): median {con:.2f} s  runs {[round(t, 2) for t in concurrent]}"
    )
    print(f"speed-up: {seq / con:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
