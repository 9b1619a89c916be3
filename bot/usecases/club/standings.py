"""This week's tally as members read it: the standings text for /standings, the pick
announcement and Slack's App Home (each platform passes its own escaping and links)."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain import Tally
from bot.text import t

STANDINGS_SHOWN = 10


def standings_text(
    tallies: list[Tally],
    language: str,
    *,
    p: str,
    escape: Callable[[str], str],
    link: Callable[[Tally], str],
    heading: str = "standings_heading",
) -> str:
    """The heading, then one line per voted paper, most votes first; `heading` is a key."""
    if not tallies:
        return t("standings_empty", language, p=p)
    lines = [t(heading, language)]
    for rank, tally in enumerate(tallies[:STANDINGS_SHOWN], start=1):
        title = escape(" ".join(tally.paper.title.split()))
        lines.append(
            t("standings_line", language, rank=rank, title=title, votes=tally.votes)
            + f" {link(tally)}"
        )
    if len(tallies) > STANDINGS_SHOWN:
        lines.append(t("standings_more", language, n=len(tallies) - STANDINGS_SHOWN))
    return "\n".join(lines)
