"""How much a model may write, and the one place its summary is cut down to size.

A model's output is untrusted like the paper's text (OWASP LLM10, unbounded
consumption): a server that ignores `max_tokens`, a looping local model or a hostile
endpoint can send a megabyte TL;DR, ten thousand key points or a title longer than a
Discord message. The request asks for a bound (`max_tokens` on every call), and
`clip_summary_fields` enforces one on whatever comes back, before anything is cached,
rendered or posted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

TokensField = Literal["max_tokens", "max_completion_tokens"]


class _LimitSettings(Protocol):
    @property
    def llm_max_answer_tokens(self) -> int: ...
    @property
    def llm_max_summary_tokens(self) -> int: ...
    @property
    def llm_max_query_tokens(self) -> int: ...
    @property
    def llm_max_tokens_field(self) -> TokensField: ...


@dataclass(frozen=True, slots=True)
class ModelLimits:
    """Output-token bounds sent with every request (defaults equal the Settings defaults).

    `tokens_field` is the request field that carries them: `max_tokens` is what Ollama,
    llama.cpp and vLLM read; OpenAI's reasoning models (o-series, gpt-5) accept only
    `max_completion_tokens`.
    """

    answer_tokens: int = 1_200
    summary_tokens: int = 4_000
    query_tokens: int = 256
    tokens_field: TokensField = "max_tokens"

    @classmethod
    def from_settings(cls, settings: _LimitSettings) -> ModelLimits:
        return cls(
            answer_tokens=settings.llm_max_answer_tokens,
            summary_tokens=settings.llm_max_summary_tokens,
            query_tokens=settings.llm_max_query_tokens,
            tokens_field=settings.llm_max_tokens_field,
        )

    def request(self, tokens: int) -> dict[str, Any]:
        """The request field bounding a completion to `tokens`."""
        return {self.tokens_field: tokens}


@dataclass(frozen=True, slots=True)
class SummaryLimits:
    """The most a summary field may hold, in characters (CJK text counts the same)."""

    title: int = 300
    tldr: int = 600
    key_points: int = 10
    question: int = 300
    answer: int = 800
    quote: int = 400  # a key point's supporting quote, copied from the paper
    tags: int = 8
    tag: int = 40


SUMMARY_LIMITS = SummaryLimits()

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)|[。！？]")
ELLIPSIS = "…"


def clip_text(text: str, limit: int) -> str:
    """`text` on one line, without control characters, at most `limit` characters.

    Only the first `16 * limit` characters or so are read: past that, text kept out by
    runs of whitespace or control characters is hostile anyway.

    A cut ends at a sentence end if one is in the last 40 %, else at a word boundary in
    the last 20 %, else mid-word (Japanese has no spaces); then an ellipsis.
    """
    text = text[: 16 * limit + 1_024]  # what could survive: no regex over a megabyte
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    room = text[: limit - len(ELLIPSIS) + 1]  # one extra: a boundary right after the cut counts
    ends = [m.end() for m in _SENTENCE_END.finditer(room) if m.end() <= limit - len(ELLIPSIS)]
    if ends and ends[-1] >= 0.6 * limit:
        return room[: ends[-1]].rstrip() + ELLIPSIS
    space = room.rfind(" ")
    if space >= 0.8 * limit:
        return room[:space].rstrip() + ELLIPSIS
    return room[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def clip_summary_fields(
    data: dict[str, Any], limits: SummaryLimits = SUMMARY_LIMITS
) -> dict[str, Any]:
    """A model's summary JSON object, every field cut to `limits`; raise ValueError if unusable.

    Keeps the first `limits.key_points` key points, each as (question, answer, quote): the
    quote is "" when the model gave none (the engine then cannot check it), and the first
    `limits.tags` distinct tags. Unusable (the caller retries, then falls back to the extractive engine): a
    missing or empty TL;DR, no key points, a key point without a question or an answer.
    """
    tldr = data.get("tldr")
    if not isinstance(tldr, str) or not (tldr := clip_text(tldr, limits.tldr)):
        raise ValueError("missing tldr")
    pairs = data.get("key_points")
    if not isinstance(pairs, list) or not pairs:
        raise ValueError("missing key_points")
    key_points: list[tuple[str, str, str]] = []
    for pair in pairs[: limits.key_points]:
        if not isinstance(pair, dict):
            raise ValueError("a key point is not an object")
        question, answer = pair.get("question"), pair.get("answer")
        if not isinstance(question, str) or not isinstance(answer, str):
            raise ValueError("a key point lacks a question or an answer")
        question, answer = clip_text(question, limits.question), clip_text(answer, limits.answer)
        if not question or not answer:
            raise ValueError("a key point lacks a question or an answer")
        quote = pair.get("quote")
        quote = clip_text(quote, limits.quote) if isinstance(quote, str) else ""
        key_points.append((question, answer, quote))
    tags = data.get("tags", [])
    if not isinstance(tags, list):
        raise ValueError("tags is not a list")
    kept: list[str] = []
    for tag in tags:
        if len(kept) >= limits.tags:
            break
        if not isinstance(tag, str):
            continue
        clean = clip_text(tag.strip().lower().lstrip("#"), limits.tag).removesuffix(ELLIPSIS)
        if clean and clean not in kept:
            kept.append(clean)
    title = data.get("title_translated", "")
    return {
        "tldr": tldr,
        "key_points": key_points,
        "tags": kept,
        "title_translated": clip_text(title, limits.title) if isinstance(title, str) else "",
    }
