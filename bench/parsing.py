"""Hostile full texts, bounded: time, peak RSS and event-loop lag for each attack.

Each document is served by a loopback server and read with `fetch_paper_text` under the
default parse limits (a worker process per document, 1.5 GiB address space, 60 s
deadline, 500,000 elements). Peak RSS is the high-water mark (VmHWM) of the parse
worker, sampled from /proc, and of this process.

    python bench/parsing.py [--pdf-inflated-mb 440] [--flat-mb 39] [--drip-deadline 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.loop_lag import LoopLag
from bot.reading.fetch import fetch_paper_text
from bot.reading.worker import ParseLimits
from tests.loopback.fulltext_server import TELL_ME_HTML, html_file
from tests.loopback.hostile_server import (
    HostileServer,
    flat_html,
    gzip_bomb,
    nested_divs_html,
    pdf_deflate_bomb,
)

HTML_PATH, PDF_PATH = "/html/2309.12288v1", "/pdf/2309.12288v1"


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(root: int) -> set[int]:
    """Every process below `root` (the parse workers are the forkserver's children)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


class WorkerPeak:
    """The largest VmHWM of any descendant process while running (sampled every 5 ms)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._known: set[int] = set()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            for pid in _descendants(me):
                self.peak_kb = max(self.peak_kb, _status_kb(pid, "VmHWM"))
            self._stop.wait(0.005)

    def __enter__(self) -> WorkerPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def case(
    name: str,
    server: HostileServer,
    http: aiohttp.ClientSession,
    *,
    deadline: float = 60.0,
) -> None:
    started = time.perf_counter()
    with WorkerPeak() as worker, LoopLag() as lag:
        text = await fetch_paper_text(
            "2309.12288",
            1,
            "An abstract.",
            "A title",
            http=http,
            html_base=server.html_base,
            pdf_base=server.pdf_base,
            max_bytes=40_000_000,
            timeout=20.0,
            retries=2,
            deadline=deadline,
            limits=ParseLimits(),
        )
    elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    note = text.notes[0] if text.notes else ""
    print(
        f"{name:<34} {elapsed:7.2f} s  worker peak {worker.peak_kb / 1024:7.0f} MB  "
        f"bench peak {own:5.0f} MB  loop lag {lag.peak * 1000:5.0f} ms  -> {text.source}"
    )
    if note:
        print(f"{'':<36}{note}")
    server.routes.clear()


async def main(options: argparse.Namespace) -> None:
    server = await HostileServer().start()
    try:
        async with aiohttp.ClientSession() as http:
            await case("warm-up (real arXiv HTML)", _serve(server, html_file(TELL_ME_HTML)), http)

            server.serve(HTML_PATH, nested_divs_html(1_000))
            await case("nested <div> x1,000 (12 KB)", server, http)

            server.serve(HTML_PATH, nested_divs_html(20_000))
            await case("nested <div> x20,000 (220 KB)", server, http)

            paragraphs = options.flat_mb * 1_000_000 // 40
            paragraphs = paragraphs * options.flat_mb * 1_000_000 // len(flat_html(paragraphs))
            page = flat_html(paragraphs)
            server.serve(HTML_PATH, page)
            await case(f"flat HTML {len(page) / 1e6:.0f} MB", server, http)

            page = flat_html(450_000)
            server.serve(HTML_PATH, page)
            await case(f"flat HTML {len(page) / 1e6:.0f} MB (under element cap)", server, http)

            bomb = pdf_deflate_bomb(options.pdf_inflated_mb * 1_000_000)
            server.serve(PDF_PATH, bomb)
            await case(
                f"PDF {len(bomb) / 1e6:.1f} MB -> {options.pdf_inflated_mb} MB stream", server, http
            )

            bomb = gzip_bomb(1_000_000_000)
            server.serve(HTML_PATH, bomb, {"Content-Encoding": "gzip"})
            await case(f"gzip {len(bomb) / 1e6:.1f} MB -> 1 GB", server, http)

            server.drip(HTML_PATH, gzip.compress(b"x" * 1000), every=1.0)
            server.drip(PDF_PATH, b"%PDF" * 100, every=1.0)
            await case(
                f"1 byte/s, {options.drip_deadline:g} s deadline (x2 docs)",
                server,
                http,
                deadline=options.drip_deadline,
            )
    finally:
        await server.stop()


def _serve(server: HostileServer, page: bytes) -> HostileServer:
    server.serve(HTML_PATH, page)
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-inflated-mb", type=int, default=440)
    parser.add_argument("--flat-mb", type=int, default=39)
    parser.add_argument("--drip-deadline", type=float, default=5.0)
    asyncio.run(main(parser.parse_args()))
