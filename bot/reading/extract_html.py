"""arXiv / ar5iv HTML (LaTeXML output) -> passages with section headings.

Keeps the abstract, body paragraphs, lists, equations (as readable TeX), figure and
table captions (kind "caption"), table cells (kind "table") and text drawn inside
figures, such as example prompts (kind "figure"). Drops the bibliography,
the table of contents, navigation, page header/footer and footnote markers (footnote
texts become passages of their own, after the paragraph that calls them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from bot.errors import PaperUnreadable
from bot.reading.model import Passage

_DROP_CLASSES = (
    "ltx_bibliography",
    "ltx_TOC",
    "ltx_page_navbar",
    "ltx_page_header",
    "ltx_page_footer",
    "ltx_authors",
    "ltx_dates",
    "ltx_pagination",
    "ltx_role_affiliation",
    "ltx_classification",
    "ltx_keywords",
    "ar5iv-footer",
)
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
_TEX_WRAPPERS = re.compile(
    r"\\(?:mathrm|text|textbf|textit|texttt|mathbf|mathit|mathsf|mathtt|mathcal|mathbb|"
    r"operatorname|boldsymbol|bm|emph|mbox|hbox|bar|hat|tilde|vec|dot|overline|widehat)"
    r"\s*\{([^{}]*)\}"
)
_TEX_NOISE = re.compile(
    r"\\(?:mathop|nolimits|limits|left|right|displaystyle|textstyle|scriptstyle|big|Big|bigg|"
    r"Bigg|quad|qquad)\b|\\[,;:!> ]"
)
MIN_ARTICLE_WORDS = 80
MIN_FIGURE_WORDS = 8
# Caps on what one page may cost. A long arXiv paper is ~30,000 elements, ~1,500
# passages and ~600,000 characters of text; a page past the element cap is refused
# before BeautifulSoup builds its tree (about 2 KB of Python objects per element, so
# 500,000 elements is already ~1 GB), and the extracted text stops at the other two.
MAX_ELEMENTS = 500_000
MAX_CHARS = 3_000_000
MAX_PASSAGES = 20_000


@dataclass(frozen=True, slots=True)
class HtmlPaper:
    title: str
    passages: list[Passage]
    notes: list[str] = field(default_factory=list)


def readable_tex(tex: str) -> str:
    """`\\mathop{\\mathrm{SA}}\\nolimits` -> `SA`: TeX a reader can still follow."""
    text = tex
    for _ in range(4):
        cleaned = _TEX_WRAPPERS.sub(r"\1", text)
        if cleaned == text:
            break
        text = cleaned
    text = _TEX_NOISE.sub(" ", text)
    text = re.sub(r"\{\s*([^{}\s]*)\s*\}", r"\1", text)
    text = re.sub(r"\^\{?\\prime\}?", "'", text)
    return " ".join(text.split())


def is_no_html_page(html: str) -> bool:
    """arXiv's "No HTML for '<id>'" page (or any page without a LaTeXML article)."""
    return _is_no_html(BeautifulSoup(html, "lxml"))


def _is_no_html(soup: BeautifulSoup) -> bool:
    heading = soup.find("h1")
    if heading is not None and heading.get_text(" ", strip=True).startswith("No HTML for"):
        return True
    return soup.find("article", class_="ltx_document") is None


def _text(node: Tag) -> str:
    return " ".join(node.get_text("").split())


def _has_class(node: Tag, name: str) -> bool:
    classes = node.get("class")
    return isinstance(classes, list) and name in classes


_DROP_TAGS = frozenset({"nav", "header", "footer", "script", "style", "button"})
_DROP_CLASS_SET = frozenset(_DROP_CLASSES)


def _prepare(soup: BeautifulSoup) -> None:
    """Math -> its TeX, line breaks -> spaces, drop navigation, references and note marks.

    One walk over the tree collects every node to change (a `find_all` per class was
    most of the time on a large page), then the changes are made in the same order as
    before: drops, math, line breaks, note marks; a node inside one already dropped is
    left alone.
    """
    drops: list[Tag] = []
    maths: list[Tag] = []
    breaks: list[Tag] = []
    marks: list[Tag] = []
    for node in soup.descendants:
        if not isinstance(node, Tag):
            continue
        classes = node.get("class")
        names = classes if isinstance(classes, list) else ()
        if node.name in _DROP_TAGS or not _DROP_CLASS_SET.isdisjoint(names):
            drops.append(node)
        elif node.name == "math":
            maths.append(node)
        elif node.name == "br":
            breaks.append(node)
        if "ltx_note_mark" in names:
            marks.append(node)
    for node in drops:
        if not node.decomposed:
            node.decompose()
    for node in maths:
        if not node.decomposed:
            alt = node.get("alttext")
            tex = readable_tex(alt) if isinstance(alt, str) else _text(node)
            node.replace_with(NavigableString(f" {tex} "))
    for node in breaks:
        if not node.decomposed:
            node.replace_with(NavigableString(" "))
    for node in marks:
        if not node.decomposed and node.parent is not None:
            node.decompose()


ANCHOR_LEVELS = 6  # how far up a paragraph looks for an element with an id


def _anchor(node: Tag) -> str:
    """`#S3.p2`: the id of the paragraph (LaTeXML's `ltx_para`), else of the nearest
    element around it that has one (its figure, its section), for a citation's link."""
    fallback = ""
    current: Tag | None = node
    for _ in range(ANCHOR_LEVELS):
        if current is None or current.name in ("article", "body", "[document]"):
            break
        name = current.get("id")
        if isinstance(name, str) and name and _SAFE_ANCHOR.fullmatch(name):
            if _has_class(current, "ltx_para") or current.name in ("section", "figure"):
                return "#" + name
            fallback = fallback or "#" + name
        current = current.parent
    return fallback


_SAFE_ANCHOR = re.compile(r"[A-Za-z0-9._:-]{1,80}")


def _heading(section: Tag) -> str:
    for child in section.children:
        if isinstance(child, Tag) and child.name in _HEADING_TAGS:
            tag = child.find(class_="ltx_tag")
            number = _text(tag) if isinstance(tag, Tag) else ""
            if isinstance(tag, Tag):
                tag.extract()
            name = _text(child)
            return f"{number} {name}".strip() if number else name
    return ""


class _Walker:
    def __init__(self, *, max_chars: int = MAX_CHARS, max_passages: int = MAX_PASSAGES) -> None:
        self.passages: list[Passage] = []
        self.chars = 0
        self.max_chars = max_chars
        self.max_passages = max_passages
        self.full = False  # a cap was reached: the rest of the page is not read

    def append(self, passage: Passage) -> None:
        if self.full:
            return
        if len(self.passages) >= self.max_passages or self.chars >= self.max_chars:
            self.full = True
            return
        room = self.max_chars - self.chars
        if len(passage.text) > room:
            passage = replace(passage, text=passage.text[:room])
            self.full = True
        self.chars += len(passage.text)
        self.passages.append(passage)

    def add(self, text: str, section: str, kind: str = "body", anchor: str = "") -> None:
        text = " ".join(text.split())
        if text:
            self.append(Passage(text=text, section=section, kind=kind, url=anchor))

    def paragraph(self, node: Tag, section: str) -> None:
        found = [n for n in node.descendants if isinstance(n, Tag) and _has_class(n, "ltx_note")]
        notes = [n.extract() for n in found]  # (a scan: find_all costs 50 us a paragraph)
        self.add(_text(node), section, anchor=_anchor(node))
        for note in notes:
            content = note.find(class_="ltx_note_content")
            if isinstance(content, Tag):
                for tag in content.find_all(class_=["ltx_tag", "ltx_note_type"]):
                    tag.decompose()
                self.add(_text(content), section)

    def table(self, table: Tag, section: str) -> None:
        rows = []
        for row in table.find_all("tr"):
            if row.find_parent("table") is not table:
                continue
            cells = [_text(c) for c in row.find_all(["td", "th"], recursive=False)]
            line = " | ".join(c for c in cells if c)
            if line:
                rows.append(line)
        if rows:
            self.append(Passage("\n".join(rows), section, kind="table", url=_anchor(table)))

    def figure(self, node: Tag, section: str) -> None:
        """Captions, table cells, then any other text drawn in the figure (example prompts)."""
        for caption in node.find_all("figcaption"):
            self.add(_text(caption), section, "caption", _anchor(node))
            caption.extract()
        for table in node.find_all("table", class_="ltx_tabular"):
            if table.find_parent("table", class_="ltx_tabular") is None:
                self.table(table, section)
        for table in node.find_all("table", class_="ltx_tabular"):
            table.extract()
        rest = _text(node)
        words = rest.split()
        wordy = sum(any(c.isalpha() for c in w) for w in words)
        if len(words) >= MIN_FIGURE_WORDS and wordy >= 0.6 * len(words):
            self.add(rest, section, "figure")

    def walk(self, root: Tag, section: str) -> None:
        """Document order, with an explicit stack: a page nested 10,000 deep is fine."""
        stack: list[tuple[Iterator[object], str]] = [(iter(root.children), section)]
        while stack and not self.full:
            children, section = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                continue
            if not isinstance(child, Tag):
                continue
            if child.name == "section" or _has_class(child, "ltx_appendix"):
                heading = _heading(child)
                paragraph_level = _has_class(child, "ltx_paragraph")
                name = f"{section} > {heading}" if paragraph_level and section else heading
                stack.append((iter(child.children), name or section))
            elif child.name in _HEADING_TAGS or child.name == "h1":
                continue
            elif child.name == "figure" or _has_class(child, "ltx_float"):
                self.figure(child, section)
            elif child.name == "p" or _has_class(child, "ltx_equation"):
                self.paragraph(child, section)
            elif child.name == "table" and _has_class(child, "ltx_equationgroup"):
                self.paragraph(child, section)
            elif child.name == "table" and _has_class(child, "ltx_tabular"):
                self.table(child, section)
            else:
                stack.append((iter(child.children), section))


def passages_from_html(
    html: str,
    *,
    max_elements: int = MAX_ELEMENTS,
    max_chars: int = MAX_CHARS,
    max_passages: int = MAX_PASSAGES,
) -> HtmlPaper:
    """Raises PaperUnreadable for arXiv's "No HTML" page or a page with no paper in it.

    Also for a page with more than `max_elements` elements (counted, cheaply, as its
    `<` not followed by `/`, before any tree is built); the text read stops at `max_chars`
    characters or `max_passages` passages, with a note.
    """
    if html.count("<") - html.count("</") > max_elements:
        raise PaperUnreadable(
            "arXiv HTML", f"the page has more than the {max_elements:,} elements read of a paper"
        )
    soup = BeautifulSoup(html, "lxml")
    if _is_no_html(soup):
        raise PaperUnreadable("arXiv HTML", "arXiv has no HTML rendering of this paper")
    article = soup.find("article", class_="ltx_document")
    assert isinstance(article, Tag)
    title_node = article.find(class_="ltx_title_document")
    title = _text(title_node) if isinstance(title_node, Tag) else ""
    _prepare(soup)
    walker = _Walker(max_chars=max_chars, max_passages=max_passages)
    abstract = article.find(class_="ltx_abstract")
    if isinstance(abstract, Tag):
        abstract.extract()
        for p in abstract.find_all("p"):
            walker.add(_text(p), "Abstract", "abstract")
    if isinstance(title_node, Tag):
        title_node.decompose()
    walker.walk(article, "")
    words = sum(len(p.text.split()) for p in walker.passages)
    if words < MIN_ARTICLE_WORDS:
        raise PaperUnreadable("arXiv HTML", f"the page holds only {words} words of text")
    notes = []
    if walker.full:
        notes.append(
            f"only the first {len(walker.passages):,} passages ({walker.chars:,} characters) "
            "of the arXiv HTML were read"
        )
    return HtmlPaper(title=title, passages=walker.passages, notes=notes)
