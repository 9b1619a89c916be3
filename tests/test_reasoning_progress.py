"""A reasoning model in a paper's thread, and a small model's refusal (issue 19).

Through the real bolt app and slack_sdk client against the loopback Slack, and the real
`openai` client against the loopback OpenAI server: while the model is still in its
reasoning block the member sees a localized "thinking…" line, never the reasoning; and a
model that says the passages do not answer, when the paper's sentences do, gives way to
an extractive answer that says why, in the channel's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.cli import evidence_json
from adapters.slack_app import build_slack_app, make_client
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform, SummaryEngine
from bot.render import Post
from bot.text import t
from tests.loopback.openai_server import OpenAIServer, echo_model
from tests.loopback.slack_payloads import message_event
from tests.loopback.slack_server import FakeSlack, Workspace, eventually

TOKEN = "xoxb-fake"
C1 = ConversationRef(Platform.SLACK, "T111", "C111")
PAPER = "1605.08386"  # "Heat-bath random walks with Markov bases" (loopback arXiv)
QUESTION = "What is the diameter of these graphs bounded by?"
SECRET = "SECRET-CHAIN-OF-THOUGHT"
REASONING = re.compile(r"<\s*/?\s*(think|thinking|reasoning)\s*>|" + SECRET, re.IGNORECASE)


@dataclass
class Club:
    slack: FakeSlack
    services: Services
    model: OpenAIServer


@pytest.fixture
async def club(make_settings: Callable[..., Settings]) -> AsyncIterator[Club]:
    model = OpenAIServer().start()
    settings = make_settings(
        llm="openai", openai_api_key="sk-loopback-123456", openai_base_url=model.base_url
    )
    try:
        async with (
            FakeSlack.running(workspaces=[Workspace("T111", "Club One", TOKEN)]) as slack,
            bootstrap(settings) as services,
        ):
            app, chat = build_slack_app(
                services, make_client(TOKEN, api_url=slack.api_url), post_interval=0.0
            )
            services.chats.attach(Platform.SLACK, chat)
            handler = AsyncSocketModeHandler(app, slack.app_token)
            await handler.connect_async()  # type: ignore[no-untyped-call]
            try:
                yield Club(slack, services, model)
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        model.stop()


async def paper_thread(club: Club, language: str) -> str:
    """The paper's thread in #C111, as a digest opens it; its root's ts."""
    await club.services.channels.update_settings(C1, language=language)
    paper = await club.services.papers.find_paper(PAPER)
    chat = club.services.chats.for_conversation(C1)
    key = f"test-root:{PAPER}"
    thread = await chat.open_thread(
        C1, Post(text=paper.title), thread_name="t", idempotency_key=key
    )
    await club.services.store.mark_root_posted(key, thread, PAPER)
    return thread.root_id


async def ask_in_thread(club: Club, root_ts: str, question: str) -> str:
    """Sends the member's message event; the answer's final text once it is posted."""
    await club.slack.wait_ack(
        await club.slack.send_event(message_event(text=question, thread_ts=root_ts))
    )
    await eventually(lambda: bool(club.slack.thread("T111", "C111", root_ts)), 30)
    await eventually(lambda: _final(club.slack.thread("T111", "C111", root_ts)[-1].text), 30)
    return club.slack.thread("T111", "C111", root_ts)[-1].text


def _final(text: str) -> bool:
    """Not the placeholder, the thinking line, or a streaming edit (which ends in " …")."""
    progress = {"…", *(t("answer_thinking", lang) for lang in ("en", "ja", "ko"))}
    return text not in progress and not text.endswith(" …")


def updates(club: Club) -> list[str]:
    return [
        json.dumps(call.params, ensure_ascii=False) for call in club.slack.calls_to("chat.update")
    ]


def with_reasoning(kind: str) -> Callable[[OpenAIServer], None]:
    def script(model: OpenAIServer) -> None:
        def reply(body: dict[str, Any]) -> str:
            answer = echo_model(body)
            if "response_format" in body:  # summary or query rewrite: no reasoning
                return answer
            thought = f"The member asks about diameters. {SECRET} Passage [1] says it. " * 6
            if kind == "reasoning_content":
                return answer
            return f"<{kind}>{thought}</{kind}>\n\n{answer}"

        model.reply = reply
        model.chunk_chars = 7  # tags split across chunks, as tokens split them
        if kind == "reasoning_content":
            model.reasoning = f"Let me think. {SECRET} The passage answers it. " * 6

    return script


@pytest.mark.parametrize("kind", ["think", "reasoning", "reasoning_content"])
@pytest.mark.parametrize("language", ["en", "ja", "ko"])
async def test_a_reasoning_model_shows_thinking_then_the_answer_never_the_reasoning(
    club: Club, kind: str, language: str
) -> None:
    with_reasoning(kind)(club.model)
    root = await paper_thread(club, language)
    final = await ask_in_thread(club, root, QUESTION)
    seen = updates(club)
    thinking = t("answer_thinking", language)
    assert any(thinking in update for update in seen), seen  # the progress line was shown
    first_text = next(i for i, u in enumerate(seen) if "According to the paper" in u)
    assert all(thinking in u for u in seen[:first_text]) and first_text > 0
    assert not any(REASONING.search(u) for u in seen), seen
    posted = [m.text for m in club.slack.channel_messages("T111", "C111")]
    assert not any(REASONING.search(text) for text in posted)
    assert final.startswith("According to the paper") and thinking not in final


async def test_a_model_without_reasoning_never_shows_thinking(club: Club) -> None:
    root = await paper_thread(club, "en")
    final = await ask_in_thread(club, root, QUESTION)
    assert final.startswith("According to the paper")
    assert not any(t("answer_thinking", "en") in u for u in updates(club))


# --- a small model's refusal ------------------------------------------------------------

JA_QUESTION = "これらのグラフの直径は何で上から抑えられますか？"


def refusing_model(queries: list[str]) -> Callable[[dict[str, Any]], str]:
    """SmolLM2's behaviour measured on llama-server: English queries from the rewrite,
    then "NOT IN PAPER" although the passages it was given answer the question."""

    def reply(body: dict[str, Any]) -> str:
        schema = body.get("response_format", {}).get("json_schema", {}).get("name")
        if schema == "search_queries":
            return json.dumps({"queries": queries})
        if schema:
            return echo_model(body)
        return "NOT IN PAPER: the passages do not say."

    return reply


async def test_a_refused_japanese_question_on_an_english_paper_is_answered_extractively(
    club: Club,
) -> None:
    club.model.reply = refusing_model(["diameter of graphs on fibers bounded"])
    root = await paper_thread(club, "ja")
    final = await ask_in_thread(club, root, JA_QUESTION)
    assert "bounded from above by a constant" in final  # the paper's own sentence
    assert t("answer_note_model_found_nothing", "ja") in final  # why, in Japanese
    assert t("answer_not_found", "ja") not in final and "NOT IN PAPER" not in final
    assert t("answer_extractive_intro", "ja") in final  # labelled as the paper's sentences


async def test_ask_json_reports_the_refusal_fallback(club: Club) -> None:
    club.model.reply = refusing_model(["diameter of graphs on fibers bounded"])
    evidence = await club.services.answers.ask(PAPER, JA_QUESTION, "ja")
    shown = evidence_json(evidence)
    assert shown["engine"] == str(SummaryEngine.EXTRACTIVE) and shown["fallback"] is True
    assert shown["fallback_reason"] == t("answer_note_model_found_nothing", "ja")
    assert shown["grounded"] is False  # a fallback is not the model's grounded answer
    citations = shown["citations"]
    assert isinstance(citations, list) and any("constant" in c["quote"] for c in citations)


async def test_a_refusal_the_paper_agrees_with_stands(club: Club) -> None:
    club.model.reply = refusing_model([])
    evidence = await club.services.answers.ask(PAPER, "What is the tokenizer's vocabulary?", "ja")
    answer = evidence.answer
    assert answer.engine is SummaryEngine.MODEL and not answer.citations
    assert answer.text == "the passages do not say." and not answer.fallback


MEASURED_REWRITES = [  # what SmolLM2-135M wrote for "トランスフォーマーの利点は何ですか？"
    "https.api.example.com/research/data.json",
    "https.api.example.com/research/data/research.csv",
]


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("これらのグラフの直径は何で上から抑えられますか？", "ja"),
        ("이 그래프의 지름은 무엇으로 제한되나요?", "ko"),
    ],
)
async def test_a_question_no_query_could_bridge_is_answered_from_the_title_not_refused(
    club: Club, question: str, language: str
) -> None:
    club.model.reply = refusing_model(MEASURED_REWRITES)
    evidence = await club.services.answers.ask(PAPER, question, language)
    answer = evidence.answer
    assert evidence.queries == ()  # the URLs name nothing in the paper: dropped
    assert answer.engine is SummaryEngine.EXTRACTIVE and answer.citations
    assert t("answer_not_found", language) not in answer.text
    assert answer.fallback == t("answer_note_nearest_to_title", language)  # said, localized
    title_words = re.compile(r"heat-bath|random walk|Markov bas", re.IGNORECASE)
    assert any(title_words.search(c.quote) for c in answer.citations)  # the paper's subject


async def test_an_answer_that_only_echoes_the_question_is_not_taken_as_the_models(
    club: Club,
) -> None:
    def echo_the_question(body: dict[str, Any]) -> str:  # SmolLM2-135M, measured
        schema = body.get("response_format", {}).get("json_schema", {}).get("name")
        if schema == "search_queries":
            return json.dumps({"queries": ["answer"]})  # a word of the paper, but no content
        if schema:
            return echo_model(body)
        return "The next question to answer is: <query> What is the diameter bounded by? </query>"

    club.model.reply = echo_the_question
    english = (await club.services.answers.ask(PAPER, QUESTION, "en")).answer
    assert english.engine is SummaryEngine.EXTRACTIVE and "next question" not in english.text
    assert english.fallback == t("answer_note_unchecked", "en")
    assert any("bounded from above by a constant" in c.quote for c in english.citations)
    evidence = await club.services.answers.ask(PAPER, JA_QUESTION, "ja")
    assert evidence.queries == ()  # "answer" names nothing the question asked
