"""Platform-neutral posts, and splitting text to fit a platform's message limits.

Adapters turn a `Post` into a Discord embed + content or Slack blocks; they call
`split_text` with their own limit so long text is split at paragraph, line or
sentence boundaries (never mid-word, never inside a `code span`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain import Answer, Paper, Summary, SummaryEngine
from bot.text import t


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Card:
    """The header of a root post: Discord embed / Slack header + fields + link button."""

    title: str
    url: str
    fields: tuple[Field, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Post:
    """One message. `text` is a CommonMark subset (**bold**, lists, `code`, > quotes)."""

    text: str
    card: Card | None = None


@dataclass(frozen=True, slots=True)
class PaperThread:
    """A paper as the club sees it: a root post, then the thread's messages."""

    root: Post
    replies: tuple[Post, ...]
    thread_name: str


def paper_thread(
    paper: Paper, summary: Summary, *, footer_notes: tuple[str, ...] = ()
) -> PaperThread:
    lang = summary.language
    title = paper.title
    if summary.title_translated and summary.title_translated != paper.title:
        title = f"{paper.title} / {summary.title_translated}"
    card = Card(
        title=title,
        url=paper.abs_url,
        fields=(
            Field(t("authors", lang), _authors(paper.authors)),
            Field(t("published", lang), paper.published.date().isoformat()),
            Field(t("updated", lang), paper.updated.date().isoformat()),
            Field(t("category", lang), paper.primary_category),
            Field("arXiv", f"{paper.arxiv_id}v{paper.version}"),
        ),
        description=summary.tldr,
    )
    engine_note = (
        t("extractive_note", lang)
        if summary.engine is SummaryEngine.EXTRACTIVE
        else f"{t('model_note', lang)} {summary.model}"
    )
    notes = [f"{engine_note} · {t('basis', lang)}: {summary.basis}"]
    notes.extend(summary.notes)
    notes.extend(footer_notes)
    root = Post(text="\n".join(f"_{n}_" for n in notes), card=card)

    summary_post = Post(text=f"**{t('summary', lang)}**\n\n{summary.tldr}")
    qa_lines = [f"**{t('key_points', lang)}**"]
    for i, pair in enumerate(summary.key_points, 1):
        qa_lines.append(f"**Q{i}. {pair.question}**\n{pair.answer}")
    qa_post = Post(text="\n\n".join(qa_lines))
    tags = " ".join(f"`#{t}`" for t in summary.tags)
    tags_post = Post(text=f"**{t('tags', lang)}** {tags}\n_{t('ask_hint', lang)}_")
    return PaperThread(
        root=root,
        replies=(summary_post, qa_post, tags_post),
        thread_name=thread_name(paper.title),
    )


def answer_post(answer: Answer, language: str) -> Post:
    parts = [answer.text]
    if answer.citations:
        lines = [f"**{t('sources', language)}**"]
        for i, c in enumerate(answer.citations, 1):
            where = c.section or "?"
            if c.page is not None:
                where += f", p. {c.page}"
            lines.append(f"[{i}] {where}: “{c.quote}”")
        parts.append("\n".join(lines))
    notes = list(answer.notes)
    if answer.engine is SummaryEngine.EXTRACTIVE:
        notes.insert(0, t("extractive_answer_note", language))
    if notes:
        parts.append("\n".join(f"_{n}_" for n in notes))
    return Post(text="\n\n".join(parts))


def _authors(authors: tuple[str, ...], shown: int = 8) -> str:
    if len(authors) <= shown:
        return ", ".join(authors)
    return ", ".join(authors[:shown]) + f" +{len(authors) - shown}"


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
