"""A week's digest as one document, in the style of a weekly "Top ML Papers of the Week"
post: the list of papers with their dates, then each paper's metadata, summary and Q&A.

`collect_week` reads what the channel was actually sent (posts, papers, summaries in the
channel's language); `to_markdown` and `to_html` only render. Paper text is untrusted:
the HTML escapes everything, the Markdown escapes what could become links or markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain import ConversationRef, Paper, Summary
from bot.errors import InvalidSetting
from bot.store import PostState, Store
from bot.text import t

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True, slots=True)
class ExportedPaper:
    paper: Paper
    summary: Summary | None


@dataclass(frozen=True, slots=True)
class WeekDigest:
    week: str  # ISO week, "2023-W39"
    language: str
    papers: tuple[ExportedPaper, ...]

    @property
    def first_day(self) -> date:
        year, number = week_parts(self.week)
        return date.fromisocalendar(year, number, 1)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)


def parse_week(text: str) -> str:
    """An ISO week such as 2023-W39 (the week the digest was posted in)."""
    match = _WEEK.fullmatch(text.strip().upper())
    if match is None:
        raise InvalidSetting(key="error_unknown_week", given=text[:20])
    try:
        date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise InvalidSetting(key="error_no_such_week", year=match[1], week=match[2]) from None
    return f"{match[1]}-W{match[2]}"


def week_parts(week: str) -> tuple[int, int]:
    year, number = week.split("-W")
    return int(year), int(number)


async def collect_week(
    store: Store, conversation: ConversationRef, week: str, language: str
) -> WeekDigest:
    """The papers the channel's digest posted that week, in the order they were posted."""
    papers: list[ExportedPaper] = []
    for post in await store.posts_in_week(conversation, week):
        if post.state != PostState.COMPLETE or post.arxiv_id == "-":
            continue
        paper = await store.paper(post.arxiv_id)
        if paper is not None:
            papers.append(ExportedPaper(paper, await store.summary(post.arxiv_id, language)))
    return WeekDigest(week, language, tuple(papers))


def to_markdown(digest: WeekDigest) -> str:
    lang = digest.language
    lines = [f"# {t('export_title', lang)} ({digest.week}: {_span(digest)})", ""]
    lines += [f"## {t('export_papers', lang)}", ""]
    for number, item in enumerate(digest.papers, 1):
        lines.append(
            f"{number}. [{_md(item.paper.title)}](#paper-{number}) "
            f"({item.paper.published.date().isoformat()})"
        )
    for number, item in enumerate(digest.papers, 1):
        paper, summary = item.paper, item.summary
        lines += ["", "---", "", f'<a id="paper-{number}"></a>', ""]
        lines += [f"## {number}. {_md(paper.title)}", ""]
        for name, value in _metadata(paper, lang):
            lines.append(f"- **{name}:** {_md(value)}")
        lines.append(f"- **arXiv:** [{paper.arxiv_id}v{paper.version}]({paper.abs_url})")
        if summary is None:
            lines += ["", f"_{t('export_no_summary', lang)}_"]
            continue
        if summary.tags:
            lines.append(
                f"- **{t('tags', lang)}:** "
                + " ".join(f"`{t.replace('`', '')}`" for t in summary.tags)
            )
        lines += ["", f"### {t('summary', lang)}", "", _md(summary.tldr)]
        lines += ["", f"### {t('key_points', lang)}"]
        for index, pair in enumerate(summary.key_points, 1):
            lines += ["", f"**Q{index}. {_md(pair.question)}**", "", _md(pair.answer)]
    return "\n".join(lines) + "\n"


def to_html(digest: WeekDigest) -> str:
    lang = digest.language
    title = f"{t('export_title', lang)} ({digest.week}: {_span(digest)})"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(lang)}">',
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title></head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<h2>{html.escape(t('export_papers', lang))}</h2>",
        "<ol>",
    ]
    for number, item in enumerate(digest.papers, 1):
        out.append(
            f'<li><a href="#paper-{number}">{html.escape(item.paper.title)}</a> '
            f"({item.paper.published.date().isoformat()})</li>"
        )
    out.append("</ol>")
    for number, item in enumerate(digest.papers, 1):
        paper, summary = item.paper, item.summary
        out += [f'<article id="paper-{number}">', f"<h2>{number}. {html.escape(paper.title)}</h2>"]
        out.append("<ul>")
        for name, value in _metadata(paper, lang):
            out.append(f"<li><strong>{html.escape(name)}:</strong> {html.escape(value)}</li>")
        out.append(
            f'<li><strong>arXiv:</strong> <a href="{html.escape(paper.abs_url)}">'
            f"{html.escape(paper.arxiv_id)}v{paper.version}</a></li>"
        )
        if summary is not None and summary.tags:
            tags = " ".join(f"<code>{html.escape(t)}</code>" for t in summary.tags)
            out.append(f"<li><strong>{html.escape(t('tags', lang))}:</strong> {tags}</li>")
        out.append("</ul>")
        if summary is None:
            out.append(f"<p><em>{html.escape(t('export_no_summary', lang))}</em></p>")
        else:
            out += [
                f"<h3>{html.escape(t('summary', lang))}</h3>",
                f"<p>{html.escape(summary.tldr)}</p>",
                f"<h3>{html.escape(t('key_points', lang))}</h3>",
                "<dl>",
            ]
            for index, pair in enumerate(summary.key_points, 1):
                out.append(f"<dt>Q{index}. {html.escape(pair.question)}</dt>")
                out.append(f"<dd>{html.escape(pair.answer)}</dd>")
            out.append("</dl>")
        out.append("</article>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _metadata(paper: Paper, lang: str) -> list[tuple[str, str]]:
    return [
        (t("authors", lang), ", ".join(paper.authors)),
        (t("published", lang), paper.published.date().isoformat()),
        (t("updated", lang), paper.updated.date().isoformat()),
        (t("category", lang), paper.primary_category),
    ]


def _span(digest: WeekDigest) -> str:
    return f"{digest.first_day.isoformat()} – {digest.last_day.isoformat()}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    """Untrusted text as literal Markdown: no links, HTML, emphasis or headings of its own."""
    return _MD_SPECIAL.sub(r"\\\1", text)
