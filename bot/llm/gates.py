"""Quality gates: is a model's summary worth posting as the model's?

A small local model answers the schema and still says nothing: a TL;DR "the reversal",
one key point "The Reversal Curse" / "The Reversal Curse", a Korean summary written in
English, the English title repeated as its own "translation". `check_summary` takes the
clipped summary fields (bot/llm/bounds.py) and either returns them cleaned (key points
that repeat their question, the title or each other dropped; `title_translated` emptied
for English or when it only repeats the title) or raises `Unusable` with the cause.

The language check is a script share: Japanese needs kana or kanji, Korean Hangul, for
at least `MIN_SCRIPT_SHARE` of the letters (English ML terms are expected inside them);
Japanese must also have some kana (Chinese is not Japanese). English needs Latin letters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.errors import LLMUnavailable
from bot.text import LANGUAGE_NAMES, t

MIN_SCRIPT_SHARE = 0.3
MIN_KEY_POINTS = 2
MIN_TLDR_SENTENCES = 2
LONG_SENTENCE_WORDS = 20  # a one-sentence TL;DR this long has substance too
MIN_ANSWER_WORDS = 4
MIN_CJK_ANSWER_CHARS = 10

CAUSES = ("not_in_language", "tldr_too_short", "key_points_repeat", "no_tags", "repeating")

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]+")
_WORDS = re.compile(r"\w+")


class Unusable(ValueError):
    """A summary that parsed but fails a gate; `cause` is one of `CAUSES`."""

    def __init__(self, cause: str, detail: str = "") -> None:
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause
        self.detail = detail


class SummaryUnusable(LLMUnavailable):
    """The model answered, twice, with a summary that failed a gate (`cause`)."""

    def __init__(self, cause: str, language: str, detail: str = "") -> None:
        english = {
            "not_in_language": f"not in {LANGUAGE_NAMES.get(language, language)}",
            "tldr_too_short": "its TL;DR said too little",
            "key_points_repeat": "its key points were missing or repeated each other",
            "no_tags": "it had no tags",
            "repeating": "the model kept repeating itself",
        }.get(cause, cause)
        super().__init__(f"the model's summary was unusable: {english}")
        self.cause = cause
        self.language = language
        self.detail = detail


def unusable_note(error: SummaryUnusable, language: str) -> str:
    """The post's note, in the channel's language: the model's summary was unusable, why."""
    named = (
        t(f"language_name_{error.language}", language)
        if error.language in ("en", "ja", "ko")
        else error.language
    )
    key = f"cause_{error.cause}" if error.cause in CAUSES else "cause_key_points_repeat"
    return t("summary_unusable_note", language, cause=t(key, language, language=named))


def script_share(text: str, language: str) -> float:
    """The share of the letters in `text` that are in `language`'s own script."""
    latin = len(_LATIN.findall(text))
    kana, cjk, hangul = (len(p.findall(text)) for p in (_KANA, _CJK, _HANGUL))
    letters = latin + kana + cjk + hangul
    if not letters:
        return 0.0
    own = {"ja": kana + cjk, "ko": hangul, "en": latin}.get(language, latin)
    return own / letters


def in_language(text: str, language: str) -> bool:
    share = script_share(text, language)
    if language == "en":
        return share >= 0.7
    if share < MIN_SCRIPT_SHARE:
        return False
    if language == "ja":
        return len(_KANA.findall(text)) >= 0.05 * len(_CJK.findall(text)) + 1
    return True


def check_summary(data: dict[str, Any], language: str, title: str) -> dict[str, Any]:
    """`data` (the output of `clip_summary_fields`) cleaned, or `Unusable`."""
    tldr: str = data["tldr"]
    if not _has_substance(tldr):
        raise Unusable("tldr_too_short", repr(tldr[:80]))
    kept: list[tuple[str, ...]] = []  # (question, answer[, quote]) as clipped
    seen: set[str] = set()
    title_key = _key(title)
    for point in data["key_points"]:
        question, answer = point[0], point[1]
        q, a = _key(question), _key(answer)
        if not a or a == q or a == title_key or a in seen or q in seen:
            continue
        if not _answer_has_substance(answer):
            continue
        seen.update((q, a))
        kept.append(tuple(point))
    if len(kept) < MIN_KEY_POINTS:
        raise Unusable("key_points_repeat", f"{len(kept)} distinct of {len(data['key_points'])}")
    if not data["tags"]:
        raise Unusable("no_tags")
    written = " ".join([tldr, *(f"{p[0]} {p[1]}" for p in kept)])
    if not in_language(written, language):
        share = script_share(written, language)
        raise Unusable("not_in_language", f"{share:.0%} {language} script")
    translated: str = data.get("title_translated", "")
    if language == "en" or _key(translated) == title_key or not in_language(translated, language):
        translated = ""
    return {**data, "key_points": kept, "title_translated": translated}


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_WORDS.findall(text))


def _has_substance(tldr: str) -> bool:
    sentences = [s for s in _SENTENCE.findall(tldr) if len(_key(s)) >= 8]
    if len(sentences) >= MIN_TLDR_SENTENCES:
        return True
    if _CJK.search(tldr) or _HANGUL.search(tldr) or _KANA.search(tldr):
        return len(_key(tldr).replace(" ", "")) >= 40
    return len(_WORDS.findall(tldr)) >= LONG_SENTENCE_WORDS


def _answer_has_substance(answer: str) -> bool:
    if len(_WORDS.findall(answer)) >= MIN_ANSWER_WORDS:
        return True
    wide = len(_CJK.findall(answer)) + len(_KANA.findall(answer)) + len(_HANGUL.findall(answer))
    return wide >= MIN_CJK_ANSWER_CHARS
