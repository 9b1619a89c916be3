"""The one text catalog: every key in every language, the same placeholders in each,
plural forms, and every command text the adapters declare translated."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.text import SUPPORTED_LANGUAGES, Phrase, t
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


def _error_keys_used_in_code() -> set[str]:
    """Every literal `key=` of a call (errors raised with a catalog key) and every
    `Phrase("...")` in bot/ and adapters/."""
    used: set[str] = set()
    for path in [*REPO.glob("bot/**/*.py"), *REPO.glob("adapters/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "key" and isinstance(keyword.value, ast.Constant):
                    used.add(str(keyword.value.value))
            if isinstance(node.func, ast.Name) and node.func.id == "Phrase" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    used.add(str(first.value))
    return used


def test_every_error_key_and_phrase_the_code_raises_exists() -> None:
    used = _error_keys_used_in_code()
    assert "error_unknown_weekday" in used, "the scan is broken"
    assert sorted(used - set(TEXTS)) == []


def test_every_discord_action_a_refusal_names_is_in_the_catalog() -> None:
    """`translated("post_paper", ...)` and friends name `discord_action_<name>` entries."""
    names: set[str] = set()
    for path in REPO.glob("adapters/discord_bot/*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            position = {"translated": 0, "MissingPermission": 0, "require_bot_permissions": 2}
            index = position.get(node.func.id)
            if index is not None and len(node.args) > index:
                argument = node.args[index]
                if isinstance(argument, ast.Constant):
                    names.add(str(argument.value))
    assert len(names) >= 10, "the scan is broken"
    assert sorted(n for n in names if f"discord_action_{n}" not in TEXTS) == []


def test_a_phrase_value_is_said_in_the_texts_language() -> None:
    ja = t(
        "discord_missing_permission",
        "ja",
        action=Phrase("discord_action_see_channel"),
        names="**View Channel**",
        count=1,
    )
    assert "このチャンネルを見る" in ja and "see this channel" not in ja
    en = t(
        "discord_missing_permission",
        "en",
        action=Phrase("discord_action_see_channel"),
        names="**View Channel**",
        count=2,
    )
    assert "could not see this channel" in en and "permissions" in en


def test_setting_refusals_read_in_the_channels_language() -> None:
    from bot.errors import InvalidSetting
    from bot.usecases import channel_rules

    refusals = []
    for check, value in [
        (channel_rules.valid_language, "fr"),
        (channel_rules.valid_weekday, "someday"),
        (channel_rules.valid_time, "25:00"),
        (channel_rules.valid_categories, "not a category!"),
        (channel_rules.valid_auto_pick_hours, "soon"),
    ]:
        try:
            check(value)
        except InvalidSetting as refused:
            refusals.append(refused)
    assert len(refusals) == 5
    for refusal in refusals:
        assert refusal.key is not None
        english, japanese, korean = (refusal.text(x) for x in ("en", "ja", "ko"))
        assert english == str(refusal)
        assert japanese != english and korean != english
        assert not re.search(r"\b(Unknown|Use|Give|Choose)\b", japanese + korean)


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
