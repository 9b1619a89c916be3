"""This week's standings as a small bar chart (a PNG), for /standings on each platform.

matplotlib draws with its Agg backend on a Figure of its own (no pyplot, no global state),
in a worker thread: `standings_chart` is what an adapter awaits. Titles and labels are in
the channel's language; Japanese and Korean are drawn with the IPAexGothic and NanumGothic
fonts the matplotlib-fontja and koreanize-matplotlib packages ship (registered by path,
without importing those packages, which would change matplotlib's global settings). Each
bar is labelled with its rank and arXiv id, which every font can draw, then the title.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import io
import logging
import threading
from pathlib import Path

from bot.domain import Tally
from bot.render import Image
from bot.text import t

log = logging.getLogger(__name__)

BARS_SHOWN = 10
LABEL_CHARS = 48
WIDTH_INCHES = 7.0
DPI = 110
BAR_COLOR = "#5865f2"
LATIN_FONT = "DejaVu Sans"  # matplotlib's own
_drawing = threading.Lock()  # matplotlib's font manager is shared by every figure
CJK_FONTS = {
    "ja": ("matplotlib_fontja", "fonts/ipaexg.ttf"),
    "ko": ("koreanize_matplotlib", "fonts/NanumGothic.ttf"),
}


@functools.cache
def font_families(language: str) -> tuple[str, ...]:
    """The font families for `language`, first choice first; every CJK font found is a
    fallback for the others (a Japanese title in a Korean channel still draws)."""
    from matplotlib import font_manager

    found: dict[str, str] = {}
    for lang, (package, relative) in CJK_FONTS.items():
        spec = importlib.util.find_spec(package)
        locations = spec.submodule_search_locations if spec is not None else None
        if not locations:
            continue
        path = Path(next(iter(locations))) / relative
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            found[lang] = font_manager.FontProperties(fname=str(path)).get_name()
    if language in CJK_FONTS and language not in found:
        log.warning("no %s font installed: the chart's %s text may not draw", language, language)
    own = [found[language]] if language in found else []
    return (*own, LATIN_FONT, *(name for lang, name in found.items() if lang != language))


def bar_label(rank: int, tally: Tally) -> str:
    title = " ".join(tally.paper.title.split())
    if len(title) > LABEL_CHARS:
        title = title[: LABEL_CHARS - 1].rstrip() + "…"
    return f"{rank}. {tally.paper.arxiv_id}  {title}"


def draw_standings(tallies: list[Tally], language: str) -> bytes:
    """The PNG (blocking: CPU and font loading; run it in a thread)."""
    with _drawing:
        return _draw(tallies, language)


def _draw(tallies: list[Tally], language: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    shown = tallies[:BARS_SHOWN]
    figure = Figure(figsize=(WIDTH_INCHES, 1.2 + 0.42 * len(shown)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    families = list(font_families(language))
    labels = [bar_label(rank, tally) for rank, tally in enumerate(shown, start=1)]
    votes = [tally.votes for tally in shown]
    positions = list(range(len(shown)))
    axes.barh(positions, votes, color=BAR_COLOR)
    axes.set_yticks(positions, labels, fontfamily=families, fontsize=9)
    axes.invert_yaxis()  # the most votes on top
    for position, count in zip(positions, votes, strict=True):
        axes.text(count, position, f" {count}", va="center", fontsize=9, fontfamily=families)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0, max(votes, default=1) * 1.15 + 0.5)
    axes.set_xlabel(t("standings_chart_votes", language), fontfamily=families)
    axes.set_title(t("standings_chart_title", language), fontfamily=families, loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


async def standings_chart(tallies: list[Tally], language: str) -> Image | None:
    """The chart of `tallies` in `language`, drawn off the event loop; None with no votes."""
    if not tallies:
        return None
    data = await asyncio.to_thread(draw_standings, tallies, language)
    return Image(
        data=data,
        filename="standings.png",
        content_type="image/png",
        caption=t("standings_chart_title", language),
    )
