"""The model engine: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp).

Summaries use structured output (a JSON schema). We parse and validate what comes
back ourselves: a malformed answer is retried once, then `LLMUnavailable` tells the
service to degrade to the extractive engine and say so in the post.

What the model writes is bounded and cleaned here (bot/llm/bounds.py, reasoning.py):
every request carries `max_tokens` (or `max_completion_tokens`), reasoning blocks are
taken out of answers and summaries, every summary field is clipped, and any protocol
or decoding failure of the endpoint (HTTP errors, a garbled SSE event, invalid UTF-8)
is an `LLMUnavailable` with a reason, never a stray exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from bot.domain import Paper, QAPair, Summary, SummaryEngine, Turn
from bot.errors import LLMUnavailable
from bot.llm.bounds import SUMMARY_LIMITS, ModelLimits, SummaryLimits
from bot.llm.chunk_stream import ChunkStream, as_sent
from bot.llm.context import chars_for_tokens, estimate_tokens, plan
from bot.llm.endpoint_errors import describe_api_error
from bot.llm.gates import SummaryUnusable, Unusable, check_summary
from bot.llm.grounding import (
    build_answer_messages,
    rewrite_queries_messages,
)
from bot.llm.key_point_check import (
    MIN_CHECKED,
    DraftKeyPoint,
    check_key_points,
    checked_note,
    extractive_fallback,
    paper_passages,
)
from bot.llm.progress import ProgressDeadline
from bot.llm.reasoning import THINKING, ReasoningFilter, strip_reasoning
from bot.llm.repetition import RepetitionGuard
from bot.llm.summary_format import (
    FIRMER_LANGUAGE_RULE,
    LATIN,
    MAX_PAPER_CHARS,
    SUMMARY_SYSTEM_PROMPT,
    key_point_quote_messages,
    key_point_quote_schema,
    parse_key_point_quotes,
    parse_query_reply,
    parse_summary_json,
    query_schema,
    summary_messages,
    summary_schema,
)
from bot.reading.model import PaperText, Passage
from bot.sources.http import retry_after_seconds
from bot.text import t
from bot.text_processes import run_text_work

log = logging.getLogger(__name__)

_T = TypeVar("_T")
UsageSink = Callable[[str, str, int, int], Awaitable[None]]
"""(purpose, model, tokens_in, tokens_out) -> record it."""


SUMMARY_OUTPUT_SHARE = 0.4  # of a known context window, at most the summary token setting
SUMMARY_OUTPUT_FLOOR = 700
ANSWER_OUTPUT_SHARE = 0.2
ANSWER_OUTPUT_FLOOR = 300
_MAX_JSON_DEPTH_ERRORS = (RecursionError,)  # json.loads of "[[[[..." a million deep
RETRY_BACKOFF = 0.5  # seconds before the engine's first retry, doubling after
MAX_RETRY_AFTER = 30.0  # a server asking to wait longer is waited this long, then retried
_STREAM_PROTOCOL_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError)
"""A chunk that is not what the protocol says (pydantic, json and decode errors are
ValueErrors): the endpoint is broken, which to the service is "unavailable"."""


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How the engine treats its endpoint (bootstrap chooses them; defaults change nothing).

    - `context_tokens`: the model's context window; requests are budgeted inside it.
    - `quality_gates`: a summary must pass bot/llm/gates.py, with one firmer retry.
    - `stream_summaries`: summaries are streamed, so a timeout means "no progress".
    - `bounded_schemas`: JSON schemas carry minLength/maxLength/pattern (local servers
      turn them into a grammar; OpenAI's strict mode rejects some of them).
    - `concurrency`: requests in flight to this endpoint at once (None: unbounded here).
    - `progress_timeout`: seconds without a byte before a call is given up, timed here
      (not by the client, which would retry a timeout and add load to a busy server).
    - `found_server`: the local server auto-detection found (summaries say so).
    """

    context_tokens: int | None = None
    quality_gates: bool = False
    stream_summaries: bool = False
    bounded_schemas: bool = False
    concurrency: int | None = None
    progress_timeout: float | None = None
    retries: int = 0  # 429/5xx retries made by the engine (the client then makes none)
    found_server: str = ""  # "llama.cpp server at http://...": auto-detected, said in notes
    # llama-server streams `prompt_progress` chunks while it reads a long prompt (50
    # tokens/s on a busy core: a minute before the first token), so they count as progress.
    prompt_progress: bool = False


class OpenAIEngine:
    """An `LLM` backed by `openai.AsyncOpenAI`."""

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        usage: UsageSink | None = None,
        key_point_count: int = 10,
        limits: ModelLimits | None = None,
        summary_limits: SummaryLimits = SUMMARY_LIMITS,
        options: EngineOptions | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._usage = usage
        self._key_point_count = key_point_count
        self.limits = limits or ModelLimits()
        self._summary_limits = summary_limits
        self.options = options or EngineOptions()
        self._slots = (
            asyncio.Semaphore(self.options.concurrency) if self.options.concurrency else None
        )
        self.name = f"openai:{model}"

    async def summarise(self, paper: Paper, text: PaperText, language: str) -> Summary:
        budget = plan(
            self.options.context_tokens,
            self.limits.summary_tokens,
            output_share=SUMMARY_OUTPUT_SHARE,
            floor=SUMMARY_OUTPUT_FLOOR,
        )
        count = self._key_point_count
        if budget.max_tokens < 1_500:  # ~150 tokens a key point, plus the TL;DR
            count = max(3, min(count, (budget.max_tokens - 250) // 150))
        max_chars = MAX_PAPER_CHARS
        if budget.prompt_tokens is not None:
            fixed = estimate_tokens(SUMMARY_SYSTEM_PROMPT + FIRMER_LANGUAGE_RULE) + 120
            metadata = estimate_tokens(paper.title + paper.abstract) + 60
            max_chars = min(max_chars, chars_for_tokens(budget.prompt_tokens - fixed - metadata))
        # Choosing the passages reads the whole text (regular expressions over every
        # section): off the loop.
        messages = await asyncio.to_thread(
            summary_messages, paper, text, language, count, max_chars=max_chars
        )
        last_error = ""
        unusable: Unusable | None = None
        for attempt in range(2):
            content, looped = await self._summary_text(messages, budget.max_tokens, count)
            try:
                data = parse_summary_json(content, self._summary_limits)
                if self.options.quality_gates:
                    data = check_summary(data, language, paper.title)
            except Unusable as error:
                unusable = error
                log.warning("the model's summary of %s failed a gate: %s", paper.arxiv_id, error)
                if attempt == 0:
                    messages = await asyncio.to_thread(
                        summary_messages,
                        paper,
                        text,
                        language,
                        count,
                        max_chars=max_chars,
                        firm=True,
                    )
                continue
            except ValueError as error:
                unusable = Unusable("repeating") if looped else None
                last_error = str(error)
                log.warning("model returned an unusable summary for %s: %s", paper.arxiv_id, error)
                continue
            drafts = [DraftKeyPoint(*point[:3]) for point in data["key_points"]]
            pairs, checked_notes = await self._checked_key_points(
                paper, text, language, drafts, max_chars=max_chars, max_tokens=budget.max_tokens
            )
            return Summary(
                arxiv_id=paper.arxiv_id,
                language=language,
                tldr=data["tldr"],
                key_points=tuple(pairs),
                tags=tuple(data["tags"]),
                engine=SummaryEngine.MODEL,
                model=self._model,
                basis=str(text.source),
                title_translated=data["title_translated"],
                notes=(*text.notes, *checked_notes, *self._found_note(language)),
            )
        if unusable is not None:
            raise SummaryUnusable(unusable.cause, language, unusable.detail)
        raise LLMUnavailable(f"the model returned malformed JSON twice ({last_error})")

    async def _checked_key_points(
        self,
        paper: Paper,
        text: PaperText,
        language: str,
        drafts: list[DraftKeyPoint],
        *,
        max_chars: int,
        max_tokens: int,
    ) -> tuple[list[QAPair], tuple[str, ...]]:
        """The model's key points whose quotes are found verbatim in the paper, each citing
        its quote, and the note saying how many were checked. Pairs whose quote is not
        found are asked for once more (one request, bounded); those still unchecked are
        dropped. Under `MIN_CHECKED`: the extractive key points, with a note saying why."""
        passages = paper_passages(paper, text)
        checked = await run_text_work(check_key_points, drafts, passages)
        failed = [i for i, pair in enumerate(checked) if pair is None]
        if failed:
            again = await self._requoted(
                paper, text, [drafts[i] for i in failed], max_chars, max_tokens
            )
            if again:
                redone = await run_text_work(check_key_points, again, passages)
                for index, pair in zip(failed, redone, strict=False):
                    checked[index] = pair
        pairs = [pair for pair in checked if pair is not None]
        log.info(
            "%d of %d of the model's key points on %s were checked against the paper",
            len(pairs),
            len(drafts),
            paper.arxiv_id,
        )
        if len(pairs) < MIN_CHECKED:
            extracted, notes = await run_text_work(
                extractive_fallback,
                paper,
                passages,
                language,
                checked=len(pairs),
                total=len(drafts),
            )
            if extracted:
                return extracted, notes
        return pairs, (checked_note(len(pairs), len(drafts), language),)

    async def _requoted(
        self,
        paper: Paper,
        text: PaperText,
        failed: list[DraftKeyPoint],
        max_chars: int,
        max_tokens: int,
    ) -> list[DraftKeyPoint]:
        """The one regeneration: quotes asked again for the key points whose quote was not
        found, the answers kept. Bounded in tokens (about 120 a point, within the summary's
        own bound, so the request fits the same context); [] on any failure."""
        messages = await asyncio.to_thread(
            key_point_quote_messages,
            paper,
            text,
            [(d.question, d.answer) for d in failed],
            max_chars,
        )
        schema = key_point_quote_schema(
            len(failed), self._summary_limits, self.options.bounded_schemas
        )
        try:
            content, _looped = await self._summary_text(
                messages,
                min(max_tokens, 120 * len(failed) + 100),
                len(failed),
                schema=("key_point_quotes", schema),
            )
        except LLMUnavailable as error:
            log.warning("re-asking the quotes of %s failed: %s", paper.arxiv_id, error.reason)
            return []
        parsed = parse_key_point_quotes(content, len(failed), self._summary_limits)
        # The answer checked is the one first written; the model only supplies a quote.
        return [
            DraftKeyPoint(draft.question, draft.answer, quote)
            for draft, (_question, _answer, quote) in zip(failed, parsed, strict=False)
        ]

    def _found_note(self, language: str) -> tuple[str, ...]:
        found = self.options.found_server
        return (t("note_local_server_found", language, server=found),) if found else ()

    async def _summary_text(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        count: int,
        *,
        schema: tuple[str, dict[str, Any]] | None = None,
    ) -> tuple[str, bool]:
        """The summary's raw text (or, with `schema`, that named object's), and whether a
        loop in the stream cut it short."""
        name, shape = schema or (
            "paper_summary",
            summary_schema(count, self._summary_limits, self.options.bounded_schemas),
        )
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": shape, "strict": True},
        }
        if not self.options.stream_summaries:
            content = await self._complete(
                messages, "summary", max_tokens, response_format=response_format
            )
            return content, False
        guard = RepetitionGuard()
        pieces: list[str] = []
        length = 0
        limit = max_tokens * 8  # characters: no server writes more per token
        stream = self.stream(
            messages, "summary", max_tokens=max_tokens, response_format=response_format
        )
        async with contextlib.aclosing(stream):
            async for piece in stream:
                pieces.append(piece)
                length += len(piece)
                if guard.feed(piece) or length > limit:
                    break
        return "".join(pieces), guard.tripped

    async def complete(
        self, messages: list[dict[str, str]], purpose: str, *, max_tokens: int | None = None
    ) -> str:
        """One non-streamed completion (query rewriting, recaps), its reasoning taken out.

        Bounded by `max_tokens`, else by the answer limit.
        """
        tokens = max_tokens if max_tokens is not None else self.limits.answer_tokens
        return await self._complete(messages, purpose, tokens)

    async def structured(
        self,
        messages: list[dict[str, str]],
        purpose: str,
        *,
        name: str,
        schema: Callable[[bool], dict[str, Any]],
        max_tokens: int,
    ) -> str:
        """One JSON object under `schema(bounded)` (a presenter's outline): bounded in
        items and lengths where the endpoint is a local grammar, in tokens everywhere."""
        response_format = {
            "type": "json_schema",
            "json_schema": {
                "name": name,
                "schema": schema(self.options.bounded_schemas),
                "strict": True,
            },
        }
        return await self._complete(messages, purpose, max_tokens, response_format=response_format)

    async def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn],
        language: str,
    ) -> AsyncIterator[str]:
        budget = plan(
            self.options.context_tokens,
            self.limits.answer_tokens,
            output_share=ANSWER_OUTPUT_SHARE,
            floor=ANSWER_OUTPUT_FLOOR,
        )
        if budget.prompt_tokens is not None:
            messages = build_answer_messages(
                question, passages, history, language, max_prompt_tokens=budget.prompt_tokens
            )
        else:
            messages = build_answer_messages(question, passages, history, language)
        async for piece in self.stream(messages, "answer", max_tokens=budget.max_tokens):
            yield piece

    async def search_queries(self, question: str) -> list[str]:
        """For a question with little English in it, a few English queries to search with.

        Asked for as a schema'd JSON object `{"queries": [...]}` (a grammar on local
        servers: a small model cannot answer with anything else); a bare array is read too.
        """
        if len(LATIN.findall(question)) >= len(question) // 2:
            return []
        response_format = {
            "type": "json_schema",
            "json_schema": {
                "name": "search_queries",
                "schema": query_schema(self.options.bounded_schemas),
                "strict": True,
            },
        }
        try:
            reply = await self._complete(
                rewrite_queries_messages(question),
                "query rewrite",
                self.limits.query_tokens,
                response_format=response_format,
            )
        except LLMUnavailable:
            return []
        return parse_query_reply(reply)

    async def stream(
        self,
        messages: list[dict[str, str]],
        purpose: str,
        *,
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> AsyncGenerator[str, None]:
        """The model's reply as it arrives, reasoning blocks and `reasoning_content` left out.

        Bounded by `max_tokens` (else the answer limit); how long the caller keeps reading
        is the caller's to bound, and leaving early closes the HTTP response (a llama.cpp
        server then stops generating).
        """
        tokens = max_tokens if max_tokens is not None else self.limits.answer_tokens
        kwargs: dict[str, Any] = self.limits.request(tokens)
        if response_format is not None:
            kwargs["response_format"] = response_format
        if self.options.prompt_progress:
            kwargs["extra_body"] = {"return_progress": True}
        reasoning = ReasoningFilter()
        shown = thinking = False
        async with self._slot():
            try:
                stream = await self._create(
                    dict(
                        model=self._model,
                        messages=cast("list[ChatCompletionMessageParam]", messages),
                        stream=True,
                        stream_options={"include_usage": True},
                        **kwargs,
                    )
                )
                deadline = ProgressDeadline(self.options.progress_timeout)
                async with stream, deadline:
                    chunks = stream.__aiter__()
                    while True:
                        deadline.waiting()
                        try:
                            chunk = await chunks.__anext__()
                        except StopAsyncIteration:
                            break
                        deadline.arrived()
                        tokens_used = _token_counts(chunk.usage)
                        if tokens_used is not None:
                            await self._record(purpose, *tokens_used)
                        for choice in chunk.choices or ():
                            if getattr(choice, "finish_reason", None) == "length":
                                log.info(
                                    "the model's %s reached its %d-token bound", purpose, tokens
                                )
                            delta = getattr(choice, "delta", None)  # some servers end with none
                            reasoning_delta = _has_reasoning_delta(delta)
                            if reasoning_delta:
                                reasoning.saw_reasoning = True
                            content = getattr(delta, "content", None)
                            visible = reasoning.feed(content) if isinstance(content, str) else ""
                            if visible:
                                shown = True
                                yield visible
                            elif not (shown or thinking) and (
                                reasoning_delta or reasoning.thinking
                            ):
                                thinking = True
                                yield THINKING  # once: the caller may show "thinking…"
                rest = reasoning.finish()
                if rest:
                    shown = True
                    yield rest
            except openai.APIError as error:
                raise LLMUnavailable(describe_api_error(error)) from error
            except TimeoutError as error:  # the ProgressDeadline
                raise LLMUnavailable("the model did not answer in time") from error
            except UnicodeDecodeError as error:  # the client decodes SSE lines as strict UTF-8
                raise LLMUnavailable("the model's answer stream was not valid UTF-8") from error
            except json.JSONDecodeError as error:  # the openai client lets a garbled chunk through
                raise LLMUnavailable("the model's answer stream was not valid JSON") from error
            except (*_STREAM_PROTOCOL_ERRORS, *_MAX_JSON_DEPTH_ERRORS) as error:
                raise LLMUnavailable("the model's answer stream was malformed") from error
        if not shown and reasoning.saw_reasoning:
            raise LLMUnavailable("the model wrote only its reasoning, no answer")

    async def _create(self, request: dict[str, Any]) -> Any:
        """One chat completion. Where the engine times the endpoint (a local server), it
        also retries a 429 or 5xx itself, each attempt timed on its own: the client's
        retries would spend the time-without-progress deadline in their backoff.
        A streamed one is read by `ChunkStream` (the client's per-chunk models cost the
        loop ~0.5 ms a chunk)."""
        retries = self.options.retries
        for attempt in range(retries + 1):
            try:
                if request.get("stream"):
                    return await self._timed(ChunkStream.open(self._client, request))
                return await self._timed(self._client.chat.completions.create(**as_sent(request)))
            except (openai.RateLimitError, openai.InternalServerError) as error:
                if attempt == retries:
                    raise
                asked = retry_after_seconds(error.response.headers.get("retry-after"))
                backoff = RETRY_BACKOFF * 2**attempt
                await asyncio.sleep(min(asked, MAX_RETRY_AFTER) if asked is not None else backoff)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _timed(self, awaitable: Awaitable[_T]) -> _T:
        """`awaitable`, given up after `progress_timeout` seconds (when set)."""
        timeout = self.options.progress_timeout
        if timeout is None:
            return await awaitable
        try:
            async with asyncio.timeout(timeout):
                return await awaitable
        except TimeoutError as error:
            raise LLMUnavailable("the model did not answer in time") from error

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            yield
            return
        async with self._slots:
            yield

    async def _complete(
        self,
        messages: list[dict[str, str]],
        purpose: str,
        max_tokens: int,
        *,
        response_format: dict[str, Any] | None = None,
    ) -> str:
        kwargs: dict[str, Any] = self.limits.request(max_tokens)
        if response_format is not None:
            kwargs["response_format"] = response_format
        async with self._slot():
            try:
                response = await self._create(
                    dict(
                        model=self._model,
                        messages=cast("list[ChatCompletionMessageParam]", messages),
                        **kwargs,
                    )
                )
                tokens = _token_counts(response.usage)
                choices = list(response.choices)
                message = choices[0].message if choices else None
                refused = bool(getattr(message, "refusal", None))
                content = getattr(message, "content", None)
            except openai.APIError as error:
                raise LLMUnavailable(describe_api_error(error)) from error
            except (*_STREAM_PROTOCOL_ERRORS, *_MAX_JSON_DEPTH_ERRORS) as error:
                raise LLMUnavailable("the model endpoint's response was malformed") from error
        if tokens is not None:
            await self._record(purpose, *tokens)
        if message is None:
            raise LLMUnavailable("the model returned no choices")
        if refused:
            raise LLMUnavailable("the model refused the request")
        return strip_reasoning(content) if isinstance(content, str) else ""

    async def _record(self, purpose: str, tokens_in: int, tokens_out: int) -> None:
        if self._usage is not None:
            await self._usage(purpose, self._model, tokens_in, tokens_out)


def _token_counts(usage: object) -> tuple[int, int] | None:
    """(prompt, completion) tokens of a usage object; a TypeError/ValueError if garbled."""
    if usage is None:
        return None
    prompt, completion = getattr(usage, "prompt_tokens", 0), getattr(usage, "completion_tokens", 0)
    if not isinstance(prompt, int) or not isinstance(completion, int):
        raise TypeError("usage token counts are not integers")
    return max(prompt, 0), max(completion, 0)


def _has_reasoning_delta(delta: object) -> bool:
    """vLLM and DeepSeek send `reasoning_content`, Ollama and OpenRouter `reasoning`."""
    extra = getattr(delta, "model_extra", None) or {}
    return any(
        isinstance(extra.get(k), str) and extra[k] for k in ("reasoning_content", "reasoning")
    )
