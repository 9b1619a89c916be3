"""Mass mentions (`@everyone`, `@here`, `@channel`) made harmless in text we send."""

from __future__ import annotations

import re

MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)


def defuse_mass_mentions(text: str) -> str:
    """`@everyone` -> `@\u200beveryone`: still readable, pings nobody."""
    return MASS_MENTION.sub(lambda m: "@\u200b" + m.group(1), text)
