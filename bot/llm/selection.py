"""Question-aware sentence selection: which of the paper's own sentences answers a question.

Shared by the extractive engine's key points and by extractive thread answers. Pure
functions over `Passage`s; no model, no network. A sentence is scored by the question's
terms it carries (weighted by how rare they are among the candidates), by what kind of
answer the question asks for (a number for "how many", a definition for "what is", a
list of names for "which"), and, for key points, by cue phrases and section priors.
Boilerplate (author-contribution notes, footnotes, affiliations, acknowledgements,
reference entries) is never a candidate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.reading.chunking import split_sentences
from bot.reading.model import Passage
from bot.retrieval import QUESTION_FRAME, query_terms, stem, tokenize

MAX_ANSWER_WORDS = 90

# Sections whose text is never an answer (matched on the lower-cased heading).
_EXCLUDED_SECTIONS = re.compile(
    r"\b(references?|bibliography|acknowledge?ments?|author contributions?|contributions? "
    r"statement|funding|competing interests?|conflicts? of interest)\b"
)

# Sentences that are about the authors or the document, not the research.
_BOILERPLATE = re.compile(
    r"equal contribution|listing order|work (?:was )?(?:performed|done) (?:while|at|during)"
    r"|corresponding author|\be-?mail\b|@[a-z0-9-]+\.|we (?:would like to )?thank|thanks? (?:go )?to"
    r"|\bgrateful\b|acknowledg|supported (?:in part )?by|\bgrants?\b|\bfunded by\b"
    r"|conference on|\bproceedings\b|arxiv preprint|arxiv:\d|\bdoi\b|copyright|\bpp\. \d"
    r"|all rights reserved|permission to|under review|preprint|\bvol\. \d",
    re.IGNORECASE,
)
# Footnote marks, and a footnote's number glued to its text ("4To illustrate", "data.6 As",
# "GPT-3-350M 8We emphasize") where a PDF's footnote ran into the body text.
_FOOTNOTE_MARK = re.compile(
    r"[∗†‡§¶⋆]|^\d{1,2}(?=[A-Z][a-z])|[a-z]\.\d{1,2} [A-Z]|(?<= )\d{1,2}(?=[A-Z][a-z]+ )"
)
# "Jakob proposed ...", "Ashish, with Illia, designed ...": a contribution note.
_CONTRIBUTION = re.compile(
    r"^(?:[A-Z][a-z]+(?: [A-Z]\.)?(?:,? (?:and|with) [A-Z][a-z]+)*,?(?: also)?) "
    r"(?:proposed|designed|implemented|spent|was responsible|were responsible|wrote|ran|led"
    r"|conceived|contributed|tuned|experimented|supervised|performed|helped|advised"
    r"|initiated|managed|coordinated|prepared)\b"
)
_NUMBER = re.compile(r"(?<![A-Za-z\[])\d[\d,]*(?:\.\d+)?\s*(?:%|percent|[kKMB]\b|x\b)?")
_CITATION_NUMBER = re.compile(r"\[[\d,\s–-]+\]|\b(?:Table|Figure|Fig\.|Section|Eq\.)\s*\d+")
_DEFINITION = re.compile(
    r"\b(?:is|are) defined as|\bwe define\b|\brefers? to\b|\bdenotes?\b|\bconsists? of\b"
    r"|\bis composed of\b|\b(?:is|are) (?:a|an|the)\b|\bas the\b|\bmeans\b|\bi\.e\.",
    re.IGNORECASE,
)
_LIST = re.compile(r"(?:[A-Z][\w\-]*[^,;]{0,30}, ){2,}|\b[A-Z][\w\-]+ and [A-Z][\w\-]+")
_WORDISH = re.compile(r"^[A-Za-z][a-z\-]+[.,;:]?$")

_QUANTITY_QUESTION = re.compile(
    r"\bhow (?:many|much|big|large|long|small|fast|often|well)\b|\bsize of\b|\bnumber of\b"
    r"|\bwhat (?:is|was|are) the (?:size|number|percentage|accuracy|score)\b|\bby how\b",
    re.IGNORECASE,
)
_DEFINITION_QUESTION = re.compile(
    r"^\s*what (?:is|are|does)\b|\bdefin|\bdenote|\bmean\b|\bhow (?:is|are) .* (?:defined|measured|computed|calculated)",
    re.IGNORECASE,
)
_LIST_QUESTION = re.compile(r"^\s*(?:which|what)\s+\w+s\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of the paper, with where it is and what precedes it."""

    text: str
    passage: Passage
    rank: int  # the passage's retrieval rank (0 = best), or its order in the paper
    index: int  # the sentence's position among all candidates
    previous: str  # the sentence before it in the same passage ("" for the first)
    tokens: frozenset[str]


def section_of(passage: Passage) -> str:
    return passage.section.lower()


def is_excluded_section(passage: Passage) -> bool:
    return bool(_EXCLUDED_SECTIONS.search(section_of(passage)))


def is_boilerplate(sentence: str, author_names: frozenset[str] = frozenset()) -> bool:
    """Author notes, footnotes, affiliations, acknowledgements and reference entries."""
    if _BOILERPLATE.search(sentence) or _FOOTNOTE_MARK.search(sentence):
        return True
    if _CONTRIBUTION.match(sentence):
        return True
    if author_names:
        words = set(re.findall(r"[A-Z][a-z]{2,}", sentence))
        if len(words & author_names) >= 1:
            return True
    return False


def is_statement(sentence: str) -> bool:
    """A whole prose sentence: starts like one, ends like one, mostly words, not math."""
    words = sentence.split()
    if not 6 <= len(words) <= MAX_ANSWER_WORDS:
        return False
    first = sentence.lstrip("\"'“(")[:1]
    if not (first.isupper() or first.isdigit()):
        return False  # a fragment continued from a page or column break
    if not sentence.rstrip("\"')”").endswith((".", "!", "?")):
        return False
    wordish = sum(1 for w in words if _WORDISH.match(w))
    return wordish >= 0.6 * len(words)


def author_name_tokens(authors: Iterable[str]) -> frozenset[str]:
    """Capitalised name parts (3+ letters) of the paper's authors, to spot notes about them."""
    names: set[str] = set()
    for author in authors:
        for part in author.replace(".", " ").split():
            if len(part) >= 3 and part[:1].isupper() and part[1:].islower():
                names.add(part)
    return frozenset(names)


def candidates(
    passages: Sequence[Passage],
    *,
    kinds: frozenset[str] = frozenset({"body", "abstract", "caption"}),
    author_names: frozenset[str] = frozenset(),
    strict: bool = False,
) -> list[Candidate]:
    """The passages' sentences that could be an answer, in passage order.

    `strict` (key points) also asks for whole prose sentences; thread answers keep
    any unit of four words or more, since a member may ask about a table row.
    """
    out: list[Candidate] = []
    seen: set[str] = set()
    for rank, passage in enumerate(passages):
        if passage.kind not in kinds or is_excluded_section(passage):
            continue
        units = (
            [row.strip() for row in passage.text.split("\n") if row.strip()]
            if passage.kind == "table"
            else split_sentences(" ".join(passage.text.split()))
        )
        previous = ""
        for unit in units:
            keep = len(unit.split()) >= 4 and unit not in seen
            keep = keep and not is_boilerplate(unit, author_names)
            if keep and strict:
                keep = is_statement(unit)
            if keep:
                seen.add(unit)
                out.append(
                    Candidate(unit, passage, rank, len(out), previous, frozenset(tokenize(unit)))
                )
            previous = unit
    return out


def question_terms(question: str) -> dict[str, float]:
    """The question's weighted terms; framing words only count when nothing else is left."""
    terms = query_terms(question)
    frame = {stem(w) for w in QUESTION_FRAME}
    content = {t: w for t, w in terms.items() if t not in frame or w >= 1.0}
    return content or terms


def has_number(sentence: str) -> bool:
    stripped = _CITATION_NUMBER.sub(" ", sentence)
    return bool(_NUMBER.search(stripped))


def answer_kind_factor(question: str, sentence: str) -> float:
    """How well the sentence's shape fits what the question asks for."""
    factor = 1.0
    if _QUANTITY_QUESTION.search(question):
        factor *= 1.6 if has_number(sentence) else 0.6
    elif _DEFINITION_QUESTION.search(question) and _DEFINITION.search(sentence):
        factor *= 1.25
    if _LIST_QUESTION.search(question) and _LIST.search(sentence):
        factor *= 1.2
    return factor


def lexical_scores(terms: dict[str, float], pool: Sequence[Candidate]) -> list[float]:
    """IDF-weighted overlap with the question, with a bonus for covering more of it."""
    n = max(len(pool), 1)
    frequency: dict[str, int] = {}
    for candidate in pool:
        for token in candidate.tokens:
            if token in terms:
                frequency[token] = frequency.get(token, 0) + 1
    idf = {t: math.log(1.0 + n / (1 + frequency.get(t, 0))) for t in terms}
    total = sum(terms[t] * idf[t] for t in terms) or 1.0
    scores: list[float] = []
    for candidate in pool:
        mass = sum(terms[t] * idf[t] for t in terms if t in candidate.tokens)
        coverage = mass / total
        length = len(candidate.text.split())
        scores.append(mass * (0.5 + coverage) / (1.0 + max(0, length - 40) / 80))
    return scores


def verified_quote(sentence: str, passage: Passage, limit: int) -> str | None:
    """The sentence as it stands in the passage (checked verbatim), cut at a clause
    boundary to at most `limit` characters; None when it is not found."""
    from bot.llm.grounding import find_verbatim

    span = find_verbatim(sentence, passage.text)
    if span is None:
        return None
    if len(span) <= limit:
        return span
    cut = span[:limit]
    for mark in ("; ", ", ", " "):
        at = cut.rfind(mark)
        if at > limit // 2:
            return cut[:at].rstrip(",;")
    return cut


def _window_score(
    terms: dict[str, float], idf: dict[str, float], total: float, window: Sequence[Candidate]
) -> float:
    tokens = frozenset().union(*(c.tokens for c in window))
    mass = sum(terms[t] * idf[t] for t in terms if t in tokens)
    words = sum(len(c.text.split()) for c in window)
    return mass * (0.5 + mass / total) / (1.0 + max(0, words - 40) / 60)


def best_windows(
    question: str,
    pool: Sequence[Candidate],
    *,
    max_sentences: int = 3,
    window: int = 2,
    rank_decay: float = 0.2,
    relative_floor: float = 0.5,
) -> list[Candidate]:
    """Up to `max_sentences` sentences that best answer `question`, in runs of consecutive
    sentences of one passage (an answer often sits in the sentence after the one that
    repeats the question's words). Best run first, each run in the paper's order.

    A run scores the question terms it covers (IDF over `pool`, more of the question
    covered counts more, long runs pay), times the fit of its shape to the question,
    divided by 1 + `rank_decay` x its passage's retrieval rank. Runs scoring under
    `relative_floor` of the best are left out; [] when nothing shares a term.
    """
    terms = question_terms(question)
    n = max(len(pool), 1)
    frequency: dict[str, int] = {}
    for candidate in pool:
        for token in candidate.tokens:
            if token in terms:
                frequency[token] = frequency.get(token, 0) + 1
    idf = {t: math.log(1.0 + n / (1 + frequency.get(t, 0))) for t in terms}
    total = sum(terms[t] * idf[t] for t in terms) or 1.0
    by_passage: dict[int, list[Candidate]] = {}
    for candidate in pool:
        by_passage.setdefault(id(candidate.passage), []).append(candidate)
    runs: list[tuple[float, int, list[Candidate]]] = []
    for sentences in by_passage.values():
        for start in range(len(sentences)):
            for size in range(1, window + 1):
                run = sentences[start : start + size]
                if len(run) < size:
                    break
                text = " ".join(c.text for c in run)
                score = _window_score(terms, idf, total, run) * answer_kind_factor(question, text)
                runs.append((score / (1.0 + rank_decay * run[0].rank), run[0].index, run))
    runs.sort(key=lambda r: (-r[0], r[1]))
    if not runs or runs[0][0] <= 0:
        return []
    chosen: list[Candidate] = []
    for score, _, run in runs:
        if score < relative_floor * runs[0][0] or len(chosen) >= max_sentences:
            break
        if any(c in chosen for c in run) or len(chosen) + len(run) > max_sentences:
            continue
        chosen.extend(run)
    return chosen
