"""The paper's sentences that may answer a question, and the checks they pass.

Shared by the extractive engine's key points (bot/llm/key_points.py) and its thread
answers (bot/llm/answer_selection.py), which score them each their own way. Pure
functions over `Passage`s; no model, no network. Boilerplate (author-contribution notes,
footnotes, affiliations, acknowledgements, reference entries) is never a candidate.
"""

from __future__ import annotations

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
_WORDISH = re.compile(r"^[A-Za-z][a-z\-]+[.,;:]?$")


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
