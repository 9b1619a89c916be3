"""The extractive engine's key points: a bank of questions, each answered by the paper's
own best sentence, shown only when that sentence clears a relevance threshold.

Every sentence of the full text is a candidate (not a prefix of it), minus what is never
an answer (author notes, footnotes, acknowledgements, references; see `selection`). A
sentence's score for a question is the weight of the question's cue phrases it carries,
plus a little for speaking about this paper's own work ("we", "our", the paper's name),
times the prior of its section for that question (a problem is stated in the abstract
or the introduction, results in the experiments). A question whose best sentence scores
under `THRESHOLD` is left out: fewer honest pairs beat ten mismatched ones. Each answer
carries a citation whose quote is checked verbatim against the passage it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import QAPair
from bot.llm import selection
from bot.llm.grounding import MAX_QUOTE_CHARS, cite
from bot.reading.model import Passage
from bot.retrieval import stem, tokenize
from bot.text import t

THRESHOLD = 1.0
FLOOR = 0.3  # the bar when nothing cleared THRESHOLD (an abstract-only paper)
FLOOR_QUESTIONS = 2  # problem and proposal: what any abstract states
MAX_ANSWER_WORDS = 60
MAX_KEY_POINTS = 10
SIMILAR = 0.6  # content-word overlap above which two answers say the same thing

# Section kinds, by heading words (the first that matches wins).
_SECTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("appendix", re.compile(r"^(?:appendix|[a-h](?:\.\d+)+\b|[a-h] [a-z])")),
    ("abstract", re.compile(r"\babstract\b")),
    ("introduction", re.compile(r"\b(?:introduction|overview|motivation)\b")),
    ("related", re.compile(r"\b(?:related work|background|prior work|literature)\b")),
    ("conclusion", re.compile(r"\b(?:conclusions?|concluding|summary)\b")),
    ("discussion", re.compile(r"\b(?:discussion|limitations?|future work|broader impact)\b")),
    (
        "results",
        re.compile(
            r"\b(?:results?|experiments?|evaluation|analysis|ablations?|performance|comparison"
            r"|variations|benchmarks?)\b"
        ),
    ),
    ("data", re.compile(r"\b(?:data|datasets?|corpus|corpora|setup|collection)\b")),
    (
        "method",
        re.compile(
            r"\b(?:method|methods|approach|model|architecture|framework|design|algorithm"
            r"|training|pretraining|tokeni[sz]ation|attention|encoder|decoder|alignment)\b"
        ),
    ),
)

_SELF = re.compile(r"\b(?:we|our|this (?:paper|work|study|report))\b", re.IGNORECASE)
_NOT_AVAILABLE = re.compile(r"\bnot (?:\w+ )?(?:available|released|open)", re.IGNORECASE)
# Title words that name a field, not this paper (a sentence with "language model" is not
# about "BloombergGPT: A Large Language Model for Finance" for saying so).
_GENERIC_TITLE_WORDS = frozenset(
    stem(w)
    for w in """large language model models learning learn neural network networks deep via
    towards toward efficient training data analysis approach method methods llm llms report
    technical need all new simple study using based generative pretrained pre trained""".split()
)
_LIMITATION = re.compile(r"\b(?:limitations?|shortcomings?|caveats?)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class KeyQuestion:
    key: str  # the catalog key of the question's text
    cues: tuple[tuple[re.Pattern[str], float], ...]
    priors: dict[str, float]  # section kind -> weight; others get `other`
    other: float = 0.3
    number: bool = False  # the answer must carry a figure ("how much")
    self_reference: bool = True  # the answer should speak of this paper's work


def _cues(*pairs: tuple[str, float]) -> tuple[tuple[re.Pattern[str], float], ...]:
    return tuple((re.compile(pattern, re.IGNORECASE), weight) for pattern, weight in pairs)


BANK: tuple[KeyQuestion, ...] = (
    KeyQuestion(
        "kp_problem",
        _cues(
            (r"\b(?:problems?|challenges?|challenging|bottlenecks?|drawbacks?|obstacles?)\b", 0.6),
            (
                r"\b(?:precludes?|prevents?|hinders?|limits?|suffers?|struggles?|fails? to"
                r"|remains? (?:an )?(?:open|unclear|difficult)|is (?:costly|expensive|difficult"
                r"|hard|slow))\b",
                0.8,
            ),
            (r"\b(?:however|yet|unfortunately|despite)\b", 0.3),
            (r"\b(?:lack|little is known|no (?:\w+ )?(?:has|have) been)\b", 0.6),
            (r"\b(?:critical|crucial|sequential nature|inherently)\b", 0.3),
        ),
        {"abstract": 1.0, "introduction": 1.1, "related": 0.5},
        other=0.2,
        self_reference=False,
    ),
    KeyQuestion(
        "kp_proposal",
        _cues(
            (
                r"\b(?:we|this (?:paper|work|report))(?: \w+ly| then| also| first)? (?:propose|introduce|present|develop"
                r"|describe|study|investigate|expose|provide)s?\b",
                1.2,
            ),
            (r"\b(?:in this (?:paper|work)|here),? we\b", 0.6),
            (r"\bare studied\b", 0.8),
        ),
        {"abstract": 1.0, "introduction": 0.9, "conclusion": 0.7},
    ),
    KeyQuestion(
        "kp_method",
        _cues(
            (r"\b(?:consists? of|is composed of|composed of|comprises?|is based on)\b", 0.8),
            (r"\b(?:architecture|mechanism|layers?|module|objective|loss|pipeline)\b", 0.4),
            (r"\b(?:we (?:use|apply|employ|train|compute|first|then|finetune|fine-tune))\b", 0.6),
            (r"\b(?:by (?:using|computing|training|replacing|adding))\b", 0.5),
        ),
        {"method": 1.1, "abstract": 0.6, "introduction": 0.6},
        self_reference=False,
    ),
    KeyQuestion(
        "kp_data",
        _cues(
            (r"\b(?:datasets?|corpus|corpora|benchmarks?|sentence pairs|tokens)\b", 0.6),
            (
                r"\b(?:we (?:train|trained|evaluate|evaluated|test|tested|collect|collected"
                r"|construct|constructed|build|built)(?: \w+){0,3} on)\b",
                0.7,
            ),
            (r"\b(?:consisting of|consists of|contains?|collected|sourced)\b", 0.4),
        ),
        {"data": 1.1, "results": 0.8, "method": 0.7, "abstract": 0.6},
        self_reference=False,
    ),
    KeyQuestion(
        "kp_results",
        _cues(
            (r"\b(?:outperform\w*|surpass\w*|beats?|state[- ]of[- ]the[- ]art|sota)\b", 0.8),
            (r"\b(?:achieves?|achieved|improves?|improved|improving|reduc\w+|gains?)\b", 0.5),
            (r"\b(?:accuracy|bleu|f1|score|perplexity|pass@\d|win rate)\b", 0.4),
            (r"\d(?:\.\d+)?\s?%", 0.3),
        ),
        {"results": 1.1, "abstract": 1.0, "conclusion": 0.9, "introduction": 0.7},
        number=True,
    ),
    KeyQuestion(
        "kp_finding",
        _cues(
            (
                r"\b(?:we (?:find|found|show|showed|demonstrate|observe|observed|reveal)"
                r"|results? (?:show|indicate|suggest|reveal)s?)\b",
                1.0,
            ),
            (r"\b(?:surprising\w*|notably|remarkabl\w+|evidence)\b", 0.4),
        ),
        {"abstract": 1.0, "results": 1.0, "conclusion": 1.0, "introduction": 0.8},
    ),
    KeyQuestion(
        "kp_novelty",
        _cues(
            (r"\b(?:unlike|in contrast (?:to|with)|as opposed to|rather than)\b", 0.8),
            (r"\b(?:the first|to the best of our knowledge|novel)\b", 0.7),
            (r"\bnew\b", 0.3),
            (
                r"\b(?:compared (?:to|with)|than (?:previous|prior|existing)|previous(?:ly)?"
                r"|prior (?:work|approaches|methods|models)|existing (?:\w+ )?(?:methods|models"
                r"|approaches))\b",
                0.5,
            ),
            (r"\b(?:replacing|dispensing|without|eschewing|instead)\b", 0.4),
        ),
        {"introduction": 1.0, "related": 1.0, "abstract": 0.9, "conclusion": 0.9},
    ),
    KeyQuestion(
        "kp_limitations",
        _cues(
            (r"\b(?:limitations?|limited to|shortcomings?|caveats?|drawbacks?)\b", 1.0),
            (r"\b(?:future work|we leave|left for future|plan to|remains? to be)\b", 0.8),
            (r"\b(?:do(?:es)? not|cannot|can not|fails? to|only|unable)\b", 0.3),
        ),
        {"discussion": 1.2, "conclusion": 1.0, "results": 0.6},
        self_reference=False,
    ),
    KeyQuestion(
        "kp_impact",
        _cues(
            (r"\b(?:implications?|enables?|enabling|opens? (?:up|the door)|paves? the way)\b", 0.8),
            (r"\b(?:important|practical|useful|broad(?:ly)?|significan\w+|valuable)\b", 0.4),
            (r"\b(?:faster|cheaper|less (?:time|compute|memory)|more efficient)\b", 0.5),
            (r"\b(?:excited|promising|beneficial|impact)\b", 0.4),
        ),
        {"conclusion": 1.1, "discussion": 1.0, "abstract": 0.9, "introduction": 0.7},
    ),
    KeyQuestion(
        "kp_availability",
        _cues(
            (r"\b(?:github|huggingface|hugging face|https?://)", 0.8),
            (
                r"\b(?:code|data|models?|weights|datasets?|checkpoints?|benchmark)\b[^.]{0,40}"
                r"\b(?:publicly|freely|openly) (?:available|released|accessible)\b",
                1.0,
            ),
            (r"\bavailable (?:at|from|on|via|online)\b", 0.6),
            (r"\b(?:open[- ]sourc\w*|we (?:will )?(?:release|open))\b", 0.6),
        ),
        {},
        other=1.0,
        self_reference=False,
    ),
)


def section_kind(passage: Passage) -> str:
    if passage.kind == "abstract":
        return "abstract"
    heading = passage.section.lower().strip()
    for kind, pattern in _SECTION_KINDS:
        if pattern.search(heading):
            return kind
    return "other"


def _cue_weight(question: KeyQuestion, sentence: str) -> float:
    if not _any_cue(question).search(sentence):  # most sentences: one search, not one a cue
        return 0.0
    return min(2.0, sum(w for pattern, w in question.cues if pattern.search(sentence)))


_ANY_CUE: dict[str, re.Pattern[str]] = {}


def _any_cue(question: KeyQuestion) -> re.Pattern[str]:
    """One pattern matching wherever one of the question's cues does. Scoring a long
    paper's ~1,000 sentences against ten questions' cues one by one was most of the
    extractive key points' time (bench/digest.py --full-text)."""
    found = _ANY_CUE.get(question.key)
    if found is None:
        either = "|".join(f"(?:{pattern.pattern})" for pattern, _weight in question.cues)
        found = _ANY_CUE.setdefault(question.key, re.compile(either, re.IGNORECASE))
    return found


def score(question: KeyQuestion, candidate: selection.Candidate, names: frozenset[str]) -> float:
    """How well `candidate` answers `question` (0 when it cannot)."""
    text = candidate.text
    cues = _cue_weight(question, text)
    if cues == 0:
        return 0.0
    if question.number and not selection.has_number(text):
        return 0.0
    if question.key != "kp_availability" and re.search(r"https?://|www\.", text):
        return 0.0
    if len(text.split()) > MAX_ANSWER_WORDS:
        return 0.0
    if question.key == "kp_availability" and _NOT_AVAILABLE.search(text):
        return 0.0
    if question.key != "kp_limitations" and _LIMITATION.search(text):
        return 0.0  # a limitation is not the problem, the novelty or the impact
    own = bool(_SELF.search(text)) or bool(candidate.tokens & names)
    kind = section_kind(candidate.passage)
    if question.self_reference:
        if kind == "related" and not own:
            return 0.0  # others' work, described
        cues += 0.4 if own else (0.0 if kind == "abstract" else -0.3)
    prior = question.priors.get(kind, question.other)
    if kind == "appendix":
        prior = min(prior, 0.4)
    return cues * prior


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= SIMILAR


def _repeats(candidate: selection.Candidate, shown: Sequence[frozenset[str]]) -> bool:
    return any(_similar(candidate.tokens, other) for other in shown)


def _with_context(candidate: selection.Candidate) -> str:
    """A sentence that leans on the one before it ("This ...") brings it along."""
    leans = re.match(r"(?:This|These|Such|That|Those|It|They)\b", candidate.text)
    previous = candidate.previous
    if leans and previous and selection.is_statement(previous):
        joined = f"{previous} {candidate.text}"
        if len(joined.split()) <= selection.MAX_ANSWER_WORDS and len(joined) <= MAX_QUOTE_CHARS:
            return joined
    return candidate.text


def key_points(
    passages: Sequence[Passage],
    language: str,
    *,
    authors: Sequence[str] = (),
    title: str = "",
    avoid: Sequence[str] = (),
    limit: int = MAX_KEY_POINTS,
) -> list[QAPair]:
    """Up to `limit` (question, answer, citation) triples, in the bank's order.

    `avoid` are sentences already shown (the TL;DR): a key point says something else
    when the paper has something else to say.
    """
    names = selection.author_name_tokens(authors)
    pool = selection.candidates(
        passages, kinds=frozenset({"body", "abstract"}), author_names=names, strict=True
    )
    title_terms = frozenset(tokenize(title)) - _GENERIC_TITLE_WORDS
    avoided = [frozenset(tokenize(s)) for s in avoid]
    threshold = THRESHOLD
    pairs = _answered(pool, title_terms, avoided, language, threshold, limit)
    if not pairs and pool:
        # Nothing cleared the bar (an abstract alone is short): the bank's first
        # questions, which any abstract answers, at a lower bar, so a card is never bare.
        pairs = _answered(pool, title_terms, avoided, language, FLOOR, FLOOR_QUESTIONS)
    return pairs


def _answered(
    pool: Sequence[selection.Candidate],
    title_terms: frozenset[str],
    avoided: Sequence[frozenset[str]],
    language: str,
    threshold: float,
    limit: int,
) -> list[QAPair]:
    shown: list[frozenset[str]] = []
    pairs: list[QAPair] = []
    for question in BANK:
        ranked = sorted(
            (
                (
                    score(question, c, title_terms) * (0.85 if _repeats(c, avoided) else 1.0),
                    -c.index,
                    c,
                )
                for c in pool
            ),
            key=lambda r: (r[0], r[1]),
            reverse=True,
        )
        for value, _, candidate in ranked:
            if value < threshold:
                break
            if any(_similar(candidate.tokens, other) for other in shown):
                continue
            answer = _with_context(candidate)
            quote = selection.verified_quote(answer, candidate.passage, MAX_QUOTE_CHARS)
            if quote is None:  # not in the text as we read it: never shown
                continue
            citation = cite(candidate.passage, quote)
            pairs.append(QAPair(t(question.key, language), answer, (citation,)))
            shown.append(candidate.tokens)
            break
        if len(pairs) >= limit:
            break
    return pairs
