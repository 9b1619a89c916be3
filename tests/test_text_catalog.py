"""The one text catalog: every key in every language, the same placeholders in each,
plural forms, and every command text the adapters declare translated."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.text import SUPPORTED_LANGUAGES, t
from bot.text.catalog import HELP_LINES, TEXTS
from bot.text.command_names import COMMAND_TEXTS

REPO = Path(__file__).parents[1]
_PLURAL = re.compile(r"\{(\w+):[^|{}]*\|[^{}]*\}")


def placeholders(text: str) -> set[str]:
    names = set(_PLURAL.findall(text))
    plain = _PLURAL.sub("", text)
    return names | {name for _, name, _, _ in string.Formatter().parse(plain) if name}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_key_has_every_language_with_the_same_placeholders(key: str) -> None:
    texts = TEXTS[key]
    assert set(texts) == set(SUPPORTED_LANGUAGES)
    assert all(texts[lang].strip() for lang in SUPPORTED_LANGUAGES)
    english = placeholders(texts["en"])
    for lang in ("ja", "ko"):
        assert placeholders(texts[lang]) == english, (key, lang)


def test_plural_forms_follow_the_count() -> None:
    one = t("picked", "en", title="T", votes=1, link="L")
    many = t("picked", "en", title="T", votes=3, link="L")
    assert "(1 vote)" in one and "(3 votes)" in many
    japanese = t("picked", "ja", title="T", votes=1, link="L")
    assert "1" in japanese and "{" not in japanese and "vote" not in japanese
    assert "1 key point, 2 open questions" in t("recap_posted", "en", points=1, questions=2)


def test_an_unknown_language_reads_english() -> None:
    assert t("help_title", "fr") == t("help_title", "en")


def test_help_lines_name_catalog_keys() -> None:
    for _, _, key, _, outside in HELP_LINES:
        assert key in TEXTS
        assert outside is None or outside in TEXTS


def _keys_used_in_code() -> set[str]:
    """Every literal first argument of `t(...)` in bot/ and adapters/."""
    used: set[str] = set()
    for path in [*REPO.glob("bot/**/*.py"), *REPO.glob("adapters/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                used.add(node.args[0].value)
    return used


def test_every_key_the_code_asks_for_exists() -> None:
    used = _keys_used_in_code()
    assert used, "no t(...) call found: the scan is broken"
    assert sorted(used - set(TEXTS)) == []


def test_every_command_text_has_japanese_and_korean() -> None:
    for english, texts in COMMAND_TEXTS.items():
        assert set(texts) == {"ja", "ko"}, english
        if " " not in english:  # a command or option name: Discord's name rule
            assert all(" " not in v and v == v.lower() for v in texts.values()), english
        else:
            assert all(len(v) <= 100 for v in texts.values()), english
