"""Every setting a user can set is documented in .env.example."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices

from bot.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_lists_every_setting() -> None:
    documented = ENV_EXAMPLE.read_text("utf-8")
    missing = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names = (
            [str(n) for n in alias.choices]
            if isinstance(alias, AliasChoices)
            else [f"PAPERCLUB_{name.upper()}"]
        )
        if not any(f"{n}=" in documented for n in names):
            missing.append(names[0])
    assert missing == []
