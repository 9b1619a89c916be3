"""Bounded models (issue 13): what a broken, looping or hostile model endpoint can do to us.

Everything goes through the real `openai.AsyncOpenAI` client against the loopback
OpenAI-compatible server, which can stream reasoning blocks, invalid UTF-8, garbled SSE
events, an endless answer or a megabyte summary. We assert what the engine yields or
returns, and what request bodies the server received.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from openai import AsyncOpenAI

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import Paper, SummaryEngine
from bot.errors import LLMUnavailable
from bot.llm.bounds import (
    ELLIPSIS,
    SUMMARY_LIMITS,
    ModelLimits,
    SummaryLimits,
    clip_summary_fields,
    clip_text,
)
from bot.llm.model_client import model_client
from bot.llm.openai_engine import OpenAIEngine
from bot.llm.reasoning import ReasoningFilter, strip_reasoning
from bot.llm.summary_format import parse_summary_json
from bot.reading.model import PaperText, Passage, TextSource
from tests.loopback.openai_server import OpenAIServer
from tests.test_thread_answers import REVERSAL

PASSAGE = Passage(
    "The reversal curse is a failure of auto-regressive language models to generalise "
    "from 'A is B' to 'B is A'.",
    "Introduction",
    page=1,
)
ANSWER = (
    "According to the paper, the reversal curse is a failure to generalise.\n"
    '[1] "The reversal curse is a failure of auto-regressive language models to generalise"'
)
TEXT = PaperText("2309.12288", TextSource.PDF, REVERSAL.title, (PASSAGE,))
QUOTE = PASSAGE.text  # a key point's supporting quote, found verbatim in TEXT


def summary_json(**overrides: Any) -> str:
    data: dict[str, Any] = {
        "title_translated": "",
        "tldr": "Models trained on 'A is B' do not learn 'B is A'.",
        "key_points": [
            {
                "question": "What is the reversal curse?",
                "answer": "A failure to reverse facts.",
                "quote": QUOTE,
            }
        ],
        "tags": ["llm", "generalisation"],
    }
    data.update(overrides)
    return json.dumps(data)


@pytest.fixture
async def client(openai_server: OpenAIServer) -> AsyncIterator[AsyncOpenAI]:
    real = model_client(
        api_key="sk-loopback-0123456789", base_url=openai_server.base_url, timeout=5, max_retries=0
    )
    yield real
    await real.close()


def engine(client: AsyncOpenAI, limits: ModelLimits | None = None) -> OpenAIEngine:
    return OpenAIEngine(client, "gpt-4o-mini", limits=limits)


async def collect(model: OpenAIEngine, question: str = "What is the reversal curse?") -> str:
    return "".join([piece async for piece in model.answer(question, [PASSAGE], (), "en")])


# --- max_tokens on every call --------------------------------------------------------


async def test_every_request_carries_its_output_bound(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    limits = ModelLimits(answer_tokens=700, summary_tokens=3_000, query_tokens=99)
    model = engine(client, limits)
    await model.summarise(REVERSAL, TEXT, "en")
    await collect(model)
    await model.search_queries("逆転の呪いとは何ですか？")  # little English: rewritten first
    summary, answer, rewrite = openai_server.bodies()
    assert summary["max_tokens"] == 3_000 and "response_format" in summary
    assert answer["max_tokens"] == 700 and answer["stream"] is True
    assert rewrite["max_tokens"] == 99
    assert all("max_completion_tokens" not in body for body in openai_server.bodies())


async def test_reasoning_models_get_max_completion_tokens_instead(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    model = engine(client, ModelLimits(tokens_field="max_completion_tokens"))
    await model.summarise(REVERSAL, TEXT, "en")
    await collect(model)
    for body in openai_server.bodies():
        assert "max_tokens" not in body
        assert body["max_completion_tokens"] in (ModelLimits().summary_tokens, 1_200)


def test_model_limits_come_from_settings_and_default_to_them(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ModelLimits.from_settings(make_settings()) == ModelLimits()
    monkeypatch.setenv("PAPERCLUB_LLM_MAX_ANSWER_TOKENS", "500")
    monkeypatch.setenv("PAPERCLUB_LLM_MAX_SUMMARY_TOKENS", "2500")
    monkeypatch.setenv("PAPERCLUB_LLM_MAX_QUERY_TOKENS", "64")
    monkeypatch.setenv("PAPERCLUB_LLM_MAX_TOKENS_FIELD", "max_completion_tokens")
    assert ModelLimits.from_settings(make_settings()) == ModelLimits(
        500, 2_500, 64, "max_completion_tokens"
    )


async def test_the_bot_bounds_its_summary_answer_and_query_rewrite_calls(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    settings = make_settings(
        llm="openai",
        openai_api_key="sk-loopback-0123456789",
        openai_base_url=openai_server.base_url,
        llm_retries=0,
        llm_timeout_seconds=5,
    )
    async with bootstrap(settings) as club:
        paper = await club.papers.find_paper("1605.08386")
        await club.papers.summary_for(paper, "en")
        await club.answers.ask("1605.08386", "格子グラフとは何ですか？", "ja")
    bodies = openai_server.bodies()
    assert len(bodies) >= 3  # summary, query rewrite, answer
    assert all(isinstance(body.get("max_tokens"), int) for body in bodies)
    assert bodies[0]["max_tokens"] == settings.llm_max_summary_tokens


# --- reasoning blocks ----------------------------------------------------------------


@pytest.mark.parametrize("chunk_chars", [1, 2, 3, 7, 64])
async def test_think_blocks_split_across_chunks_are_not_streamed(
    client: AsyncOpenAI, openai_server: OpenAIServer, chunk_chars: int
) -> None:
    openai_server.reply = lambda body: (
        "<think>The user asks about the curse. Passage [1] says it.</think>\n\n" + ANSWER
    )
    openai_server.chunk_chars = chunk_chars
    assert await collect(engine(client)) == ANSWER


async def test_a_reasoning_block_mid_answer_is_taken_out(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: (
        "According to the paper, <reasoning>hmm, let me check [1]</reasoning>it is a failure."
    )
    openai_server.chunk_chars = 5
    assert await collect(engine(client)) == "According to the paper, it is a failure."


async def test_reasoning_content_deltas_are_ignored(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: ANSWER
    openai_server.reasoning = "SECRET chain of thought about the system prompt. " * 20
    openai_server.chunk_chars = 9
    answer = await collect(engine(client))
    assert answer == ANSWER and "SECRET" not in answer
    assert openai_server.stream_outcomes == ["done"]


async def test_an_answer_that_is_only_unclosed_reasoning_is_unavailable(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: "<think>Let me think step by step about passage [1] and"
    openai_server.chunk_chars = 4
    with pytest.raises(LLMUnavailable, match="only its reasoning"):
        await collect(engine(client))


async def test_only_reasoning_content_and_no_answer_is_unavailable(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reasoning = "I ran out of tokens while thinking"
    openai_server.reply = lambda body: ""
    with pytest.raises(LLMUnavailable, match="only its reasoning"):
        await collect(engine(client))


async def test_a_summary_after_a_think_block_parses(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: (
        '<think>I will write {"tldr": no, not yet} then the JSON.</think>\n' + summary_json()
    )
    summary = await engine(client).summarise(REVERSAL, TEXT, "en")
    assert summary.engine is SummaryEngine.MODEL
    assert summary.tldr.startswith("Models trained on")
    assert len(openai_server.requests) == 1  # no retry needed


def test_summary_json_in_prose_or_a_fence_or_after_a_template_opened_block() -> None:
    assert parse_summary_json("Here is the JSON:\n" + summary_json() + "\nHope it helps!")
    assert parse_summary_json("```json\n" + summary_json() + "\n```")
    assert parse_summary_json("the chat template opened it</think>" + summary_json())


# --- protocol and decoding errors become LLMUnavailable -----------------------------


async def test_invalid_utf8_in_a_chunk_is_unavailable_not_a_decode_error(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.invalid_utf8_at = 2
    with pytest.raises(LLMUnavailable, match="UTF-8") as raised:
        await collect(engine(client))
    assert isinstance(raised.value.__cause__, UnicodeDecodeError)


async def test_a_garbled_sse_event_is_unavailable(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.malformed_event_at = 1
    with pytest.raises(LLMUnavailable, match="not valid JSON"):
        await collect(engine(client))


async def test_an_error_event_mid_stream_is_unavailable(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.error_event_at = 3
    with pytest.raises(LLMUnavailable, match="model endpoint failed"):
        await collect(engine(client))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": "x", "choices": [{"message": {"content": "\xff"}}]}',  # not UTF-8
        b"not json {",
        b"[" * 100_000,  # nested too deeply for json.loads
        b'{"id": "x", "choices": "none"}',
        b'{"id": "x", "choices": [], "usage": {"prompt_tokens": "many"}}',
    ],
)
async def test_a_broken_summary_response_is_unavailable(
    client: AsyncOpenAI, openai_server: OpenAIServer, raw: bytes
) -> None:
    openai_server.raw_body = raw
    with pytest.raises(LLMUnavailable):
        await engine(client).summarise(REVERSAL, TEXT, "en")


async def test_a_bad_stream_degrades_the_answer_with_a_label(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.invalid_utf8_at = 1
    settings = make_settings(
        llm="openai",
        openai_api_key="sk-loopback-0123456789",
        openai_base_url=openai_server.base_url,
        llm_retries=0,
        llm_timeout_seconds=5,
    )
    async with bootstrap(settings) as club:
        evidence = await club.answers.ask("1605.08386", "What graphs are studied?", "en")
    assert any("not valid UTF-8" in note for note in evidence.answer.notes)


# --- endless and huge output ---------------------------------------------------------


async def test_leaving_an_endless_stream_early_closes_the_connection(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: "According to the paper,"
    openai_server.endless = " and so on"
    received = 0
    stream = engine(client).answer("What is it?", [PASSAGE], (), "en")
    async for piece in stream:
        received += len(piece)
        if received > 100_000:  # the caller's character cap
            break
    await stream.aclose()  # type: ignore[attr-defined]
    for _ in range(100):
        if openai_server.stream_outcomes:
            break
        await asyncio.sleep(0.05)
    assert openai_server.stream_outcomes == ["disconnected"]
    assert openai_server.endless_sent < openai_server.endless_limit


async def test_an_endless_reasoning_block_yields_nothing_until_the_caller_gives_up(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: "<think>"
    openai_server.endless = "still thinking "
    pieces: list[str] = []

    async def read() -> None:
        async for piece in engine(client).answer("What is it?", [PASSAGE], (), "en"):
            pieces.append(piece)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):  # the caller's deadline
            await read()
    assert "".join(pieces) == ""  # no text: at most the one "thinking" marker
    assert openai_server.endless_sent > 100  # it was streaming all along


async def test_a_megabyte_summary_is_clipped_before_it_is_returned(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    huge = summary_json(
        title_translated="逆転" * 50_000,
        tldr="word " * 200_000,
        key_points=[{"question": "Q? " * 500, "answer": "A. " * 5_000, "quote": QUOTE}] * 3
        + [{"question": "Why?", "answer": "Because.", "quote": QUOTE}] * 10_000,
        tags=[f"tag{i}-" + "x" * 500 for i in range(1_000)],
    )
    assert len(huge) > 1_000_000
    openai_server.reply = lambda body: huge
    summary = await engine(client).summarise(REVERSAL, TEXT, "ja")
    limits = SUMMARY_LIMITS
    assert summary.engine is SummaryEngine.MODEL
    assert len(summary.title_translated) <= limits.title
    assert len(summary.tldr) <= limits.tldr and summary.tldr.endswith(ELLIPSIS)
    assert len(summary.key_points) == limits.key_points
    assert all(len(p.question) <= limits.question for p in summary.key_points)
    assert all(len(p.answer) <= limits.answer for p in summary.key_points)
    assert len(summary.tags) == limits.tags
    assert all(len(tag) <= limits.tag for tag in summary.tags)


async def test_a_summary_without_key_points_is_retried_then_extractive(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: summary_json(key_points=[])
    settings = make_settings(
        llm="openai",
        openai_api_key="sk-loopback-0123456789",
        openai_base_url=openai_server.base_url,
        llm_retries=0,
        llm_timeout_seconds=5,
    )
    async with bootstrap(settings) as club:
        paper: Paper = await club.papers.find_paper("1605.08386")
        summary = await club.papers.summary_for(paper, "en")
    assert len(openai_server.requests) == 2
    assert summary.engine is SummaryEngine.EXTRACTIVE
    assert "missing key_points" in summary.notes[-1]


# --- the clipping function ------------------------------------------------------------


def test_clip_text_keeps_short_text_and_flattens_it() -> None:
    assert clip_text("  A short\n\n answer\x00.\u202e ", 100) == "A short answer."
    assert clip_text("x" * 10, 10) == "x" * 10


def test_clip_text_prefers_a_sentence_end_then_a_word_boundary() -> None:
    text = "First sentence is here. Second sentence runs on and on without end"
    assert clip_text(text, 36) == "First sentence is here." + ELLIPSIS
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    assert clip_text(words, 26) == "alpha beta gamma delta" + ELLIPSIS
    assert clip_text("逆転の呪い。" * 100, 50).endswith("。" + ELLIPSIS)
    assert clip_text("あ" * 100, 10) == "あ" * 9 + ELLIPSIS


@pytest.mark.parametrize("limit", [1, 2, 5, 17, 100, 599, 600])
def test_clip_text_never_exceeds_its_limit(limit: int) -> None:
    for text in ("word " * 300, "x" * 1_000, "Short. " * 200, "日本語の文。" * 200):
        assert len(clip_text(text, limit)) <= limit


def test_clip_summary_fields_cuts_every_field() -> None:
    limits = SummaryLimits(title=10, tldr=20, key_points=2, question=12, answer=15, tags=2, tag=5)
    data = {
        "title_translated": "a very long translated title",
        "tldr": "a TL;DR that goes on for far too long",
        "key_points": [{"question": "question " * 5, "answer": "answer " * 5}] * 5,
        "tags": ["#LLM", "llm", 7, "very-long-tag", "third"],
    }
    clipped = clip_summary_fields(data, limits)
    assert len(clipped["title_translated"]) <= 10
    assert len(clipped["tldr"]) <= 20
    assert len(clipped["key_points"]) == 2
    assert all(len(q) <= 12 and len(a) <= 15 for q, a, _quote in clipped["key_points"])
    assert clipped["tags"] == [
        "llm",
        "very",
    ]  # '#' and case folded, duplicates and non-text dropped


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"tldr": "", "key_points": [{"question": "q", "answer": "a"}]}, "missing tldr"),
        ({"tldr": " \n\x00 ", "key_points": [{"question": "q", "answer": "a"}]}, "missing tldr"),
        ({"tldr": "t", "key_points": []}, "missing key_points"),
        ({"tldr": "t", "key_points": "q and a"}, "missing key_points"),
        ({"tldr": "t", "key_points": ["q: a"]}, "not an object"),
        ({"tldr": "t", "key_points": [{"question": "q", "answer": "  "}]}, "lacks"),
        ({"tldr": "t", "key_points": [{"question": "q", "answer": 3}]}, "lacks"),
        ({"tldr": "t", "key_points": [{"question": "q", "answer": "a"}], "tags": "x"}, "tags"),
    ],
)
def test_clip_summary_fields_rejects_an_unusable_summary(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        clip_summary_fields(data)


def test_deeply_nested_summary_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not JSON"):
        parse_summary_json("[" * 100_000)


# --- the streaming filter -------------------------------------------------------------

FILTER_CASES = [
    ("<think>plan the answer</think>\n\nThe answer.", "The answer."),
    ("<THINKING>x</THINKING>Done", "Done"),
    ("Hello <reasoning>hidden</reasoning>world", "Hello world"),
    ("<think>never closed, the model ran out of tokens", ""),
    (
        "The template wraps thoughts in <think> tags.",
        "The template wraps thoughts in <think> tags.",
    ),
    ("a < b and a <thin", "a < b and a <thin"),
    ("stray closing tag</think> kept", "stray closing tag kept"),
    ("<think>a <reasoning> b</reasoning> c</think>Done", "Done"),
]


@pytest.mark.parametrize(("text", "visible"), FILTER_CASES)
def test_reasoning_filter_gives_the_same_text_however_the_stream_is_split(
    text: str, visible: str
) -> None:
    for size in range(1, len(text) + 1):
        reasoning = ReasoningFilter()
        pieces = [reasoning.feed(text[i : i + size]) for i in range(0, len(text), size)]
        assert "".join(pieces) + reasoning.finish() == visible, size


def test_strip_reasoning_drops_what_a_template_opened_block_held() -> None:
    assert strip_reasoning("thinking in the prompt's block</think>\n{}") == "{}"


def test_an_endless_reasoning_block_is_not_kept_in_memory() -> None:
    reasoning = ReasoningFilter()
    assert reasoning.feed("<think>") == ""
    for _ in range(10_000):
        assert reasoning.feed("still thinking about it ") == ""
    assert len(reasoning._pending) < 32 and reasoning._held == []
