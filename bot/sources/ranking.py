"""Merge candidates from every source into one entry per paper, then rank them, explainably.

Each part of a paper's score (`ScoreParts`) is computed on its own and the total is
their sum:

    social     = sum over social sources s of  w_s * L_s(paper) / top_s * top
                 + 3.0 * [on a curated list]
    where L_s  = ln(1 + votes) + 0.5 * ln(1 + comments) as source s counts them
                 (Hugging Face upvotes and comments, alphaXiv public votes and X likes,
                 Hacker News points and comments), top_s the largest L_s of the week
                 and top the largest top_s of any source: each signal is log-scaled and
                 normalised within its source and week, so every source's most-discussed
                 paper earns the same, whatever the source's raw scale. With one social
                 source this is just its L.
    recency    = 2.0 * (published - window.start) / (window.end - window.start), clamped to [0, 2]
    interest   = sum over the channel's topics of 2.0 if the topic is in the title,
                 else 1.0 if it is in the abstract; capped at 4.0
    submission = 10.0 if a member submitted the paper, else 0

`upvotes`/`comments` of a merged paper are the largest any source reported; the
per-source signals are kept apart for the score and for `digest --explain`. A curated listing is worth about as much as 20 upvotes; a member's submission
outweighs every other signal, so a submitted paper makes the digest unless more
papers were submitted than the digest holds. Topics match whole words, case-
insensitively, plural allowed ("agent" matches "Agents"; "RL" matches "RL fine-tuning",
not "Worlds"). `published` is the first version's date, so a v2 of an old paper is
not recent.

A channel's muted topics remove every paper they match (title, abstract or the
source's keywords); topic weights scale a topic's interest; channel categories keep only
papers in one of them (a paper whose categories are unknown stays).

One work is one entry: candidates merge by canonical arXiv id (so versions and
cross-lists are one paper) and by normalised title (a resubmission under a new id).
Ties are broken by social, then newer publication, then arXiv id, so the same
inputs always give the same order. Papers the channel already received (any version,
or the same title under another id), and papers without arXiv metadata, are left out.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.domain import Candidate, Paper, RankedPaper, ScoreParts, Window
from bot.errors import InvalidPaperId
from bot.sources.alphaxiv import SOURCE_NAME as ALPHAXIV_SOURCE
from bot.sources.arxiv_source import ArxivSource
from bot.sources.arxiv_titles import normalise_title
from bot.sources.curated_list import SOURCE_NAME as CURATED_SOURCE
from bot.sources.hackernews import SOURCE_NAME as HN_SOURCE
from bot.sources.hf_daily import SOURCE_NAME as HF_SOURCE
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
SOCIAL_SOURCES = (HF_SOURCE, ALPHAXIV_SOURCE, HN_SOURCE)
SHORT_NAMES = {
    HF_SOURCE: "HF",
    ALPHAXIV_SOURCE: "aX",
    HN_SOURCE: "HN",
    CURATED_SOURCE: "list",
}
# Settings' names of the sources (PAPERCLUB_SOURCES, a channel's `sources=`) -> their names
SOURCE_KEYS = {
    "arxiv": ArxivSource.name,
    "huggingface": HF_SOURCE,
    "alphaxiv": ALPHAXIV_SOURCE,
    "hackernews": HN_SOURCE,
    "curated": CURATED_SOURCE,
}
_MIN_TITLE_KEY = 12  # shorter normalised titles ("Qwen LLM") are too generic to merge on


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """The weights of the score's parts; each is a setting (`PAPERCLUB_WEIGHT_*`)."""

    sources: Mapping[str, float] = field(default_factory=dict)  # social source -> weight
    curated: float = CURATED_BONUS
    recency: float = RECENCY_WEIGHT
    topic: float = 1.0
    submission: float = SUBMISSION_BOOST

    def source(self, name: str) -> float:
        return self.sources.get(name, 1.0)


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
    # (source, votes, comments): the largest each social source reported
    signals: tuple[tuple[str, int, int], ...] = ()
    title: str = ""
    keywords: tuple[str, ...] = ()
    also_ids: tuple[str, ...] = ()  # other arXiv ids merged in by title (resubmissions)
    code_url: str = ""  # the first code repository a source listed


def merge_candidates(candidates: Iterable[Candidate]) -> dict[str, MergedCandidate]:
    """One entry per work, keyed by canonical arXiv id, in first-seen order.

    The paper metadata kept is arXiv's when an arXiv candidate carried it, else the
    highest version any source gave; social counts are the largest reported. Two ids
    whose papers have the same normalised title are one work (a resubmission): it is
    kept under the id more sources named (the newer id on a tie).
    """
    grouped: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        try:
            arxiv_id = parse_arxiv_ref(candidate.arxiv_id).arxiv_id
        except InvalidPaperId:
            logger.info("%s gave an invalid id %r; skipped", candidate.source, candidate.arxiv_id)
            continue
        grouped.setdefault(arxiv_id, []).append(candidate)
    by_title: dict[str, str] = {}
    absorbed: dict[str, list[str]] = {}
    for arxiv_id, group in list(grouped.items()):
        key = _title_key(group)
        if not key:
            continue
        other = by_title.get(key)
        if other is None:
            by_title[key] = arxiv_id
            continue
        keep, drop = _keeper(other, arxiv_id, grouped)
        grouped[keep] = grouped[keep] + [
            replace(c, arxiv_id=keep, paper=None) for c in grouped.pop(drop)
        ]
        absorbed.setdefault(keep, []).extend([drop, *absorbed.pop(drop, [])])
        by_title[key] = keep
        logger.info("Merged %s into %s: the same title (a resubmission)", drop, keep)
    return {
        arxiv_id: replace(_merge(arxiv_id, group), also_ids=tuple(absorbed.get(arxiv_id, ())))
        for arxiv_id, group in grouped.items()
    }


def _title_key(group: Sequence[Candidate]) -> str:
    for candidate in group:
        title = candidate.paper.title if candidate.paper else candidate.title
        key = normalise_title(title) if title else ""
        if len(key) >= _MIN_TITLE_KEY:
            return key
    return ""


def _keeper(first: str, second: str, grouped: Mapping[str, list[Candidate]]) -> tuple[str, str]:
    def weight(arxiv_id: str) -> tuple[int, str]:
        return (len({c.source for c in grouped[arxiv_id]}), arxiv_id)

    return (first, second) if weight(first) >= weight(second) else (second, first)


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
        signals=_signals(group),
        title=next((c.title for c in group if c.title), ""),
        keywords=tuple(dict.fromkeys(k for c in group for k in c.keywords)),
        code_url=next((c.code_url for c in group if c.code_url), ""),
    )


def _signals(group: Sequence[Candidate]) -> tuple[tuple[str, int, int], ...]:
    best: dict[str, tuple[int, int]] = {}
    for c in group:
        if c.source in SOCIAL_SOURCES:
            kept = best.get(c.source, (0, 0))
            best[c.source] = (max(kept[0], c.upvotes), max(kept[1], c.comments))
    return tuple((source, votes, comments) for source, (votes, comments) in best.items())


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
    *,
    muted: Sequence[str] = (),
    topic_weights: Mapping[str, float] | None = None,
    categories: Sequence[str] = (),
    posted_titles: Iterable[str] = (),
    weights: RankingWeights | None = None,
) -> list[RankedPaper]:
    """The `size` best papers, best first; `papers` (arXiv look-ups) override source metadata."""
    weights = weights or RankingWeights()
    folded = {topic.lower(): weight for topic, weight in (topic_weights or {}).items()}
    patterns = [
        (_topic_pattern(topic), folded.get(topic.lower(), 1.0)) for topic in topics if topic.strip()
    ]
    mutes = [_topic_pattern(topic) for topic in muted if topic.strip()]
    wanted_categories = {c.lower() for c in categories}
    seen_titles = {key for key in (normalise_title(t) for t in posted_titles) if key}
    tops = _tops(merged.values())
    scale = max(tops.values(), default=0.0)
    scored: list[tuple[tuple[float, float, float, str], RankedPaper]] = []
    for arxiv_id, candidate in merged.items():
        if arxiv_id in already_posted or already_posted.intersection(candidate.also_ids):
            continue
        paper = papers.get(arxiv_id) or candidate.paper
        if paper is None:
            logger.info("No arXiv metadata for %s; left out of the ranking", arxiv_id)
            continue
        if normalise_title(paper.title) in seen_titles:
            logger.info("%s has the title of a paper already posted here; left out", arxiv_id)
            continue
        if mutes and _muted(paper, candidate, mutes):
            continue
        if wanted_categories and paper.categories:
            if not wanted_categories.intersection(c.lower() for c in paper.categories):
                continue
        by_source = _social_parts(candidate, tops, scale, weights)
        parts = ScoreParts(
            social=sum(value for _, value in by_source),
            recency=_recency(paper, window, weights.recency),
            interest=weights.topic * _interest(paper, candidate.keywords, patterns),
            submission=weights.submission if candidate.submitted_by else 0.0,
            by_source=by_source,
        )
        if candidate.code_url and not paper.code_url:  # the card links the code
            paper = replace(paper, code_url=candidate.code_url)
        ranked = RankedPaper(paper, parts, candidate.sources, candidate.curated_note)
        key = (-parts.total, -parts.social, -paper.published.timestamp(), arxiv_id)
        scored.append((key, ranked))
    scored.sort(key=lambda item: item[0])
    return [ranked for _, ranked in scored[:size]]


def explain(ranked: Sequence[RankedPaper]) -> str:
    """A plain-text table of each paper's score parts, for `paperclub digest --explain`.

    `social by source` splits the social part: HF = Hugging Face, aX = alphaXiv,
    HN = Hacker News, list = the curated list's bonus."""
    header = (
        f"{'#':>2}  {'arXiv id':<16} {'total':>6} {'social':>6} {'recent':>6} "
        f"{'topic':>6} {'member':>6}  {'social by source':<30} {'sources':<40} title"
    )
    lines = [header, "-" * len(header)]
    for position, item in enumerate(ranked, 1):
        score = item.score
        title = item.paper.title if len(item.paper.title) <= 60 else item.paper.title[:59] + "…"
        split = " ".join(
            f"{SHORT_NAMES.get(name, name)}={value:.2f}" for name, value in score.by_source
        )
        lines.append(
            f"{position:>2}  {item.paper.arxiv_id:<16} {score.total:>6.2f} {score.social:>6.2f} "
            f"{score.recency:>6.2f} {score.interest:>6.2f} {score.submission:>6.2f}  "
            f"{split or '-':<30} {', '.join(item.sources):<40} {title}"
        )
    return "\n".join(lines)


def _signal(votes: int, comments: int) -> float:
    return UPVOTE_WEIGHT * math.log1p(votes) + COMMENT_WEIGHT * math.log1p(comments)


def _tops(candidates: Iterable[MergedCandidate]) -> dict[str, float]:
    """Each social source's largest signal this week."""
    tops: dict[str, float] = {}
    for candidate in candidates:
        for source, votes, comments in candidate.signals:
            tops[source] = max(tops.get(source, 0.0), _signal(votes, comments))
    return tops


def _social_parts(
    candidate: MergedCandidate, tops: Mapping[str, float], scale: float, weights: RankingWeights
) -> tuple[tuple[str, float], ...]:
    parts = []
    for source, votes, comments in candidate.signals:
        top = tops.get(source, 0.0)
        value = _signal(votes, comments) / top * scale if top > 0 else 0.0
        parts.append((source, weights.source(source) * value))
    if candidate.curated:
        parts.append((CURATED_SOURCE, weights.curated))
    return tuple(parts)


def _muted(paper: Paper, candidate: MergedCandidate, mutes: Sequence[re.Pattern[str]]) -> bool:
    texts = (paper.title, paper.abstract, *candidate.keywords)
    for pattern in mutes:
        if any(pattern.search(text) for text in texts):
            logger.info("%s left out: muted topic %r", paper.arxiv_id, pattern.pattern)
            return True
    return False


def _recency(paper: Paper, window: Window, weight: float = RECENCY_WEIGHT) -> float:
    span = (window.end - window.start).total_seconds()
    if span <= 0:
        return 0.0
    position = (paper.published - window.start).total_seconds() / span
    return weight * min(1.0, max(0.0, position))


def _interest(
    paper: Paper,
    keywords: Sequence[str],
    patterns: Sequence[tuple[re.Pattern[str], float]],
) -> float:
    total = 0.0
    for pattern, weight in patterns:
        if pattern.search(paper.title):
            total += TOPIC_IN_TITLE * weight
        elif pattern.search(paper.abstract) or any(pattern.search(k) for k in keywords):
            total += TOPIC_IN_ABSTRACT * weight
    return min(total, INTEREST_CAP * max([1.0, *(w for _, w in patterns)]))


def _topic_pattern(topic: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in topic.split()]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?:s|es)?(?!\w)", re.IGNORECASE)
