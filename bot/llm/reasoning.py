"""Reasoning blocks (`<think>…</think>`, `<reasoning>…</reasoning>`) taken out of model output.

Reasoning models served by llama.cpp, Ollama or vLLM without a reasoning parser write
their chain of thought into the answer itself. It is not for members' eyes, it is not
grounded in the paper, and it breaks the summary's JSON. `ReasoningFilter` removes it
from a stream chunk by chunk: a tag split across chunks is held back until it can be
told apart from text, and what is inside a block is dropped as it arrives, so an endless
block costs no memory.

One judgement call: a block opened before any visible text is reasoning, even if the
model ran out of tokens before closing it. A tag opened *after* the answer has begun
is more likely quoted text (a paper about reasoning models describing its own template),
so if it never closes, what followed it is given back at the end.

A stream that is still inside a reasoning block before any visible text shows nothing
for a long time; the engine then yields `THINKING` (an empty piece, so whoever only
joins pieces sees no change) and an answer's progress says "thinking…" instead.
"""

from __future__ import annotations

import re

_TAG_NAMES = ("think", "thinking", "reasoning")
_TAG = re.compile(r"<\s*(/?)\s*(think|thinking|reasoning)\s*>", re.IGNORECASE)
_PARTIAL = re.compile(r"<\s*/?\s*([a-zA-Z]*)\s*\Z")
_MAX_TAG_CHARS = 24
_MAX_HELD_CHARS = 8_000  # a mid-answer "block" longer than this was text, not reasoning


class Thinking(str):
    """A stream piece with no text: the model is still in its reasoning block."""

    __slots__ = ()


THINKING = Thinking()


class ReasoningFilter:
    """Feed model text in pieces; get back only what is outside reasoning blocks."""

    def __init__(self) -> None:
        self._pending = ""  # text not yet classified (may end in a partial tag)
        self._inside: str | None = None  # the open block's tag name
        self._held: list[str] = []  # a mid-answer block's text, in case it never closes
        self._held_chars = 0
        self._started = False  # visible text has been given out
        self.saw_reasoning = False

    def feed(self, text: str) -> str:
        self._pending += text
        out: list[str] = []
        while True:
            match = _TAG.search(self._pending)
            if match is None:
                cut = _partial_tag_start(self._pending)
                self._take(self._pending[:cut], out)
                self._pending = self._pending[cut:]
                return self._visible(out)
            self._take(self._pending[: match.start()], out)
            self._pending = self._pending[match.end() :]
            closing, name = match.group(1) == "/", match.group(2).lower()
            if self._inside is None and not closing:
                self._inside = name
                self.saw_reasoning = True
                if self._started:
                    self._hold(match.group(0))
            elif self._inside == name and closing:
                self._inside = None
                self._held, self._held_chars = [], 0
            elif self._inside is not None and self._held:
                self._hold(match.group(0))  # another tag inside a quoted "block": keep as text
            # else: a stray closing tag (its opening was in the prompt) or a nested tag: dropped

    @property
    def thinking(self) -> bool:
        """Inside a reasoning block opened before any visible text."""
        return self._inside is not None and not self._started

    def finish(self) -> str:
        """The rest, at the end of the stream: an unclosed block at the start is dropped."""
        out: list[str] = []
        self._take(self._pending, out)
        self._pending = ""
        if self._inside is not None and self._held:
            out.extend(self._held)
        self._inside, self._held, self._held_chars = None, [], 0
        return self._visible(out)

    def _take(self, text: str, out: list[str]) -> None:
        if not text:
            return
        if self._inside is None:
            if not self._started:
                text = text.lstrip()
                self._started = bool(text)
            out.append(text)
        elif self._started:
            self._hold(text)
            if self._held_chars > _MAX_HELD_CHARS:  # too long to be a block: it was text
                out.extend(self._held)
                self._inside, self._held, self._held_chars = None, [], 0

    def _hold(self, text: str) -> None:
        self._held.append(text)
        self._held_chars += len(text)

    @staticmethod
    def _visible(out: list[str]) -> str:
        return "".join(out)


def strip_reasoning(text: str) -> str:
    """`text` without its reasoning blocks (a whole reply, not a stream).

    A closing tag with no opening one means the server's chat template opened the block
    in the prompt (DeepSeek-R1 style): everything before it is reasoning.
    """
    first = _TAG.search(text)
    if first is not None and first.group(1) == "/":
        text = text[first.end() :]
    reasoning = ReasoningFilter()
    return reasoning.feed(text) + reasoning.finish()


def _partial_tag_start(text: str) -> int:
    """Where a tag that may still be arriving begins at the end of `text` (else len)."""
    start = text.rfind("<", max(0, len(text) - _MAX_TAG_CHARS))
    if start < 0:
        return len(text)
    partial = _PARTIAL.match(text, start)
    if partial is None:
        return len(text)
    letters = partial.group(1).lower()
    if any(name.startswith(letters) for name in _TAG_NAMES):
        return start
    return len(text)
