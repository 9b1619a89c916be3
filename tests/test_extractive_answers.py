"""Extractive thread answers on real paper text: the sentences that answer, shown once (issue 14).

The passages come from the real retrieval over the fixture papers (the Attention PDF and
QASPER papers), as a thread question gets them; what is checked is the reply a member
reads (`answer_post`).
"""

from __future__ import annotations

import json
import re
from functools import cache

import pytest

from bot.llm.answer_selection import MAX_SENTENCES, MAX_WORDS
from bot.llm.grounding import extractive_answer
from bot.llm.question_reading import AnswerKind, answer_kinds
from bot.reading.chunking import chunk_passages
from bot.reading.extract_pdf import passages_from_pdf
from bot.reading.extract_text import passages_from_text
from bot.reading.model import Passage
from bot.render import answer_post
from bot.retrieval import PaperIndex, tokenize
from bot.text import t
from tests.loopback.fixtures import fixtures_dir

QUOTED = re.compile(r"^> (.*) \[(\d+)\]$")


@cache
def attention_index() -> PaperIndex:
    pdf = fixtures_dir() / "papers" / "attention-is-all-you-need-1706.03762.pdf"
    return PaperIndex.build(chunk_passages(passages_from_pdf(pdf.read_bytes()).passages))


@cache
def qasper_papers() -> tuple[dict[str, object], ...]:
    path = fixtures_dir() / "qa" / "leval_scientific_qa_qasper.fixtures.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


@cache
def qasper_index(opening: str) -> PaperIndex:
    """The QASPER paper whose text starts its introduction with `opening`."""
    text = next(str(p["input"]) for p in qasper_papers() if opening in str(p["input"])[:300])
    return PaperIndex.build(chunk_passages(passages_from_text(text)))


def retrieved(index: PaperIndex, question: str) -> list[Passage]:
    return [r.passage for r in index.search(question, word_budget=1000)]


def quoted(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := QUOTED.match(line))]


def test_a_how_many_question_is_answered_by_the_sentence_with_the_number() -> None:
    question = "How many layers does the encoder have?"
    answer = extractive_answer(question, retrieved(attention_index(), question), "en")
    assert "N = 6 identical layers" in quoted(answer.text)[0]

    question = "How many questions are in the dataset?"
    passages = retrieved(qasper_index("Clinical text structuring"), question)
    shown = quoted(extractive_answer(question, passages, "en").text)
    assert any("2,714 question-answer pairs" in s for s in shown)


def test_a_question_about_a_list_shows_the_sentence_that_holds_it_in_the_papers_order() -> None:
    question = "Which languages are part of the corpus?"
    passages = retrieved(qasper_index("End-to-end speech-to-text translation"), question)
    shown = quoted(extractive_answer(question, passages, "en").text)
    lists = [i for i, s in enumerate(shown) if "French (Fr), German (De)" in s]
    assert lists, shown
    # The list sentence starts "It includes …": the sentence it points back to comes first.
    assert lists[0] > 0 and "we introduce CoVoST" in shown[lists[0] - 1]


def test_a_list_a_sentence_announces_is_continued_with_its_items() -> None:
    question = "What baselines do they compare to?"
    passages = retrieved(qasper_index("spreading of fake news easier"), question)
    shown = quoted(extractive_answer(question, passages, "en").text)
    announcing = next(i for i, s in enumerate(shown) if "the following set of baselines" in s)
    assert shown[announcing + 1].startswith("Tweet2vec:"), shown


@pytest.mark.parametrize(
    "question",
    [
        "Who designed and implemented the first Transformer models?",
        "Who proposed scaled dot-product attention and multi-head attention?",
        "Where was the work performed?",
        "Who contributed equally?",
    ],
)
def test_author_notes_and_footnotes_are_never_the_answer(question: str) -> None:
    answer = extractive_answer(question, retrieved(attention_index(), question), "en")
    for note in ("Ashish", "Noam", "Jakob", "Illia", "Equal contribution", "Work performed"):
        assert note not in answer.text


def test_an_answer_quotes_each_sentence_once_and_its_sources_do_not_repeat_it() -> None:
    for question in (
        "What BLEU score does the big model achieve on English-to-German?",
        "Which optimizer do they use?",
        "What is multi-head attention?",
        "Why is self-attention faster than recurrent layers?",
    ):
        passages = retrieved(attention_index(), question)
        answer = extractive_answer(question, passages, "en")
        post = answer_post(answer, "en").text
        body, sources = post.split(f"**{t('sources', 'en')}**")
        shown = quoted(body)
        assert shown and len(shown) == len(answer.citations)
        for sentence, citation in zip(shown, answer.citations, strict=True):
            assert sentence == citation.quote
            assert any(sentence in " ".join(p.text.split()) for p in passages)
            assert sentence not in sources and post.count(sentence) == 1
        assert "“" not in sources  # each source is its place only: the quote is above


def test_answers_stay_short_and_never_show_near_copies_on_every_fixture_question() -> None:
    """Every QASPER fixture question: at most three sentences and about eighty words, no two
    saying the same thing, none a formula or a pointer cut from its sentence."""
    seen = 0
    for paper in qasper_papers():
        index = PaperIndex.build(chunk_passages(passages_from_text(str(paper["input"]))))
        for question in paper["instructions"]:  # type: ignore[attr-defined]
            answer = extractive_answer(str(question), retrieved(index, str(question)), "en")
            shown = quoted(answer.text)
            if not answer.grounded:
                assert not shown and answer.text == t("answer_not_found", "en")
                continue
            seen += 1
            assert 1 <= len(shown) <= MAX_SENTENCES
            assert sum(len(s.split()) for s in shown) <= MAX_WORDS
            terms = [set(tokenize(s)) for s in shown]
            for i, a in enumerate(terms):
                for b in terms[i + 1 :]:
                    assert len(a & b) / max(len(a | b), 1) < 0.6, shown
    assert seen >= 100


@pytest.mark.parametrize("language", ["ja", "ko"])
def test_answers_in_ja_and_ko_channels_keep_the_quotes_verbatim_under_localized_labels(
    language: str,
) -> None:
    question = "How many layers does the encoder have?"
    passages = retrieved(attention_index(), question)
    english = extractive_answer(question, passages, "en")
    local = extractive_answer(question, passages, language)
    assert quoted(local.text) == quoted(english.text)
    assert local.citations == english.citations
    assert local.text.splitlines()[0] == t("answer_extractive_intro", language)
    post = answer_post(local, language).text
    assert f"**{t('sources', language)}**" in post
    assert t("extractive_answer_note", language) in post
    assert t("sources", "en") not in post and t("answer_extractive_intro", "en") not in post


def test_what_a_question_asks_for_is_read_from_its_wording() -> None:
    assert AnswerKind.QUANTITY in answer_kinds("How big is the QA-CTS task dataset?")
    assert AnswerKind.QUANTITY in answer_kinds("how many tags do they look at?")
    assert AnswerKind.LIST in answer_kinds("Which publicly available datasets are used?")
    assert AnswerKind.LIST in answer_kinds("What baselines do they compare to?")
    assert AnswerKind.DEFINITION in answer_kinds("How is diversity measured?")
    assert AnswerKind.REASON in answer_kinds("Why are their techniques cheaper to implement?")
    assert AnswerKind.POLAR in answer_kinds("Do they report results only on English data?")
    assert AnswerKind.RESULT in answer_kinds("Which algorithm was the highest performer?")
    assert not answer_kinds("Tell me about the paper")


def test_a_paper_silent_on_the_question_gets_a_plain_not_found() -> None:
    question = "What about photosynthesis in chloroplasts?"
    answer = extractive_answer(question, retrieved(attention_index(), question), "en")
    assert not answer.grounded and answer.citations == ()
    assert answer.text == t("answer_not_found", "en")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_yes_no_question_says_yes_or_no_only_when_the_sentence_plainly_settles_it(
    language: str,
) -> None:
    question = "Do they use beam search?"
    answer = extractive_answer(question, retrieved(attention_index(), question), language)
    assert answer.text.splitlines()[0] == t("answer_polar_yes", language)
    assert "We used beam search with a beam size of 4" in quoted(answer.text)[0]

    question = "Do they use in-domain Europarl data to train these systems?"
    passages = retrieved(qasper_index("The new generation of Neural Machine Translation"), question)
    answer = extractive_answer(question, passages, language)
    assert answer.text.splitlines()[0] == t("answer_polar_no", language)
    assert "we do not use any in-domain (Europarl) data" in quoted(answer.text)[0]

    # The best sentence talks about convolutions without saying whether the model uses
    # them: no verdict, the sentences speak for themselves.
    question = "Does the model use convolutions?"
    answer = extractive_answer(question, retrieved(attention_index(), question), language)
    assert answer.text.splitlines()[0] == t("answer_extractive_intro", language)
