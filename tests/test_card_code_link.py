"""issue 14: a card links the code when Hugging Face lists the paper's GitHub repository."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain import Candidate, Paper, QAPair, Summary, SummaryEngine
from bot.render import paper_thread
from bot.sources.hf_daily import parse_daily_papers
from bot.sources.ranking import merge_candidates
from tests.loopback.papers_server import weekly_lists_dir

DAY = "2404589803-hf-daily-paper-newsletter-chinese_daily_papers_2026-08-17.json"


def test_hugging_faces_github_repository_becomes_the_cards_code_link() -> None:
    candidates = parse_daily_papers((weekly_lists_dir() / "hf_daily_papers" / DAY).read_bytes())
    by_id = {c.arxiv_id: c for c in candidates}
    assert by_id["2608.14391"].code_url == "https://github.com/24029100313/RA-Bench"
    assert all(c.code_url == "" or c.code_url.startswith("https://github.com/") for c in candidates)
    merged = merge_candidates([Candidate("2608.14391", "arXiv"), by_id["2608.14391"]])
    assert merged["2608.14391"].code_url == "https://github.com/24029100313/RA-Bench"

    moment = datetime(2026, 8, 17, tzinfo=UTC)
    paper = Paper("2608.14391", 1, "RA-Bench", ("A. Author",), "Abstract.", moment, moment, "cs.CL")
    summary = Summary(
        "2608.14391",
        "en",
        "Summary.",
        (QAPair("Q?", "A."),),
        (),
        SummaryEngine.EXTRACTIVE,
        "extractive",
        "PDF",
    )
    coded = paper_thread(
        replace(paper, code_url=merged["2608.14391"].code_url),
        summary,
    ).root.card
    assert coded is not None
    assert [link.label for link in coded.links] == ["Abstract", "PDF", "HTML", "Code"]
    plain = paper_thread(paper, summary).root.card
    assert plain is not None and "Code" not in [link.label for link in plain.links]


def test_a_repository_link_that_is_not_githubs_is_not_shown() -> None:
    from bot.sources.hf_daily import _github_repo

    assert _github_repo("https://github.com/owner/repo/") == "https://github.com/owner/repo"
    assert _github_repo("javascript:alert(1)") == ""
    assert _github_repo("https://github.com.evil.example/owner/repo") == ""
    assert _github_repo(None) == ""
