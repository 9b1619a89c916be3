"""A paper's key figure: the first figure of the real arXiv HTML fixture (its image served by
the loopback full-text host), or the render of the PDF fixture's "Figure 1" page; only from
the configured host, size-capped, type-checked; a paper without one posts as before; the
terminal prints its caption and link."""

from __future__ import annotations

import gc
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import aiohttp
import pytest
from PIL import Image as PILImage
from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import Platform
from bot.reading.figures import MAX_FIGURE_BYTES, KeyFigures, first_html_figure
from bot.reading.model import TextSource
from bot.reading.worker import ParseLimits, render_isolated
from tests.loopback.arxiv_entries import register_paper
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.fixtures import fixtures_dir
from tests.loopback.fulltext_server import (
    REVERSAL_PDF,
    TELL_ME_HTML,
    FullTextServer,
    html_file,
    paper_file,
)

HTML_PAPER = "2501.11120"
PDF_PAPER = "2309.12288"
FIGURE_PATH = f"{HTML_PAPER}v1/x1.png"  # the fixture's first figure: <img src="x1.png">
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png(width: int = 64, height: int = 32) -> bytes:
    """A picture standing in for arXiv's x1.png (the fixture page has no image files)."""
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def fulltext() -> AsyncIterator[FullTextServer]:
    server = await FullTextServer().start()
    server.html[f"{HTML_PAPER}v1"] = html_file(TELL_ME_HTML)
    server.pdf[f"{PDF_PAPER}v1"] = paper_file(REVERSAL_PDF)
    yield server
    await server.stop()


@pytest.fixture
async def figures(fulltext: FullTextServer) -> AsyncIterator[KeyFigures]:
    async with aiohttp.ClientSession() as http:
        yield KeyFigures(
            http,
            html_base=fulltext.html_base,
            pdf_base=fulltext.pdf_base,
            max_page_bytes=40_000_000,
            timeout=30.0,
            render=lambda pdf: render_isolated(pdf, ParseLimits()),
        )


async def test_the_first_html_figure_with_its_caption(
    fulltext: FullTextServer, figures: KeyFigures
) -> None:
    picture = png()
    fulltext.images[FIGURE_PATH] = (picture, "image/png")
    figure = await figures.key_figure(HTML_PAPER, 1, TextSource.HTML)
    assert figure is not None
    assert (figure.image, figure.content_type, figure.page) == (picture, "image/png", None)
    assert figure.filename == f"figure-{HTML_PAPER}.png"
    assert figure.url == f"https://arxiv.org/html/{HTML_PAPER}v1#S1.F1"
    assert figure.caption.startswith(
        "Figure 1: Models can describe a learned behavioral policy that is only implicit in "
        "finetuning."
    )
    assert len(figure.caption) <= 300 and figure.caption.endswith(".")
    assert fulltext.hits == [f"/html/{HTML_PAPER}v1", f"/html/{FIGURE_PATH}"]
    # Asked again (another channel), it is remembered: nothing is downloaded twice.
    assert await figures.key_figure(HTML_PAPER, 1, TextSource.HTML) == figure
    assert len(fulltext.hits) == 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),  # not a type we post
        (b"<html>not a picture</html>", "image/png"),  # says PNG, is not one
        (PNG_MAGIC + b"\0" * (MAX_FIGURE_BYTES + 1), "image/png"),  # over the cap
    ],
)
async def test_an_image_of_the_wrong_kind_or_size_means_no_figure(
    fulltext: FullTextServer, figures: KeyFigures, body: bytes, content_type: str
) -> None:
    fulltext.images[FIGURE_PATH] = (body, content_type)
    assert await figures.key_figure(HTML_PAPER, 1, TextSource.HTML) is None


async def test_an_image_on_another_host_is_never_fetched(
    fulltext: FullTextServer, figures: KeyFigures
) -> None:
    page = html_file(TELL_ME_HTML).decode("utf-8")
    moved = page.replace('<base href="/html/2501.11120v1/"/>', '<base href="http://127.0.0.9/"/>')
    assert moved != page
    fulltext.html[f"{HTML_PAPER}v1"] = moved.encode()
    fulltext.images[FIGURE_PATH] = (png(), "image/png")
    assert await figures.key_figure(HTML_PAPER, 1, TextSource.HTML) is None
    assert fulltext.hits == [f"/html/{HTML_PAPER}v1"]


async def test_a_pdf_only_paper_gets_the_render_of_its_figure_1_page(
    fulltext: FullTextServer, figures: KeyFigures
) -> None:
    figure = await figures.key_figure(PDF_PAPER, 1, TextSource.PDF)
    assert figure is not None
    assert figure.page == 1 and figure.content_type == "image/png"
    assert figure.image.startswith(PNG_MAGIC) and len(figure.image) <= MAX_FIGURE_BYTES
    with PILImage.open(io.BytesIO(figure.image)) as rendered:
        assert max(rendered.size) == 1600  # the page, at a readable size
    assert figure.url == f"https://arxiv.org/pdf/{PDF_PAPER}v1#page=1"
    assert figure.caption.startswith("Figure 1: Inconsistent knowledge in GPT-4.")
    assert figure.caption.endswith("Reversal Curse.")  # the caption, not the body after it


async def test_an_abstract_only_paper_has_no_figure_and_nothing_is_fetched(
    fulltext: FullTextServer, figures: KeyFigures
) -> None:
    assert await figures.key_figure(HTML_PAPER, 1, TextSource.ABSTRACT) is None
    assert fulltext.hits == []


def test_a_caption_never_pings_and_stays_one_short_paragraph() -> None:
    page = (
        '<html><body><figure id="F1"><img src="a.png"/>'
        "<figcaption>Figure 1:\n  @everyone look\u202e here @here. "
        + "word " * 200
        + "</figcaption></figure></body></html>"
    )
    found = first_html_figure(page, "https://arxiv.org/html/1234.5678v1")
    assert found is not None
    assert found.src == "https://arxiv.org/html/a.png"
    assert "@everyone" not in found.caption and "@here" not in found.caption
    assert "\u202e" not in found.caption and "\n" not in found.caption
    assert len(found.caption) <= 300


def test_a_captions_scripts_and_styles_are_not_its_text() -> None:
    page = (
        '<figure id="F1"><img src="a.png"/><figcaption>Figure 1: <style>p{}</style>'
        "the <script>alert(1)</script>loss<!-- a note --> curve.</figcaption></figure>"
    )
    found = first_html_figure(page, "https://arxiv.org/html/1234.5678v1/")
    assert found is not None and found.caption == "Figure 1: the loss curve."


@pytest.mark.parametrize(
    "figure",
    [
        '<figure><img src="a.png"/><figcaption>x\x00y \x0b</figcaption></figure>',
        '<figure><?xml version="1.0" encoding="utf-8"?><img src="a.png"/>'
        "<figcaption>x</figcaption></figure>",
        "<figure></figure>",
        "<figure>" + "<div>" * 30_000 + "</figure>",
    ],
)
def test_a_hostile_figure_is_read_or_skipped_never_an_error(figure: str) -> None:
    page = figure + '<figure id="F2"><img src="b.png"/><figcaption>Figure 2.</figcaption></figure>'
    found = first_html_figure(page, "https://arxiv.org/html/1234.5678v1/")
    assert found is not None
    assert "\x00" not in found.caption and "\x0b" not in found.caption


def test_searching_a_page_for_its_figure_leaves_nothing_for_the_collector() -> None:
    """What is parsed is freed when dropped: no cycles that wait for a full collection
    (which walks them, holding the GIL, until it frees them)."""
    page = (fixtures_dir() / "papers/html/ar5iv-2303.17564-bloomberggpt.html").read_text()
    gc.collect()
    gc.disable()
    try:
        found = first_html_figure(page, "https://arxiv.org/html/2303.17564")
        left = gc.collect()
    finally:
        gc.enable()
    assert found is not None and found.anchor == "S3.F1"  # after the tables' <figure>s
    assert left < 500  # a BeautifulSoup search left 4,997 (other threads may add a few)


def test_a_table_or_an_image_without_caption_is_not_the_key_figure() -> None:
    page = (
        '<figure class="ltx_table" id="T1"><table><tr><td>1</td></tr></table>'
        "<figcaption>Table 1: numbers</figcaption></figure>"
        '<figure id="F0"><img src="logo.png"/></figure>'
        '<figure class="ltx_figure" id="F1"><figure class="ltx_figure_panel"><img src="p1.png"/>'
        "</figure><figcaption>Figure 1: two panels.</figcaption></figure>"
    )
    found = first_html_figure(page, "https://arxiv.org/html/1234.5678v1/")
    assert found is not None
    assert (found.src, found.caption, found.anchor) == (
        "https://arxiv.org/html/1234.5678v1/p1.png",
        "Figure 1: two panels.",
        "F1",
    )


async def test_the_terminal_prints_the_figures_caption_and_link(
    make_settings: Callable[..., Settings], arxiv_server: ArxivServer, fulltext: FullTextServer
) -> None:
    register_paper(
        arxiv_server,
        HTML_PAPER,
        version=1,
        title="Tell me about yourself: LLMs are aware of their learned behaviors",
        abstract="We study behavioral self-awareness.",
        published=datetime(2025, 1, 19, tzinfo=UTC),
        updated=datetime(2025, 1, 19, tzinfo=UTC),
    )
    fulltext.images[FIGURE_PATH] = (png(), "image/png")
    settings = make_settings(arxiv_html_url=fulltext.html_base, arxiv_pdf_url=fulltext.pdf_base)
    screen = io.StringIO()
    async with bootstrap(settings) as club:
        club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=screen, width=200), None))
        await club.papers.summon_paper(TERMINAL, HTML_PAPER)
    shown = screen.getvalue()
    assert "🖼️ Key figure" in shown
    assert "Figure 1: Models can describe a learned behavioral policy" in shown
    assert f"https://arxiv.org/html/{HTML_PAPER}v1#S1.F1" in shown
