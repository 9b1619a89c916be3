"""A model's key points, checked like its thread answers.

The model writes each key point with a quote from the paper that supports it. A pair is
shown only when its quote is found verbatim in the paper's full text, by the check every
model quote passes (`grounding.verified_citation`), and then cites that quote (section,
page, link) exactly as an extractive key point does. A pair whose quote is not found is
dropped (the engine may ask once more for its quote). When fewer than `MIN_CHECKED`
pairs survive, the post falls back to the extractive key points, and says why.

Pure functions over passages; the verbatim search is CPU work (run it off the loop).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Paper, QAPair
from bot.llm.grounding import verified_citation
from bot.llm.key_points import key_points
from bot.reading.model import PaperText, Passage
from bot.text import t

MIN_CHECKED = 2  # fewer checked key points than this: the extractive ones instead (as the
# quality gates' MIN_KEY_POINTS: two honest pairs are a post)


@dataclass(frozen=True, slots=True)
class DraftKeyPoint:
    """A key point as the model wrote it: not yet checked."""

    question: str
    answer: str
    quote: str


def paper_passages(paper: Paper, text: PaperText) -> tuple[Passage, ...]:
    """The full text a quote is checked against; the arXiv abstract too when the text
    read has no abstract of its own (it is the paper's, and links to its page)."""
    passages = text.passages
    if paper.abstract.strip() and not any(
        p.kind == "abstract" or p.section.strip().lower() == "abstract" for p in passages
    ):
        abstract = Passage(paper.abstract, "Abstract", None, "abstract", paper.abs_url)
        passages = (abstract, *passages)
    return passages


def check_key_points(
    drafts: Sequence[DraftKeyPoint], passages: Sequence[Passage]
) -> list[QAPair | None]:
    """Each draft with its verified citation, or None where its quote is not in the paper.

    The check is `verified_citation` over every passage; the passages holding the quote's
    longest word are tried first (a quote that is in the paper is then found in a few
    passages, not after normalising the whole text once per quote)."""
    folded = [unicodedata.normalize("NFKC", p.text).lower() for p in passages]
    out: list[QAPair | None] = []
    for draft in drafts:
        citation = None
        if draft.quote:
            word = max(
                _WORD.findall(unicodedata.normalize("NFKC", draft.quote).lower()),
                key=len,
                default="",
            )
            likely = [p for p, text in zip(passages, folded, strict=True) if word and word in text]
            citation = verified_citation(draft.quote, likely) or verified_citation(
                draft.quote, passages
            )
        out.append(None if citation is None else QAPair(draft.question, draft.answer, (citation,)))
    return out


_WORD = re.compile(r"[a-z0-9]{5,}")


def checked_note(checked: int, total: int, language: str) -> str:
    return t("note_key_points_checked", language, checked=checked, total=total)


def extractive_fallback(
    paper: Paper,
    passages: Sequence[Passage],
    language: str,
    *,
    checked: int,
    total: int,
    avoid: Sequence[str] = (),
) -> tuple[list[QAPair], tuple[str, ...]]:
    """The extractive key points and the notes saying why they replace the model's
    (`checked` of its `total` quotes were found); ([], ()) when there are none either."""
    pairs = key_points(passages, language, authors=paper.authors, title=paper.title, avoid=avoid)
    if not pairs:
        return [], ()
    notes = [t("note_key_points_unchecked", language, checked=checked, total=total)]
    if language != "en":
        notes.append(t("key_points_quoted", language))
    return pairs, tuple(notes)
