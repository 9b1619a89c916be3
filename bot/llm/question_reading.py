"""What a member's question asks for: its terms, and the kind of answer it wants.

Read from the question's wording alone, for the extractive thread answer
(bot/llm/answer_selection.py): the terms to look for (framing words low, hyphenated
compounds closed, a few general equivalents of scientific writing) and the shapes of
answer asked for (a number, a list, a definition, a reason, a means, a result, yes/no).
"""

from __future__ import annotations

import re
from enum import Enum

from bot.llm import selection
from bot.retrieval import stem, tokenize

_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)

# Latin and Greek plurals the light stemmer leaves apart from their singulars.
_IRREGULAR = {
    "corpora": "corpus",
    "criteria": "criterion",
    "phenomena": "phenomenon",
    "analyse": "analysis",
    "indice": "index",
    "matrice": "matrix",
    "hypothese": "hypothesis",
}
# Words scientific writing uses interchangeably for what a question asks about (general
# equivalences, at a low weight, on top of retrieval's EXPANSIONS).
_EQUIVALENT: dict[str, tuple[str, ...]] = {
    "algorithm": ("approach", "method", "technique", "model"),
    "technique": ("approach", "method", "strategy"),
    "approach": ("method", "technique", "strategy"),
    "measure": ("calculate", "compute", "metric", "estimate", "evaluate"),
    "measured": ("calculate", "compute", "metric", "estimate", "evaluate"),
    "calculate": ("compute", "measure"),
    "compute": ("calculate", "measure"),
    "collect": ("gather", "crawl", "construct", "build", "annotate", "record"),
    "collected": ("gather", "crawl", "construct", "build", "annotate", "record"),
    "obtain": ("collect", "gather", "construct", "build", "extract"),
    "obtained": ("collect", "gather", "construct", "build", "extract"),
    "source": ("corpus", "data", "collect"),
    "explored": ("study", "investigate", "experiment", "consider"),
    "explore": ("study", "investigate", "experiment", "consider"),
    "improve": ("gain", "outperform", "increase", "better"),
    "big": ("contain", "consist", "total"),
    "large": ("contain", "consist", "total"),
    "size": ("contain", "consist", "total"),
}
EQUIVALENT_WEIGHT = 0.35
# Words that frame what kind of thing is asked ("which languages are part of", "what kind
# of"), counted like retrieval's question framing words.
_FRAME = frozenset("part kind kinds type types sort sorts set list exist exists".split())
FRAME_WEIGHT = 0.3


class AnswerKind(Enum):
    QUANTITY = "quantity"
    LIST = "list"
    DEFINITION = "definition"
    REASON = "reason"
    MEANS = "means"
    RESULT = "result"
    POLAR = "polar"


# What the question asks for -------------------------------------------------------------

_QUANTITY_Q = re.compile(
    r"\bhow (?:many|much|big|large|long|small|often|fast)\b|\b(?:size|number|amount|percentage"
    r"|proportion|ratio|count) of\b|\bwhat (?:is|was|are|were) the (?:size|number|percentage)\b"
    r"|\bby how\b",
    re.IGNORECASE,
)
_RESULT_Q = re.compile(
    r"\bhow (?:well|good|effective|accurate)\b|\b(?:accuracy|performance|score|f1|bleu|rouge"
    r"|precision|recall|error rate|improvement|results?)\b|\b(?:best|highest|lowest|worst"
    r"|outperform\w*|better|state[- ]of[- ]the[- ]art)\b",
    re.IGNORECASE,
)
_DEFINITION_Q = re.compile(
    r"^\s*what (?:is|are) (?:a |an |the )?[\w\- ]{1,40}\??\s*$|\bdefin\w*|\bdenote|\bmeaning"
    r"|\bwhat does .* mean\b|\bhow (?:is|are|was|were) .* (?:measured|computed|calculated"
    r"|estimated|scored|evaluated|represented|formulated|modell?ed)\b",
    re.IGNORECASE,
)
_DEFINED_Q = re.compile(r"\bdefin\w*|\bdenote|\bmean(?:s|ing)?\b", re.IGNORECASE)
_REASON_Q = re.compile(r"^\s*why\b|\bwhat (?:is|are) the reasons?\b|\bexplanation\b", re.I)
_MEANS_Q = re.compile(
    r"^\s*how (?:do|does|did|is|are|was|were|can|could)\b(?! .* (?:measured|computed|defined))",
    re.IGNORECASE,
)
_POLAR_Q = re.compile(
    r"^\s*(?:do|does|did|is|are|was|were|can|could|has|have|had|will|would|should)\b", re.I
)
# "which datasets", "what features", "what are the baselines", "what languages ...":
# a plural noun right after the wh-word (or after "are the"), the shape of a list.
_LIST_Q = re.compile(
    r"^\s*(?:which|what)\s+(?:(?:are|were) (?:the )?)?(?:\w+[\- ]){0,2}?"
    r"(?!(?:was|does|has|is|this|its|his|thus|plus|less|us)\b)\w+(?<!s)s\b"
    r"|\b(?:list|name|enumerate)\b|\bwhat (?:kinds?|types?|sorts?) of\b",
    re.IGNORECASE,
)


def answer_kinds(question: str) -> frozenset[AnswerKind]:
    """What shapes of answer the question asks for (possibly several, possibly none)."""
    kinds: set[AnswerKind] = set()
    if _QUANTITY_Q.search(question):
        kinds.add(AnswerKind.QUANTITY)
    if _RESULT_Q.search(question):
        kinds.add(AnswerKind.RESULT)
    # "What is the accuracy?" asks for a value, "what does accuracy mean?" for a definition.
    valued = AnswerKind.RESULT in kinds or AnswerKind.QUANTITY in kinds
    if _DEFINITION_Q.search(question) and (not valued or _DEFINED_Q.search(question)):
        kinds.add(AnswerKind.DEFINITION)
    if _REASON_Q.search(question):
        kinds.add(AnswerKind.REASON)
    if _POLAR_Q.search(question):
        kinds.add(AnswerKind.POLAR)
    elif _MEANS_Q.search(question) and AnswerKind.QUANTITY not in kinds:
        kinds.add(AnswerKind.MEANS)
    if _LIST_Q.search(question) and AnswerKind.QUANTITY not in kinds:
        kinds.add(AnswerKind.LIST)
    return frozenset(kinds)


def terms_of(text: str) -> frozenset[str]:
    """Stemmed content terms, a hyphenated compound also closed ("pre-trained" adds
    "pretrained"), so a question spelling it either way matches."""
    tokens = {_IRREGULAR.get(token, token) for token in tokenize(text)}
    for compound in _TOKEN.findall(text.lower()):
        if "-" in compound:
            tokens.add(stem(compound.replace("-", "")))
    return frozenset(tokens)


_ANSWER_TYPE_WORDS = re.compile(
    r"\bhow (many|much|big|large|long|small|often|fast|well|good)\b", re.IGNORECASE
)


def question_weights(question: str) -> dict[str, float]:
    """The question's weighted terms (framing words low), its compounds closed only; the
    words that say what kind of answer is asked ("how many") are not its topic."""
    topic = _ANSWER_TYPE_WORDS.sub(" ", question)
    weights = {_IRREGULAR.get(t, t): w for t, w in selection.question_terms(topic).items()}
    for compound in _TOKEN.findall(topic.lower()):
        if "-" in compound:
            for part in compound.split("-"):
                weights.pop(stem(part), None)
            weights[stem(compound.replace("-", ""))] = 1.0
        if compound in _FRAME and stem(compound) in weights:
            weights[stem(compound)] = min(weights[stem(compound)], FRAME_WEIGHT)
    for word in _TOKEN.findall(question.lower()):
        for equivalent in _EQUIVALENT.get(word, ()):
            weights.setdefault(stem(equivalent), EQUIVALENT_WEIGHT)
    return weights
