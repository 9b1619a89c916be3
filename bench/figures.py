"""What the pictures cost: the key figure of each fixture paper and the standings chart.

For the arXiv HTML fixtures: finding the first figure in the page (a worker thread in the
bot). For the PDF fixtures: rendering the page of "Figure 1" in the bounded parse worker
(a process per document, as the bot does). For the chart: drawing it in each language
(the first call loads matplotlib and the fonts). Prints wall time, PNG bytes and the
picture's size; offline, from ../shared/fixtures.

    python bench/figures.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image as PILImage

from bot.domain import ConversationRef, Paper, Platform, Tally, ThreadRef
from bot.reading.figures import first_html_figure
from bot.reading.worker import ParseLimits, render_isolated
from bot.usecases.club.standings_chart import draw_standings
from tests.loopback.fixtures import fixtures_dir

HTML = {
    "2501.11120": "arxiv-html-2501.11120v1-tell-me-about-yourself.html",
    "2303.17564": "ar5iv-2303.17564-bloomberggpt.html",
}
PDF = {
    "2309.12288": "reversal-curse-2309.12288.pdf",
    "1706.03762": "attention-is-all-you-need-1706.03762.pdf",
    "2309.16609": "qwen-technical-report-2309.16609.pdf",
}


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def tallies(count: int) -> list[Tally]:
    moment = datetime(2026, 11, 30, tzinfo=UTC)
    channel = ConversationRef(Platform.DISCORD, "1", "2")
    return [
        Tally(
            Paper(
                f"2511.{10000 + i}",
                1,
                f"A paper about topic {i}",
                ("A",),
                "",
                moment,
                moment,
                "cs.CL",
                ("cs.CL",),
            ),
            count - i,
            ThreadRef(channel, str(i)),
        )
        for i in range(count)
    ]


def size(png: bytes) -> str:
    with PILImage.open(io.BytesIO(png)) as picture:
        return f"{picture.size[0]}x{picture.size[1]}"


async def main(rounds: int) -> None:
    folder = fixtures_dir() / "papers"
    print("key figure, arXiv HTML (first <figure> with an image and a caption)")
    for arxiv_id, name in HTML.items():
        page = (folder / "html" / name).read_text("utf-8")
        samples, found = [], None
        for _ in range(rounds):
            started = time.perf_counter()
            found = await asyncio.to_thread(
                first_html_figure, page, f"https://arxiv.org/html/{arxiv_id}"
            )
            samples.append(time.perf_counter() - started)
        assert found is not None
        print(
            f"  {arxiv_id}  {median_ms(samples)}  {len(page):>9,} chars  {found.anchor}: {found.caption[:60]}…"
        )
    print("key figure, PDF (the 'Figure 1' page rendered in the parse worker)")
    for arxiv_id, name in PDF.items():
        data = (folder / name).read_bytes()
        samples, rendered = [], None
        for _ in range(rounds):
            started = time.perf_counter()
            rendered = await render_isolated(data, ParseLimits())
            samples.append(time.perf_counter() - started)
        assert rendered is not None
        print(
            f"  {arxiv_id}  {median_ms(samples)}  page {rendered.page}  "
            f"{len(rendered.png):>9,} bytes PNG  {size(rendered.png)}"
        )
    print("standings chart (10 bars)")
    board = tallies(10)
    for language in ("en", "ja", "ko"):
        samples, png = [], b""
        for _ in range(rounds):
            started = time.perf_counter()
            png = draw_standings(board, language)
            samples.append(time.perf_counter() - started)
        first = samples[0] * 1000
        print(
            f"  {language}  {median_ms(samples)} (first {first:.0f} ms)  "
            f"{len(png):>7,} bytes PNG  {size(png)}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
