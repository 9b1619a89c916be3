"""A paper's text as the core reads it: passages that keep their section and page."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TextSource(StrEnum):
    HTML = "arXiv HTML"
    PDF = "PDF"
    ABSTRACT = "abstract only"
    FILE = "local file"


@dataclass(frozen=True, slots=True)
class Passage:
    text: str
    section: str
    page: int | None = None
    kind: str = "body"  # body | caption | table | abstract


@dataclass(frozen=True, slots=True)
class PaperText:
    """Everything we could read of one paper, and where it came from."""

    key: str  # canonical arXiv id, or "file:<sha256>" for a local file
    source: TextSource
    title: str
    passages: tuple[Passage, ...]
    notes: tuple[str, ...] = ()  # e.g. "arXiv HTML unavailable (404); used the PDF"
