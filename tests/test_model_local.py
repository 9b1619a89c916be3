"""Local model servers (issue 19), through the real `openai` client over loopback.

The loopback OpenAI server poses as llama.cpp's `llama-server` (it answers `/props`), so
the bot treats it as a local server of known kind: its context is read and budgeted,
summaries are streamed and checked by the quality gates, one request runs at a time,
timeouts are the engine's own and never retried, and auto-detection finds it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import SummaryEngine
from bot.llm.context import estimate_tokens, select_for_summary
from bot.llm.endpoint import detect_local_server, probe_endpoint
from bot.llm.gates import Unusable, check_summary, in_language
from bot.llm.openai_engine import OpenAIEngine
from bot.llm.repetition import RepetitionGuard, looping_period, without_loop
from bot.llm.summary_format import parse_query_reply
from bot.reading.model import Passage
from tests.loopback.openai_server import OpenAIServer, echo_model
from tests.loopback.threaded import Fault

PAPER = "1605.08386"


def local_settings(
    make_settings: Callable[..., Settings], server: OpenAIServer, **extra: Any
) -> Settings:
    values: dict[str, Any] = {"llm_retries": 2, "llm_timeout_seconds": 5, **extra}
    return make_settings(llm="openai", openai_base_url=server.base_url, **values)


def engine_of(club: Any) -> OpenAIEngine:
    llm = club.papers._llm
    assert isinstance(llm, OpenAIEngine)
    return llm


def japanese_summary(body: dict[str, Any]) -> str:
    return json.dumps(
        {
            "title_translated": "格子点上のグラフ",
            "tldr": "本論文は格子点上のグラフを研究する。主な結果として直径の上界を示す。",
            "key_points": [
                {
                    "question": "何を研究していますか？",
                    "answer": "格子点上のグラフとその連結性を研究しています。",
                    "quote": "Graphs on lattice points are studied whose edges come from a finite "
                    "set of allowed moves of arbitrary length.",
                },
                {
                    "question": "主な結果は何ですか？",
                    "answer": "ファイバー上のグラフの直径に上界があることを示しました。",
                    "quote": "We show that the diameter of these graphs on fibers of a fixed "
                    "integer matrix can be bounded from above by a constant.",
                },
            ],
            "tags": ["graphs", "combinatorics"],
        },
        ensure_ascii=False,
    )


# --- the endpoint probe and auto-detection ---------------------------------------------


async def test_the_probe_reads_llama_server_context_and_slots(openai_server: OpenAIServer) -> None:
    assert (await probe_endpoint(openai_server.base_url, "m")).kind == "openai-compatible"
    openai_server.props = OpenAIServer.llama_props(n_ctx=4096, slots=2)
    info = await probe_endpoint(openai_server.base_url, "m")
    assert (info.kind, info.context_tokens, info.slots) == ("llama.cpp", 4096, 2)


async def test_the_probe_reads_ollamas_num_ctx_not_the_models_trained_context(
    openai_server: OpenAIServer,
) -> None:
    openai_server.ollama_show = {"model_info": {"qwen2.context_length": 32768}, "parameters": ""}
    info = await probe_endpoint(openai_server.base_url, "qwen2.5:0.5b")
    assert (info.kind, info.context_tokens) == ("ollama", 4096)  # Ollama's default num_ctx
    openai_server.ollama_show["parameters"] = "num_ctx                        8192\nstop <|im_end|>"
    assert (await probe_endpoint(openai_server.base_url, "m")).context_tokens == 8192
    found = await detect_local_server(openai_server.url, "http://127.0.0.1:9")
    assert found is not None and found.model == "qwen2.5:0.5b" and found.info.kind == "ollama"


async def test_auto_detection_finds_a_local_llama_server_and_says_so(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props(n_ctx=8192)
    nothing = "http://127.0.0.1:9"  # discard port: nothing listens there
    assert await detect_local_server(nothing, nothing) is None
    settings = make_settings(
        llm_autodetect=True,
        llm_autodetect_ollama_url=nothing,
        llm_autodetect_llama_url=openai_server.url,
    )
    settings._llm_chosen = False  # as if PAPERCLUB_LLM were unset (loopback_env sets it)
    assert settings.wants_autodetect
    async with bootstrap(settings) as club:
        engine = engine_of(club)
        assert engine.name == "openai:loopback-model"
        assert engine.options.context_tokens == 8192 and engine.options.concurrency == 1
        summary = await club.papers.summary_for(await club.papers.find_paper(PAPER), "en")
    assert summary.engine is SummaryEngine.MODEL
    assert any("llama.cpp server at" in note for note in summary.notes)
    assert openai_server.bodies()[0]["model"] == "loopback-model"


async def test_auto_detection_can_be_turned_off(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props()
    settings = make_settings(llm_autodetect=False, llm_autodetect_llama_url=openai_server.url)
    settings._llm_chosen = False
    async with bootstrap(settings) as club:
        assert club.papers._llm.name == "extractive"


async def test_a_configured_local_endpoint_is_never_replaced_by_a_paid_api(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.faults += [Fault(status=500)] * 3
    settings = local_settings(make_settings, openai_server, openai_api_key="sk-real-looking-key")
    async with bootstrap(settings) as club:
        assert str(engine_of(club)._client.base_url).startswith(openai_server.base_url)
        summary = await club.papers.summary_for(await club.papers.find_paper(PAPER), "en")
    assert summary.engine is SummaryEngine.EXTRACTIVE  # degraded offline, not re-routed


# --- bounded calls --------------------------------------------------------------------


async def test_a_local_timeout_is_not_retried_by_the_client(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.latency = 1.5
    settings = local_settings(make_settings, openai_server, llm_timeout_seconds=0.5)
    async with bootstrap(settings) as club:
        summary = await club.papers.summary_for(await club.papers.find_paper(PAPER), "en")
    assert summary.engine is SummaryEngine.EXTRACTIVE
    assert "did not answer in time" in summary.notes[-1]
    assert len(openai_server.requests) == 1  # llm_retries=2, yet a timeout is not resent


async def test_one_request_at_a_time_to_a_local_llama_server(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props(slots=1)
    openai_server.latency = 0.2
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        engine = engine_of(club)
        await asyncio.gather(
            *(engine.complete([{"role": "user", "content": f"q{i}"}], "test") for i in range(4))
        )
    assert openai_server.max_in_flight == 1


async def test_summaries_are_streamed_and_a_looping_stream_is_stopped(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props()
    openai_server.reply = lambda body: '{"tldr": "The reversal curse. '
    openai_server.endless = "The reversal curse. "
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        summary = await club.papers.summary_for(await club.papers.find_paper(PAPER), "ja")
    assert all(body["stream"] for body in openai_server.bodies())
    assert summary.engine is SummaryEngine.EXTRACTIVE
    assert "モデルが同じ内容を繰り返しました" in summary.notes[-1]
    # Stopped by the guard: without it the stream runs to the server's safety limit
    # (endless_limit, a million pieces). What the server wrote before it saw the
    # disconnect depends on socket buffers and load (10,939 was seen on a loaded
    # machine), so the bound leaves room for that and no more.
    assert openai_server.endless_sent < openai_server.endless_limit // 20


async def test_a_looping_answer_is_cut_and_says_so(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: (
        echo_model(body) if body.get("response_format") else "Graphs on lattice points. "
    )
    openai_server.endless = "Graphs on lattice points are studied. "
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        evidence = await club.answers.ask(PAPER, "What graphs are studied?", "en")
    assert any("repeating itself" in note for note in evidence.answer.notes)


def test_the_repetition_guard() -> None:
    guard = RepetitionGuard()
    prose = "Graphs on lattice points are studied, with bounds on their diameter. " + " ".join(
        f"Sentence {i} says something new about fibers and moves." for i in range(40)
    )
    assert not any(guard.feed(prose[i : i + 7]) for i in range(0, len(prose), 7))
    looping = "Answer: " + "the reversal curse. " * 30
    assert looping_period(looping) == len("the reversal curse. ")
    assert without_loop(looping, len("the reversal curse. ")) == "Answer: the reversal curse."


# --- fitting the context ----------------------------------------------------------------


def long_paper() -> list[Passage]:
    sections = [
        "Abstract",
        "1 Introduction",
        "2 Method",
        "3 Experiments",
        "4 Results",
        "5 Conclusion",
        "References",
    ]
    passages = []
    for section in sections:
        for i in range(30):
            text = f"{section} paragraph {i}: " + "words about the study and its findings " * 12
            passages.append(
                Passage(text.strip(), section, kind="abstract" if section == "Abstract" else "body")
            )
    return passages


def test_the_summary_selection_covers_every_section_not_a_prefix() -> None:
    chosen = select_for_summary(long_paper(), 8_000)
    sections = {p.section for p in chosen}
    assert {"1 Introduction", "2 Method", "3 Experiments", "5 Conclusion"} <= sections
    assert "References" not in sections
    assert sum(len(p.text) + 16 for p in chosen) <= 8_000


async def test_the_summary_request_fits_a_4096_token_context(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props(n_ctx=4096)
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        await club.papers.summary_for(await club.papers.find_paper(PAPER), "en")
        await club.answers.ask(PAPER, "What graphs are studied?", "en")
    for body in openai_server.bodies():
        prompt = sum(estimate_tokens(m["content"]) for m in body["messages"])
        assert prompt + body["max_tokens"] <= 4096, (prompt, body["max_tokens"])


async def test_the_servers_own_error_text_reaches_the_note(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    said = (
        "request (6330 tokens) exceeds the available context size (4096 tokens), try increasing it"
    )
    exceeded = Fault(
        status=400,
        body=json.dumps(
            {"error": {"code": 400, "message": said, "type": "exceed_context_size_error"}}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    openai_server.faults += [exceeded, exceeded]
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        summary = await club.papers.summary_for(await club.papers.find_paper(PAPER), "en")
    assert "exceeds the available context size (4096 tokens)" in summary.notes[-1]


# --- structured output and quality gates -----------------------------------------------


async def test_local_schemas_bound_what_a_small_model_may_write(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props()
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        await club.papers.summary_for(await club.papers.find_paper(PAPER), "en")
        await engine_of(club).search_queries("格子グラフの直径は？")
    summary, rewrite = openai_server.bodies()
    schema = summary["response_format"]["json_schema"]["schema"]
    key_points = schema["properties"]["key_points"]
    assert key_points["minItems"] >= 1 and key_points["maxItems"] <= 10
    assert schema["properties"]["tldr"]["maxLength"] <= 600
    queries = rewrite["response_format"]["json_schema"]["schema"]["properties"]["queries"]
    assert queries["maxItems"] == 3 and "pattern" in queries["items"]


def test_query_replies_are_read_from_an_object_or_an_array() -> None:
    assert parse_query_reply('{"queries": ["lattice graph diameter", "格子"]}') == [
        "lattice graph diameter"
    ]
    assert parse_query_reply('<think>hmm</think>["fiber graphs"]') == ["fiber graphs"]
    assert parse_query_reply('{"tldr": "a summary", "tags": ["x"]}') == []


async def test_a_summary_in_the_wrong_language_is_retried_firmly_then_extractive_with_a_localized_note(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props()
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        summary = await club.papers.summary_for(await club.papers.find_paper(PAPER), "ko")
    first, second = openai_server.bodies()
    assert "한국어" not in first["messages"][0]["content"]
    assert "한국어" in second["messages"][0]["content"]  # the firmer retry
    assert summary.engine is SummaryEngine.EXTRACTIVE
    assert (
        summary.notes[-1]
        == "모델의 요약을 쓸 수 없어(한국어로 쓰이지 않았습니다) 이 요약은 추출형입니다"
    )


async def test_a_summary_in_the_channels_language_passes_the_gates(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    openai_server.props = OpenAIServer.llama_props()
    openai_server.reply = japanese_summary
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        summary = await club.papers.summary_for(await club.papers.find_paper(PAPER), "ja")
    assert summary.engine is SummaryEngine.MODEL and len(openai_server.requests) == 1
    assert summary.title_translated == "格子点上のグラフ"


def test_the_gates() -> None:
    good = {
        "tldr": "Models trained on A is B fail on B is A. The paper shows it on GPT-3 and Llama.",
        "key_points": [
            ("What is the reversal curse?", "A failure to infer B is A from A is B."),
            ("Which models?", "GPT-3 and Llama-1, fine-tuned on fictitious facts."),
        ],
        "tags": ["llm"],
        "title_translated": "The Reversal Curse",
    }
    assert check_summary(good, "en", "The Reversal Curse")["title_translated"] == ""
    thin = {**good, "tldr": "the reversal"}
    with pytest.raises(Unusable, match="tldr_too_short"):
        check_summary(thin, "en", "The Reversal Curse")
    echo = {**good, "key_points": [("The Reversal Curse", "The Reversal Curse")] * 2}
    with pytest.raises(Unusable, match="key_points_repeat"):
        check_summary(echo, "en", "The Reversal Curse")
    with pytest.raises(Unusable, match="not_in_language"):
        check_summary(good, "ko", "The Reversal Curse")
    assert in_language("本論文は reversal curse を示す。", "ja")
    assert not in_language("本论文研究图。", "ja")  # Chinese: no kana


# --- answers a small model can give ----------------------------------------------------


async def test_an_answer_without_citation_lines_gets_quotes_chosen_from_the_passages(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    def no_citation_lines(body: dict[str, Any]) -> str:
        if body.get("response_format"):
            return echo_model(body)
        return "The paper studies graphs on lattice points whose vertices are the points of fibers."

    openai_server.reply = no_citation_lines
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        evidence = await club.answers.ask(PAPER, "What graphs are studied?", "en")
    answer = evidence.answer
    assert answer.engine is SummaryEngine.MODEL and answer.grounded and answer.citations
    assert any("lattice points" in c.quote for c in answer.citations)


async def test_a_japanese_question_on_an_english_paper_is_answered_not_refused(
    make_settings: Callable[..., Settings], openai_server: OpenAIServer
) -> None:
    def model(body: dict[str, Any]) -> str:
        name = body.get("response_format", {}).get("json_schema", {}).get("name")
        if name == "search_queries":
            return json.dumps({"queries": ["graphs on lattice points", "fibers diameter"]})
        if body.get("response_format"):
            return echo_model(body)
        return "わかりません。"  # no citation, nothing checkable

    openai_server.reply = model
    async with bootstrap(local_settings(make_settings, openai_server)) as club:
        evidence = await club.answers.ask(PAPER, "どんなグラフを研究していますか？", "ja")
    answer = evidence.answer
    assert answer.engine is SummaryEngine.EXTRACTIVE and answer.grounded and answer.citations
    assert "英語" not in answer.text  # not the "the paper is in English" refusal
