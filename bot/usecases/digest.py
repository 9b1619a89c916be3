"""The weekly digest: this week's top papers for a channel, each posted exactly once.

A rerun in the same week (after a crash, or a member's /digest) first finishes what an
earlier run started, then fills the digest up to its size.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import (
    ConversationRef,
    DigestEntry,
    DigestReport,
    Paper,
    RankedPaper,
    ThreadRef,
    Window,
)
from bot.errors import DigestBusy, PaperclubError, StoreUnavailable
from bot.publishing import Publisher
from bot.publishing.keys import digest_header_key, digest_key, empty_digest_key
from bot.publishing.publisher import NO_PAPER
from bot.render import PaperThread, Post, digest_header, ranking_reason, with_rank
from bot.seams import PaperCatalog, PaperSource
from bot.sources.gather import ask_sources, require_some
from bot.sources.ranking import (
    SOCIAL_SOURCES,
    SOURCE_KEYS,
    RankingWeights,
    merge_candidates,
    missing_metadata,
    rank,
)
from bot.sources.submissions import SubmissionSource
from bot.store import PostRecord, PostState, Store
from bot.store.candidate_pools import Pool
from bot.store.named_locks import LockNotTaken
from bot.store.submissions import StoredSubmissions
from bot.text import t
from bot.usecases.candidate_pool import CandidatePools
from bot.usecases.channels import Channels
from bot.usecases.papers import Papers, PreparedPaper
from bot.usecases.progress import Progress, say
from bot.usecases.usage import billed_to

log = logging.getLogger(__name__)

CHANNEL_WAIT = 900.0  # seconds a second digest of a channel waits for the first


def channel_lock_name(conversation: ConversationRef) -> str:
    return f"digest {conversation.platform}:{conversation.workspace_id}:{conversation.channel_id}"


class Digest:
    def __init__(
        self,
        store: Store,
        sources: Sequence[PaperSource],
        submissions: StoredSubmissions,
        catalog: PaperCatalog,
        papers: Papers,
        channels: Channels,
        publisher: Publisher,
        pools: CandidatePools,
        *,
        window_days: int,
        concurrency: int,
        weights: RankingWeights | None = None,
    ) -> None:
        self._store = store
        self._sources = list(sources)
        self._submissions = submissions
        self._catalog = catalog
        self._papers = papers
        self._channels = channels
        self._publisher = publisher
        self._pools = pools
        self._window = timedelta(days=window_days)
        self._concurrency = concurrency
        self._weights = weights

    async def weekly_digest(
        self,
        conversation: ConversationRef,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        now: datetime | None = None,
        lock_wait: float = CHANNEL_WAIT,
    ) -> DigestReport:
        """Post this week's top papers to `conversation`, each exactly once.

        One digest per channel at a time in every process on the database (the channel's
        named lock): a member's "digest now" in a receiver and a worker's scheduled run
        never interleave their posts. DigestBusy after `lock_wait` seconds."""
        try:
            async with self._store.held(channel_lock_name(conversation), wait=lock_wait):
                with billed_to(conversation):
                    report = await self._weekly_digest(conversation, dry_run, progress, now)
                if not dry_run:
                    await self._forget_posted_submissions(conversation)
                return report
        except LockNotTaken:
            raise DigestBusy() from None

    async def _forget_posted_submissions(self, conversation: ConversationRef) -> None:
        pending = {c.arxiv_id for c in await self._submissions.pending(conversation)}
        if pending:
            posted = await self._store.posted_paper_ids(conversation)
            await self._submissions.mark_used(conversation, sorted(pending & posted))

    async def _weekly_digest(
        self,
        conversation: ConversationRef,
        dry_run: bool,
        progress: Progress | None,
        now: datetime | None,
    ) -> DigestReport:
        channel = await self._channels.channel_settings(conversation)
        moment = now or datetime.now(UTC)
        week = iso_week(moment, channel.timezone)
        report = DigestReport(conversation=conversation, week=week)
        window = Window(moment - self._window, moment)
        await say(progress, t("progress_finding_week", channel.language, week=week))

        this_week = [] if dry_run else await self._store.posts_in_week(conversation, week)
        this_week = [p for p in this_week if p.arxiv_id != NO_PAPER]  # the header, a notice
        unfinished = [p.arxiv_id for p in this_week if p.state != PostState.COMPLETE]
        report.already_posted = [p.arxiv_id for p in this_week if p.state == PostState.COMPLETE]
        wanted = max(0, channel.digest_size - len(this_week))

        ranked: list[RankedPaper] = []
        if wanted:
            exclude = set() if dry_run else await self._store.posted_paper_ids(conversation)
            exclude |= {p.arxiv_id for p in this_week}
            chosen = self._channel_sources(channel.sources)
            own = [SubmissionSource(self._submissions, conversation)]
            if dry_run:  # may run on a read-only store: nothing kept
                offered, failed = await ask_sources(chosen, window)
                pool = Pool(offered, unavailable=failed)
            else:  # shared by every channel with these sources (candidate_pool.py)
                pool = await self._pools.pool(chosen, window)
            submitted, own_unavailable = await ask_sources(own, window)
            candidates = [*pool.candidates, *submitted]
            report.unavailable_sources = {**pool.unavailable, **own_unavailable}
            require_some(candidates, report.unavailable_sources)
            report.header_notes = _header_notes(
                [s.name for s in chosen], report.unavailable_sources, channel.language
            )
            merged = merge_candidates(candidates)
            missing = [i for i in missing_metadata(merged) if i not in pool.papers]
            looked_up = {**pool.papers, **await self._catalog.lookup(missing)}
            posted_titles = [
                p.title for i in sorted(exclude) if (p := await self._store.paper(i)) is not None
            ]
            ranked = rank(
                merged,
                looked_up,
                window,
                channel.topics,
                exclude,
                wanted,
                muted=channel.muted_topics,
                topic_weights=dict(channel.topic_weights),
                categories=channel.categories,
                posted_titles=posted_titles,
                weights=self._weights,
            )
            report.ranked = ranked
        resumed = await self._papers.known_papers(unfinished)
        papers = [resumed[i] for i in unfinished if i in resumed] + [r.paper for r in ranked]
        if not papers:
            report.entries = await self._entries(conversation, this_week, [], {}, channel.language)
            report.empty_reason = _empty_reason(report, window)
            if not dry_run and not this_week:
                text = (
                    f"**{t('no_new_papers', channel.language)}** ({week}): {report.empty_reason}."
                )
                await self._publisher.publish_notice(
                    conversation,
                    Post(text=text),
                    thread_name=week,
                    key=empty_digest_key(conversation, week),
                    week=week,
                )
            return report

        notes = (
            *report.header_notes,
            *_source_notes(report.unavailable_sources, channel.language),
        )
        report.entries = await self._entries(
            conversation, this_week, ranked, resumed, channel.language
        )
        header = await self._post_header(conversation, week, report, channel.language, dry_run)
        await self._post_papers(
            conversation, papers, channel.language, week, notes, dry_run, progress, report
        )
        if header is not None:
            await self._link_header(header, week, report, channel.language)
        return report

    async def _entries(
        self,
        conversation: ConversationRef,
        this_week: Sequence[PostRecord],
        ranked: Sequence[RankedPaper],
        resumed: dict[str, Paper],
        language: str,
    ) -> list[DigestEntry]:
        """The week's papers in rank order: those an earlier run reserved (in the order it
        reserved them), then this run's ranking."""
        total = len(this_week) + len(ranked)
        entries: list[DigestEntry] = []
        for record in this_week:
            paper = resumed.get(record.arxiv_id) or await self._store.paper(record.arxiv_id)
            thread = ThreadRef(conversation, record.root_id) if record.root_id else None
            entries.append(
                DigestEntry(
                    len(entries) + 1,
                    total,
                    record.arxiv_id,
                    paper.title if paper else record.arxiv_id,
                    "",
                    thread,
                )
            )
        for item in ranked:
            entries.append(
                DigestEntry(
                    len(entries) + 1,
                    total,
                    item.paper.arxiv_id,
                    item.paper.title,
                    ranking_reason(item, language),
                )
            )
        return entries

    async def _post_header(
        self,
        conversation: ConversationRef,
        week: str,
        report: DigestReport,
        language: str,
        dry_run: bool,
    ) -> ThreadRef | None:
        """One post before the cards, exactly once a week: a rerun finds it posted. Its
        thread when this run posted it (this run then links it to the cards' threads)."""
        post = digest_header(week, report.entries, language, tuple(report.header_notes))
        name = t("digest_header_title", language, week=week)
        key = digest_header_key(conversation, week)
        try:
            if dry_run:
                await self._publisher.preview_thread(
                    conversation, PaperThread(post, (), name), key=key
                )
                return None
            return await self._publisher.publish_notice(
                conversation, post, thread_name=name, key=key, week=week
            )
        except StoreUnavailable:
            raise
        except PaperclubError as error:  # the cards matter more than their header
            log.warning("digest: the header failed for %s: %s", conversation, error)
            return None

    async def _link_header(
        self, header: ThreadRef, week: str, report: DigestReport, language: str
    ) -> None:
        """Once, by the run that posted the header, after the cards: each paper's line
        links to its thread. A rerun finds the header posted and edits nothing; a failed
        edit leaves the header linking to arXiv (logged), and nothing else changes."""
        links: dict[str, str] = {}
        try:
            for entry in report.entries:
                if entry.thread is not None:
                    links[entry.arxiv_id] = await self._publisher.thread_link(entry.thread)
            if not links:
                return
            post = digest_header(
                week, report.entries, language, tuple(report.header_notes), thread_links=links
            )
            key = digest_header_key(header.conversation, week)
            await self._publisher.edit_notice(header, post, key=key)
        except StoreUnavailable:
            raise
        except PaperclubError as error:
            log.warning("digest: the header of %s was not linked to its threads: %s", week, error)

    async def _post_papers(
        self,
        conversation: ConversationRef,
        papers: list[Paper],
        language: str,
        week: str,
        notes: tuple[str, ...],
        dry_run: bool,
        progress: Progress | None,
        report: DigestReport,
    ) -> None:
        """Prepare papers concurrently (bounded), post them one by one in rank order."""
        limit = asyncio.Semaphore(self._concurrency)
        done = 0

        async def prepare(paper: Paper) -> PreparedPaper:
            nonlocal done
            async with limit:
                await say(progress, t("progress_digest_reading", language, arxiv_id=paper.arxiv_id))
                prepared = await self._papers.prepare_paper(paper, language, notes)
            done += 1
            ready = t(
                "progress_digest_ready",
                language,
                arxiv_id=paper.arxiv_id,
                done=done,
                total=len(papers),
            )
            await say(progress, ready)
            return prepared

        entries = {entry.arxiv_id: entry for entry in report.entries}
        tasks = [asyncio.create_task(prepare(p)) for p in papers]
        try:
            for paper, task in zip(papers, tasks, strict=True):
                try:
                    prepared = await task
                    key = digest_key(conversation, week, paper.arxiv_id)
                    ranked_thread = prepared.thread
                    if entry := entries.get(paper.arxiv_id):
                        ranked_thread = with_rank(ranked_thread, entry.rank, entry.total)
                    if dry_run:
                        thread = await self._publisher.preview_thread(
                            conversation, ranked_thread, key=key
                        )
                    else:
                        thread = await self._publisher.publish_thread(
                            conversation,
                            ranked_thread,
                            key=key,
                            arxiv_id=paper.arxiv_id,
                            week=week,
                        )
                    report.posted.append(paper.arxiv_id)
                    if entry:
                        report.entries[report.entries.index(entry)] = replace(entry, thread=thread)
                    await say(
                        progress, t("progress_digest_posted", language, arxiv_id=paper.arxiv_id)
                    )
                except StoreUnavailable:
                    raise  # every later paper would fail the same way: say it once
                except PaperclubError as error:
                    log.warning("digest: %s failed for %s: %s", paper.arxiv_id, conversation, error)
                    report.failed[paper.arxiv_id] = str(error)
        finally:
            for task in tasks:
                task.cancel()

    def _channel_sources(self, keys: Sequence[str]) -> list[PaperSource]:
        """The configured sources a channel uses (`sources=` in its settings; all when unset)."""
        if not keys:
            return self._sources
        names = {SOURCE_KEYS.get(key, key) for key in keys}
        return [source for source in self._sources if source.name in names]


def _header_notes(used: Sequence[str], unavailable: dict[str, str], language: str) -> list[str]:
    """What the digest must say above its papers: a source whose format changed, and that
    the ranking is by recency alone when every social source used was unavailable."""
    notes = [
        t("source_format_changed", language, source=name)
        for name, reason in unavailable.items()
        if "format changed" in reason
    ]
    social = [name for name in used if name in SOCIAL_SOURCES]
    if social and all(name in unavailable for name in social):
        names = social[0] if len(social) == 1 else ", ".join(social[:-1]) + " and " + social[-1]
        notes.append(t("ranked_by_recency", language, sources=names))
    return notes


def iso_week(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def _empty_reason(report: DigestReport, window: Window) -> str:
    span = f"{window.start.date().isoformat()} to {window.end.date().isoformat()}"
    if report.already_posted:
        return f"this week's digest ({len(report.already_posted)} papers) was already posted"
    if report.unavailable_sources:
        down = ", ".join(f"{n}: {r}" for n, r in report.unavailable_sources.items())
        return f"every paper found for {span} was already posted here, and some sources failed ({down})"
    return f"every paper the sources found for {span} was already posted in this channel"


def _source_notes(unavailable: dict[str, str], language: str) -> tuple[str, ...]:
    if not unavailable:
        return ()
    down = "; ".join(f"{name} ({reason})" for name, reason in unavailable.items())
    return (f"{t('sources_down', language)}: {down}",)
