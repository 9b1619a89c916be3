"""Plain text and Markdown -> passages with their section headings.

A .txt file may mark its sections with heading lines ("Introduction", "3.1 Setup",
"Results ::: Ablations"); Markdown uses `#` headings. Paragraphs are blank-line separated
blocks, or single lines when the file has no blank lines at all (one paragraph per line).
"""

from __future__ import annotations

import re

from bot.reading.model import Passage

_NUMBERED_HEADING = re.compile(r"^(?:[A-Z]|\d+)(?:\.\d+)*\.?\s+[A-Z][^\n]{0,100}$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`|\b_)(?=\S)(.+?)(?<=\S)(?:\*\*|__|\*|`|_\b)")
_HTML_TAG = re.compile(r"<[^>]+>")
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")

MAX_HEADING_WORDS = 12
_DANGLING = frozenset(
    "a an the of to in on for with and or by from as at that which is are".split()
)


def is_heading_line(line: str) -> bool:
    """A short line that reads like a title: no sentence punctuation at its end."""
    text = line.strip()
    if not text or len(text) > 100 or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if text[-1] in ".,;:?!)" or not (text[0].isupper() or text[0].isdigit()):
        return False
    if _NUMBERED_HEADING.match(text):
        return True
    if text.split()[-1].lower() in _DANGLING:
        return False  # "... an extremely large amount of" is a wrapped line, not a title
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and not any(ch.isdigit() for ch in text.split()[0][1:])


def join_lines(lines: list[str]) -> str:
    """Joins hard-wrapped lines, mending words hyphenated across a line break."""
    text = "\n".join(line.strip() for line in lines if line.strip())
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _blocks(text: str) -> list[list[str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(not line.strip() for line in lines[:-1]):
        return [[line] for line in lines if line.strip()]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def passages_from_text(text: str, *, default_section: str = "") -> list[Passage]:
    passages: list[Passage] = []
    section = default_section
    for block in _blocks(text):
        wrapped = len(block) > 1 and (
            block[0].rstrip().endswith("-") or block[1].strip()[0].islower()
        )
        if is_heading_line(block[0]) and not wrapped:
            section = re.sub(r"\s+", " ", block[0].strip())
            block = block[1:]
        if block:
            passages.append(Passage(text=join_lines(block), section=section))
    return passages


def _clean_markdown(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return text


def _table_text(lines: list[str]) -> str:
    rows = []
    for line in lines:
        if _MD_TABLE_RULE.match(line.strip()):
            continue
        cells = [_clean_markdown(c.strip()) for c in line.strip().strip("|").split("|")]
        rows.append(" | ".join(c for c in cells if c))
    return "\n".join(rows)


def passages_from_markdown(text: str) -> tuple[str, list[Passage]]:
    """Returns (title, passages): the title is a lone leading `#` heading, when there is one."""
    title = ""
    path: list[tuple[int, str]] = []  # (level, heading) of the enclosing headings
    section = ""
    passages: list[Passage] = []
    paragraph: list[str] = []
    table: list[str] = []
    in_code = False

    def flush() -> None:
        if paragraph:
            raw = join_lines(paragraph)
            kind = "caption" if "<figcaption" in raw else "table" if "<table" in raw else "body"
            body = " ".join(_clean_markdown(_HTML_TAG.sub(" ", raw)).split())
            if body:
                passages.append(Passage(text=body, section=section, kind=kind))
            paragraph.clear()
        if table:
            passages.append(Passage(text=_table_text(table), section=section, kind="table"))
            table.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if line.strip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            paragraph.append(line)
            continue
        heading = _MD_HEADING.match(line.strip())
        if heading:
            flush()
            name = _clean_markdown(heading.group(2))
            level = len(heading.group(1))
            if level == 1 and not title and not passages:
                title = name
                continue
            path = [(lv, h) for lv, h in path if lv < level] + [(level, name)]
            section = " > ".join(h for _, h in path)
            continue
        if line.strip().startswith("|"):
            if paragraph:
                flush()
            table.append(line)
            continue
        if not line.strip():
            flush()
            continue
        if table:
            flush()
        stripped = re.sub(r"^\s*(?:>\s*)*(?:(?:[-*+]|\d+\.)\s+)?", "", line)
        paragraph.append(stripped)
    flush()
    return title, passages
