"""The extractive engine's key points and thread answers on a real paper (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain import Paper, Summary
from bot.llm.extractive import ExtractiveEngine
from bot.llm.grounding import extractive_answer, find_verbatim
from bot.reading.extract_pdf import passages_from_pdf
from bot.reading.model import PaperText, Passage, TextSource
from bot.text import t

ATTENTION = (
    Path(__file__).parents[2] / "shared/fixtures/papers/attention-is-all-you-need-1706.03762.pdf"
)
AUTHORS = (
    "Ashish Vaswani",
    "Noam Shazeer",
    "Niki Parmar",
    "Jakob Uszkoreit",
    "Llion Jones",
    "Aidan N. Gomez",
    "Lukasz Kaiser",
    "Illia Polosukhin",
)


@pytest.fixture(scope="module")
def attention() -> tuple[Paper, PaperText]:
    read = passages_from_pdf(ATTENTION.read_bytes())
    abstract = next(p.text for p in read.passages if p.section == "Abstract")
    moment = datetime(2017, 6, 12, tzinfo=UTC)
    paper = Paper(
        "1706.03762", 5, "Attention Is All You Need", AUTHORS, abstract, moment, moment, "cs.CL"
    )
    return paper, PaperText(paper.arxiv_id, TextSource.PDF, read.title, tuple(read.passages))


async def summarise(attention: tuple[Paper, PaperText], language: str) -> Summary:
    paper, text = attention
    return await ExtractiveEngine().summarise(paper, text, language)


def answers_by_question(summary: Summary) -> dict[str, str]:
    return {pair.question: pair.answer for pair in summary.key_points}


async def test_key_points_answer_their_questions_not_with_author_notes(
    attention: tuple[Paper, PaperText],
) -> None:
    summary = await summarise(attention, "en")
    answers = answers_by_question(summary)
    novelty = answers[t("kp_novelty", "en")]
    assert "Ashish" not in novelty and "designed and implemented" not in novelty
    assert "first transduction model relying entirely on self-attention" in novelty
    problem = answers[t("kp_problem", "en")]
    assert not problem.startswith("transduction problems")
    assert "precludes parallelization" in problem
    everything = " ".join(answers.values())
    for note in ("Equal contribution", "Work performed while", "Jakob", "grateful"):
        assert note not in everything
    assert 3 <= len(summary.key_points) <= 10


async def test_every_key_point_cites_a_quote_found_verbatim_in_the_paper(
    attention: tuple[Paper, PaperText],
) -> None:
    _, text = attention
    summary = await summarise(attention, "en")
    full_text = "\n".join(p.text for p in text.passages)
    for pair in summary.key_points:
        assert pair.citations, pair
        for citation in pair.citations:
            assert find_verbatim(citation.quote, full_text) is not None, citation
            assert citation.section and citation.page is not None
    results = answers_by_question(summary)[t("kp_results", "en")]
    assert any(ch.isdigit() for ch in results)


@pytest.mark.parametrize("language", ["ja", "ko"])
async def test_questions_follow_the_channel_and_answers_quote_the_paper_labelled(
    attention: tuple[Paper, PaperText], language: str
) -> None:
    english = await summarise(attention, "en")
    local = await summarise(attention, language)
    catalog = {t(key, language) for key in ("kp_problem", "kp_proposal", "kp_novelty")}
    assert catalog <= {pair.question for pair in local.key_points}
    assert [p.answer for p in local.key_points] == [p.answer for p in english.key_points]
    assert t("key_points_quoted", language) in local.notes


async def test_a_question_is_left_out_when_no_sentence_answers_it() -> None:
    abstract = "We study heat-bath random walks on lattice graphs and their mixing times."
    moment = datetime(2016, 5, 26, tzinfo=UTC)
    paper = Paper("1605.08386", 1, "Walks", ("C. Stanley",), abstract, moment, moment, "math.CO")
    text = PaperText(paper.arxiv_id, TextSource.ABSTRACT, paper.title, ())
    summary = await ExtractiveEngine().summarise(paper, text, "en")
    assert [p.question for p in summary.key_points] == [t("kp_proposal", "en")]


def test_a_thread_answer_picks_the_answering_sentence_inside_a_passage() -> None:
    passage = Passage(
        "Recurrent models have been studied for decades in many settings. Our corpus draws on "
        "several sources of text. The dataset contains 14,100 tweets and is released freely. "
        "We thank the annotators.",
        "3 Data",
        4,
    )
    other = Passage("Tweets are short messages posted by users.", "1 Introduction", 1)
    answer = extractive_answer("How big is the dataset?", [other, passage], "en")
    assert answer.grounded
    assert "14,100 tweets" in answer.text
    assert "Recurrent models" not in answer.text and "thank" not in answer.text
    for citation in answer.citations:
        assert find_verbatim(citation.quote, passage.text + other.text) is not None
    quoted = [line for line in answer.text.splitlines() if line.startswith(">")]
    assert len(quoted) == len(set(quoted)) <= 3
