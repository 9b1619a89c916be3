"""A loopback OpenAI-compatible server: POST /v1/chat/completions, plain and streamed (SSE).

It speaks the real wire format the `openai` client parses. What it answers is decided
by `reply` (a function of the request body, replaceable per test); the default is
a deterministic "echo model" that only says what the prompt contains:
- a summary request (response_format json_schema) gets valid summary JSON built from
  the abstract in the prompt, each key point quoting the abstract sentence it restates;
- an answer request gets the first sentence of passage [1] and a citation line
  quoting it verbatim.
Every request body is recorded; `faults` script HTTP errors or slow answers, and
`cut_stream_after` drops the connection in the middle of a stream.

A hostile or broken model, for the bounds tests (all off by default):
- `reasoning`: streamed first as `delta.reasoning_content` (vLLM/DeepSeek style; the
  non-streamed message carries it too); `<think>` blocks are just part of `reply`;
- `invalid_utf8_at` / `malformed_event_at` / `error_event_at`: the streamed chunk at that
  index carries a raw 0xFF byte / is an SSE event whose data is not JSON / is an
  `{"error": ...}` event;
- `endless`: after the reply, this piece is streamed again and again until the client
  goes away (`stream_outcomes` then records "disconnected" and `endless_sent` the count);
- `raw_body`: the bytes of a non-streamed response, verbatim (e.g. not UTF-8).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.loopback.threaded import ThreadedServer

Reply = Callable[[dict[str, Any]], str]

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def echo_model(body: dict[str, Any]) -> str:
    user = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    schema_name = body.get("response_format", {}).get("json_schema", {}).get("name")
    if schema_name == "search_queries":  # the query rewrite: it cannot translate
        return json.dumps({"queries": []})
    if body.get("response_format", {}).get("type") == "json_schema":
        abstract = re.search(r"Abstract: (.*?)\n", user, re.S)
        sentences = _SENTENCE.split(abstract.group(1).strip()) if abstract else ["No abstract."]
        return json.dumps(
            {
                "title_translated": "",
                "tldr": " ".join(sentences[:2]),
                "key_points": [  # each quoting the abstract sentence it restates
                    {"question": f"What does the paper say ({i + 1})?", "answer": s, "quote": s}
                    for i, s in enumerate(sentences[:10])
                ],
                "tags": ["llm", "evaluation"],
            }
        )
    passage = re.search(r'^\[1\] \([^\n]*\)\n"""\n(.+?)\n"""', user, re.S | re.M)
    if passage is None:
        return "NOT IN PAPER: the passages do not say."
    sentences = _SENTENCE.split(" ".join(passage.group(1).split()))
    first = next((s for s in sentences if len(s.split()) >= 4), sentences[0]).strip()
    return f'According to the paper, {first}\n[1] "{first}"'


class OpenAIServer(ThreadedServer):
    def __init__(self, reply: Reply = echo_model, latency: float = 0.0) -> None:
        super().__init__()
        self.reply = reply
        self.latency = latency
        self.cut_stream_after: int | None = None
        self.chunk_delay = 0.0  # seconds between streamed chunks (a model generating slowly)
        self.chunk_chars: int | None = None  # stream fixed-size pieces (as tokens split words)
        self.burst = False  # the whole stream in one write (a buffering proxy's delivery)
        self.reasoning: str | None = None
        self.invalid_utf8_at: int | None = None
        self.malformed_event_at: int | None = None
        self.error_event_at: int | None = None
        self.endless: str | None = None
        self.endless_limit = 1_000_000  # pieces; a safety stop if a client never lets go
        self.endless_sent = 0
        self.raw_body: bytes | None = None
        self.stream_outcomes: list[str] = []  # per streamed request: "done", "cut", "disconnected"
        # Posing as llama.cpp's llama-server: `GET /props` answers this (None: 404).
        self.props: dict[str, Any] | None = None
        # Posing as Ollama: its model's `/api/show` answer (None: the /api routes are 404).
        self.ollama_show: dict[str, Any] | None = None
        self.ollama_model = "qwen2.5:0.5b"
        self.in_flight = 0  # completions being answered now, and the most at once
        self.max_in_flight = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.completions)
        app.router.add_get("/props", self.server_props)
        app.router.add_get("/v1/models", self.models)
        app.router.add_get("/api/version", self.ollama_version)
        app.router.add_get("/api/tags", self.ollama_tags)
        app.router.add_post("/api/show", self.ollama_model_info)
        return app

    async def ollama_version(self, request: web.Request) -> web.Response:
        if self.ollama_show is None:
            return web.Response(status=404, text="404 page not found")
        return _json({"version": "0.12.0"})

    async def ollama_tags(self, request: web.Request) -> web.Response:
        if self.ollama_show is None:
            return web.Response(status=404, text="404 page not found")
        return _json({"models": [{"name": self.ollama_model, "model": self.ollama_model}]})

    async def ollama_model_info(self, request: web.Request) -> web.Response:
        if self.ollama_show is None:
            return web.Response(status=404, text="404 page not found")
        return _json(self.ollama_show)

    async def server_props(self, request: web.Request) -> web.Response:
        if self.props is None:
            return web.Response(status=404, text="File Not Found")
        return _json(self.props)

    async def models(self, request: web.Request) -> web.Response:
        return _json({"object": "list", "data": [{"id": "loopback-model", "object": "model"}]})

    @staticmethod
    def llama_props(n_ctx: int = 4096, slots: int = 1) -> dict[str, Any]:
        """What llama-server's /props says (the fields paperclub reads)."""
        return {
            "default_generation_settings": {"n_ctx": n_ctx},
            "total_slots": slots,
            "model_alias": "loopback-model",
            "model_path": "/models/loopback-model.gguf",
        }

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]

    async def completions(self, request: web.Request) -> web.StreamResponse:

        body = await request.json()
        self.record(request, body)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request, body)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        import asyncio

        fault = await self.take_fault()
        if fault is not None:
            return fault
        if self.latency:
            await asyncio.sleep(self.latency)
        content = self.reply(body)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        completion_tokens = len(content.split())
        created = int(time.time())
        if not body.get("stream"):
            if self.raw_body is not None:
                return web.Response(
                    body=self.raw_body, headers={"Content-Type": "application/json"}
                )
            message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
            if self.reasoning is not None:
                message["reasoning_content"] = self.reasoning
            return _json(
                {
                    "id": "chatcmpl-loopback",
                    "object": "chat.completion",
                    "created": created,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        try:
            outcome = await self._stream(request, response, body, created, content)
        except (ConnectionError, RuntimeError):  # the client closed the connection
            outcome = "disconnected"
        self.stream_outcomes.append(outcome)
        return response

    def _pieces(self, text: str) -> list[str]:
        if self.chunk_chars:
            size = self.chunk_chars
            return [text[i : i + size] for i in range(0, len(text), size)]
        return re.findall(r"\S+\s*", text)

    async def _stream(
        self,
        request: web.Request,
        response: web.StreamResponse,
        body: dict[str, Any],
        created: int,
        content: str,
    ) -> str:
        import asyncio

        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        completion_tokens = len(content.split())
        deltas = [{"reasoning_content": p} for p in self._pieces(self.reasoning or "")]
        deltas += [{"content": piece} for piece in self._pieces(content)]
        held: list[bytes] = []
        for index, delta in enumerate(deltas):
            if self.cut_stream_after is not None and index >= self.cut_stream_after:
                request.transport.close()  # type: ignore[union-attr]
                return "cut"
            event = self._event(index, _chunk(body, created, delta, None))
            if self.burst:
                held.append(event)
                continue
            await response.write(event)
            if self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
        if held:
            await response.write(b"".join(held))
        if self.endless is not None:
            event = _sse(_chunk(body, created, {"content": self.endless}, None))
            for _ in range(self.endless_limit):
                await response.write(event)
                self.endless_sent += 1
                if self.endless_sent % 256 == 0:
                    await asyncio.sleep(0)  # let the loop notice a closed connection
                if request.transport is None or request.transport.is_closing():
                    return "disconnected"
        await response.write(_sse(_chunk(body, created, {}, "stop")))
        if body.get("stream_options", {}).get("include_usage"):
            usage_chunk = _chunk(body, created, {}, None)
            usage_chunk["choices"] = []
            usage_chunk["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
            await response.write(_sse(usage_chunk))
        await response.write(b"data: [DONE]\n\n")
        return "done"

    def _event(self, index: int, payload: dict[str, Any]) -> bytes:
        if index == self.malformed_event_at:
            return b'data: {"id": "chatcmpl-loopback", "choices": [{"delta": {"content": "\n\n'
        if index == self.error_event_at:
            return _sse({"error": {"message": "The server had an error", "type": "server_error"}})
        event = _sse(payload)
        if index == self.invalid_utf8_at:
            quote = event.index(b'": "', event.index(b'"delta"')) + len(b'": "')
            event = event[:quote] + b"\xff" + event[quote:]
        return event


def _chunk(
    body: dict[str, Any], created: int, delta: dict[str, str], finish: str | None
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion.chunk",
        "created": created,
        "model": body["model"],
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def _json(payload: dict[str, Any]) -> web.Response:
    return web.Response(body=json.dumps(payload), headers={"Content-Type": "application/json"})
