"""issue 14: the model engine's key points are grounded like its thread answers.

The model (the loopback OpenAI server) writes each key point with a quote; a pair is shown
only when its quote is found verbatim in the full text, citing it with its place; a pair
whose quote is not found is asked for once more, then dropped; the notes say how many were
checked; too few checked and the post falls back to the extractive key points, saying why.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openai import AsyncOpenAI

from bot.domain import SummaryEngine
from bot.llm.context import estimate_tokens
from bot.llm.grounding import find_verbatim
from bot.llm.openai_engine import EngineOptions, OpenAIEngine
from bot.reading.chunking import split_sentences
from bot.text import t
from tests.fixture_papers import QWEN, fixture_paper
from tests.loopback.openai_server import OpenAIServer

INVENTED = "Our model reaches 99.9 BLEU on every benchmark ever devised by humankind."


@pytest.fixture
async def client(openai_server: OpenAIServer) -> AsyncIterator[AsyncOpenAI]:
    real = AsyncOpenAI(api_key="sk-loopback", base_url=openai_server.base_url, max_retries=0)
    yield real
    await real.close()


def paper_sentences(arxiv_id: str, count: int) -> list[str]:
    """Whole sentences of the paper's body, from across the paper (not its first page)."""
    _, text = fixture_paper(arxiv_id)
    body = [p for p in text.passages if p.kind == "body" and len(p.text) > 200]
    step = max(1, len(body) // count)
    sentences = []
    for passage in body[::step]:
        sentence = next(
            (s for s in split_sentences(" ".join(passage.text.split())) if len(s.split()) >= 10),
            None,
        )
        if sentence:
            sentences.append(sentence)
    return sentences[:count]


def scripted(quotes: list[str], requoted: list[str] | None = None) -> Any:
    """A model whose summary quotes `quotes` (one key point each) and, asked again for the
    quotes it got wrong, answers with `requoted`."""

    def reply(body: dict[str, Any]) -> str:
        name = body["response_format"]["json_schema"]["name"]
        if name == "key_point_quotes":
            asked = json.loads(body["messages"][1]["content"].split("<key_points>\n")[1][:-14])
            return json.dumps(
                {
                    "key_points": [
                        {**point, "quote": quote}
                        for point, quote in zip(asked, requoted or [], strict=False)
                    ]
                }
            )
        return json.dumps(
            {
                "title_translated": "",
                "tldr": "The paper studies a problem. It proposes a method and reports results.",
                "key_points": [
                    {
                        "question": f"Key question number {i + 1}?",
                        "answer": f"The answer to key question {i + 1}, as the paper says.",
                        "quote": quote,
                    }
                    for i, quote in enumerate(quotes)
                ],
                "tags": ["llm"],
            }
        )

    return reply


def engine(client: AsyncOpenAI, **options: Any) -> OpenAIEngine:
    return OpenAIEngine(client, "loopback-model", options=EngineOptions(**options))


async def test_each_model_key_point_cites_its_quote_verified_in_the_paper_with_a_link(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    paper, text = fixture_paper("1706.03762")
    real = paper_sentences("1706.03762", 8)
    assert len(real) == 8
    openai_server.reply = scripted([*real[:4], INVENTED, *real[4:], INVENTED + " Again."])
    summary = await engine(client, bounded_schemas=True).summarise(paper, text, "en")

    assert summary.engine is SummaryEngine.MODEL
    assert len(summary.key_points) == 8  # the two invented quotes are dropped
    full_text = "\n".join(p.text for p in text.passages)
    for pair, quote in zip(summary.key_points, real, strict=True):
        (citation,) = pair.citations
        assert find_verbatim(citation.quote, full_text) is not None
        assert " ".join(quote.split()).startswith(citation.quote.split(" … ")[0])
        assert citation.url.startswith("https://arxiv.org/pdf/1706.03762#page=")
        assert citation.page is not None and citation.section
    assert "8 of 10 key points checked against the paper" in summary.notes

    first, again = openai_server.bodies()  # one regeneration, for the two only
    points = first["response_format"]["json_schema"]["schema"]["properties"]["key_points"]
    quote_schema = points["items"]["properties"]["quote"]
    assert points["maxItems"] == 10 and quote_schema["minLength"] >= 20
    assert quote_schema["maxLength"] <= 400
    assert again["response_format"]["json_schema"]["name"] == "key_point_quotes"
    assert (
        again["response_format"]["json_schema"]["schema"]["properties"]["key_points"]["maxItems"]
        == 2
    )
    assert again["max_tokens"] <= 120 * 2 + 100
    assert "Key question number 5?" in again["messages"][1]["content"]


async def test_a_key_point_requoted_correctly_is_kept_and_counted(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    paper, text = fixture_paper("2501.11120")
    real = paper_sentences("2501.11120", 6)
    openai_server.reply = scripted([*real[:5], INVENTED], requoted=[real[5]])
    summary = await engine(client).summarise(paper, text, "ja")
    assert [
        p.citations[0].url.startswith("https://arxiv.org/html/2501.11120v1")
        for p in summary.key_points
    ] == [True] * 6
    assert summary.key_points[5].question == "Key question number 6?"
    assert t("note_key_points_checked", "ja", checked=6, total=6) in summary.notes
    assert len(openai_server.requests) == 2


async def test_too_few_checked_key_points_fall_back_to_extractive_ones_with_the_cause(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    paper, text = fixture_paper("2309.12288")
    openai_server.reply = scripted(
        [INVENTED, INVENTED + " Twice.", paper_sentences("2309.12288", 1)[0]]
    )
    summary = await engine(client).summarise(paper, text, "ko")
    assert len(openai_server.requests) == 2  # the one regeneration, nothing more
    assert summary.engine is SummaryEngine.MODEL  # the TL;DR is still the model's
    questions = {t(key, "ko") for key in ("kp_problem", "kp_proposal", "kp_results")}
    assert questions & {p.question for p in summary.key_points}
    assert all(p.citations and p.citations[0].url for p in summary.key_points)
    assert t("note_key_points_unchecked", "ko", checked=1, total=3) in summary.notes
    assert all("checked against" not in note for note in summary.notes)


# --- the summary prompt: the whole paper, by section, within the endpoint's context ------


async def test_a_long_papers_results_and_conclusion_reach_the_summary_prompt(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    paper, text = fixture_paper(QWEN.arxiv_id)  # 107,000 characters of text
    full = sum(len(p.text) for p in text.passages)
    await engine(client, context_tokens=8_192).summarise(paper, text, "en")
    prompt = openai_server.bodies()[0]["messages"][1]["content"]
    assert len(prompt) < full / 3  # a selection, inside an 8k context
    assert estimate_tokens(prompt) < 8_192 - openai_server.bodies()[0]["max_tokens"]
    sections = set(re.findall(r"^\[([^\]]+)\] ", prompt, re.M))
    assert {"1 INTRODUCTION", "2.5 EXPERIMENTAL RESULTS", "7 CONCLUSION"} <= sections
    assert any(s.startswith(("4.3", "5.2")) for s in sections)  # later results too
    assert "In this report, we present the QWEN series" in prompt  # the conclusion's text
    assert re.search(r"Table \d+: [^\n]*(?:performance|Results)", prompt)  # a results caption
    assert not any(s.startswith(("A.", "References")) for s in sections)
    assert prompt.count(paper.abstract[:80]) == 1  # the abstract once, as metadata
    # not a prefix: the text right after the introduction's opening is skipped for later parts
    first_passages = " ".join(p.text for p in text.passages[:60])
    assert not prompt.endswith(first_passages[-200:])
