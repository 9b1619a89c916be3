"""issue 14's "Done when", as a matrix: the three fixture papers (two read from the PDF,
one from arXiv HTML) x en/ja/ko x the extractive engine and the loopback model.

For each post, as Slack blocks and as Discord messages: every key-point answer has a
citation verified verbatim against the full text, with a link to its place; no English
label or note in a ja or ko post; the summary shown once; no raw LaTeX, no internal id.
(That the digest starts with its header: tests/test_digest_header_links.py and
tests/test_slack_adapter.py, through the loopback platforms.)
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from openai import AsyncOpenAI

from adapters.discord_bot.messages import render as discord_render
from adapters.slack_app.blocks import render as slack_render
from bot.domain import Summary, SummaryEngine
from bot.llm.extractive import ExtractiveEngine
from bot.llm.grounding import ELISION, find_verbatim
from bot.llm.openai_engine import OpenAIEngine
from bot.reading.chunking import split_sentences
from bot.render import PaperThread, Post, paper_thread
from bot.text import LANGUAGE_NAMES
from tests.fixture_papers import PAPER_IDS, fixture_paper
from tests.loopback.openai_server import OpenAIServer

LANGUAGES = ("en", "ja", "ko")
ENGINES = ("extractive", "model")
SCRIPT = {"ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"), "ko": re.compile(r"[\uac00-\ud7af]")}
# Names a post may show in any language: the field writes them so
PROPER = {"arXiv", "PDF", "HTML", "TL;DR"}
RAW_LATEX = re.compile(r"\\[a-zA-Z]{2,}|\$[^$\s][^$]*\$|\^\{|_\{")
INTERNAL_ID = re.compile(r"paperclub · |\b[0-9a-f]{16}\b|digest(?:-header)?:|summon:")
# What a model writes in each language (its quotes stay in the paper's English)
WRITTEN = {
    "en": ("What does the paper establish (point {i})?", "The paper states this, point {i}."),
    "ja": ("この論文は何を示していますか（{i}）？", "論文はこの点を述べています（{i}）。"),
    "ko": ("이 논문은 무엇을 보여주나요 ({i})?", "논문은 이 점을 설명합니다 ({i})."),
}


def language_model(body: dict[str, Any]) -> str:
    """A model that writes in the language the prompt asks for, quoting the abstract."""
    system = body["messages"][0]["content"]
    user = body["messages"][-1]["content"]
    language = next(
        (code for code, name in LANGUAGE_NAMES.items() if f"Write in {name}." in system), "en"
    )
    abstract = re.search(r"Abstract: (.*?)\n", user, re.S)
    sentences = [
        s for s in split_sentences(abstract.group(1) if abstract else "") if len(s.split()) >= 8
    ]
    question, answer = WRITTEN[language]
    tldr = {
        "en": "The paper studies a question. It reports what it found.",
        "ja": "この論文はある問題を研究している。主な結果を報告する。",
        "ko": "이 논문은 한 문제를 연구한다. 주요 결과를 보고한다.",
    }[language]
    return json.dumps(
        {
            "title_translated": {"en": "", "ja": "論文の題名", "ko": "논문 제목"}[language],
            "tldr": tldr,
            "key_points": [
                {
                    "question": question.format(i=i),
                    "answer": answer.format(i=i),
                    "quote": sentence,
                }
                for i, sentence in enumerate(sentences[:6], 1)
            ],
            "tags": ["llm"],
        },
        ensure_ascii=False,
    )


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIServer]:
    server = OpenAIServer(reply=language_model).start()
    yield server
    server.stop()


@pytest.fixture
async def client(model_server: OpenAIServer) -> AsyncIterator[AsyncOpenAI]:
    real = AsyncOpenAI(api_key="sk-loopback", base_url=model_server.base_url, max_retries=0)
    yield real
    await real.close()


async def summarise(engine: str, arxiv_id: str, language: str, client: AsyncOpenAI) -> Summary:
    paper, text = fixture_paper(arxiv_id)
    if engine == "extractive":
        return await ExtractiveEngine().summarise(paper, text, language)
    return await OpenAIEngine(client, "loopback-model").summarise(paper, text, language)


def slack_texts(post: Post) -> list[str]:
    """What Slack shows of a post: each block's text, fields, context and buttons."""
    shown: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") in ("plain_text", "mrkdwn") and isinstance(value.get("text"), str):
                shown.append(value["text"])
            for key, item in value.items():
                if key not in ("action_id", "block_id", "url", "value"):
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for message in slack_render(post):
        walk(list(message.blocks))
    return shown


def discord_texts(post: Post) -> list[str]:
    shown: list[str] = []
    for message in discord_render(post):
        shown.append(message.content or "")
        for embed in message.embeds:
            shown.extend([embed.title or "", embed.description or "", embed.footer.text or ""])
            shown.extend(f"{f.name}\n{f.value}" for f in embed.fields)
    return [s for s in shown if s]


def posts(thread: PaperThread) -> list[Post]:
    return [thread.root, *thread.replies]


def labels(thread: PaperThread) -> list[str]:
    """The words paperclub writes on a post, not the paper's: field names, link labels,
    the button, notes, headings of the replies, the hint."""
    card = thread.root.card
    assert card is not None
    words = [f.name for f in card.fields] + [link.label for link in card.links]
    words += [card.open_label, *card.notes]
    for reply in thread.replies:
        words += re.findall(r"\*\*([^*]+)\*\*", reply.text)[:1]  # the reply's heading
        words += re.findall(r"^_([^_]+)_$", reply.text, re.M)  # its hint
    return [w for w in words if w not in PROPER]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("arxiv_id", PAPER_IDS)
async def test_a_post_meets_issue_14s_done_when(
    arxiv_id: str, language: str, engine: str, client: AsyncOpenAI
) -> None:
    paper, text = fixture_paper(arxiv_id)
    summary = await summarise(engine, arxiv_id, language, client)
    assert summary.engine is (
        SummaryEngine.MODEL if engine == "model" else SummaryEngine.EXTRACTIVE
    )
    thread = paper_thread(paper, summary, rank=(2, 3))

    # Every key-point answer has a verified citation with a link to its place.
    assert len(summary.key_points) >= 2
    full_text = "\n".join(p.text for p in text.passages) + "\n" + paper.abstract
    for pair in summary.key_points:
        assert pair.citations, pair
        for citation in pair.citations:
            for part in citation.quote.split(ELISION.strip()):
                assert find_verbatim(part.strip(), full_text) is not None, citation.quote
            assert citation.url.startswith(
                f"https://arxiv.org/{'pdf' if text.source == 'PDF' else 'html'}/"
            ), citation
    key_points_post = thread.replies[0]
    for pair in summary.key_points:
        assert pair.citations[0].url in key_points_post.text  # the reader can click it
        quoted = " ".join(pair.citations[0].quote.split())
        assert " ".join(key_points_post.text.split()).count(quoted) == 1  # never printed twice

    for render in (slack_texts, discord_texts):
        shown = [s for post in posts(thread) for s in render(post)]
        everything = "\n".join(shown)
        # The summary once: on the card, never again in the thread.
        assert everything.count(summary.tldr[:60]) == 1, render.__name__
        # No raw LaTeX, no internal id.
        assert not RAW_LATEX.search(everything), RAW_LATEX.search(everything)
        assert not INTERNAL_ID.search(everything), INTERNAL_ID.search(everything)
        assert "[2/3]" in everything

    # No English label or note in a ja or ko post.
    if language != "en":
        english = [w for w in labels(thread) if not SCRIPT[language].search(w)]
        assert english == [], english
