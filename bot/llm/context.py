"""Fitting a request inside the model's context window.

A local server has a fixed context (llama.cpp `-c`, Ollama `num_ctx`, often 4,096
tokens); prompt plus `max_tokens` past it is an HTTP 400/500 ("request (6330 tokens)
exceeds the available context size (4096 tokens)"). So, when the context is known
(a setting, or read from the server: bot/llm/endpoint.py), each request is budgeted:
the output bound first (a share of the context, never more than its setting), the
prompt in what is left, with a margin for the chat template and our estimate's error.

The paper is then chosen to fit, by section (`select_for_summary`): the abstract, then
a share each for the introduction, the method, the experiments and results (their table
and figure captions and tables too: that is where the numbers are), and the discussion
and conclusion, each section's opening first, in the paper's order. Not a blind prefix: a
4,096-token window filled from the top would hold only the introduction.
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
    """The summary's kind of a passage, by its heading alone (see `_section_kinds`)."""
    if passage.kind == "abstract":
        return "abstract"
    heading = passage.section.lower().strip()
    if _DOTTED_APPENDIX.match(heading):  # "A.2.1 Automatic evaluation": an appendix
        return "appendix"
    heading = re.sub(r"^[\divx]+(\.\d+)*\.?\s+", "", heading)  # "3.1 Method" -> "method"
    if heading == "abstract":
        return "abstract"
    if _EXCLUDED.search(heading):
        return "excluded"
    for kind, pattern, _share in _KINDS:
        if pattern.search(heading):
            return kind
    return "method"


_DOTTED_APPENDIX = re.compile(r"^(?:appendix\b|[a-h]\.\d)")
_TOP_NUMBER = re.compile(r"^(\d+)\.\d")
_RESULT_TEXT = re.compile(
    r"\b(?:outperform\w*|state[- ]of[- ]the[- ]art|surpass\w*|achiev\w+|bleu|accuracy"
    r"|f1|win rate|pass@\d|perplexity|results? (?:show|indicate))\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s?%?")
_RESULT_CAPTION = re.compile(
    r"\b(?:results?|performance|accuracy|pass@\d|scores?|win rates?|bleu|evaluation)\b",
    re.IGNORECASE,
)
TABLE_CHARS = 1_500  # of one table's text in a summary prompt: its header and first rows
_SHOWN_KINDS = ("body", "abstract", "caption", "table")


def _section_kinds(passages: Sequence[Passage]) -> list[str]:
    """Each passage's kind, read with its neighbours: a table or figure caption that
    reports results ("Table 2: Overall performance on …") is "results" wherever the PDF
    put it; a subsection ("6.1 Machine Translation") whose heading names no kind takes its
    parent's ("6 Results") when the parent was seen; a section whose heading names none
    and whose text reports results (result words with numbers, twice or more) is "results"."""
    kinds = [section_kind(p) for p in passages]
    by_top: dict[str, str] = {}
    evidence: dict[str, int] = {}
    for passage, kind in zip(passages, kinds, strict=True):
        heading = passage.section.strip()
        number = heading.split(" ", 1)[0].rstrip(".")
        if number.isdigit() and kind != "method":
            by_top.setdefault(number, kind)
        if kind == "method" and passage.kind == "body":
            hits = sum(
                1
                for m in _RESULT_TEXT.finditer(passage.text)
                if _NUMBER.search(passage.text[m.start() : m.end() + 80])
            )
            evidence[heading] = evidence.get(heading, 0) + hits
    out: list[str] = []
    for passage, kind in zip(passages, kinds, strict=True):
        heading = passage.section.strip()
        if passage.kind in ("caption", "table") and kind not in ("appendix", "excluded"):
            if _RESULT_CAPTION.search(passage.text[:300]):  # "Table 2: Overall performance…"
                out.append("results")
                continue
        if kind == "method":
            top = _TOP_NUMBER.match(heading)
            if top and top.group(1) in by_top:
                kind = by_top[top.group(1)]
            elif evidence.get(heading, 0) >= 2:
                kind = "results"
        out.append(kind)
    return out


def select_for_summary(
    passages: Sequence[Passage], max_chars: int, *, abstract_given: bool = False
) -> list[Passage]:
    """Passages to summarise from, across the whole paper, in its order, within `max_chars`.

    Every section kind gets its share of the budget, filled with the opening passage of
    each of its sections, then each one's next passage, and so on (body text, figure and table captions, and tables cut to `TABLE_CHARS`, where
    results' numbers are); what a kind does not use goes to the others (in order of
    share). References, acknowledgements and appendices are left out. `abstract_given`:
    the prompt holds the abstract already (the metadata), so its passages are not repeated.
    """
    kinds = _section_kinds(passages)
    usable: list[int] = []
    for index, (passage, kind) in enumerate(zip(passages, kinds, strict=True)):
        if passage.kind not in _SHOWN_KINDS or kind in ("excluded", "appendix"):
            continue
        if kind == "abstract" and abstract_given:
            continue
        usable.append(index)

    def shown(index: int) -> Passage:
        passage = passages[index]
        if passage.kind == "table" and len(passage.text) > TABLE_CHARS:
            return Passage(
                passage.text[:TABLE_CHARS], passage.section, passage.page, "table", passage.url
            )
        return passage

    def cost(index: int) -> int:
        return len(shown(index).text) + 16

    if sum(cost(i) for i in usable) <= max_chars:
        return [shown(i) for i in usable]
    groups: dict[str, list[int]] = {}
    place: dict[int, int] = {}  # a passage's position inside its section
    counts: dict[tuple[str, str], int] = {}
    for index in usable:
        groups.setdefault(kinds[index], []).append(index)
        section = (kinds[index], passages[index].section)
        place[index] = counts.get(section, 0)
        counts[section] = place[index] + 1
    for members in groups.values():  # each section's opening first, then its next passages
        members.sort(key=lambda i: (place[i], i))
    shares = {kind: share for kind, _pattern, share in _KINDS}
    shares["method"] = _METHOD_SHARE
    chosen: set[int] = set()
    used = 0
    for index in groups.get("abstract", []):
        if used + cost(index) <= max_chars * 0.2:
            chosen.add(index)
            used += cost(index)
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
                cap = allowance[kind] if sweep == 0 else max_chars - used
                if cost(index) > cap:
                    continue
                chosen.add(index)
                used += cost(index)
                if sweep == 0:
                    allowance[kind] -= cost(index)
    return [shown(i) for i in sorted(chosen)]
