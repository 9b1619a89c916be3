"""Merging candidates into one entry per paper, and the explainable, stable ranking."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain import Candidate, Paper, Window
from bot.sources.hf_daily import parse_daily_papers
from bot.sources.ranking import (
    CURATED_BONUS,
    SUBMISSION_BOOST,
    explain,
    merge_candidates,
    missing_metadata,
    rank,
)
from tests.loopback.papers_server import daily_files

HF_WEEK = Window(datetime(2026, 8, 17, tzinfo=UTC), datetime(2026, 8, 22, tzinfo=UTC))


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def hf_week() -> tuple[list[Candidate], dict[str, Paper]]:
    """The recorded week's candidates, and each paper's metadata as Hugging Face lists it."""
    candidates: list[Candidate] = []
    papers: dict[str, Paper] = {}
    for body in daily_files().values():
        candidates.extend(parse_daily_papers(body))
        for entry in json.loads(body):
            listed = entry["paper"]
            papers[listed["id"]] = Paper(
                arxiv_id=listed["id"],
                version=1,
                title=" ".join(listed["title"].split()),
                authors=tuple(author["name"] for author in listed["authors"]),
                abstract=" ".join(listed["summary"].split()),
                published=_when(listed["publishedAt"]),
                updated=_when(listed["publishedAt"]),
                primary_category="",
            )
    return candidates, papers


def qwen(version: int, title: str) -> Paper:
    return Paper(
        arxiv_id="2309.16609",
        version=version,
        title=title,
        authors=("Jinze Bai", "Shuai Bai"),
        abstract="Large language models (LLMs) have revolutionized the field of AI.",
        published=datetime(2023, 9, 28, 17, 7, 49, tzinfo=UTC),
        updated=datetime(2023, 9, 28, 17, 7, 49, tzinfo=UTC),
        primary_category="cs.CL",
        categories=("cs.CL",),
    )


def test_one_entry_per_paper_across_sources_and_versions() -> None:
    from_arxiv = qwen(1, "Qwen Technical Report")
    merged = merge_candidates(
        [
            Candidate("2309.16609", "Hugging Face", upvotes=30, comments=2),
            Candidate(
                "2309.16609v2", "curated list", paper=qwen(2, "Qwen LLM"), curated_note="a note"
            ),
            Candidate("2309.16609", "arXiv", paper=from_arxiv),
            Candidate(
                "https://huggingface.co/papers/2309.16609", "member submissions", submitted_by="U1"
            ),
            Candidate("2309.16609", "Hugging Face", upvotes=12, comments=5),
            Candidate("not an id", "Hugging Face", upvotes=99),
        ]
    )
    assert list(merged) == ["2309.16609"]
    entry = merged["2309.16609"]
    assert entry.sources == ("Hugging Face", "curated list", "arXiv", "member submissions")
    assert entry.paper == from_arxiv  # arXiv is authoritative over a later version from elsewhere
    assert (entry.upvotes, entry.comments) == (30, 5)
    assert entry.curated and entry.curated_note == "a note"
    assert entry.submitted_by == ("U1",)
    assert missing_metadata(merged) == []


def test_without_arxiv_the_newest_version_is_kept_and_missing_metadata_is_listed() -> None:
    merged = merge_candidates(
        [
            Candidate("2309.16609", "curated list", paper=qwen(1, "v1 title")),
            Candidate("2309.16609v2", "curated list", paper=qwen(2, "v2 title")),
            Candidate("2608.19880", "Hugging Face", upvotes=163),
        ]
    )
    paper = merged["2309.16609"].paper
    assert paper is not None and paper.title == "v2 title"
    assert missing_metadata(merged) == ["2608.19880"]


def test_ranking_the_recorded_week_is_stable_and_explained() -> None:
    candidates, papers = hf_week()
    ranked = rank(merge_candidates(candidates), papers, HF_WEEK, (), set(), 10)

    assert len(ranked) == 10
    top = ranked[0]
    assert top.paper.arxiv_id == "2608.19880"  # 163 upvotes, published inside the window
    assert top.score.social == pytest.approx(math.log1p(163) + 0.5 * math.log1p(1))
    assert top.score.recency == pytest.approx(2.0 * 3 / 5)  # published on day 3 of 5
    totals = [item.score.total for item in ranked]
    assert totals == sorted(totals, reverse=True)

    for seed in range(5):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        again = rank(merge_candidates(shuffled), papers, HF_WEEK, (), set(), 10)
        assert [r.paper.arxiv_id for r in again] == [r.paper.arxiv_id for r in ranked]

    table = explain(ranked).splitlines()
    assert table[0].split()[:7] == ["#", "arXiv", "id", "total", "social", "recent", "topic"]
    assert len(table) == 12
    first = table[2].split()
    assert first[:7] == [
        "1",
        "2608.19880",
        f"{top.score.total:.2f}",
        f"{top.score.social:.2f}",
        f"{top.score.recency:.2f}",
        "0.00",
        "0.00",
    ]
    assert "EnvHarness: Awakening Static Worlds for Agent Learning" in table[2]


def test_already_posted_papers_are_excluded() -> None:
    candidates, papers = hf_week()
    merged = merge_candidates(candidates)
    before = [r.paper.arxiv_id for r in rank(merged, papers, HF_WEEK, (), set(), 10)]
    after = [
        r.paper.arxiv_id for r in rank(merged, papers, HF_WEEK, (), {before[0], before[3]}, 10)
    ]
    assert before[0] not in after and before[3] not in after
    assert after[:2] == [before[1], before[2]]
    assert len(after) == 10


def test_topics_steer_the_ranking_by_whole_words() -> None:
    candidates, papers = hf_week()
    merged = merge_candidates(candidates)
    ranked = rank(merged, papers, HF_WEEK, ("RL", "multi-agent"), set(), 3)
    co_rl = next(r for r in ranked if r.paper.arxiv_id == "2608.17253")
    # "RL" and "Multi-agent" are both in "Co-RL: ... in Multi-agent RL"
    assert co_rl.score.interest == pytest.approx(4.0)
    assert ranked[0].paper.arxiv_id == "2608.17253"
    worlds = {
        r.paper.arxiv_id: r.score.interest
        for r in rank(merged, papers, HF_WEEK, ("world",), set(), 200)
    }
    assert worlds["2608.19880"] == 2.0  # "Awakening Static Worlds": a plural counts
    rl = {
        r.paper.arxiv_id: r.score.interest
        for r in rank(merged, papers, HF_WEEK, ("RL",), set(), 200)
    }
    # "3D Open Worlds" holds the letters but not the word; the abstract says "multimodal RL"
    assert rl["2608.15265"] == 1.0


def test_a_member_submission_outranks_social_signals() -> None:
    candidates, papers = hf_week()
    candidates.append(Candidate("2608.12209", "member submissions", submitted_by="U1"))
    ranked = rank(merge_candidates(candidates), papers, HF_WEEK, (), set(), 10)
    assert ranked[0].paper.arxiv_id == "2608.12209"  # 0 upvotes on Hugging Face
    assert ranked[0].score.submission == SUBMISSION_BOOST
    assert ranked[0].sources == ("Hugging Face", "member submissions")


def test_a_curated_listing_adds_its_bonus_and_note() -> None:
    candidates, papers = hf_week()
    merged = merge_candidates(candidates)
    plain = {r.paper.arxiv_id: r for r in rank(merged, papers, HF_WEEK, (), set(), 200)}
    candidates.append(Candidate("2608.14071", "curated list", curated_note="why it matters"))
    curated = {
        r.paper.arxiv_id: r
        for r in rank(merge_candidates(candidates), papers, HF_WEEK, (), set(), 200)
    }
    gained = curated["2608.14071"].score.social - plain["2608.14071"].score.social
    assert gained == pytest.approx(CURATED_BONUS)
    assert curated["2608.14071"].curated_note == "why it matters"


def test_ties_break_by_social_then_date_then_id() -> None:
    same = qwen(1, "Same")
    papers = {
        "2309.16609": same,
        "2309.16588": replace(same, arxiv_id="2309.16588"),
        "2309.12207": replace(same, arxiv_id="2309.12207"),
    }
    merged = merge_candidates(Candidate(arxiv_id, "arXiv") for arxiv_id in papers)
    ranked = rank(merged, papers, HF_WEEK, (), set(), 10)
    assert [r.paper.arxiv_id for r in ranked] == ["2309.12207", "2309.16588", "2309.16609"]


def test_papers_without_metadata_are_left_out() -> None:
    merged = merge_candidates([Candidate("2608.19880", "Hugging Face", upvotes=163)])
    assert rank(merged, {}, HF_WEEK, (), set(), 10) == []
