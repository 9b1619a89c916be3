"""Which retrieved sentences answer a member's question: the extractive thread answer.

Retrieval finds the passages; this picks, inside them, the one to three sentences a
member should read, and in what order. The features come from how papers state
answers, not from any evaluation set:

- the question's terms (bot/llm/question_reading.py), weighted by how rare they are
  among the retrieved sentences (IDF), covering more of the question counts more, and
  hyphenated compounds match their closed forms ("pre-trained" = "pretrained");
- the kind of answer asked for (same module): a number for "how many / how big", an
  enumeration for "which datasets / what features", a definition for "what is / how is
  X measured", a reason for "why", a means for "how did they", results for "how well";
- where a sentence stands: its section heading and the sentence before it are its
  context (an answer often follows the sentence that repeats the question's words), and
  a results section fits "how well" questions;
- what a sentence is not: boilerplate (author notes, footnotes, acknowledgements,
  reference entries; see `selection.candidates`), a bare pointer to a table, a
  fragment cut at a page or budget boundary, or a near-copy of a sentence already chosen.

Then a list that a sentence announces ("the following baselines:") is completed with
the sentences after it, and the answer stays short: at most `MAX_SENTENCES` sentences
and about `MAX_WORDS` words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.llm import selection
from bot.llm.question_reading import AnswerKind, answer_kinds, question_weights, terms_of
from bot.reading.model import Passage
from bot.retrieval import stem

MAX_SENTENCES = 3
MAX_WORDS = 80
RELATIVE_FLOOR = 0.45  # a further sentence must score at least this share of the best
LONG_UNIT_WORDS = 45  # a unit longer than this is re-split where the splitter was cautious
NEAR_COPY = 0.5  # term overlap (Jaccard) from which two sentences say the same thing
CONTAINED = 0.75  # share of the shorter sentence's terms in the other: it adds nothing
RANK_DECAY = 0.05  # how much a passage's retrieval rank discounts its sentences
ADJACENT_BONUS = 1.5  # a sentence next to one already shown reads on from it
CONTEXT_SHARE = 0.35  # share of the previous sentence's (and heading's) match a sentence borrows

# What a sentence offers -----------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")

_NUMBER = re.compile(
    r"(?<![\w.\[$])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(?:%|percent|[kKMB]\b|x\b))?"
    r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?"
    r"|millions?|billions?)\b",
    re.IGNORECASE,
)
# The (up to three) words after a number: what it counts.
_COUNTED = re.compile(
    r"(?<![\w.])\d[\d,.]*\s*[KMBk]?\s+((?:[A-Za-z][\w\-]*\s+){0,2}[A-Za-z][\w\-]*)"
)
_NOT_A_QUANTITY = re.compile(
    r"\[[\d,\s–-]+\]|\b(?:Table|Figure|Fig\.|Section|Sec\.|Eq\.|Equation|Appendix)\s*\d+"
    r"|\b(?:19|20)\d\d\b|\b[A-Z]+\d+\b",
)
_LIST_CUE = re.compile(
    r"\b(?:such as|including|include|includes|namely|the following|as follows|consists? of"
    r"|comprises?|i\.e\.)|:\s+\S",
    re.IGNORECASE,
)
_ITEM_MARK = re.compile(r"\((?:i{1,3}|iv|vi{0,3}|\d|[a-e])\)")
_ITEM_SPLIT = re.compile(r"[,;]| and | or ")
_DEFINITION = re.compile(
    r"\b(?:is|are) defined (?:as|by)\b|\bwe define\b|\brefers? to\b|\bdenotes?\b|\bconsists? of\b"
    r"|\b(?:is|are) composed of\b|\b(?:calculated?|computed?|measured?|estimated?|defined)\b"
    r"[^.]{0,60}\b(?:as|by|using)\b|\bis (?:a|an|the)\b|\bmeans\b|\bi\.e\.,?",
    re.IGNORECASE,
)
_DEFINING_CUE = re.compile(
    r"\b(?:(?<!such )(?<!as well )as|(?:is|are) (?:defined|computed|calculated|measured|given) (?:as|by)|refers? to"
    r"|denotes?|(?:is|are) (?:a|an|the)|consists? of|(?:is|are) composed of|means)\b",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\bbecause\b|\bsince\b|\bdue to\b|\bas a result\b|\bthus\b|\btherefore\b|\bhence\b"
    r"|\bso that\b|\bin order to\b|\b(?:allows?|enables?|leads? to|results? in)\b|\breasons?\b"
    r"|\bexplain\w*\b|\bthis is\b",
    re.IGNORECASE,
)
_MEANS = re.compile(
    r"\bwe (?:use|used|apply|applied|adopt|adopted|employ|employed|follow|followed|train|trained"
    r"|build|built|collect|collected|extract|extracted|obtain|obtained|compute|computed"
    r"|create|created|generate|generated|introduce|introduced|propose|proposed)\b|\bby \w+ing\b"
    r"|\busing\b|\bvia\b|\bthrough\b",
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"\b(?:achiev\w*|outperform\w*|improv\w*|surpass\w*|obtain\w*|reach\w*|yield\w*|score\w*"
    r"|gains?|best|highest|lowest|better|worse|accuracy|f1|bleu|state[- ]of[- ]the[- ]art)\b",
    re.IGNORECASE,
)
_OTHERS_SECTION = re.compile(r"related work|background|previous work|prior work|literature", re.I)
# A sentence whose subject is another work: "Zhang et al. BIBREF7 used …", "post2013improved
# introduced …", "[12] proposed …".
_OTHERS_SUBJECT = re.compile(
    r"^(?:[A-Z][a-z]+ (?:et al\.|and [A-Z][a-z]+)|[a-z]+[\-a-z]*\d{4}[\w\-]*|\[\d+\]|BIBREF\d+)"
)
_OWN_WORK = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)
_RESULT_SECTION = re.compile(r"result|experiment|evaluat|analys|discussion|comparison", re.I)
_POINTER = re.compile(
    r"^(?:the )?(?:results?|statistics|details|examples?|an overview)?\s*(?:are|is)?\s*"
    r"(?:shown|presented|summari[sz]ed|reported|listed|given)?\s*(?:in )?"
    r"(?:Table|Figure|Fig\.)\s*\S+\s+(?:shows?|presents?|summari[sz]es?|lists?|reports?"
    r"|gives?|illustrates?|contains?|displays?)\b",
    re.IGNORECASE,
)
# A sentence after which its list comes: "… the following baselines:", "… as follows",
# or a short count of things that the next sentences go through ("We consider two
# knowledge sources.").
_LIST_INTRO = re.compile(
    r"(?::|\bthe following\b[^.]*|\bas follows\b)\s*$|\bthe following\b[^.]*:"
    r"|^[^,;]{0,40}\b(?:two|three|four|five|six|\d) (?:[\w\-]+ ){0,2}[\w\-]+s\.$",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(r"^(?:It|This|These|They|Such|Its|Their|Those|Both|Each|Here)\b")
_LOWER_START = re.compile(r"(?<=[a-z0-9)\]][.!?]) (?=[a-z][\w\-]+ )")
_ENDS_SENTENCE = re.compile(r"[.!?][\"')\]]*$")


def list_items(sentence: str) -> int:
    """How many items the sentence enumerates: "(i) … (ii) …" marks, or short pieces
    between commas and "and" ("French (Fr), German (De), … and Chinese"); 0 for prose."""
    marks = len(_ITEM_MARK.findall(sentence))
    pieces = _ITEM_SPLIT.split(sentence)
    short = sum(1 for piece in pieces if 0 < len(piece.split()) <= 4)
    return max(marks, short if short >= 3 else 0)


def defines(sentence: str, subject: set[str]) -> bool:
    """A defining phrase ("… as", "… is defined as", "… refers to") right after one of the
    question's subject words ("we calculate recommendation diversity as …")."""
    for cue in _DEFINING_CUE.finditer(sentence):
        before = _WORD.findall(sentence[: cue.start()].lower())[-4:]
        if any(stem(word) in subject for word in before):
            return True
    return False


def has_quantity(sentence: str) -> bool:
    """A number that counts or measures something (not a year, citation or table number)."""
    return bool(_NUMBER.search(_NOT_A_QUANTITY.sub(" ", sentence)))


@dataclass(frozen=True, slots=True)
class _Unit:
    text: str
    passage: Passage
    rank: int  # the passage's retrieval rank
    order: int  # position among all units (passage order, then sentence order)
    previous: int | None  # the unit before it in the same passage
    following: int | None  # the unit after it in the same passage
    terms: frozenset[str]
    words: int


def _pieces(text: str) -> list[str]:
    """A long unit split again where the general splitter was cautious: where a sentence
    starts lower-case ("... corpora. boito2019 created ..."), and after a run of numbers
    or symbols (a table's cells that PDF extraction glued to the paragraph after it)."""
    if len(text.split()) <= LONG_UNIT_WORDS:
        return [text]
    pieces: list[str] = []
    for piece in _LOWER_START.split(text):
        pieces.extend(_after_cell_runs(piece) if len(piece.split()) > LONG_UNIT_WORDS else [piece])
    return [p for p in pieces if p.strip()]


def _after_cell_runs(text: str, run: int = 3) -> list[str]:
    """`text` cut after every run of `run` or more tokens that are not words."""
    words = text.split()
    pieces: list[list[str]] = [[]]
    streak = 0
    for word in words:
        if _PROSE_WORD.match(word):
            if streak >= run and pieces[-1]:
                pieces.append([])
            streak = 0
        else:
            streak += 1
        pieces[-1].append(word)
    return [" ".join(p) for p in pieces]


_PROSE_WORD = re.compile(r"^[\"'(“]?[A-Za-z][a-z\-]+[.,;:)\"'”]*$")
_NEUTRAL_WORD = re.compile(r"^(?:\[[\d,\s–-]+\][.,;:]?|[\d.,%]+|[=.,;:])$")


def is_prose(text: str) -> bool:
    """Mostly words (numbers and citation marks aside): not a formula or a symbol dump
    (a table row is judged as a table row, not here)."""
    words = [w for w in text.split() if not _NEUTRAL_WORD.match(w)]
    return sum(1 for w in words if _PROSE_WORD.match(w)) >= 0.5 * len(words)


def _units(passages: Sequence[Passage]) -> list[_Unit]:
    pool = selection.candidates(passages, kinds=frozenset({"body", "abstract", "caption", "table"}))
    pieces = [
        (piece, candidate.passage, candidate.rank)
        for candidate in pool
        for piece in _pieces(candidate.text)
        if len(piece.split()) >= 4 and (candidate.passage.kind == "table" or is_prose(piece))
    ]
    units: list[_Unit] = []
    for i, (text, passage, rank) in enumerate(pieces):
        previous = i - 1 if i > 0 and pieces[i - 1][1] is passage else None
        following = i + 1 if i + 1 < len(pieces) and pieces[i + 1][1] is passage else None
        units.append(
            _Unit(text, passage, rank, i, previous, following, terms_of(text), len(text.split()))
        )
    return units


def _kind_factor(kinds: frozenset[AnswerKind], unit: _Unit, question_terms: set[str]) -> float:
    text = unit.text
    factor = 1.0
    if AnswerKind.QUANTITY in kinds:
        if has_quantity(text):
            factor *= 1.8
            # the number counts what the question counts ("48,705 tags", "2.2T tokens"),
            # or at least counts things ("17,833 sentences")
            counted = [m.split() for m in _COUNTED.findall(text)]
            if any(stem(w.lower()) in question_terms for words in counted for w in words):
                factor *= 1.2
            elif any(words and words[-1].lower().endswith("s") for words in counted):
                factor *= 1.1
        else:
            factor *= 0.5
    if AnswerKind.RESULT in kinds:
        if _RESULT.search(text):
            factor *= 1.2
        if has_quantity(text):
            factor *= 1.15
        if _RESULT_SECTION.search(unit.passage.section):
            factor *= 1.1
    if AnswerKind.LIST in kinds:
        factor *= 1.0 + 0.12 * min(list_items(text), 6) + (0.1 if _LIST_CUE.search(text) else 0)
        if _LIST_INTRO.search(text):
            factor *= 1.3  # "… the following baselines:": the list comes next
    if AnswerKind.DEFINITION in kinds:
        if defines(text, question_terms):
            factor *= 1.6
        elif _DEFINITION.search(text):
            factor *= 1.15
    if AnswerKind.REASON in kinds and _REASON.search(text):
        factor *= 1.3
    if AnswerKind.MEANS in kinds and _MEANS.search(text):
        factor *= 1.15
    return factor


def _shape_factor(unit: _Unit) -> float:
    """Sentences about this paper's own work that read as an answer on their own beat
    sentences about other papers, pointers to tables and fragments."""
    factor = 1.0
    if _OTHERS_SECTION.search(unit.passage.section) or _OTHERS_SUBJECT.match(unit.text):
        factor *= 0.75  # about another paper's work; members ask about this one
    elif _OWN_WORK.search(unit.text):
        factor *= 1.1
    if _POINTER.search(unit.text):
        factor *= 0.55
    if unit.passage.kind != "table" and not _ENDS_SENTENCE.search(unit.text):
        factor *= 0.75  # cut at a page, column or budget boundary
    return factor


def _near_copy(a: _Unit, b: _Unit) -> bool:
    if not a.terms or not b.terms:
        return a.text == b.text
    shared = len(a.terms & b.terms)
    return (
        shared / len(a.terms | b.terms) >= NEAR_COPY
        or shared / min(len(a.terms), len(b.terms)) >= CONTAINED
    )


def _scores(question: str, units: Sequence[_Unit]) -> list[float]:
    weights = question_weights(question)
    if not weights:
        return [0.0] * len(units)
    kinds = answer_kinds(question)
    n = max(len(units), 1)
    df = {t: sum(1 for u in units if t in u.terms) for t in weights}
    idf = {t: math.log(1.0 + n / (1 + df[t])) for t in weights}
    total = sum(weights[t] * idf[t] for t in weights) or 1.0

    def mass(terms: frozenset[str] | set[str]) -> float:
        return sum(weights[t] * idf[t] for t in weights if t in terms)

    own = [mass(u.terms) for u in units]
    heading = {id(u.passage): mass(terms_of(u.passage.section)) for u in units}
    question_terms = {t for t, w in weights.items() if w >= 1.0}
    scores: list[float] = []
    for unit, match in zip(units, own, strict=True):
        before = own[unit.previous] if unit.previous is not None else 0.0
        context = CONTEXT_SHARE * max(before, heading[id(unit.passage)])
        kind = _kind_factor(kinds, unit, question_terms)
        if match <= 0 and (context <= 0 or kind <= 1.0):
            scores.append(0.0)  # shares nothing with the question, nor fits its shape
            continue
        previous_terms = units[unit.previous].terms if unit.previous is not None else frozenset()
        covered = mass(unit.terms | previous_terms)
        coverage = min(1.0, (match + 0.5 * (covered - match)) / total)
        length = 1.0 + max(0, unit.words - 35) / 50
        score = (match + context) * (0.5 + coverage) / length
        score *= kind * _shape_factor(unit)
        scores.append(score / (1.0 + RANK_DECAY * unit.rank))
    return scores


_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|none|without|cannot|unable|fail\w*|lacks?|lacking)\b|n't\b",
    re.IGNORECASE,
)
_OWN_NEGATION = re.compile(
    r"\b(?:we|our \w+|they|it|this \w+)\s+(?:do|does|did|is|are|was|were|can|could|have|has)"
    r"\s*(?:not|n't)\b(?! only)",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:unlike|instead|rather than|whether|if|might|may|could|would|future|plan|hope)\b|\?",
    re.IGNORECASE,
)
MIN_POLAR_TERMS = 2


def polar_verdict(question: str, sentence: str) -> bool | None:
    """For a yes/no question, True or False only when `sentence` plainly settles it:
    it carries every content word of the question (at least two), says it of the paper's
    own work, without hedging, and either with no negation at all (yes) or with one
    plain "we/they/it do not …" (no). None, the usual case, when it does not."""
    if AnswerKind.POLAR not in answer_kinds(question):
        return None
    primary = {t for t, w in question_weights(question).items() if w >= 1.0}
    if len(primary) < MIN_POLAR_TERMS or not primary <= terms_of(sentence):
        return None
    if _HEDGE.search(sentence) or _OTHERS_SUBJECT.match(sentence):
        return None
    negations = _NEGATION.findall(sentence)
    if not negations:
        return True
    if len(negations) == 1 and _OWN_NEGATION.search(sentence):
        return False
    return None


def _completion(best: _Unit, units: Sequence[_Unit], kinds: frozenset[AnswerKind]) -> list[_Unit]:
    """The sentences a chosen one needs: the one before when it starts by pointing back
    ("It contains ..."); the one after when that one goes on about the same thing
    ("It includes ...") in the shape asked for (a number, a list); the ones after when it
    announces a list ("... baselines:")."""
    extra: list[_Unit] = []
    if _ANAPHOR.match(best.text) and best.previous is not None:
        extra.append(units[best.previous])
    if best.following is not None:
        after = units[best.following]
        shaped = (AnswerKind.LIST in kinds and list_items(after.text) >= 3) or (
            AnswerKind.QUANTITY in kinds and has_quantity(after.text)
        )
        if _ANAPHOR.match(after.text) and shaped:
            extra.append(after)
    if _LIST_INTRO.search(best.text):
        nxt = best.following
        while nxt is not None and len(extra) < MAX_SENTENCES - 1:
            extra.append(units[nxt])
            nxt = units[nxt].following
    return extra


def answer_sentences(
    question: str,
    passages: Sequence[Passage],
    *,
    max_sentences: int = MAX_SENTENCES,
    max_words: int = MAX_WORDS,
) -> list[tuple[str, Passage]]:
    """The sentences that best answer `question`, as (verbatim text, its passage).

    The best sentence first, with the sentence before or after it when it needs them;
    then, one at a time, the best of the rest that scores at least `RELATIVE_FLOOR` of
    the first and is no near-copy of one shown, a sentence next to one already shown
    counting `ADJACENT_BONUS` times (an answer that reads on beats one that jumps about).
    Neighbours are shown in the paper's order. At most `max_sentences` sentences and
    `max_words` words (a single longer sentence is never shown); [] when no sentence
    shares a content term with the question or fits the shape it asks for."""
    units = [u for u in _units(passages) if u.words <= max_words]
    if not units:
        return []
    scores = _scores(question, units)
    top = max(scores)
    if top <= 0:
        return []
    kinds = answer_kinds(question)
    groups: list[list[_Unit]] = []
    chosen: set[int] = set()

    def fits(group: Sequence[_Unit]) -> bool:
        words = sum(u.words for g in groups for u in g) + sum(u.words for u in group)
        return len(chosen) + len(group) <= max_sentences and words <= max_words

    while len(chosen) < max_sentences:
        pick: tuple[float, list[_Unit]] | None = None
        for unit, score in zip(units, scores, strict=True):
            if unit.order in chosen or score <= 0:
                continue
            if unit.previous in chosen or unit.following in chosen:
                score *= ADJACENT_BONUS
            if score < RELATIVE_FLOOR * top or (pick is not None and score <= pick[0]):
                continue
            if any(_near_copy(unit, units[c]) for c in chosen):
                continue
            group = [unit]
            for extra in _completion(unit, units, kinds):
                if extra.order not in chosen and fits([*group, extra]):
                    group.append(extra)
            if fits(group):
                pick = (score, group)
        if pick is None:
            break
        _place(pick[1], groups)
        chosen.update(u.order for u in pick[1])
    return [(u.text, u.passage) for group in groups for u in group]


def _place(group: list[_Unit], groups: list[list[_Unit]]) -> None:
    """Adds `group` to the answer: joined to a group it continues, in the paper's order."""
    orders = {u.order for u in group}
    for existing in groups:
        if any(u.previous in orders or u.following in orders for u in existing):
            existing.extend(group)
            existing.sort(key=lambda u: u.order)
            return
    groups.append(sorted(group, key=lambda u: u.order))
