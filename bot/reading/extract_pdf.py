"""PDF bytes -> passages with page numbers and section headings (pypdfium2, blocking).

Heuristics for typical ML papers: numbered headings ("2 Method", "3.1 Data") checked
against the previous heading's number so table rows and list items are not taken for
headings; running headers/footers and page numbers that repeat across pages are
dropped; the References section is left out of retrieval, an appendix after it kept;
words hyphenated across line breaks are mended. A page that fails to parse is skipped
with a note instead of failing the whole paper.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import pairwise

import pypdfium2 as pdfium

from bot.errors import PaperUnreadable
from bot.reading.model import Passage

log = logging.getLogger(__name__)

_NUMBERED_HEADING = re.compile(
    r"^(?P<num>(?:\d{1,2}|[A-H])(?:\.\d{1,2}){0,3})\.?\s+(?P<name>[A-Z][^\n]{1,90})$"
)
_APPENDIX_HEADING = re.compile(
    r"^(?:appendix|appendices|supplementary material)(?:\s+[A-H])?\b", re.IGNORECASE
)
_CAPTION_START = re.compile(r"^(?:Figure|Fig\.|Table)\s*\d+\s*[.:|]")
_NAMED_HEADINGS = frozenset(
    """abstract introduction background conclusion conclusions discussion limitations
    acknowledgments acknowledgements acknowledgment acknowledgement methods method
    results experiments""".split()
) | {"related work", "broader impact", "ethics statement", "future work"}
_REFERENCE_HEADINGS = frozenset({"references", "bibliography", "reference"})
_TOC_ENTRY = re.compile(
    r"^(?:(?:\d{1,2}|[A-H])(?:\.\d{1,2}){0,3}\.?\s+)?[A-Z].{2,90}?[\s.]+\d{1,3}$"
)
_SOFT_HYPHEN = "\ufffe"
_ARXIV_STAMP = re.compile(r"^arXiv:\s?[\w./-]+(?:v\d+)?\s+\[[\w.-]+\]\s+\d{1,2}\s+\w{3}\s+\d{4}$")
_PROSE = re.compile(r"\b[a-z]+,? [a-z]+,? [a-z]+,? [a-z]+\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TOC_MIN_ENTRIES = 5
MAX_HEADING_WORDS = 12
MAX_CAPTION_LINES = 8
# Caps on the text kept of one PDF: a 120-page paper is ~500,000 characters and ~1,500
# passages, so these only bind on a hostile or pathological file, whose pages past the
# cap are not read at all.
MAX_CHARS = 3_000_000
MAX_PASSAGES = 20_000


@dataclass(frozen=True, slots=True)
class PdfPaper:
    title: str
    passages: list[Passage]
    pages: int
    notes: list[str] = field(default_factory=list)


def _page_lines(
    document: pdfium.PdfDocument, notes: list[str], max_chars: int = MAX_CHARS
) -> list[list[str]]:
    pages: list[list[str]] = []
    unreadable: list[int] = []
    chars = 0
    for index in range(len(document)):
        if chars >= max_chars:
            notes.append(
                f"only the first {index} pages of the PDF were read "
                f"(the {max_chars:,}-character cap)"
            )
            break
        try:
            text = document[index].get_textpage().get_text_range()
        except Exception as error:  # one broken page must not lose the whole paper
            log.warning("PDF page %d unreadable: %s", index + 1, error)
            unreadable.append(index + 1)
            pages.append([])
            continue
        text = text[: max_chars - chars]
        chars += len(text)
        lines = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
        pages.append([" ".join(line.split()) for line in lines if line.strip()])
    if unreadable:
        notes.append(f"{_page_ranges(unreadable)} of the PDF could not be read and were skipped")
    return pages


def _page_ranges(pages: list[int]) -> str:
    """[3, 5, 6, 7] -> "pages 3, 5-7"."""
    ranges: list[list[int]] = []
    for page in pages:
        if ranges and page == ranges[-1][-1] + 1:
            ranges[-1].append(page)
        else:
            ranges.append([page])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in ranges]
    return ("page " if len(pages) == 1 else "pages ") + ", ".join(parts)


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _drop_running_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Removes headers/footers repeated on many pages, and bare page numbers at the edges."""
    edge = 2
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_furniture_key(line) for line in lines[:edge] + lines[-edge:]})
    threshold = max(3, int(0.4 * len(pages)))
    repeated = {key for key, n in counts.items() if n >= threshold}
    cleaned = []
    for lines in pages:
        keep = []
        for i, line in enumerate(lines):
            at_edge = i < edge or i >= len(lines) - edge
            if at_edge and (_furniture_key(line) in repeated or re.fullmatch(r"\d{1,3}", line)):
                continue
            if _ARXIV_STAMP.match(line):
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def _number(text: str) -> tuple[int, ...]:
    parts = text.split(".")
    head = parts[0]
    first = int(head) if head.isdigit() else 100 + ord(head) - ord("A")
    return (first, *(int(p) for p in parts[1:]))


def _plausible_next(new: tuple[int, ...], prev: tuple[int, ...] | None) -> bool:
    """ "3.2" may follow "3.1", "3.1.4" or "3"; "5" may follow "3.2" (a missed "4"); not "1.2"."""
    if prev is None:
        return (len(new) == 1 and new[0] <= 2) or new[0] >= 100
    if new[0] >= 100 and prev[0] < 100:
        return len(new) == 1 and new[0] == 100
    if new <= prev:
        return False
    depth = len(new) - 1
    if new[:depth] != prev[:depth]:
        return depth == 0 and new[0] - prev[0] <= 2
    before = prev[depth] if len(prev) > depth else 0
    return 0 < new[depth] - before <= 2


def _looks_like_title(name: str) -> bool:
    words = name.split()
    if not words or len(words) > MAX_HEADING_WORDS or name[-1] in ".,;:":
        return False
    letters = sum(c.isalpha() for c in name)
    return letters >= 0.6 * len(name.replace(" ", "")) and letters >= 3


@dataclass
class _State:
    section: str = ""
    number: tuple[int, ...] | None = None
    in_references: bool = False
    in_appendix: bool = False


def _heading(line: str, state: _State) -> str | None:
    """The heading text when `line` is a section heading, updating `state`; else None."""
    plain = line.strip().rstrip(".").lower()
    if plain in _REFERENCE_HEADINGS:
        state.in_references = True
        return line.strip()
    if _APPENDIX_HEADING.match(line) and len(line.split()) <= MAX_HEADING_WORDS:
        state.in_references, state.in_appendix = False, True
        return line.strip()
    match = _NUMBERED_HEADING.match(line)
    if match and _looks_like_title(match["name"]):
        number = _number(match["num"])
        letter = number[0] >= 100
        if letter and not (state.in_references or state.in_appendix):
            return None
        if _plausible_next(number, state.number):
            state.number = number
            if match["name"].strip().rstrip(".").lower() in _REFERENCE_HEADINGS:
                state.in_references = True
            elif letter:
                state.in_references, state.in_appendix = False, True
            return line.strip()
    named = plain in _NAMED_HEADINGS and line[:1].isupper() and not line.endswith(".")
    if named and not state.in_references:
        return line.strip()
    return None


def _join(lines: list[str]) -> str:
    """Joins lines, mending words hyphenated across a break ("gener- alization")."""
    text = ""
    for line in lines:
        if not text:
            text = line
        elif text.endswith(("-", _SOFT_HYPHEN)) and text[-2:-1].islower() and line[:1].islower():
            text = text[:-1] + _LINE_HYPHEN + line  # join or keep: `_mend` asks the paper
        elif text.endswith(_SOFT_HYPHEN):
            text = text[:-1] + "-" + line
        else:
            text += " " + line
    text = re.sub(rf"(?<=[a-z]){_SOFT_HYPHEN}(?=[a-z])", _LINE_HYPHEN, text)
    return text.replace(_SOFT_HYPHEN, "-")


_LINE_HYPHEN = "\ufffc"  # a hyphen at a line break, until the whole paper is read
_WORD_AROUND_BREAK = re.compile(r"([^\W\d_]*)\ufffc([^\W\d_]*)(-?)")
_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_WORD = re.compile(r"[^\W\d_]+")
# d_model, d_ff ...: a PDF's text layer glues a subscript to its letter ("dmodel")
_GLUED_SUBSCRIPT = re.compile(r"\bd(model|ff|hidden|head|emb|inner)\b")
_SPLIT_URL = re.compile(r"(https?://\S*/) +(?=[\w~%-]+[/.][\w/.~%#?=&-]*\w)")


def _mend(passages: list[Passage]) -> list[Passage]:
    """PDF text as the paper wrote it, decided with the whole paper's words:

    - a hyphen at a line break stays when the paper writes that hyphenated form elsewhere
      or the word goes on with another hyphen ("English-" + "to-German"), and goes when
      the paper writes the word whole ("gener-" + "alization");
    - the dimensions ML papers write with a subscript, glued by the text layer
      ("dmodel", "dff"), are written `d_model`, `d_ff`;
    - a URL broken after a slash at a line break is joined again.
    """
    text = "\n".join(p.text for p in passages)
    words = Counter(_WORD.findall(text.replace(_LINE_HYPHEN, " ")))
    pairs: Counter[str] = Counter()
    for compound in _HYPHENATED.findall(text):
        parts = compound.split("-")
        pairs.update(f"{a}-{b}" for a, b in pairwise(parts))

    def hyphen(m: re.Match[str]) -> str:
        before, after, more = m[1], m[2], m[3]
        joined, kept = before + after, f"{before}-{after}"
        keep = pairs[kept] > words[joined] or (not words[joined] and bool(more))
        return (kept if keep else joined) + more

    def mended(value: str) -> str:
        value = _WORD_AROUND_BREAK.sub(hyphen, value).replace(_LINE_HYPHEN, "")
        value = _GLUED_SUBSCRIPT.sub(r"d_\1", value)
        return _SPLIT_URL.sub(r"\1", value)

    return [replace(p, text=mended(p.text)) for p in passages]


def _paper_title(document: pdfium.PdfDocument, pages: list[list[str]]) -> str:
    try:
        meta = document.get_metadata_dict()
    except Exception:
        meta = {}
    title = str(meta.get("Title", "")).strip()
    if len(title.split()) >= 3:
        return title
    return pages[0][0] if pages and pages[0] else ""


def passages_from_pdf(
    data: bytes,
    *,
    max_pages: int = 120,
    max_chars: int = MAX_CHARS,
    max_passages: int = MAX_PASSAGES,
) -> PdfPaper:
    """Raises PaperUnreadable for a damaged file or one without any text layer."""
    try:
        document = pdfium.PdfDocument(data)
    except Exception as error:  # pdfium reports damage as PdfiumError or ValueError
        raise PaperUnreadable("PDF", f"the file is damaged or not a PDF ({error})") from error
    try:
        notes: list[str] = []
        total = len(document)
        if total > max_pages:
            notes.append(f"only the first {max_pages} of {total} pages were read")
        lines_by_page = _page_lines_limited(document, notes, max_pages, max_chars)
        pages = _drop_running_furniture(lines_by_page)
        title = _paper_title(document, pages)
    finally:
        document.close()
    passages = _mend(_passages(pages))
    if not any(p.text for p in passages):
        raise PaperUnreadable("PDF", "it has no text layer (a scanned paper?)")
    if len(passages) > max_passages:
        notes.append(f"only the first {max_passages:,} passages of the PDF were kept")
        passages = passages[:max_passages]
    return PdfPaper(title=title, passages=passages, pages=total, notes=notes)


def _page_lines_limited(
    document: pdfium.PdfDocument, notes: list[str], max_pages: int, max_chars: int
) -> list[list[str]]:
    if len(document) <= max_pages:
        return _page_lines(document, notes, max_chars)
    for index in range(len(document) - 1, max_pages - 1, -1):
        document.del_page(index)
    return _page_lines(document, notes, max_chars)


class _PassageBuilder:
    """Turns one page's lines at a time into passages, carrying the section across pages."""

    def __init__(self) -> None:
        self.state = _State()
        self.passages: list[Passage] = []
        self.buffer: list[str] = []
        self.kind = "body"
        self.page = 0

    def flush(self) -> None:
        if self.buffer and not self.state.in_references:
            text = _join(self.buffer)
            kind = self.kind
            if kind == "body" and not _PROSE.search(text):
                kind = "figure"  # axis labels, legends and table cells: no run of prose
            if text.strip():
                self.passages.append(Passage(text, self.state.section, self.page, kind))
        self.buffer = []
        self.kind = "body"

    def read_page(self, page: int, lines: list[str]) -> None:
        self.page = page
        toc = [line for line in lines if _TOC_ENTRY.match(line)]
        if len(toc) >= TOC_MIN_ENTRIES:
            lines = [line for line in lines if line not in toc]
        width = statistics.median(len(line) for line in lines) if lines else 0
        for line in lines:
            heading = _heading(line, self.state) if len(line) <= 100 else None
            if heading is not None:
                self.flush()
                self.state.section = heading
                continue
            if _CAPTION_START.match(line):
                self.flush()
                self.kind = "caption"
            self.buffer.append(line)
            paragraph_end = line.endswith((".", ":", "?", "!")) and len(line) < 0.8 * width
            if paragraph_end or (self.kind == "caption" and len(self.buffer) >= MAX_CAPTION_LINES):
                self.flush()
        self.flush()


def _passages(pages: list[list[str]]) -> list[Passage]:
    builder = _PassageBuilder()
    for page_number, lines in enumerate(pages, 1):
        builder.read_page(page_number, lines)
    return builder.passages
