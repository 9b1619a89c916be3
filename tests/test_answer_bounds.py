"""A thread answer is bounded: in characters, in time, and across a crash.

Through the terminal adapter and the real `openai` client against the loopback model:
an endless stream is cut at `answer_max_chars`, a slow one at `answer_deadline_seconds`
(each saying so in the post), and an answer killed half-way is marked on restart with
its question kept in the thread's history.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import bootstrap, build_scheduler
from bot.config import Settings
from bot.domain import Platform
from tests.loopback.openai_server import OpenAIServer
from tests.test_model_engine import model_settings
from tests.test_thread_answers import MEMBER, open_reversal_thread

MakeSettings = Callable[..., Settings]
QUESTION = "Which model did they test on questions about celebrity parents?"


def entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def final_text(path: Path, message_id: str) -> str:
    edits = [e["text"] for e in entries(path) if e["edits"] == message_id]
    return edits[-1]


def answer_message(path: Path) -> str:
    return next(e["id"] for e in entries(path) if e["text"] == "…")


async def test_an_endless_answer_is_cut_at_the_character_cap(
    make_settings: MakeSettings, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.endless = " and so on"
    settings = model_settings(make_settings, openai_server).model_copy(
        update={"answer_max_chars": 500}
    )
    path = tmp_path / "t.jsonl"
    async with bootstrap(settings) as club:
        club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
        thread = await open_reversal_thread(club)
        answer = await club.answers.answer(thread, MEMBER, QUESTION)
    assert answer is not None
    assert "cut at 500 characters" in " ".join(answer.notes)
    assert "cut at 500 characters" in final_text(path, answer_message(path))
    assert openai_server.stream_outcomes[-1] == "disconnected"


async def test_a_slow_answer_is_cut_at_the_deadline(
    make_settings: MakeSettings, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.chunk_chars = 4
    openai_server.chunk_delay = 0.3
    settings = model_settings(make_settings, openai_server).model_copy(
        update={"answer_deadline_seconds": 1.0}
    )
    path = tmp_path / "t.jsonl"
    async with bootstrap(settings) as club:
        club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
        thread = await open_reversal_thread(club)
        started = time.monotonic()
        answer = await club.answers.answer(thread, MEMBER, QUESTION)
        took = time.monotonic() - started
    assert answer is not None
    assert "longer than 1 s" in " ".join(answer.notes)
    assert took < 10  # the full reply would stream for well over a minute


async def test_an_answer_cut_by_a_crash_is_marked_on_restart_and_its_question_kept(
    make_settings: MakeSettings, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.endless = " and so on"
    openai_server.chunk_delay = 0.05
    settings = model_settings(make_settings, openai_server)
    path = tmp_path / "t.jsonl"
    async with bootstrap(settings) as club:
        club.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
        thread = await open_reversal_thread(club)
        answering = asyncio.create_task(club.answers.answer(thread, MEMBER, QUESTION))
        for _ in range(500):  # until the answer is streaming: its first progress edit
            if path.exists() and any(e["edits"] for e in entries(path)):
                break
            await asyncio.sleep(0.02)
        assert any(e["edits"] for e in entries(path)), "the answer never started streaming"
        answering.cancel()  # the process dies here: nothing after this line of it runs
        await asyncio.gather(answering, return_exceptions=True)
        assert await club.store.turns(thread) == []

    async with bootstrap(settings) as restarted:
        restarted.chats.attach(Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), path))
        scheduler = build_scheduler(
            restarted, interrupted_answers=restarted.answers.mark_interrupted
        )
        await scheduler.start()
        try:
            for _ in range(200):
                if await restarted.store.turns(thread):
                    break
                await asyncio.sleep(0.02)
        finally:
            await scheduler.shutdown()
        turns = await restarted.store.turns(thread)
        assert await restarted.answers.mark_interrupted() == 0  # marked once only
    assert [(t.role, t.author_id, t.text) for t in turns] == [("user", MEMBER.user_id, QUESTION)]
    assert final_text(path, answer_message(path)) == (
        "This answer was interrupted (paperclub restarted); please ask again."
    )
