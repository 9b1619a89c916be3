"""A new arXiv version of a paper the club has threads for: one note in each thread,
saying what changed, and the paper read again.

At most once a day the club's tick asks arXiv for every paper some channel has a thread
for, batched (`ArxivClient.lookup`: one id_list query per 100 ids, one request every
3 s). For each paper arXiv now has at a higher version: the text read before is kept
aside, the stored text, vectors, summaries and in-memory index are dropped, the new
version is read, and each channel's thread gets one note (abstract sentences added and
removed, sections added and removed, pages before and after), keyed per paper, version
and channel so a retry or restart never posts it twice. No second thread is opened.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import Paper, ThreadRef
from bot.errors import PaperclubError
from bot.publishing import Publisher
from bot.publishing.keys import VERSION_CHECK, new_version_key
from bot.reading.chunking import split_sentences
from bot.reading.library import PaperLibrary
from bot.reading.model import PaperText
from bot.render import Post
from bot.seams import PaperCatalog
from bot.store import Store
from bot.store.club_notes import ClubNotes
from bot.text import t
from bot.text.latex import readable
from bot.usecases.channels import Channels

log = logging.getLogger(__name__)

CHECK_INTERVAL = timedelta(days=1)
RETRY_AFTER_FAILURE = timedelta(hours=1)
SHOWN_SENTENCES = 3
SHOWN_SENTENCE_CHARS = 240
_PAGES = re.compile(r"(\d{1,4})\s*pages?\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class VersionChange:
    """What changed between the version a thread was about and the new one."""

    before: Paper
    after: Paper
    sentences_added: tuple[str, ...]
    sentences_removed: tuple[str, ...]
    sections_added: tuple[str, ...]
    sections_removed: tuple[str, ...]
    sections_kept: int
    pages_before: int | None
    pages_after: int | None


class NewVersions:
    def __init__(
        self,
        store: Store,
        notes: ClubNotes,
        catalog: PaperCatalog,
        library: PaperLibrary,
        channels: Channels,
        publisher: Publisher,
    ) -> None:
        self._store = store
        self._notes = notes
        self._catalog = catalog
        self._library = library
        self._channels = channels
        self._publisher = publisher

    async def check_due(self, now: datetime) -> int:
        """The club tick's job: a check when the last one is a day old. Returns the notes
        posted. A failed check (arXiv down) is tried again an hour later, not every minute."""
        last = await self._notes.last_check(VERSION_CHECK)
        if last is not None and now - last < CHECK_INTERVAL:
            return 0
        try:
            posted = await self.check()
        except PaperclubError:
            await self._notes.record_check(
                VERSION_CHECK, now - CHECK_INTERVAL + RETRY_AFTER_FAILURE
            )
            raise
        await self._notes.record_check(VERSION_CHECK, now)
        return posted

    async def check(self) -> int:
        """Ask arXiv about every paper with a thread; announce each new version."""
        known: dict[str, Paper] = {}
        for arxiv_id in await self._notes.papers_with_threads():
            paper = await self._store.paper(arxiv_id)
            if paper is not None:
                known[arxiv_id] = paper
        if not known:
            return 0
        current = await self._catalog.lookup(list(known))
        posted = 0
        for arxiv_id, before in known.items():
            after = current.get(arxiv_id)
            if after is not None and after.version > before.version:
                posted += await self.announce(before, after)
        return posted

    async def announce(self, before: Paper, after: Paper) -> int:
        """Read `after` in place of `before` and tell each of the paper's threads once."""
        old_text = await self._library.text(before)
        await self._library.forget(after.arxiv_id)
        new_text = await self._library.text(after)
        change = compare(before, old_text, after, new_text)
        posted = 0
        for thread in await self._notes.paper_threads(after.arxiv_id):
            if await self._tell(thread, change):
                posted += 1
        # Last: until every thread was told, a restart still sees the version as new.
        await self._store.save_paper(after)
        return posted

    async def _tell(self, thread: ThreadRef, change: VersionChange) -> bool:
        key = new_version_key(thread.conversation, change.after.arxiv_id, change.after.version)
        if await self._notes.posted(key):
            return False
        language = (await self._channels.channel_settings(thread.conversation)).language
        message = await self._publisher.reply_once(
            thread, Post(text=version_note(change, language)), key=key
        )
        await self._notes.mark_posted(key, message.message_id)
        return True


def _sentences(abstract: str) -> list[str]:
    return [s.strip() for s in split_sentences(" ".join(abstract.split())) if s.strip()]


def _sections(text: PaperText) -> list[str]:
    names = (" ".join(p.section.split()) for p in text.passages if p.kind != "abstract")
    return [n for n in dict.fromkeys(names) if n and n.lower() != "abstract"]


def _pages(paper: Paper, text: PaperText) -> int | None:
    pages = [p.page for p in text.passages if p.page is not None]
    if pages:
        return max(pages)
    found = _PAGES.search(paper.comment)
    return int(found.group(1)) if found else None


def compare(before: Paper, old: PaperText, after: Paper, new: PaperText) -> VersionChange:
    old_sentences, new_sentences = _sentences(before.abstract), _sentences(after.abstract)
    old_sections, new_sections = _sections(old), _sections(new)
    return VersionChange(
        before=before,
        after=after,
        sentences_added=tuple(s for s in new_sentences if s not in old_sentences),
        sentences_removed=tuple(s for s in old_sentences if s not in new_sentences),
        sections_added=tuple(s for s in new_sections if s not in old_sections),
        sections_removed=tuple(s for s in old_sections if s not in new_sections),
        sections_kept=sum(1 for s in new_sections if s in old_sections),
        pages_before=_pages(before, old),
        pages_after=_pages(after, new),
    )


def _quoted(sentences: Sequence[str], mark: str) -> list[str]:
    lines = []
    for sentence in sentences[:SHOWN_SENTENCES]:
        shown = readable(sentence)
        if len(shown) > SHOWN_SENTENCE_CHARS:
            shown = shown[: SHOWN_SENTENCE_CHARS - 1].rsplit(" ", 1)[0] + "…"
        lines.append(f"> {mark} “{shown}”")
    return lines


def version_note(change: VersionChange, language: str) -> str:
    after = change.after
    lines = [
        "**"
        + t("version_heading", language, version=after.version, old=change.before.version)
        + "**",
        f"{after.abs_url}v{after.version}",
    ]
    if change.sentences_added or change.sentences_removed:
        lines.append(
            "• "
            + t(
                "version_abstract",
                language,
                added=len(change.sentences_added),
                removed=len(change.sentences_removed),
            )
        )
        lines += _quoted(change.sentences_added, "+")
        lines += _quoted(change.sentences_removed, "−")
    else:
        lines.append("• " + t("version_abstract_same", language))
    if change.sections_added:
        names = ", ".join(readable(s) for s in change.sections_added)
        lines.append("• " + t("version_sections_added", language, names=names))
    if change.sections_removed:
        names = ", ".join(readable(s) for s in change.sections_removed)
        lines.append("• " + t("version_sections_removed", language, names=names))
    if not change.sections_added and not change.sections_removed:
        lines.append("• " + t("version_sections_same", language, n=change.sections_kept))
    unknown = t("version_pages_unknown", language)
    lines.append(
        "• "
        + t(
            "version_pages",
            language,
            before=change.pages_before if change.pages_before is not None else unknown,
            after=change.pages_after if change.pages_after is not None else unknown,
        )
    )
    lines.append("_" + t("version_reread", language, version=after.version) + "_")
    return "\n".join(lines)
