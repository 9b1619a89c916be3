"""Streamed completions read by bot/llm/chunk_stream.py: the real `openai.AsyncOpenAI`
client sends the request against the loopback OpenAI server, the SSE body is decoded
here. What the engine sees must be what the client's own stream would have given."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest
from openai import AsyncOpenAI

from bot.errors import LLMUnavailable
from bot.llm.chunk_stream import ChunkStream, Event, SSEEvents, SSELines, as_sent
from bot.llm.model_client import model_client
from bot.llm.openai_engine import EngineOptions, OpenAIEngine
from bot.llm.repetition import MIN_PERIOD, RepetitionGuard, looping_period
from tests.loopback.openai_server import OpenAIServer
from tests.loopback.threaded import Fault

MESSAGES = [{"role": "user", "content": "Say something."}]
REPLY = "The reversal curse is a failure to generalise from A is B to B is A. " * 4


@pytest.fixture(params=["aiohttp", "httpx"])
async def client(
    request: pytest.FixtureRequest, openai_server: OpenAIServer
) -> AsyncIterator[AsyncOpenAI]:
    """The engine's own client (on aiohttp), and the `openai` client's default stack."""
    options: dict[str, Any] = {
        "api_key": "sk-loopback-0123456789",
        "base_url": openai_server.base_url,
        "timeout": 5,
        "max_retries": 0,
    }
    real = model_client(**options) if request.param == "aiohttp" else AsyncOpenAI(**options)
    yield real
    await real.close()


def request(**extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o-mini",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
        **extra,
    }


async def read_all(client: AsyncOpenAI, **extra: Any) -> list[Any]:
    async with await ChunkStream.open(client, request(**extra)) as stream:
        return [chunk async for chunk in stream]


async def test_the_stream_carries_the_whole_reply_and_its_usage(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: REPLY
    chunks = await read_all(client)
    text = "".join(
        c.delta.content for chunk in chunks for c in chunk.choices if c.delta and c.delta.content
    )
    assert text == REPLY
    assert [c.finish_reason for chunk in chunks for c in chunk.choices][-1] == "stop"
    usage = [chunk.usage for chunk in chunks if chunk.usage is not None]
    assert len(usage) == 1 and usage[0].completion_tokens == len(REPLY.split())
    assert openai_server.stream_outcomes == ["done"]


def runs(chunks: list[Any]) -> list[tuple[Any, ...]]:
    """What a stream says, chunk by chunk, with consecutive text-only chunks as one: the
    stream here merges those that arrive together, the client never does."""
    said: list[tuple[Any, ...]] = []
    for chunk in chunks:
        choices = [
            (
                c.delta.content if c.delta else None,
                (c.delta.model_extra or {}) if c.delta else None,
                c.finish_reason,
            )
            for c in chunk.choices
        ]
        text_only = (
            chunk.usage is None
            and len(choices) == 1
            and isinstance(choices[0][0], str)
            and not choices[0][1]
            and choices[0][2] is None
        )
        if text_only and said and said[-1][0] == "text":
            said[-1] = ("text", said[-1][1] + choices[0][0])
        elif text_only:
            said.append(("text", choices[0][0]))
        else:
            said.append(("chunk", choices, chunk.usage is None))
    return said


async def test_the_same_chunks_as_the_openai_client_gives(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: REPLY
    openai_server.reasoning = "Let me think about the paper."
    ours = await read_all(client)
    theirs = await client.chat.completions.create(**request())
    async with theirs:
        reference = [chunk async for chunk in theirs]
    assert runs(ours) == runs(reference)
    assert ("text", REPLY) in runs(ours)
    assert len(ours) <= len(reference)


async def test_the_request_body_is_the_one_the_client_would_send(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    """Our fields go as `extra_body` (no typed-params transform): the server must still
    receive exactly what the client's typed `create` sends, streamed or not."""
    openai_server.reply = lambda body: REPLY
    fields = {
        "max_tokens": 300,
        "temperature": 0.2,
        "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {}}},
        "extra_body": {"return_progress": True},
    }
    async with await ChunkStream.open(client, request(**fields)):
        pass
    async with await client.chat.completions.create(**request(**fields)):
        pass
    single = {k: v for k, v in request(**fields).items() if not k.startswith("stream")}
    await client.chat.completions.create(**as_sent(single))
    await client.chat.completions.create(**single)
    ours, theirs, ours_single, theirs_single = openai_server.bodies()
    assert ours == theirs
    assert ours["messages"] == MESSAGES and ours["return_progress"] is True
    assert ours_single == theirs_single and "stream" not in ours_single


async def test_text_before_a_broken_event_still_arrives(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    """A burst merged into one chunk stops before an event that does not decode: the text
    before it is returned first, then the error."""
    openai_server.reply = lambda body: REPLY
    openai_server.malformed_event_at = 5
    openai_server.burst = True  # every event in one write, so they are read together
    stream = await ChunkStream.open(client, request())
    texts: list[str] = []
    async with stream:
        with pytest.raises(json.JSONDecodeError):
            async for chunk in stream:
                texts.append(chunk.choices[0].delta.content)  # type: ignore[union-attr,arg-type]
    assert "".join(texts) == "".join(REPLY.split(" ")[i] + " " for i in range(5))
    assert len(texts) < 5  # read together, merged


async def test_an_http_error_is_the_clients_own_error(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.faults.append(
        Fault(status=400, body=b'{"error": {"message": "context length exceeded"}}')
    )
    with pytest.raises(openai.BadRequestError, match="context length exceeded"):
        await read_all(client)


async def test_an_error_event_is_an_api_error(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.error_event_at = 2
    with pytest.raises(openai.APIError, match="The server had an error"):
        await read_all(client)


async def test_a_cut_stream_is_a_connection_error_and_the_engine_degrades(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: REPLY
    openai_server.cut_stream_after = 3
    with pytest.raises(openai.APIConnectionError):
        await read_all(client)
    engine = OpenAIEngine(client, "gpt-4o-mini")
    with pytest.raises(LLMUnavailable, match="could not connect"):
        _ = [piece async for piece in engine.stream(MESSAGES, "answer")]


async def test_no_progress_still_times_out(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: REPLY
    openai_server.chunk_delay = 2.0  # the first chunk comes, then nothing for two seconds
    engine = OpenAIEngine(client, "gpt-4o-mini", options=EngineOptions(progress_timeout=0.5))
    pieces: list[str] = []
    with pytest.raises(LLMUnavailable, match="did not answer in time"):
        async for piece in engine.stream(MESSAGES, "answer"):
            pieces.append(piece)
    assert pieces == [REPLY.split(" ")[0] + " "]


async def test_only_waiting_for_a_chunk_counts_against_the_progress_timeout(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    """A consumer that takes longer than the timeout between chunks (posting an edit) is
    not the model making no progress; each wait is timed on its own."""
    openai_server.reply = lambda body: "one two three four "
    openai_server.chunk_delay = 0.3  # each wait 0.3 s, all four 1.2 s: over the timeout
    engine = OpenAIEngine(client, "gpt-4o-mini", options=EngineOptions(progress_timeout=0.6))
    pieces: list[str] = []
    async for piece in engine.stream(MESSAGES, "answer"):
        pieces.append(piece)
        await asyncio.sleep(0.8)  # the consumer's own work, longer than the timeout
    assert "".join(pieces) == "one two three four "


async def test_a_timed_out_stream_leaves_the_task_usable(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    """The timeout cancels the read it gave up on, and only that: the same task goes on
    awaiting (it is not left cancelled), and a second stream in it succeeds."""
    openai_server.reply = lambda body: REPLY
    openai_server.chunk_delay = 2.0
    engine = OpenAIEngine(client, "gpt-4o-mini", options=EngineOptions(progress_timeout=0.3))
    with pytest.raises(LLMUnavailable, match="did not answer in time"):
        _ = [piece async for piece in engine.stream(MESSAGES, "answer")]
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0.05)  # would raise CancelledError if a cancel were pending
    openai_server.chunk_delay = 0.0
    assert "".join([piece async for piece in engine.stream(MESSAGES, "answer")]) == REPLY


async def test_cancelling_a_reader_closes_the_connection(
    client: AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.reply = lambda body: "word "
    openai_server.endless = "again "
    first = asyncio.Event()

    async def reader() -> None:
        async with await ChunkStream.open(client, request()) as stream:
            async for _ in stream:
                first.set()

    task = asyncio.create_task(reader())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(200):  # the server notices the closed connection
        if openai_server.stream_outcomes:
            break
        await asyncio.sleep(0.05)
    assert openai_server.stream_outcomes == ["disconnected"]
    assert openai_server.endless_sent < openai_server.endless_limit


async def recorded_body(openai_server: OpenAIServer) -> bytes:
    """A real streamed body, bytes as the server wrote them."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{openai_server.base_url}/chat/completions", json=request()) as response,
    ):
        return await response.read()


def decode(pieces: list[bytes]) -> list[Event]:
    lines, events = SSELines(), SSEEvents()
    found = []
    for piece in pieces:
        for line in lines.feed(piece):
            if (event := events.line(line)) is not None:
                found.append(event)
    for line in lines.finish():
        if (event := events.line(line)) is not None:
            found.append(event)
    if (event := events.finish()) is not None:
        found.append(event)
    return found


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
async def test_events_are_the_same_however_the_bytes_are_split(
    openai_server: OpenAIServer, ending: bytes
) -> None:
    openai_server.reply = lambda body: "Ünïcode wörds and 日本語 tokens. " * 3
    body = (await recorded_body(openai_server)).replace(b"\n", ending)
    whole = decode([body])
    assert whole[-1].data == "[DONE]"
    contents = [json.loads(e.data) for e in whole[:-1]]
    assert "".join(
        c["choices"][0]["delta"].get("content", "") for c in contents if c["choices"]
    ) == openai_server.reply({})
    rng = random.Random(7)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(body)), 30))
        pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
        assert decode(pieces) == whole


def test_multi_line_data_comments_and_named_events() -> None:
    body = b': keep-alive\nevent: delta\ndata: {"a":\ndata: 1}\nid: 7\nretry: 10\n\n'
    assert decode([body]) == [Event("delta", '{"a":\n1}')]


def brute_force_period(text: str, min_span: int, min_repeats: int, max_period: int) -> int:
    """The definition: the shortest piece the text ends with, repeated back to back."""
    end = text.rstrip()
    for period in range(MIN_PERIOD, min(max_period, len(end) // min_repeats) + 1):
        unit = end[len(end) - period :]
        repeats = 1
        while end[: len(end) - repeats * period].endswith(unit):
            repeats += 1
        if repeats >= min_repeats and repeats * period >= min_span:
            return period
    return 0


def test_looping_period_finds_the_shortest_repeated_piece() -> None:
    rng = random.Random(11)
    for trial in range(3000):
        alphabet = "ab" if trial % 2 else "abc de"
        unit = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 50)))
        prefix = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        text = prefix + unit * rng.randint(0, 10) + " " * rng.randint(0, 2)
        bounds = {
            "min_span": rng.choice([6, 30, 240]),
            "min_repeats": rng.choice([1, 2, 3]),
            "max_period": rng.choice([6, 40, 400]),
        }
        assert looping_period(text, **bounds) == brute_force_period(text, **bounds), (
            text,
            bounds,
        )


def test_the_guard_trips_on_a_looping_stream_and_not_on_prose() -> None:
    guard = RepetitionGuard()
    prose = " ".join(f"Sentence {i} says something new about the paper." for i in range(80))
    assert not any(guard.feed(prose[i : i + 7]) for i in range(0, len(prose), 7))
    looping = RepetitionGuard()
    piece = '{"question": "What?", "answer": "The same again."}, '
    assert any(looping.feed(piece) for _ in range(20))
    assert looping.period == len(piece)
