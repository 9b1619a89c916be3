"""Every member-visible string, in each supported language, behind one lookup: `t`.

The strings live in `catalog.py`; `presenters.py` composes the longer texts (help,
settings, digest report, reading list) from them, taking the platform's escaping where
titles from papers are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.catalog import TEXTS

SUPPORTED_LANGUAGES = ("en", "ja", "ko")
LANGUAGE_NAMES = {"en": "English", "ja": "Japanese", "ko": "Korean"}  # for model prompts
NATIVE_LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "ko": "한국어"}  # for members
_PLATFORM_PREFIXES = {"slack": "/paperclub "}  # every other platform: "/"
_PLURAL = re.compile(r"\{(\w+):([^|{}]*)\|([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A catalog entry given as a value to another: said in that text's language, so an
    error raised with `action=Phrase("discord_action_see_channel")` reads whole in ja/ko."""

    key: str


def t(key: str, language: str, /, **values: object) -> str:
    """The text of `key` in `language` (English where a language lacks it), filled in.

    `{n:one|other}` in a text picks `one` when `values["n"] == 1`; a `Phrase` value is
    itself looked up in `language`."""
    texts = TEXTS[key]
    text = texts.get(language, texts["en"])
    text = _PLURAL.sub(lambda m: m[2] if values.get(m[1]) == 1 else m[3], text)
    if not values:
        return text
    said = {
        name: t(value.key, language) if isinstance(value, Phrase) else value
        for name, value in values.items()
    }
    return text.format(**said)


def command_prefix_for(platform: str) -> str:
    """How members type a command on `platform`: "/" on Discord, "/paperclub " on Slack."""
    return _PLATFORM_PREFIXES.get(str(platform), "/")
