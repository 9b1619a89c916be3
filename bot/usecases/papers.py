"""One paper: its metadata, its summary (computed once per paper and language), and
its thread in a channel on demand (`/paper`)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from bot.domain import ConversationRef, Paper, Summary, ThreadRef
from bot.errors import LLMUnavailable, PaperNotFound
from bot.keyed_locks import KeyedLocks
from bot.llm.gates import SummaryUnusable, unusable_note
from bot.publishing import Publisher
from bot.publishing.keys import summon_key
from bot.reading.figures import KeyFigure, KeyFigures
from bot.reading.library import PaperLibrary
from bot.render import Image, PaperThread, paper_thread
from bot.seams import LLM, PaperCatalog
from bot.sources.ids import parse_arxiv_ref
from bot.store import Store
from bot.store.named_locks import LockNotTaken
from bot.text import t
from bot.usecases.channels import Channels
from bot.usecases.progress import Progress, say

log = logging.getLogger(__name__)

ON_DEMAND_WEEK = "on-demand"  # the week column of a summoned paper's post
PREPARE_WAIT = 600.0  # seconds another process may take to summarize a paper first


@dataclass(frozen=True, slots=True)
class PreparedPaper:
    paper: Paper
    thread: PaperThread
    figure: KeyFigure | None = None  # the paper's key figure, also on the thread's root


class Papers:
    def __init__(
        self,
        store: Store,
        catalog: PaperCatalog,
        llm: LLM,
        fallback: LLM,
        library: PaperLibrary,
        channels: Channels,
        publisher: Publisher,
        figures: KeyFigures | None = None,
    ) -> None:
        """`fallback` is the offline extractive engine, used when `llm` fails; `figures`
        finds each paper's key figure (None: papers post without one)."""
        self._figures = figures
        self._store = store
        self._catalog = catalog
        self._llm = llm
        self._fallback = fallback
        self._library = library
        self._channels = channels
        self._publisher = publisher
        self._summary_locks: KeyedLocks[tuple[str, str]] = KeyedLocks()

    async def find_paper(self, arxiv_id: str) -> Paper:
        found = await self._catalog.lookup([arxiv_id])
        if arxiv_id not in found:
            raise PaperNotFound(arxiv_id)
        return found[arxiv_id]

    async def known_paper(self, arxiv_id: str) -> Paper:
        """From the store when it holds the paper, else from arXiv."""
        return await self._store.paper(arxiv_id) or await self.find_paper(arxiv_id)

    async def known_papers(self, arxiv_ids: list[str]) -> dict[str, Paper]:
        """Metadata from the store, asking arXiv only for what it does not hold."""
        found = {i: p for i in arxiv_ids if (p := await self._store.paper(i)) is not None}
        missing = [i for i in arxiv_ids if i not in found]
        return found | (await self._catalog.lookup(missing) if missing else {})

    async def saved_paper(self, reference: str) -> Paper:
        """The paper `reference` names, kept in the store (a reading list entry needs it)."""
        arxiv_id = parse_arxiv_ref(reference).arxiv_id
        paper = await self._store.paper(arxiv_id)
        if paper is None:
            paper = await self.find_paper(arxiv_id)
            await self._store.save_paper(paper)
        return paper

    async def summary_for(self, paper: Paper, language: str) -> Summary:
        """The paper's summary in `language`: computed once, then shared by every channel."""
        async with self._summary_locks.hold((paper.arxiv_id, language)):
            cached = await self._store.summary(paper.arxiv_id, language)
            if cached is not None:
                return cached
            text = await self._library.text(paper)
            try:
                summary = await self._llm.summarise(paper, text, language)
            except LLMUnavailable as error:
                log.warning(
                    "summary of %s degraded to extractive: %s", paper.arxiv_id, error.reason
                )
                summary = await self._fallback.summarise(paper, text, language)
                note = f"The language model was unavailable ({error.reason}), so this summary is extractive."
                if isinstance(error, SummaryUnusable):  # it answered, badly: say why, localized
                    note = unusable_note(error, language)
                return replace(summary, notes=(*summary.notes, note))
            await self._store.save_summary(summary)
            return summary

    async def prepare_paper(
        self, paper: Paper, language: str, notes: tuple[str, ...] = ()
    ) -> PreparedPaper:
        await self._store.save_paper(paper)
        # One process prepares a paper in a language while the others wait, then find
        # its summary stored: many channels' digests of one week share their papers.
        try:
            async with self._store.held(
                f"prepare {paper.arxiv_id}v{paper.version} {language}", wait=PREPARE_WAIT
            ):
                summary = await self.summary_for(paper, language)
        except LockNotTaken:  # the holder is slow or stuck: prepare it here too
            summary = await self.summary_for(paper, language)
        figure = await self.key_figure(paper)
        image = figure_image(figure, language) if figure is not None else None
        # Rendering converts the LaTeX of every key point (pylatexenc): CPU work, off the loop.
        thread = await asyncio.to_thread(
            paper_thread, paper, summary, footer_notes=notes, figure=image
        )
        return PreparedPaper(paper, thread, figure)

    async def key_figure(self, paper: Paper) -> KeyFigure | None:
        """The paper's key figure, from the full text it was read from (HTML or PDF)."""
        if self._figures is None:
            return None
        text = await self._library.text(paper)
        return await self._figures.key_figure(paper.arxiv_id, paper.version, text.source)

    async def summon_paper(
        self, conversation: ConversationRef, reference: str, progress: Progress | None = None
    ) -> ThreadRef:
        """Open a paper's thread in `conversation` now; reuse the thread if it already has one."""
        arxiv_id = parse_arxiv_ref(reference).arxiv_id
        existing = await self._store.channel_thread_for(conversation, arxiv_id)
        if existing is not None:
            return existing
        channel = await self._channels.channel_settings(conversation)
        language = channel.language
        await say(progress, t("progress_looking_up", language, arxiv_id=arxiv_id))
        paper = await self.find_paper(arxiv_id)
        await say(progress, t("progress_reading_paper", language, title=paper.title[:80]))
        prepared = await self.prepare_paper(paper, channel.language)
        thread = await self._publisher.publish_thread(
            conversation,
            prepared.thread,
            key=summon_key(conversation, arxiv_id),
            arxiv_id=arxiv_id,
            week=ON_DEMAND_WEEK,
        )
        await say(progress, t("progress_thread_opened", language, arxiv_id=arxiv_id))
        return thread

    async def preview_paper(self, reference: str, language: str) -> PreparedPaper:
        """A paper's post without posting it anywhere (`paperclub paper --dry-run`)."""
        paper = await self.find_paper(parse_arxiv_ref(reference).arxiv_id)
        return await self.prepare_paper(paper, language)


def figure_image(figure: KeyFigure, language: str) -> Image:
    """The key figure as the post carries it, with its heading in the channel's language."""
    heading = (
        t("key_figure", language)
        if figure.page is None
        else t("key_figure_page", language, page=figure.page)
    )
    caption = f"{heading}\n{figure.caption}" if figure.caption else heading
    return Image(figure.image, figure.filename, figure.content_type, caption, figure.url)
