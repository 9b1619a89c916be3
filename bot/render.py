"""Platform-neutral posts, and splitting text to fit a platform's message limits.

Adapters turn a `Post` into a Discord embed + content or Slack blocks; they call
`split_text` with their own limit so long text is split at paragraph, line or
sentence boundaries (never mid-word, never inside a `code span`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.domain import Answer, Citation, DigestEntry, Paper, RankedPaper, Summary, SummaryEngine
from bot.text import t
from bot.text.latex import readable


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Card:
    """The header of a root post: Discord embed / Slack header + fields + link button.

    `subtitle` (the translated title) goes on its own line and is never clipped: a
    platform limit shortens `title` instead. `notes` (engine, what was read, what
    failed) are shown last and small: Discord's footer, Slack's context block.
    """

    title: str
    url: str
    fields: tuple[Field, ...] = ()
    description: str = ""
    subtitle: str = ""
    links: tuple[Link, ...] = ()
    notes: tuple[str, ...] = ()
    open_label: str = "Open on arXiv"  # the link button's text, in the card's language


@dataclass(frozen=True, slots=True)
class Image:
    """A picture uploaded with a post (a paper's key figure, a chart). `caption` is shown
    with it (CommonMark subset, like a post's text); `url` is where it came from, for a
    platform that shows links instead (the terminal)."""

    data: bytes
    filename: str
    content_type: str
    caption: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Post:
    """One message. `text` is a CommonMark subset (**bold**, lists, `code`, > quotes).

    `image` goes with the post where the platform can attach it: inside a Discord card, as
    the first reply in a Slack thread (a root post cannot carry an upload), as its caption
    and link in the terminal."""

    text: str
    card: Card | None = None
    image: Image | None = None


@dataclass(frozen=True, slots=True)
class PaperThread:
    """A paper as the club sees it: a root post, then the thread's messages."""

    root: Post
    replies: tuple[Post, ...]
    thread_name: str


AUTHORS_SHOWN = 5


def paper_thread(
    paper: Paper,
    summary: Summary,
    *,
    footer_notes: tuple[str, ...] = (),
    rank: tuple[int, int] | None = None,
    figure: Image | None = None,
) -> PaperThread:
    """The root card (metadata, links, the summary once, notes last, the key `figure`
    when there is one), then the key points and the tags in the thread. `rank` (3, 10)
    puts "[3/10]" before the title."""
    lang = summary.language
    title = readable(paper.title)
    translated = readable(summary.title_translated)
    fields = [
        Field(t("authors", lang), authors_line(paper.authors, lang)),
        Field(t("published", lang), paper.published.date().isoformat()),
    ]
    if paper.updated.date() != paper.published.date():
        fields.append(Field(t("updated", lang), paper.updated.date().isoformat()))
    fields.append(Field(t("category", lang), paper.primary_category))
    fields.append(Field("arXiv", f"{paper.arxiv_id}v{paper.version}"))
    if paper.comment.strip():
        fields.append(Field(t("arxiv_comment", lang), readable(" ".join(paper.comment.split()))))
    card = Card(
        title=f"{rank_badge(*rank)} {title}" if rank else title,
        url=paper.abs_url,
        fields=tuple(fields),
        description=readable(summary.tldr),
        subtitle=translated if translated and translated != title else "",
        links=paper_links(paper, lang),
        notes=(*summary_notes(summary), *(localized_note(n, lang) for n in footer_notes)),
        open_label=t("open_on_arxiv", lang),
    )
    root = Post(text="", card=card, image=figure)
    qa_lines = [f"**{t('key_points', lang)}**"]
    for i, pair in enumerate(summary.key_points, 1):
        entry = f"**Q{i}. {readable(pair.question)}**\n{readable(pair.answer)}"
        # An extractive answer is its quote: the citation then shows only where it is.
        cited = [
            format_citation(c, lang, quote=not _shown(c.quote, pair.answer)) for c in pair.citations
        ]
        if cited:
            entry += "\n" + "\n".join(f"> {line}" for line in cited)
        qa_lines.append(entry)
    qa_post = Post(text="\n\n".join(qa_lines))
    tags = " ".join(f"`#{tag}`" for tag in summary.tags)
    tags_post = Post(text=f"**{t('tags', lang)}** {tags}\n_{t('ask_hint', lang)}_")
    return PaperThread(root=root, replies=(qa_post, tags_post), thread_name=thread_name(title))


def paper_data(paper: Paper, summary: Summary) -> dict[str, object]:
    """The post as data (`paperclub paper ID --json`): what the card and the thread show,
    in the summary's language, for scripts and exports."""
    lang = summary.language
    translated = readable(summary.title_translated)
    links = {"abstract": paper.abs_url, "pdf": paper.pdf_url, "html": paper.html_url}
    if paper.code_url:
        links["code"] = paper.code_url
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": readable(paper.title),
        "title_translated": translated if translated != readable(paper.title) else "",
        "authors": list(paper.authors),
        "published": paper.published.date().isoformat(),
        "updated": paper.updated.date().isoformat(),
        "category": paper.primary_category,
        "comment": paper.comment,
        "links": links,
        "summary": readable(summary.tldr),
        "key_points": [
            {
                "question": readable(pair.question),
                "answer": readable(pair.answer),
                "citations": [citation_data(c) for c in pair.citations],
            }
            for pair in summary.key_points
        ],
        "tags": list(summary.tags),
        "notes": list(summary_notes(summary)),
        "engine": str(summary.engine),
        "model": summary.model,
        "language": lang,
    }


def citation_data(citation: Citation) -> dict[str, object]:
    return {
        "quote": citation.quote,
        "section": citation.section,
        "page": citation.page,
        "url": citation.url,
    }


def rank_badge(index: int, total: int) -> str:
    return f"[{index}/{total}]"


def with_rank(thread: PaperThread, index: int, total: int) -> PaperThread:
    """The same thread with "[index/total]" before its card's title (a digest's card)."""
    card = thread.root.card
    if card is None:
        return thread
    titled = replace(card, title=f"{rank_badge(index, total)} {card.title}")
    return replace(thread, root=replace(thread.root, card=titled))


HEADER_TITLE_CHARS = 50  # ten lines fit one Discord message; the full title is on the card


def digest_header(
    week: str,
    entries: list[DigestEntry],
    language: str,
    notes: tuple[str, ...] = (),
    thread_links: Mapping[str, str] | None = None,
) -> Post:
    """The post before a digest's cards: the week, each paper ranked with its link and
    why it was chosen, then what the digest must say (a source down, recency only).

    Each paper links to its thread when `thread_links` (arXiv id -> link) has it (the
    header is edited once the cards are posted), else to its arXiv page."""
    links = thread_links or {}
    lines = [
        f"**{t('digest_header_title', language, week=week)}**",
        t("digest_header_intro", language, n=len(entries)),
        "",
    ]
    lines.extend(
        header_line(entry, links.get(entry.arxiv_id) or f"https://arxiv.org/abs/{entry.arxiv_id}")
        for entry in entries
    )
    if notes:
        lines.append("")
        lines.extend(f"_{note}_" for note in notes)
    return Post(text="\n".join(lines))


def header_line(entry: DigestEntry, url: str) -> str:
    """`[3/10] [Title](url) — reason`: the same line in the header and in /digest's reply."""
    title = thread_name(readable(entry.title), HEADER_TITLE_CHARS).replace("[", "(")
    line = f"{rank_badge(entry.rank, entry.total)} [{title.replace(']', ')')}]({url})"
    return f"{line} — {entry.reason}" if entry.reason else line


def ranking_reason(ranked: RankedPaper, language: str) -> str:
    """One line from the ranking's parts: where it was talked about, topic match, a
    member's submission; "new this week" when it was chosen for its recency alone."""
    parts = ranked.score
    reasons = []
    talked = [name for name, value in sorted(parts.by_source, key=lambda p: -p[1]) if value > 0]
    if talked:
        reasons.append(t("reason_trending", language, sources=", ".join(talked)))
    if parts.interest > 0:
        reasons.append(t("reason_topics", language))
    if parts.submission > 0:
        reasons.append(t("reason_submitted", language))
    return " · ".join(reasons) or t("reason_recent", language)


def paper_links(paper: Paper, language: str) -> tuple[Link, ...]:
    links = [
        Link(t("link_abstract", language), paper.abs_url),
        Link("PDF", paper.pdf_url),
        Link("HTML", paper.html_url),
    ]
    if paper.code_url:
        links.append(Link(t("link_code", language), paper.code_url))
    return tuple(links)


def authors_line(authors: tuple[str, ...], language: str, shown: int = AUTHORS_SHOWN) -> str:
    """The first few authors, then "et al." (a card is scanned, not read)."""
    if len(authors) <= shown:
        return ", ".join(authors)
    return ", ".join(authors[:shown]) + " " + t("et_al", language, n=len(authors) - shown)


_BASIS_KEYS = {
    "arXiv HTML": "basis_html",
    "PDF": "basis_pdf",
    "abstract only": "basis_abstract",
    "local file": "basis_file",
}


def summary_notes(summary: Summary) -> tuple[str, ...]:
    """What the card says about how its summary was made, in the summary's language."""
    lang = summary.language
    engine = (
        t("extractive_note", lang)
        if summary.engine is SummaryEngine.EXTRACTIVE
        else f"{t('model_note', lang)} {summary.model}"
    )
    basis = t(_BASIS_KEYS[summary.basis], lang) if summary.basis in _BASIS_KEYS else summary.basis
    notes = [f"{engine} · {t('basis', lang)}: {basis}"]
    notes.extend(localized_note(n, lang) for n in summary.notes)
    return tuple(dict.fromkeys(n for n in notes if n))


# The reading and summarising notes, as the modules that write them phrase them in
# English, mapped to the catalog; the HTTP details in the parentheses are for the log.
_NOTE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^arXiv HTML unavailable \(.*\) and PDF unavailable \(.*\); only the abstract"),
        "note_abstract_only",
    ),
    (re.compile(r"^arXiv HTML unavailable \(.*\); used the PDF"), "note_html_unavailable"),
    (
        re.compile(r"^only the first (?P<n>[\d,]+) pages of the PDF were read"),
        "note_pdf_pages_read",
    ),
    (
        re.compile(r"^only the first (?P<n>[\d,]+) of (?P<total>[\d,]+) pages were read"),
        "note_pdf_pages_of",
    ),
    (
        re.compile(r"^pages? (?P<pages>.+) of the PDF could not be read and were skipped"),
        "note_pdf_pages_skipped",
    ),
    (re.compile(r"^only the first [\d,]+ passages"), "note_text_capped"),
    (
        re.compile(r"^The language model was unavailable \(.*\), so this summary is extractive"),
        "note_model_unavailable",
    ),
)


def localized_note(note: str, language: str) -> str:
    """A note in `language` when it is one the catalog knows; other notes as they are."""
    for pattern, key in _NOTE_PATTERNS:
        if m := pattern.match(note):
            return t(key, language, **m.groupdict())
    return note


def format_citation(
    citation: Citation, language: str, index: int | None = None, *, quote: bool = True
) -> str:
    """The one way a citation is shown: `[1] 3 Method, p. 6: “quote”`, linked to its
    place when the citation knows it (answers, key points, recaps, exports); without the
    quote (`quote=False`) where the text beside it already shows it."""
    where = citation.section or "?"
    if citation.page is not None:
        where += ", " + t("page_short", language, page=citation.page)
    if citation.url:
        where = f"[{where.replace('[', '(').replace(']', ')')}]({citation.url})"
    mark = f"[{index}] " if index is not None else ""
    return f"{mark}{where}: “{citation.quote}”" if quote else f"{mark}{where}"


def answer_post(answer: Answer, language: str) -> Post:
    parts = [answer.text]
    if answer.citations:
        lines = [f"**{t('sources', language)}**"]
        lines.extend(
            format_citation(c, language, i, quote=not _shown(c.quote, answer.text))
            for i, c in enumerate(answer.citations, 1)
        )
        parts.append("\n".join(lines))
    notes = list(answer.notes)
    if answer.engine is SummaryEngine.EXTRACTIVE:
        notes.insert(0, t("extractive_answer_note", language))
    if notes:
        parts.append("\n".join(f"_{n}_" for n in notes))
    return Post(text="\n\n".join(parts))


def _shown(quote: str, text: str) -> bool:
    """The answer already quotes it (an extractive answer): Sources need not repeat it."""
    return " ".join(quote.split()) in " ".join(text.split())


def thread_name(title: str, limit: int = 90) -> str:
    """Thread names are short on both platforms (Discord: 100 chars)."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into pieces of at most `limit` characters.

    Prefers paragraph breaks, then line breaks, then sentence ends, then spaces; a
    piece never ends inside a `code span`. Only a single word longer than `limit`
    is cut mid-word, since nothing else can be done with it.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            pieces.append(head)
    if rest:
        pieces.append(rest)
    return pieces


def _best_cut(text: str, limit: int) -> int:
    window = text[: limit + 1]
    for finder in (_last_paragraph_break, _last_line_break, _last_sentence_end, _last_space):
        cut = finder(window)
        while cut > 0 and _inside_code_span(text, cut):
            cut = finder(window[:cut])
        if cut > limit // 4:
            return cut
    return limit


def _last_paragraph_break(window: str) -> int:
    return max(window.rfind("\n\n"), 0)


def _last_line_break(window: str) -> int:
    return max(window.rfind("\n"), 0)


def _last_sentence_end(window: str) -> int:
    ends = [m.start() for m in _SENTENCE_END.finditer(window)]
    return ends[-1] if ends else 0


def _last_space(window: str) -> int:
    return max(window.rfind(" "), 0)


def _inside_code_span(text: str, position: int) -> bool:
    return text[:position].count("`") % 2 == 1
