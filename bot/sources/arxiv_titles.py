"""Find the arXiv paper behind a title, only when the title matches exactly: never guess.

"Exactly" means equal after `normalise_title` (case, accents, punctuation and
spacing dropped), either to the whole arXiv title or to its part before the first
colon, because curated lists often name a paper by its short name ("The Reversal
Curse" for "The Reversal Curse: LLMs trained on ..."). Two or more matching papers
are ambiguous and give no answer.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from bot.domain import Paper
from bot.errors import SourceUnavailable
from bot.sources.arxiv_source import ArxivClient

logger = logging.getLogger(__name__)


def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def title_matches(wanted: str, arxiv_title: str) -> bool:
    key = normalise_title(wanted)
    if not key:
        return False
    short_name = arxiv_title.split(":", 1)[0]
    return key in (normalise_title(arxiv_title), normalise_title(short_name))


class ArxivTitleSearch:
    """`search_title` through the process's one arXiv client (a `TitleSearch`)."""

    def __init__(self, client: ArxivClient, *, max_results: int = 10) -> None:
        self._client = client
        self._max_results = max_results

    async def search_title(self, title: str) -> Paper | None:
        words = normalise_title(title)
        if not words:
            return None
        try:
            papers = await self._client.query(f'ti:"{words}"', self._max_results)
        except SourceUnavailable as error:
            logger.info("arXiv title search for %r failed: %s", title, error.reason)
            return None
        matches = {p.arxiv_id: p for p in papers if title_matches(title, p.title)}
        if len(matches) > 1:
            logger.info("arXiv title %r is ambiguous: %s", title, ", ".join(sorted(matches)))
            return None
        return next(iter(matches.values()), None)
