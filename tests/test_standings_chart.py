"""The standings chart: a PNG drawn by matplotlib (Agg), with its title and axis in the
channel's language; Japanese and Korean draw with the fonts the project installs (no
"Glyph … missing" from matplotlib), and no votes means no chart."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, datetime

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from bot.domain import ConversationRef, Paper, Platform, Tally, ThreadRef
from bot.usecases.club.standings_chart import (
    BARS_SHOWN,
    bar_label,
    draw_standings,
    font_families,
    standings_chart,
)

CHANNEL = ConversationRef(Platform.DISCORD, "1", "2")


def tally(index: int, title: str, votes: int) -> Tally:
    moment = datetime(2026, 11, 30, tzinfo=UTC)
    paper = Paper(
        f"2511.{10000 + index}", 1, title, ("A. Author",), "", moment, moment, "cs.CL", ("cs.CL",)
    )
    return Tally(paper, votes, ThreadRef(CHANNEL, str(100 + index)))


TALLIES = [
    tally(0, "Tell me about yourself: LLMs are aware of their learned behaviors", 5),
    tally(1, "大規模言語モデルの自己認識について", 3),
    tally(2, "거대 언어 모델의 자기 인식", 1),
]


def missing_glyphs(draw: object) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert callable(draw)
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.mark.parametrize("language", ["en", "ja", "ko"])
def test_every_language_draws_without_missing_glyphs(language: str) -> None:
    drawn: list[bytes] = []
    assert missing_glyphs(lambda: drawn.append(draw_standings(TALLIES, language))) == []
    with PILImage.open(io.BytesIO(drawn[0])) as picture:
        assert picture.format == "PNG"
        width, height = picture.size
        assert width > height  # a small landscape chart


def test_the_fonts_are_needed_dejavu_alone_cannot_draw_japanese_or_korean() -> None:
    """The control: the same text drawn in matplotlib's own font is missing glyphs."""

    def draw() -> None:
        figure = Figure()
        FigureCanvasAgg(figure)
        figure.text(0, 0, "今週の投票状況 이번 주 투표 현황", fontfamily="DejaVu Sans")
        figure.savefig(io.BytesIO(), format="png")

    assert missing_glyphs(draw)
    assert font_families("ja")[0] == "IPAexGothic"
    assert font_families("ko")[0] == "NanumGothic"


def test_the_title_follows_the_language() -> None:
    assert draw_standings(TALLIES, "ja") != draw_standings(TALLIES, "ko")


def test_bars_are_labelled_by_rank_and_arxiv_id_and_at_most_ten_are_drawn() -> None:
    label = bar_label(1, TALLIES[0])
    assert label.startswith("1. 2511.10000  Tell me about yourself")
    assert len(label) <= 70 and label.endswith("…")
    many = [tally(i, f"Paper {i}", 30 - i) for i in range(BARS_SHOWN + 5)]
    with PILImage.open(io.BytesIO(draw_standings(many, "en"))) as tall:
        with PILImage.open(io.BytesIO(draw_standings(many[:BARS_SHOWN], "en"))) as ten:
            assert tall.size == ten.size


async def test_no_votes_no_chart_and_the_chart_is_a_png_image() -> None:
    assert await standings_chart([], "en") is None
    chart = await standings_chart(TALLIES, "ko")
    assert chart is not None
    assert (chart.filename, chart.content_type, chart.caption) == (
        "standings.png",
        "image/png",
        "이번 주 투표 현황",
    )
    assert chart.data.startswith(b"\x89PNG")
