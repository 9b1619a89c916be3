"""Fitting a request inside the model's context window.

A local server has a fixed context (llama.cpp `-c`, Ollama `num_ctx`, often 4,096
tokens); prompt plus `max_tokens` past it is an HTTP 400/500 ("request (6330 tokens)
exceeds the available context size (4096 tokens)"). So, when the context is known
(a setting, or read from the server: bot/llm/endpoint.py), each request is budgeted:
the output bound first (a share of the context, never more than its setting), the
prompt in what is left, with a margin for the chat template and our estimate's error.

The paper is then chosen to fit, by section (`select_for_summary`): the abstract, then
a share each for the introduction, the method, the experiments and results, and the
discussion and conclusion, each taken from its start, in the paper's order. Not a blind
prefix: a 4,096-token window filled from the top would hold only the introduction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.reading.model import Passage

TEMPLATE_MARGIN_TOKENS = 96  # chat template tokens, per request
ESTIMATE_MARGIN = 0.12  # our token estimate may be this much under the tokenizer's count
_WIDE = re.compile(r"[^\x00-\x7f]")

# Section kinds for a summary and the share of the paper budget each gets.
_KINDS: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("introduction", re.compile(r"\b(introduction|overview|motivation)\b"), 0.24),
    (
        "conclusion",
        re.compile(r"\b(conclusions?|concluding|discussion|limitations?|future work|summary)\b"),
        0.18,
    ),
    (
        "results",
        re.compile(r"\b(results?|experiments?|evaluation|analysis|ablations?|benchmarks?)\b"),
        0.26,
    ),
    ("related", re.compile(r"\b(related work|background|prior work|literature)\b"), 0.04),
    ("appendix", re.compile(r"^(appendix|[a-h](\.\d+)*\s|[a-h]$)"), 0.0),
)
_METHOD_SHARE = 0.28  # every other body section: method, data, setup
_EXCLUDED = re.compile(
    r"\b(references?|bibliography|acknowledge?ments?|author contributions?|funding"
    r"|competing interests?|conflicts? of interest|ethics statement)\b"
)


def estimate_tokens(text: str) -> int:
    """A conservative token count: ~3.5 characters per token for ASCII text, and
    about 1.5 tokens for each other character (CJK, accents, symbols)."""
    wide = len(_WIDE.findall(text))
    return int((len(text) - wide) / 3.5 + wide * 1.5) + 1


def chars_for_tokens(tokens: int) -> int:
    """How many characters of (mostly English) paper text fit in `tokens`."""
    return max(0, int(tokens * 3.5))


@dataclass(frozen=True, slots=True)
class Budget:
    """One request's bounds: what the model may write, and what the prompt may hold."""

    max_tokens: int
    prompt_tokens: int | None  # None: the context is not known, no prompt bound


def plan(
    context_tokens: int | None, wanted_output: int, *, output_share: float, floor: int
) -> Budget:
    """The output bound (at most `wanted_output`, at most `output_share` of the context,
    at least `floor`) and the prompt's room in the rest."""
    if not context_tokens:
        return Budget(wanted_output, None)
    output = min(wanted_output, max(floor, int(context_tokens * output_share)))
    output = min(output, max(16, context_tokens // 2))
    room = context_tokens - output - TEMPLATE_MARGIN_TOKENS
    room = int(room * (1 - ESTIMATE_MARGIN))
    return Budget(output, max(room, 0))


def section_kind(passage: Passage) -> str:
    if passage.kind == "abstract":
        return "abstract"
    heading = passage.section.lower().strip()
    heading = re.sub(r"^[\divx]+(\.\d+)*\.?\s+", "", heading)  # "3.1 Method" -> "method"
    if _EXCLUDED.search(heading):
        return "excluded"
    for kind, pattern, _share in _KINDS:
        if pattern.search(heading):
            return kind
    return "method"


def select_for_summary(passages: Sequence[Passage], max_chars: int) -> list[Passage]:
    """Passages to summarise from, in the paper's order, within `max_chars`.

    Every section kind gets its share of the budget, filled from the start of that kind's
    text; what a kind does not use goes to the others (in order of share). Captions,
    tables, references and appendices come last, if anything is left.
    """
    body = [p for p in passages if p.kind in ("body", "abstract")]
    if sum(len(p.text) + 16 for p in body) <= max_chars:
        return [p for p in passages if p.kind in ("body", "abstract")]
    groups: dict[str, list[int]] = {}
    for index, passage in enumerate(passages):
        if passage.kind not in ("body", "abstract"):
            continue
        groups.setdefault(section_kind(passage), []).append(index)
    shares = {kind: share for kind, _pattern, share in _KINDS}
    shares["method"] = _METHOD_SHARE
    chosen: set[int] = set()
    used = 0
    for index in groups.get("abstract", []):  # usually given as metadata already
        cost = len(passages[index].text) + 16
        if used + cost <= max_chars * 0.2:
            chosen.add(index)
            used += cost
    order = sorted(shares, key=lambda k: -shares[k])
    remaining = max_chars - used
    allowance = {kind: remaining * shares[kind] for kind in order}
    for sweep in range(2):  # second sweep: what a kind left unused, in share order
        for kind in order:
            if sweep == 0 and allowance[kind] <= 0:
                continue
            for index in groups.get(kind, []):
                if index in chosen:
                    continue
                cost = len(passages[index].text) + 16
                cap = allowance[kind] if sweep == 0 else max_chars - used
                if cost > cap:
                    if sweep == 0:
                        break  # keep this kind contiguous from its start
                    continue
                chosen.add(index)
                used += cost
                if sweep == 0:
                    allowance[kind] -= cost
    return [passages[i] for i in sorted(chosen)]
