"""Finding a model's quote in a paper: the quick normalisation that rejects most passages
(bot/llm/grounding.py `_normalised_text`) must be exactly the careful one, or a quote that
is in the paper would be refused (or one that is not, accepted)."""

from __future__ import annotations

import random

from bot.llm.grounding import _normalise, _normalised_text, _original_index, find_verbatim

TRICKY = [
    *"abcXYZ019 .,;\t\n\r\x0b\x0c\x1c\xa0\u2009\u3000\u2028\u0085",
    *["ﬁ", "ﬂ", "ﬃ", "“", "”", "‘", "’", "–", "—", "„", "é", "e\u0301", "\u0301", "İ"],
    *["ẞ", "Σ", "ς", "½", "²", "Ⅻ", "ｱ", "ｶﾞ", "¨", "\u00ad", "\u200b", "日本", "한국"],
    *["ǅ", "ΐ", "K", "Å", "Ω", "\u0345"],
]


def test_the_quick_normalisation_is_the_careful_one() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 40)))
        assert _normalised_text(text) == _normalise(text).text, text


def test_every_normalised_character_is_traced_to_where_it_came_from() -> None:
    """`_original_index` gives `_normalise`'s positions, on random tricky text."""
    rng = random.Random(5)
    for _ in range(3_000):
        text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(1, 40)))
        careful = _normalise(text)
        for at in range(len(careful.text)):
            assert _original_index(text, at) == careful.positions[at], (text, at)


def test_every_character_normalises_the_same_both_ways() -> None:
    """Every code point, beside ASCII and whitespace and doubled, 512 to a text."""
    points = [p for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF]  # surrogates: not text
    for first in range(0, len(points), 512):
        block = points[first : first + 512]
        text = "".join(f"A{chr(p)} {chr(p)}{chr(p)}" for p in block)
        assert _normalised_text(text) == _normalise(text).text, hex(block[0])


def test_a_quote_is_found_where_the_careful_search_finds_it() -> None:
    """The span `find_verbatim` returns is the one the per-character positions give."""
    rng = random.Random(11)
    for _ in range(2_000):
        text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(1, 60)))
        careful = _normalise(text)
        if len(careful.text.strip()) < 2:
            continue
        start = rng.randrange(len(careful.text))
        quote = careful.text[start : start + rng.randint(1, 20)]
        needle = _normalise(quote.strip().strip("…").strip(".").strip()).text.strip()
        at = careful.text.find(needle)
        expected = (
            text[careful.positions[at] : careful.positions[at + len(needle) - 1] + 1]
            if needle and at >= 0
            else None
        )
        assert find_verbatim(quote, text) == expected, (text, quote)


def test_a_quote_is_found_across_ligatures_quotes_and_line_breaks() -> None:
    text = "The model’s ﬁnal layer —\n  as “shown” in Table 2 — is ﬁne-tuned."
    assert find_verbatim('The model\'s final layer - as "shown"', text) == (
        "The model’s ﬁnal layer —\n  as “shown”"
    )
    assert find_verbatim("the final layer is frozen", text) is None
