"""Questions in a paper's thread: full text, streaming edits, citations, memory, limits."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import Author, Paper, Platform, SummaryEngine, ThreadRef
from tests.loopback.openai_server import OpenAIServer

MEMBER = Author("U1", "Ada")
REVERSAL = Paper(
    arxiv_id="2309.12288",
    version=1,
    title="The Reversal Curse: LLMs trained on “A is B” fail to learn “B is A”",
    authors=("Lukas Berglund", "Meg Tong", "Max Kaufmann", "Owain Evans"),
    abstract="We expose a surprising failure of generalization in auto-regressive large "
    "language models (LLMs).",
    published=datetime(2023, 9, 21, tzinfo=UTC),
    updated=datetime(2023, 9, 22, tzinfo=UTC),
    primary_category="cs.CL",
)


def transcript(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


async def open_reversal_thread(club: Any, key: str = "k") -> ThreadRef:
    """The reversal-curse paper's thread, as a digest would have opened it."""
    await club.store.save_paper(REVERSAL)
    chat = club.chats.for_conversation(TERMINAL)
    from bot.render import Post

    thread: ThreadRef = await chat.open_thread(
        TERMINAL, Post(text="root"), thread_name="reversal", idempotency_key=key
    )
    await club.store.mark_root_posted(key, thread, REVERSAL.arxiv_id)
    return thread


async def test_thread_question_is_answered_from_the_full_pdf_with_page_citations(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    path = tmp_path / "t.jsonl"
    async with bootstrap(make_settings()) as club:
        club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
        thread = await open_reversal_thread(club)
        answer = await club.answers.answer(
            thread, MEMBER, "Which model did they test on questions about celebrity parents?"
        )
        turns = await club.store.turns(thread)
    assert answer is not None
    assert answer.engine is SummaryEngine.EXTRACTIVE
    assert answer.citations and all(c.page is not None for c in answer.citations)
    assert "GPT-4" in answer.text
    final = transcript(path)[-1]
    assert final["edits"] is not None  # the placeholder was edited into the answer
    assert "Sources" in final["text"] and "p. " in final["text"]
    assert [t.role for t in turns] == ["user", "assistant"]


async def test_model_answer_streams_by_edits_and_keeps_only_verified_quotes(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    server = OpenAIServer().start()
    server.chunk_delay = 0.15
    path = tmp_path / "t.jsonl"
    settings = make_settings(
        llm="openai", openai_api_key="sk-loopback-123456", openai_base_url=server.base_url
    )
    try:
        async with bootstrap(settings) as club:
            club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
            thread = await open_reversal_thread(club)
            answer = await club.answers.answer(thread, MEMBER, "What is the reversal curse?")
    finally:
        server.stop()
    assert answer is not None and answer.engine is SummaryEngine.MODEL
    assert answer.grounded and answer.citations
    body = server.bodies()[-1]
    assert body["stream"] is True
    system = body["messages"][0]["content"]
    assert "What is the reversal curse?" not in system  # the question is data, not rules
    edits = [e for e in transcript(path) if e["edits"]]
    assert len(edits) >= 2  # at least one partial edit before the final answer
    assert edits[-1]["text"].count("Sources") == 1


async def test_invented_quotes_are_replaced_by_the_papers_own_sentences(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    server = OpenAIServer(reply=lambda body: 'It is magic.\n[1] "a sentence the paper never wrote"')
    server.start()
    settings = make_settings(
        llm="openai", openai_api_key="sk-loopback-123456", openai_base_url=server.base_url
    )
    try:
        async with bootstrap(settings) as club:
            club.chats.attach(
                Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), tmp_path / "t.jsonl")
            )
            thread = await open_reversal_thread(club)
            answer = await club.answers.answer(thread, MEMBER, "What is the reversal curse?")
    finally:
        server.stop()
    assert answer is not None
    assert "magic" not in answer.text
    assert answer.engine is SummaryEngine.EXTRACTIVE
    assert any("could not be checked" in n for n in answer.notes)


async def test_follow_up_uses_the_threads_earlier_question(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    server = OpenAIServer().start()
    settings = make_settings(
        llm="openai", openai_api_key="sk-loopback-123456", openai_base_url=server.base_url
    )
    try:
        async with bootstrap(settings) as club:
            club.chats.attach(
                Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), tmp_path / "t.jsonl")
            )
            thread = await open_reversal_thread(club)
            await club.answers.answer(
                thread, MEMBER, "How well does GPT-4 do on celebrity parents?"
            )
            await club.answers.answer(thread, MEMBER, "And the reverse direction?")
    finally:
        server.stop()
    follow_up = server.bodies()[-1]["messages"]
    history = " ".join(m["content"] for m in follow_up[1:])
    assert "How well does GPT-4 do on celebrity parents?" in history


async def test_long_and_over_limit_questions_get_a_polite_refusal(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    path = tmp_path / "t.jsonl"
    async with bootstrap(make_settings(questions_per_user_per_hour=2)) as club:
        club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
        thread = await open_reversal_thread(club)
        assert await club.answers.answer(thread, MEMBER, "x" * 100_000) is None
        assert "please ask in at most 2,000 characters" in transcript(path)[-1]["text"]
        assert await club.answers.answer(thread, MEMBER, "What is the reversal curse?") is not None
        assert await club.answers.answer(thread, MEMBER, "Which models were tested?") is not None
        assert await club.answers.answer(thread, MEMBER, "One more?") is None
        assert "this club's limit" in transcript(path)[-1]["text"]
        other = Author("U2", "Grace")
        assert await club.answers.answer(thread, other, "What is the reversal curse?") is not None


async def test_messages_in_threads_we_do_not_own_are_ignored(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    async with bootstrap(make_settings()) as club:
        club.chats.attach(
            Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), tmp_path / "t.jsonl")
        )
        await open_reversal_thread(club)
        stranger = ThreadRef(TERMINAL, "not-ours")
        assert await club.answers.answer(stranger, MEMBER, "What is the reversal curse?") is None
        bot = Author("B1", "Other bot", is_bot=True)
        assert await club.answers.answer(ThreadRef(TERMINAL, "x"), bot, "hi") is None
    assert not (tmp_path / "t.jsonl").read_text().count("not-ours")
