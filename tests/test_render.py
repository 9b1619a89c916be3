"""Splitting long text to a platform's limit, and the paper post's shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import Paper, QAPair, Summary, SummaryEngine
from bot.render import paper_thread, split_text
from tests.loopback.fixtures import fixtures_dir


def reversal_curse_text() -> str:
    return (fixtures_dir() / "papers" / "reversal-curse-2309.12288.pypdf.txt").read_text("utf-8")


@pytest.mark.parametrize("limit", [150, 2000, 3000, 4096])
def test_split_text_fits_the_limit_and_loses_nothing(limit: int) -> None:
    text = reversal_curse_text()[:20_000]
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(p.replace(" ", "").replace("\n", "") for p in pieces) == text.replace(
        " ", ""
    ).replace("\n", "")


def test_split_text_cuts_at_sentence_ends_not_mid_word() -> None:
    text = " ".join(f"Sentence number {i} talks about reversal." for i in range(200))
    for piece in split_text(text, 500):
        assert piece.endswith("reversal.")


def test_split_text_never_ends_inside_a_code_span() -> None:
    text = "Intro words here. " * 20 + "`" + "code " * 30 + "` after the span. " * 5
    for piece in split_text(text, 200):
        assert piece.count("`") % 2 == 0


def test_paper_thread_holds_every_field_a_member_expects() -> None:
    moment = datetime(2023, 9, 21, tzinfo=UTC)
    paper = Paper(
        "2309.12288",
        2,
        "The Reversal Curse",
        ("Lukas Berglund", "Owain Evans"),
        "Abstract.",
        moment,
        moment,
        "cs.CL",
        ("cs.CL", "cs.AI"),
    )
    summary = Summary(
        "2309.12288",
        "ja",
        "要約です。",
        (QAPair("何？", "これ。"),),
        ("llm",),
        SummaryEngine.MODEL,
        "gpt-4o-mini",
        "abstract only",
        title_translated="逆転の呪い",
    )
    thread = paper_thread(paper, summary)
    card = thread.root.card
    assert card is not None
    assert card.title == "The Reversal Curse / 逆転の呪い"
    assert card.url == "https://arxiv.org/abs/2309.12288"
    values = {f.name: f.value for f in card.fields}
    assert values["著者"] == "Lukas Berglund, Owain Evans"
    assert values["公開日"] == "2023-09-21"
    assert values["カテゴリ"] == "cs.CL"
    texts = "\n".join(p.text for p in thread.replies)
    assert "要約" in texts and "Q1. 何？" in texts and "`#llm`" in texts


async def test_an_abstract_only_extractive_post_still_has_key_points() -> None:
    from bot.llm.extractive import ExtractiveEngine
    from bot.reading.model import PaperText, Passage, TextSource

    moment = datetime(2016, 5, 26, tzinfo=UTC)
    abstract = (
        "Graphs on lattice points are studied whose edges come from a finite set of allowed "
        "moves of arbitrary length. We show that the diameter of these graphs on fibers of a "
        "fixed integer matrix can be bounded from above by a constant. We then study the "
        "mixing behaviour of heat-bath random walks on these graphs."
    )
    paper = Paper(
        "1605.08386",
        1,
        "Heat-bath random walks",
        ("C. Stanley",),
        abstract,
        moment,
        moment,
        "math.CO",
    )
    text = PaperText(
        paper.arxiv_id, TextSource.ABSTRACT, paper.title, (Passage(abstract, "Abstract"),)
    )
    summary = await ExtractiveEngine().summarise(paper, text, "en")
    assert len(summary.key_points) >= 2
    assert all(pair.answer in abstract for pair in summary.key_points)  # verbatim sentences
