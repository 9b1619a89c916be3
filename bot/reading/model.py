"""A paper's text as the core reads it: passages that keep their section and page."""

from __future__ import annotations

from collections.abc import Sequence
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
    kind: str = "body"  # body | caption | table | figure | abstract
    # Where a reader finds it: the arXiv HTML anchor of its paragraph or section, or the
    # PDF's #page=N; "" for a local file (an extractor writes the bare "#anchor")
    url: str = ""


@dataclass(frozen=True, slots=True)
class PassageColumns:
    """Many passages held as columns: one tuple of texts, one of sections and so on.

    A `Passage` is an object the garbage collector tracks for as long as it lives, and a
    full collection walks each one (holding the GIL). A tuple of strings and ints is
    untracked once the collector has seen it, so a cached index of ~500 chunks costs a
    full collection one object, not 500 (bot/heap.py).
    """

    texts: tuple[str, ...]
    sections: tuple[str, ...]
    pages: tuple[int | None, ...]
    kinds: tuple[str, ...]
    urls: tuple[str, ...]

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> PassageColumns:
        return cls(
            texts=tuple(p.text for p in passages),
            sections=tuple(p.section for p in passages),
            pages=tuple(p.page for p in passages),
            kinds=tuple(p.kind for p in passages),
            urls=tuple(p.url for p in passages),
        )

    def __len__(self) -> int:
        return len(self.texts)

    def passage(self, i: int) -> Passage:
        return Passage(self.texts[i], self.sections[i], self.pages[i], self.kinds[i], self.urls[i])


@dataclass(frozen=True, slots=True)
class PaperText:
    """Everything we could read of one paper, and where it came from."""

    key: str  # canonical arXiv id, or "file:<sha256>" for a local file
    source: TextSource
    title: str
    passages: tuple[Passage, ...]
    notes: tuple[str, ...] = ()  # e.g. "arXiv HTML unavailable (404); used the PDF"


def passage_to_json(passage: Passage) -> dict[str, object]:
    return {
        "text": passage.text,
        "section": passage.section,
        "page": passage.page,
        "kind": passage.kind,
        "url": passage.url,
    }


def passage_from_json(data: dict[str, object]) -> Passage:
    page = data.get("page")
    return Passage(
        text=str(data["text"]),
        section=str(data.get("section", "")),
        page=page if isinstance(page, int) else None,
        kind=str(data.get("kind", "body")),
        url=str(data.get("url", "")),
    )


def paper_text_to_json(paper: PaperText) -> dict[str, object]:
    """Plain dicts and lists, so the store can keep a parsed paper as one JSON value."""
    return {
        "key": paper.key,
        "source": paper.source.value,
        "title": paper.title,
        "passages": [passage_to_json(p) for p in paper.passages],
        "notes": list(paper.notes),
    }


def paper_text_from_json(data: dict[str, object]) -> PaperText:
    passages = data.get("passages", [])
    notes = data.get("notes", [])
    return PaperText(
        key=str(data["key"]),
        source=TextSource(str(data["source"])),
        title=str(data.get("title", "")),
        passages=tuple(
            passage_from_json(p) for p in (passages if isinstance(passages, list) else [])
        ),
        notes=tuple(str(n) for n in (notes if isinstance(notes, list) else [])),
    )
