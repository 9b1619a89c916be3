"""Merge candidates from every source into one entry per paper, then rank them, explainably.

Each part of a paper's score (`ScoreParts`) is computed on its own and the total is
their sum:

    social     = ln(1 + upvotes) + 0.5 * ln(1 + comments) + 3.0 * [on a curated list]
    recency    = 2.0 * (published - window.start) / (window.end - window.start), clamped to [0, 2]
    interest   = sum over the channel's topics of 2.0 if the topic is in the title,
                 else 1.0 if it is in the abstract; capped at 4.0
    submission = 10.0 if a member submitted the paper, else 0

Upvotes and comments are the largest any source reported (Hugging Face counts).
A curated listing is worth about as much as 20 upvotes; a member's submission
outweighs every other signal, so a submitted paper makes the digest unless more
papers were submitted than the digest holds. Topics match whole words, case-
insensitively, plural allowed ("agent" matches "Agents"; "RL" matches "RL fine-tuning",
not "Worlds"). `published` is the first version's date, so a v2 of an old paper is
not recent.

Ties are broken by social, then newer publication, then arXiv id, so the same
inputs always give the same order. Papers the channel already received, and papers
without arXiv metadata, are left out.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain import Candidate, Paper, RankedPaper, ScoreParts, Window
from bot.errors import InvalidPaperId
from bot.sources.arxiv_source import ArxivSource
from bot.sources.curated_list import SOURCE_NAME as CURATED_SOURCE
from bot.sources.ids import parse_arxiv_ref

logger = logging.getLogger(__name__)

UPVOTE_WEIGHT = 1.0
COMMENT_WEIGHT = 0.5
CURATED_BONUS = 3.0
RECENCY_WEIGHT = 2.0
TOPIC_IN_TITLE = 2.0
TOPIC_IN_ABSTRACT = 1.0
INTEREST_CAP = 4.0
SUBMISSION_BOOST = 10.0


@dataclass(frozen=True, slots=True)
class MergedCandidate:
    """Everything the sources said about one paper."""

    arxiv_id: str
    sources: tuple[str, ...]
    paper: Paper | None
    upvotes: int
    comments: int
    curated: bool
    curated_note: str
    submitted_by: tuple[str, ...]


def merge_candidates(candidates: Iterable[Candidate]) -> dict[str, MergedCandidate]:
    """One entry per canonical arXiv id, in first-seen order.

    The paper metadata kept is arXiv's when an arXiv candidate carried it, else the
    highest version any source gave; social counts are the largest reported.
    """
    grouped: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        try:
            arxiv_id = parse_arxiv_ref(candidate.arxiv_id).arxiv_id
        except InvalidPaperId:
            logger.info("%s gave an invalid id %r; skipped", candidate.source, candidate.arxiv_id)
            continue
        grouped.setdefault(arxiv_id, []).append(candidate)
    return {arxiv_id: _merge(arxiv_id, group) for arxiv_id, group in grouped.items()}


def _merge(arxiv_id: str, group: list[Candidate]) -> MergedCandidate:
    papers = [c for c in group if c.paper is not None]
    best = max(
        papers,
        key=lambda c: (c.source == ArxivSource.name, c.paper.version if c.paper else 0),
        default=None,
    )
    curated = [c for c in group if c.source == CURATED_SOURCE or c.curated_note]
    return MergedCandidate(
        arxiv_id=arxiv_id,
        sources=tuple(dict.fromkeys(c.source for c in group)),
        paper=best.paper if best else None,
        upvotes=max(c.upvotes for c in group),
        comments=max(c.comments for c in group),
        curated=bool(curated),
        curated_note=next((c.curated_note for c in curated if c.curated_note), ""),
        submitted_by=tuple(dict.fromkeys(c.submitted_by for c in group if c.submitted_by)),
    )


def missing_metadata(merged: Mapping[str, MergedCandidate]) -> list[str]:
    """Ids no source gave arXiv metadata for: look these up in one batched catalog call."""
    return [arxiv_id for arxiv_id, candidate in merged.items() if candidate.paper is None]


def rank(
    merged: Mapping[str, MergedCandidate],
    papers: Mapping[str, Paper],
    window: Window,
    topics: Sequence[str],
    already_posted: set[str],
    size: int,
) -> list[RankedPaper]:
    """The `size` best papers, best first; `papers` (arXiv look-ups) override source metadata."""
    patterns = [_topic_pattern(topic) for topic in topics if topic.strip()]
    scored: list[tuple[tuple[float, float, float, str], RankedPaper]] = []
    for arxiv_id, candidate in merged.items():
        if arxiv_id in already_posted:
            continue
        paper = papers.get(arxiv_id) or candidate.paper
        if paper is None:
            logger.info("No arXiv metadata for %s; left out of the ranking", arxiv_id)
            continue
        parts = ScoreParts(
            social=_social(candidate),
            recency=_recency(paper, window),
            interest=_interest(paper, patterns),
            submission=SUBMISSION_BOOST if candidate.submitted_by else 0.0,
        )
        ranked = RankedPaper(paper, parts, candidate.sources, candidate.curated_note)
        key = (-parts.total, -parts.social, -paper.published.timestamp(), arxiv_id)
        scored.append((key, ranked))
    scored.sort(key=lambda item: item[0])
    return [ranked for _, ranked in scored[:size]]


def explain(ranked: Sequence[RankedPaper]) -> str:
    """A plain-text table of each paper's score parts, for `paperclub digest --explain`."""
    header = (
        f"{'#':>2}  {'arXiv id':<16} {'total':>6} {'social':>6} {'recent':>6} "
        f"{'topic':>6} {'member':>6}  {'sources':<40} title"
    )
    lines = [header, "-" * len(header)]
    for position, item in enumerate(ranked, 1):
        score = item.score
        title = item.paper.title if len(item.paper.title) <= 60 else item.paper.title[:59] + "…"
        lines.append(
            f"{position:>2}  {item.paper.arxiv_id:<16} {score.total:>6.2f} {score.social:>6.2f} "
            f"{score.recency:>6.2f} {score.interest:>6.2f} {score.submission:>6.2f}  "
            f"{', '.join(item.sources):<40} {title}"
        )
    return "\n".join(lines)


def _social(candidate: MergedCandidate) -> float:
    return (
        UPVOTE_WEIGHT * math.log1p(candidate.upvotes)
        + COMMENT_WEIGHT * math.log1p(candidate.comments)
        + (CURATED_BONUS if candidate.curated else 0.0)
    )


def _recency(paper: Paper, window: Window) -> float:
    span = (window.end - window.start).total_seconds()
    if span <= 0:
        return 0.0
    position = (paper.published - window.start).total_seconds() / span
    return RECENCY_WEIGHT * min(1.0, max(0.0, position))


def _interest(paper: Paper, patterns: Sequence[re.Pattern[str]]) -> float:
    total = 0.0
    for pattern in patterns:
        if pattern.search(paper.title):
            total += TOPIC_IN_TITLE
        elif pattern.search(paper.abstract):
            total += TOPIC_IN_ABSTRACT
    return min(total, INTEREST_CAP)


def _topic_pattern(topic: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in topic.split()]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?:s|es)?(?!\w)", re.IGNORECASE)
