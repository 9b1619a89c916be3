"""A streamed chat completion read cheaply: the real `openai` client sends, SSE decoded here.

The `openai` client turns every streamed chunk into pydantic models (`construct_type`
over `ChatCompletionChunk`): 0.2-0.8 ms of CPU per chunk measured here, against 0.02 ms
for `json.loads` of the same event. A summary is ~500 chunks, so ten summaries arriving
together held the event loop for seconds (bench/digest.py, bench/load.py --watch). So
the request still goes through the client (auth, base URL, retries, timeouts, HTTP errors
as `openai.APIStatusError`), via its public `with_streaming_response` (its fields as
`extra_body`, see `as_sent`); only the body is read here: SSE events per the WHATWG
rules, each event's JSON into small slotted objects with the attributes the engine reads
(`choices[].delta.content`, `finish_reason`, `usage`, `delta.model_extra`).

What the client would raise, this raises too: an `{"error": ...}` event is an
`openai.APIError`, a transport failure mid-body an `openai.APIConnectionError` (or
`APITimeoutError`), an event that is not JSON a `json.JSONDecodeError`, bytes that are
not UTF-8 a `UnicodeDecodeError`, a chunk of the wrong shape a `TypeError`.

Many events often arrive in one network read; the stream then gives the loop a turn
(`asyncio.sleep(0)`) whenever `SLICE_SECONDS` have passed since its last one, so one
burst never holds the loop for long, whoever consumes the chunks.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType, TracebackType
from typing import Any, Self

import openai
from openai import AsyncOpenAI

SLICE_SECONDS = 0.002
MAX_DRAIN_BYTES = 64 * 1024  # read after [DONE] to keep the connection; more: just close
_DELTA_FIELDS = frozenset({"role", "content", "refusal", "tool_calls", "function_call"})
_LINE_ENDS = (b"\n", b"\r")
_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


@dataclass(slots=True)
class Delta:
    content: object
    model_extra: Mapping[str, Any]  # fields the protocol does not name (`reasoning_content`)


@dataclass(slots=True)
class Choice:
    delta: Delta | None
    finish_reason: object


@dataclass(slots=True)
class Usage:
    prompt_tokens: object
    completion_tokens: object


@dataclass(slots=True)
class Chunk:
    choices: tuple[Choice, ...]
    usage: Usage | None


def chunk_of(payload: dict[str, Any]) -> Chunk:
    """A decoded chunk; a TypeError when its parts are not the protocol's shapes."""
    choices = payload.get("choices") or ()
    usage = payload.get("usage")
    if not isinstance(choices, list | tuple):
        raise TypeError("a streamed chunk's choices are not a list")
    if usage is not None and not isinstance(usage, dict):
        raise TypeError("a streamed chunk's usage is not an object")
    return Chunk(
        tuple(_choice(c) for c in choices),
        Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)) if usage else None,
    )


def _choice(choice: object) -> Choice:
    if not isinstance(choice, dict):
        raise TypeError("a streamed choice is not an object")
    delta = choice.get("delta")
    if delta is not None and not isinstance(delta, dict):
        raise TypeError("a streamed delta is not an object")
    if delta is None:
        return Choice(None, choice.get("finish_reason"))
    extra = _NO_EXTRA
    if len(delta) > 2 or not delta.keys() <= _DELTA_FIELDS:
        extra = {k: v for k, v in delta.items() if k not in _DELTA_FIELDS}
    return Choice(Delta(delta.get("content"), extra), choice.get("finish_reason"))


def as_sent(request: dict[str, Any]) -> dict[str, Any]:
    """`chat.completions.create` keyword arguments that send `request`'s fields as they are.

    Given typed arguments, the client first walks every message through its typed-params
    transform (aliases, date formats): 1.1 ms of the loop's CPU for a seven-message
    request, and it changes nothing in a request of strings, numbers and dicts. Fields
    passed as `extra_body` are sent untouched and take precedence over the typed ones
    (the client's documented merge), so only what `create` itself reads stays typed: the
    model, and `stream` (whether the reply is an event stream).
    """
    fields = dict(request)
    extra = fields.pop("extra_body", None) or {}
    typed = {"model": fields.pop("model"), "messages": ()}
    if "stream" in fields:
        typed["stream"] = fields["stream"]
    return {**typed, "extra_body": {**fields, **extra}}


def _text_only(chunk: Chunk) -> str | None:
    """The text of a chunk that is one choice carrying only text (no end, no usage, no
    other field), else None."""
    if chunk.usage is not None or len(chunk.choices) != 1:
        return None
    choice = chunk.choices[0]
    delta = choice.delta
    if choice.finish_reason is not None or delta is None or delta.model_extra:
        return None
    return delta.content if isinstance(delta.content, str) else None


class SSELines:
    """Bytes in, complete lines out (CR, LF or CRLF ends a line), without their ending."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[bytes]:
        lines = (self._pending + data).splitlines(keepends=True)
        self._pending = b""
        # An unfinished last line, or one ending in CR that may be half of a CRLF, waits.
        if lines and (not lines[-1].endswith(_LINE_ENDS) or lines[-1].endswith(b"\r")):
            self._pending = lines.pop()
        return [line.rstrip(b"\r\n") for line in lines]

    @property
    def idle(self) -> bool:
        """No partial line is waiting."""
        return not self._pending

    def finish(self) -> list[bytes]:
        rest, self._pending = self._pending, b""
        return [rest.rstrip(b"\r\n")] if rest else []


@dataclass(slots=True)
class Event:
    name: str | None
    data: str


class SSEEvents:
    """Lines in, events out: `data:` lines joined by newlines, dispatched by a blank line."""

    def __init__(self) -> None:
        self._name: str | None = None
        self._data: list[str] = []

    def line(self, raw: bytes) -> Event | None:
        if raw.startswith(b"data:"):  # nearly every line: decoded strictly, as the client does
            value = raw[5:].decode("utf-8")
            self._data.append(value[1:] if value.startswith(" ") else value)
            return None
        text = raw.decode("utf-8")
        if not text:
            return self._dispatch()
        if text.startswith(":"):
            return None  # a comment (keep-alive)
        field, _, value = text.partition(":")
        if field == "event":
            self._name = value[1:] if value.startswith(" ") else value
        return None  # `id` and `retry` mean nothing to a completion

    def finish(self) -> Event | None:
        return self._dispatch()

    def _dispatch(self) -> Event | None:
        name, data = self._name, self._data
        self._name, self._data = None, []
        if not data:
            return None
        return Event(name, "\n".join(data))


def _plain_events(data: bytes) -> list[Event] | None:
    """`data` as events when it is only whole single-line `data:` events ended by LF LF
    (what OpenAI-compatible servers send), else None (the general decoder reads it)."""
    if not data.endswith(b"\n\n") or b"\r" in data:
        return None
    events = []
    for part in data[:-2].split(b"\n\n"):
        if not part.startswith(b"data: ") or b"\n" in part:
            return None
        events.append(Event(None, part[6:].decode("utf-8")))
    return events


class ChunkStream:
    """The chunks of one streamed completion; `async with` it, then iterate."""

    def __init__(self, manager: Any, response: Any) -> None:
        self._manager = manager
        self._response = response
        self._request = response.http_response.request
        self._bytes: AsyncIterator[bytes] = response.iter_bytes()
        self._lines = SSELines()
        self._events = SSEEvents()
        self._ready: deque[Event] = deque()
        self._held: Chunk | Exception | None = None  # met while merging: the next chunk
        self._ended = False  # the body is read to its end
        self._done = False  # [DONE] seen, or the body ended
        self._slice = time.perf_counter()
        transport = sys.modules[type(response.http_response).__module__.partition(".")[0]]
        self._timeouts: tuple[type[BaseException], ...] = (transport.TimeoutException,)
        self._failures: tuple[type[BaseException], ...] = (transport.RequestError, OSError)

    @classmethod
    async def open(cls, client: AsyncOpenAI, request: dict[str, Any]) -> ChunkStream:
        """Send `request` (with `stream=True`); an HTTP error status raises as the client's."""
        manager = client.chat.completions.with_streaming_response.create(**as_sent(request))
        response = await manager.__aenter__()
        return cls(manager, response)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close(kind, error, trace)

    async def close(
        self,
        kind: type[BaseException] | None = None,
        error: BaseException | None = None,
        trace: TracebackType | None = None,
    ) -> None:
        """Release the connection (a server that is still writing sees it closed)."""
        await self._manager.__aexit__(kind, error, trace)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Chunk:
        if self._held is not None:
            held, self._held = self._held, None
            if isinstance(held, Exception):
                raise held
            return held
        while True:
            if self._ready:
                event = self._ready.popleft()
                if event.data.startswith("[DONE]"):
                    self._done = True
                    await self._drain()
                    raise StopAsyncIteration
                await self._give_the_loop_a_turn()
                return await self._merged(self._chunk(event))
            if self._done or self._ended:
                raise StopAsyncIteration
            await self._read()

    async def _merged(self, chunk: Chunk) -> Chunk:
        """`chunk`, with the text of the plain text chunks already read after it appended.

        A burst of events read at once (ten summaries arriving together) then costs its
        consumer one chunk, not hundreds. Only a lone choice's text with nothing else
        in it is merged; the first chunk that is not (or the error decoding it) is what
        the next `__anext__` returns (raises), so the text before it is never lost.
        """
        first = _text_only(chunk)
        if first is None or not self._ready:
            return chunk
        pieces = [first]
        while self._ready and not self._ready[0].data.startswith("[DONE]"):
            try:
                following = self._chunk(self._ready.popleft())
            except Exception as error:
                self._held = error
                break
            text = _text_only(following)
            if text is None:
                self._held = following
                break
            pieces.append(text)
            await self._give_the_loop_a_turn()
        if len(pieces) == 1:
            return chunk
        return Chunk((Choice(Delta("".join(pieces), _NO_EXTRA), None),), None)

    def _chunk(self, event: Event) -> Chunk:
        payload = json.loads(event.data)
        if isinstance(payload, dict) and payload.get("error"):
            error = payload["error"]
            message = error.get("message") if isinstance(error, dict) else None
            if not isinstance(message, str) or not message:
                message = "An error occurred during streaming"
            raise openai.APIError(message, self._request, body=error)
        if not isinstance(payload, dict):
            raise TypeError("a streamed chunk is not a JSON object")
        return chunk_of(payload)

    async def _read(self) -> None:
        """The next bytes of the body, split into events (or its end)."""
        try:
            data = await self._bytes.__anext__()
        except StopAsyncIteration:
            self._ended = True
            lines = self._lines.finish()
        except self._timeouts as error:
            raise openai.APITimeoutError(request=self._request) from error
        except self._failures as error:
            raise openai.APIConnectionError(request=self._request) from error
        else:
            if self._lines.idle and (events := _plain_events(data)) is not None:
                self._ready.extend(events)  # the usual read: whole `data:` events, nothing more
                return
            lines = self._lines.feed(data)
        for line in lines:
            event = self._events.line(line)
            if event is not None:
                self._ready.append(event)
        if self._ended and (last := self._events.finish()) is not None:
            self._ready.append(last)

    async def _drain(self) -> None:
        """Read what follows [DONE] (normally nothing) so the connection can be reused."""
        drained = 0
        try:
            async for data in self._bytes:
                drained += len(data)
                if drained > MAX_DRAIN_BYTES:
                    return
                await self._give_the_loop_a_turn()
        except (*self._timeouts, *self._failures):
            pass  # the answer is complete; a broken tail costs only the connection

    async def _give_the_loop_a_turn(self) -> None:
        now = time.perf_counter()
        if now - self._slice >= SLICE_SECONDS:
            await asyncio.sleep(0)
            self._slice = time.perf_counter()
