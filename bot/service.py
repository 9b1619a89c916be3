"""PaperClub: the use cases every adapter calls (digest, summon, answer, settings, search).

The service owns the rules the platforms share: which thread a reply goes in, that a
paper is posted to a channel exactly once, that summaries are computed once per
paper and language, and that nothing we send carries a secret or a mass mention.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.answering import extractive_answer, finalise_answer
from bot.command_text import help_text
from bot.config import Settings
from bot.domain import (
    Answer,
    ArchiveHit,
    Author,
    ChannelSettings,
    ConversationRef,
    DigestReport,
    Paper,
    RankedPaper,
    Summary,
    ThreadRef,
    Turn,
    Window,
)
from bot.errors import (
    InvalidSetting,
    LLMUnavailable,
    PaperclubError,
    PaperNotFound,
    PlatformUnavailable,
)
from bot.i18n import SUPPORTED_LANGUAGES, label
from bot.llm.extractive import ExtractiveEngine
from bot.reading.fetch import LOCAL_SUFFIXES
from bot.reading.library import PaperLibrary
from bot.reading.model import PaperText, Passage, TextSource
from bot.render import PaperThread, Post, answer_post, paper_thread
from bot.retrieval import ScoredPassage
from bot.seams import LLM, Chat, PaperCatalog, PaperSource
from bot.sources.gather import gather_candidates
from bot.sources.ids import parse_arxiv_ref
from bot.sources.ranking import merge_candidates, missing_metadata, rank
from bot.sources.submissions import SubmissionSource
from bot.store import PostState, Store
from bot.store.submissions import SqliteSubmissions
from bot.usage import RateLimiter, billed_to

log = logging.getLogger(__name__)

Progress = Callable[[str], Awaitable[None]]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FOLLOW_UP_WORDS = 8  # a question this short may lean on the thread's previous one
STREAM_EDIT_INTERVAL = 1.0  # seconds between edits of a streaming answer: well inside rate limits
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Evidence:
    """An answer and the passages it was given, in rank order (`paperclub ask --json`)."""

    answer: Answer
    passages: tuple[ScoredPassage, ...]


@dataclass(frozen=True, slots=True)
class PreparedPaper:
    paper: Paper
    thread: PaperThread


class PaperClub:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        catalog: PaperCatalog,
        sources: Sequence[PaperSource],
        llm: LLM,
        library: PaperLibrary,
    ) -> None:
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.sources = list(sources)
        self.llm = llm
        self.library = library
        self._extractive = ExtractiveEngine()
        self._chats: dict[str, Chat] = {}
        self._summary_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._channel_locks: dict[ConversationRef, asyncio.Lock] = {}
        self._post_locks: dict[str, asyncio.Lock] = {}
        self._secrets = [s for s in settings.secrets() if len(s) >= 6]
        self._question_limiter = RateLimiter(settings.questions_per_user_per_hour, 3600.0)
        self.settings_listeners: list[Callable[[ChannelSettings], Awaitable[None]]] = []
        self.submissions = SqliteSubmissions(store)

    def attach_chat(self, platform: str, chat: Chat) -> None:
        self._chats[str(platform)] = chat

    def chat_for(self, conversation: ConversationRef) -> Chat:
        try:
            return self._chats[str(conversation.platform)]
        except KeyError:
            raise PaperclubError(f"No {conversation.platform} connection is running.") from None

    # Weekly digest ---------------------------------------------------------------

    async def weekly_digest(
        self,
        conversation: ConversationRef,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        now: datetime | None = None,
    ) -> DigestReport:
        """Post this week's top papers to `conversation`, each exactly once.

        A rerun in the same week (after a crash, or a member's /digest) first finishes
        what an earlier run started, then fills the digest up to its size.
        """
        async with self._channel_lock(conversation):
            with billed_to(conversation):
                report = await self._weekly_digest(conversation, dry_run, progress, now)
            if not dry_run:
                await self._forget_posted_submissions(conversation)
            return report

    async def _forget_posted_submissions(self, conversation: ConversationRef) -> None:
        pending = {c.arxiv_id for c in await self.submissions.pending(conversation)}
        if pending:
            posted = await self.store.posted_paper_ids(conversation)
            await self.submissions.mark_used(conversation, sorted(pending & posted))

    async def _weekly_digest(
        self,
        conversation: ConversationRef,
        dry_run: bool,
        progress: Progress | None,
        now: datetime | None,
    ) -> DigestReport:
        channel = await self.channel_settings(conversation)
        moment = now or datetime.now(UTC)
        week = iso_week(moment, channel.timezone)
        report = DigestReport(conversation=conversation, week=week)
        window = Window(moment - timedelta(days=self.settings.digest_window_days), moment)
        await _say(progress, f"Finding this week's papers ({week})…")

        this_week = [] if dry_run else await self.store.posts_in_week(conversation, week)
        unfinished = [p.arxiv_id for p in this_week if p.state != PostState.COMPLETE]
        report.already_posted = [p.arxiv_id for p in this_week if p.state == PostState.COMPLETE]
        wanted = max(0, channel.digest_size - len(this_week))

        ranked: list[RankedPaper] = []
        if wanted:
            exclude = set() if dry_run else await self.store.posted_paper_ids(conversation)
            exclude |= {p.arxiv_id for p in this_week}
            sources = [*self.sources, SubmissionSource(self.submissions, conversation)]
            candidates, report.unavailable_sources = await gather_candidates(sources, window)
            merged = merge_candidates(candidates)
            looked_up = await self.catalog.lookup(missing_metadata(merged))
            ranked = rank(merged, looked_up, window, channel.topics, exclude, wanted)
            report.ranked = ranked
        resumed = await self._known_papers(unfinished)
        papers = [resumed[i] for i in unfinished if i in resumed] + [r.paper for r in ranked]
        if not papers:
            report.empty_reason = self._empty_reason(report, window)
            if not dry_run and not this_week:
                await self._post_empty_notice(conversation, week, channel.language, report)
            return report

        notes = _source_notes(report.unavailable_sources, channel.language)
        await self._post_papers(
            conversation, papers, channel.language, week, notes, dry_run, progress, report
        )
        return report

    async def _known_papers(self, arxiv_ids: list[str]) -> dict[str, Paper]:
        """Metadata from the store, asking arXiv only for what it does not hold."""
        found = {i: p for i in arxiv_ids if (p := await self.store.paper(i)) is not None}
        missing = [i for i in arxiv_ids if i not in found]
        return found | (await self.catalog.lookup(missing) if missing else {})

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
        limit = asyncio.Semaphore(self.settings.digest_concurrency)
        done = 0

        async def prepare(paper: Paper) -> PreparedPaper:
            nonlocal done
            async with limit:
                await _say(progress, f"{paper.arxiv_id}: reading and summarising")
                prepared = await self.prepare_paper(paper, language, notes)
            done += 1
            await _say(progress, f"{paper.arxiv_id}: summary ready ({done}/{len(papers)})")
            return prepared

        tasks = [asyncio.create_task(prepare(p)) for p in papers]
        try:
            for paper, task in zip(papers, tasks, strict=True):
                try:
                    prepared = await task
                    key = digest_key(conversation, week, paper.arxiv_id)
                    await self._post_once(conversation, prepared, key, week, dry_run)
                    report.posted.append(paper.arxiv_id)
                    await _say(progress, f"{paper.arxiv_id}: posted")
                except PaperclubError as error:
                    log.warning("digest: %s failed for %s: %s", paper.arxiv_id, conversation, error)
                    report.failed[paper.arxiv_id] = str(error)
        finally:
            for task in tasks:
                task.cancel()

    async def prepare_paper(
        self, paper: Paper, language: str, notes: tuple[str, ...] = ()
    ) -> PreparedPaper:
        await self.store.save_paper(paper)
        summary = await self.summary_for(paper, language)
        return PreparedPaper(paper, paper_thread(paper, summary, footer_notes=notes))

    async def summary_for(self, paper: Paper, language: str) -> Summary:
        """The paper's summary in `language`: computed once, then shared by every channel."""
        lock = self._summary_locks.setdefault((paper.arxiv_id, language), asyncio.Lock())
        async with lock:
            cached = await self.store.summary(paper.arxiv_id, language)
            if cached is not None:
                return cached
            text = await self.library.text(paper)
            try:
                summary = await self.llm.summarise(paper, text, language)
            except LLMUnavailable as error:
                log.warning(
                    "summary of %s degraded to extractive: %s", paper.arxiv_id, error.reason
                )
                summary = await self._extractive.summarise(paper, text, language)
                note = f"The language model was unavailable ({error.reason}), so this summary is extractive."
                return replace(summary, notes=(*summary.notes, note))
            await self.store.save_summary(summary)
            return summary

    async def _post_once(
        self,
        conversation: ConversationRef,
        prepared: PreparedPaper,
        key: str,
        week: str,
        dry_run: bool,
    ) -> ThreadRef:
        """Post a paper thread under `key` so no retry or restart can post it twice.

        The root is reserved in the store, looked up on the platform if a crash left
        its fate unknown, then each reply is posted with its own key and counted.
        """
        chat = self.chat_for(conversation)
        thread_post = prepared.thread
        if dry_run:
            thread = await chat.open_thread(
                conversation,
                self._outbound(thread_post.root),
                thread_name=self.clean_text(thread_post.thread_name),
                idempotency_key=key,
            )
            for index, reply in enumerate(thread_post.replies):
                await chat.reply(thread, self._outbound(reply), idempotency_key=f"{key}#{index}")
            return thread

        # Two members summoning the same paper at once: the second waits, then finds it done.
        async with self._post_locks.setdefault(key, asyncio.Lock()):
            return await self._post_reserved(conversation, prepared, key, week)

    async def _post_reserved(
        self, conversation: ConversationRef, prepared: PreparedPaper, key: str, week: str
    ) -> ThreadRef:
        chat = self.chat_for(conversation)
        thread_post = prepared.thread
        arxiv_id = prepared.paper.arxiv_id
        record = await self.store.reserve_post(key, conversation, arxiv_id, week)
        if record.state == PostState.RESERVED:
            found = None if record.fresh else await chat.find_thread(conversation, key)
            thread = found or await chat.open_thread(
                conversation,
                self._outbound(thread_post.root),
                thread_name=self.clean_text(thread_post.thread_name),
                idempotency_key=key,
            )
            await self.store.mark_root_posted(key, thread, arxiv_id)
            replies_done = 0
        else:
            assert record.root_id is not None
            thread = ThreadRef(conversation, record.root_id)
            replies_done = record.replies_done
        if record.state != PostState.COMPLETE:
            for index in range(replies_done, len(thread_post.replies)):
                await chat.reply(
                    thread,
                    self._outbound(thread_post.replies[index]),
                    idempotency_key=f"{key}#{index}",
                )
                await self.store.mark_reply_posted(key, index + 1)
            await self.store.mark_complete(key)
        return thread

    def _empty_reason(self, report: DigestReport, window: Window) -> str:
        span = f"{window.start.date().isoformat()} to {window.end.date().isoformat()}"
        if report.already_posted:
            return f"this week's digest ({len(report.already_posted)} papers) was already posted"
        if report.unavailable_sources:
            down = ", ".join(f"{n}: {r}" for n, r in report.unavailable_sources.items())
            return f"every paper found for {span} was already posted here, and some sources failed ({down})"
        return f"every paper the sources found for {span} was already posted in this channel"

    async def _post_empty_notice(
        self, conversation: ConversationRef, week: str, language: str, report: DigestReport
    ) -> None:
        key = f"{digest_key(conversation, week, 'none')}"
        record = await self.store.reserve_post(key, conversation, "-", week)
        if record.state != PostState.RESERVED:
            return
        chat = self.chat_for(conversation)
        text = f"**{label('no_new_papers', language)}** ({week}): {report.empty_reason}."
        found = None if record.fresh else await chat.find_thread(conversation, key)
        thread = found or await chat.open_thread(
            conversation, self._outbound(Post(text=text)), thread_name=week, idempotency_key=key
        )
        await self.store.mark_root_posted(key, thread, "-")
        await self.store.mark_complete(key)

    # One paper on demand ----------------------------------------------------------

    async def summon_paper(
        self, conversation: ConversationRef, reference: str, progress: Progress | None = None
    ) -> ThreadRef:
        """Open a paper's thread in `conversation` now; reuse the thread if it already has one."""
        arxiv_id = parse_arxiv_ref(reference).arxiv_id
        existing = await self.store.channel_thread_for(conversation, arxiv_id)
        if existing is not None:
            return existing
        await _say(progress, f"Looking up {arxiv_id} on arXiv…")
        paper = await self.find_paper(arxiv_id)
        channel = await self.channel_settings(conversation)
        await _say(progress, f"Reading and summarising “{paper.title[:80]}”…")
        prepared = await self.prepare_paper(paper, channel.language)
        key = f"paper:{conversation.platform}:{conversation.workspace_id}:{conversation.channel_id}:{arxiv_id}"
        thread = await self._post_once(conversation, prepared, key, "on-demand", dry_run=False)
        await _say(progress, f"Opened the thread for {arxiv_id}.")
        return thread

    async def preview_paper(self, reference: str, language: str) -> PreparedPaper:
        """A paper's post without posting it anywhere (`paperclub paper --dry-run`)."""
        paper = await self.find_paper(parse_arxiv_ref(reference).arxiv_id)
        return await self.prepare_paper(paper, language)

    async def find_paper(self, arxiv_id: str) -> Paper:
        found = await self.catalog.lookup([arxiv_id])
        if arxiv_id not in found:
            raise PaperNotFound(arxiv_id)
        return found[arxiv_id]

    # Questions in a paper's thread --------------------------------------------------

    async def is_paper_thread(self, thread: ThreadRef) -> bool:
        return await self.store.thread_paper(thread) is not None

    async def answer(self, thread: ThreadRef, author: Author, question: str) -> Answer | None:
        """Answer `question` in `thread` from the paper's text, streaming; None if not our thread."""
        if author.is_bot:
            return None
        arxiv_id = await self.store.thread_paper(thread)
        if arxiv_id is None:
            return None
        chat = self.chat_for(thread.conversation)
        channel = await self.channel_settings(thread.conversation)
        question = readable(question).strip()
        if not question:
            return None
        refusal = await self._question_refusal(thread.conversation, author, question)
        if refusal:
            await chat.reply(thread, Post(text=refusal))
            return None
        paper = await self.store.paper(arxiv_id) or await self.find_paper(arxiv_id)
        text = await self.library.text(paper)
        history = await self.store.turns(thread)
        with billed_to(thread.conversation):
            answer = await self._stream_answer(
                chat, thread, question, text, history, channel.language
            )
        await self.store.add_turn(thread, Turn("user", author.user_id, question))
        await self.store.add_turn(
            thread, Turn("assistant", "paperclub", self.clean_text(answer.text))
        )
        return answer

    async def _question_refusal(
        self, conversation: ConversationRef, author: Author, question: str
    ) -> str:
        """Why this question cannot be answered now (a polite message), or "" if it can."""
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return (
                f"That message is {len(question):,} characters long; please ask in at most "
                f"{limit:,} characters (quote only the part you are asking about)."
            )
        wait = self._question_limiter.allow(
            (str(conversation.platform), conversation.workspace_id, author.user_id)
        )
        if wait:
            return (
                f"You have asked {self.settings.questions_per_user_per_hour} questions in the last "
                f"hour, which is this club's limit. Please try again in {int(wait // 60) + 1} minutes."
            )
        budget = self.settings.workspace_daily_tokens
        if budget:
            since = datetime.now(UTC) - timedelta(days=1)
            used = await self.store.workspace_tokens_since(
                str(conversation.platform), conversation.workspace_id, since
            )
            if used >= budget:
                return (
                    "This workspace has used its daily budget for the language model "
                    f"({budget:,} tokens in 24 hours). Questions work again as the oldest use "
                    "ages out; an admin can raise PAPERCLUB_WORKSPACE_DAILY_TOKENS."
                )
        return ""

    async def ask(self, reference: str, question: str, language: str) -> Evidence:
        """Answer a question about a paper outside any thread (`paperclub ask`).

        `reference` is an arXiv id or link, or a local .pdf/.html/.txt/.md file.
        """
        path = await asyncio.to_thread(Path(reference).expanduser)
        if path.suffix.lower() in LOCAL_SUFFIXES and await asyncio.to_thread(path.is_file):
            text = await self.library.local_file(path)
        else:
            paper = await self.find_paper(parse_arxiv_ref(reference).arxiv_id)
            text = await self.library.text(paper)
        return await self._compose_answer(readable(question), text, (), language)

    async def _compose_answer(
        self,
        question: str,
        text: PaperText,
        history: Sequence[Turn],
        language: str,
        on_text: Callable[[str], Awaitable[None]] | None = None,
    ) -> Evidence:
        """Retrieve, generate (streaming each piece to `on_text`), then check the citations."""
        scored = await self._retrieve(question, text, history)
        passages = [s.passage for s in scored]
        pieces: list[str] = []
        notes: list[str] = []
        try:
            async for piece in self.llm.answer(question, passages, history, language):
                pieces.append(piece)
                if on_text is not None:
                    await on_text("".join(pieces))
        except LLMUnavailable as error:
            log.warning("answer degraded to extractive: %s", error.reason)
            pieces = []
            notes.append(f"The language model was unavailable ({error.reason}).")
        answer = self._checked_answer("".join(pieces), passages, question, language)
        if text.source is TextSource.ABSTRACT:
            notes.append("Only the abstract could be read; the full text was unavailable.")
        return Evidence(replace(answer, notes=(*answer.notes, *notes)), tuple(scored))

    async def _retrieve(
        self, question: str, text: PaperText, history: Sequence[Turn]
    ) -> list[ScoredPassage]:
        index = await self.library.index(text)
        alternatives = await self.llm.search_queries(question)
        earlier = [t.text for t in history if t.role == "user"]
        if earlier and len(question.split()) <= FOLLOW_UP_WORDS:
            alternatives = [*alternatives, f"{earlier[-1]} {question}"]
        return await asyncio.to_thread(
            index.search,
            question,
            word_budget=self.settings.answer_word_budget,
            alternatives=alternatives,
        )

    async def _stream_answer(
        self,
        chat: Chat,
        thread: ThreadRef,
        question: str,
        text: PaperText,
        history: Sequence[Turn],
        language: str,
    ) -> Answer:
        message = await chat.reply(thread, Post(text="…"))
        last_edit = time.monotonic()

        async def show(so_far: str) -> None:
            nonlocal last_edit
            if time.monotonic() - last_edit >= STREAM_EDIT_INTERVAL:
                shown = self._without_partial_secret(so_far)
                try:
                    await chat.edit(message, self._outbound(Post(text=shown + " …")))
                except PlatformUnavailable as error:  # a progress edit is a courtesy
                    log.warning("streaming edit failed: %s", error)
                last_edit = time.monotonic()

        evidence = await self._compose_answer(question, text, history, language, show)
        final = self._outbound(answer_post(evidence.answer, language))
        try:
            await chat.edit(message, final)
        except PlatformUnavailable as error:
            log.warning("final edit failed (%s); posting the answer as a new message", error)
            await chat.reply(thread, final)
        return evidence.answer

    def _checked_answer(
        self, model_text: str, passages: Sequence[Passage], question: str, language: str
    ) -> Answer:
        """The model's answer if its quotes are verbatim in the paper, else an extractive one."""
        if not model_text.strip() or self.llm.name == self._extractive.name:
            return extractive_answer(question, passages, language)
        answer = finalise_answer(model_text, passages)
        if answer.grounded:
            return answer
        fallback = extractive_answer(question, passages, language)
        note = (
            "The model's answer could not be checked against the paper, "
            "so these are the paper's own sentences."
        )
        return replace(fallback, notes=(*fallback.notes, note))

    # Channel settings ---------------------------------------------------------------

    async def channel_settings(self, conversation: ConversationRef) -> ChannelSettings:
        stored = await self.store.channel(conversation)
        if stored is not None:
            return stored
        return ChannelSettings(
            conversation=conversation,
            language=self.settings.language,
            subscribed=False,
            weekday=0,
            time="09:00",
            timezone=self.settings.timezone,
            digest_size=self.settings.digest_size,
        )

    async def subscribe(self, conversation: ConversationRef) -> ChannelSettings:
        return await self._save_settings(
            replace(await self.channel_settings(conversation), subscribed=True)
        )

    async def unsubscribe(self, conversation: ConversationRef) -> ChannelSettings:
        return await self._save_settings(
            replace(await self.channel_settings(conversation), subscribed=False)
        )

    async def update_settings(
        self,
        conversation: ConversationRef,
        *,
        language: str | None = None,
        weekday: int | str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        topics: Sequence[str] | str | None = None,
        digest_size: int | None = None,
        meeting_weekday: int | str | None = None,
        meeting_time: str | None = None,
        auto_pick_hours: int | str | None = None,
    ) -> ChannelSettings:
        """Validated changes; `meeting_weekday="off"` clears the meeting (and its automatic pick)."""
        current = await self.channel_settings(conversation)
        changed = replace(
            current,
            language=current.language if language is None else _valid_language(language),
            weekday=current.weekday if weekday is None else _valid_weekday(weekday),
            time=current.time if time is None else _valid_time(time),
            timezone=current.timezone if timezone is None else _valid_timezone(timezone),
            topics=current.topics if topics is None else _valid_topics(topics),
            digest_size=current.digest_size if digest_size is None else _valid_size(digest_size),
        )
        changed = _with_meeting(changed, meeting_weekday, meeting_time, auto_pick_hours)
        return await self._save_settings(changed)

    async def _save_settings(self, settings: ChannelSettings) -> ChannelSettings:
        await self.store.save_channel(settings)
        for listener in self.settings_listeners:
            await listener(settings)
        return settings

    # Archive ----------------------------------------------------------------------

    async def search_archive(self, conversation: ConversationRef, query: str) -> list[ArchiveHit]:
        """Papers this workspace already received, matching every word (`tag:x` matches tags)."""
        words = [w.removeprefix("tag:").strip() for w in readable(query).split()[:8]]
        words = [w for w in words if w]
        if not words:
            raise InvalidSetting("Give at least one word to search for, e.g. /search tag:rlhf.")
        return await self.store.search_archive(
            conversation.platform, conversation.workspace_id, words
        )

    def help_text(
        self, language: str = "en", command_prefix: str = "/", *, in_thread: bool = True
    ) -> str:
        """Every command, localized; `command_prefix` is "/" on Discord, "/paperclub " on Slack."""
        return help_text(language, command_prefix, in_thread=in_thread)

    # Outbound hygiene ---------------------------------------------------------------

    def _outbound(self, post: Post) -> Post:
        """Every post leaves through here: secrets redacted, mass mentions defused."""
        card = post.card
        if card is not None:
            card = replace(
                card,
                title=self.clean_text(card.title),
                description=self.clean_text(card.description),
                fields=tuple(replace(f, value=self.clean_text(f.value)) for f in card.fields),
            )
        return Post(text=self.clean_text(post.text), card=card)

    def _without_partial_secret(self, text: str) -> str:
        """A streamed prefix, minus any tail that could be the start of a secret still arriving."""
        for secret in self._secrets:
            for size in range(min(len(secret) - 1, len(text)), 0, -1):
                if text.endswith(secret[:size]):
                    text = text[:-size]
                    break
        return text

    def clean_text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _MASS_MENTION.sub(lambda m: "@\u200b" + m.group(1), text)

    def _channel_lock(self, conversation: ConversationRef) -> asyncio.Lock:
        return self._channel_locks.setdefault(conversation, asyncio.Lock())


def digest_key(conversation: ConversationRef, week: str, arxiv_id: str) -> str:
    c = conversation
    return f"digest:{c.platform}:{c.workspace_id}:{c.channel_id}:{week}:{arxiv_id}"


def iso_week(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def readable(text: str) -> str:
    """Member text as valid Unicode: a lone surrogate (valid in JSON, not in UTF-8) becomes '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _source_notes(unavailable: dict[str, str], language: str) -> tuple[str, ...]:
    if not unavailable:
        return ()
    down = "; ".join(f"{name} ({reason})" for name, reason in unavailable.items())
    return (f"{label('sources_down', language)}: {down}",)


async def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        await progress(text)


def _valid_language(value: str) -> str:
    value = value.strip().lower()
    if value not in SUPPORTED_LANGUAGES:
        raise InvalidSetting(
            f"Unknown language '{value}'. Choose one of: {', '.join(SUPPORTED_LANGUAGES)}."
        )
    return value


def _valid_weekday(value: int | str) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    text = str(value).strip().lower()[:3]
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    raise InvalidSetting(f"Unknown day '{value}'. Use a weekday name such as Monday or mon.")


def _valid_time(value: str) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidSetting(f"Unknown time '{value}'. Use 24-hour HH:MM, e.g. 09:00.")
    return f"{int(match[1]):02d}:{match[2]}"


def _valid_timezone(value: str) -> str:
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSetting(
            f"Unknown time zone '{value}'. Use an IANA name such as Asia/Tokyo or Europe/Paris."
        ) from None
    return value.strip()


def _valid_topics(value: Sequence[str] | str) -> tuple[str, ...]:
    items = [readable(t) for t in (value.split(",") if isinstance(value, str) else value)]
    topics = tuple(dict.fromkeys(t.strip().lower()[:40] for t in items if t.strip()))
    if len(topics) > 20:
        raise InvalidSetting("At most 20 topics, please.")
    return topics


def _valid_size(value: int) -> int:
    if not 1 <= value <= 25:
        raise InvalidSetting("The digest size must be between 1 and 25 papers.")
    return value


MAX_AUTO_PICK_HOURS = 167  # under a week, so "before each meeting" names one meeting
_NO_MEETING = ("off", "none", "no", "-")


def _with_meeting(
    settings: ChannelSettings,
    weekday: int | str | None,
    time: str | None,
    auto_pick_hours: int | str | None,
) -> ChannelSettings:
    if isinstance(weekday, str) and weekday.strip().lower() in _NO_MEETING:
        return replace(settings, meeting_weekday=None, meeting_time=None, auto_pick_hours=0)
    changed = replace(
        settings,
        meeting_weekday=settings.meeting_weekday if weekday is None else _valid_weekday(weekday),
        meeting_time=settings.meeting_time if time is None else _valid_time(time),
        auto_pick_hours=(
            settings.auto_pick_hours
            if auto_pick_hours is None
            else _valid_auto_pick_hours(auto_pick_hours)
        ),
    )
    if (changed.meeting_weekday is None) != (changed.meeting_time is None):
        raise InvalidSetting(
            "The meeting needs both a day and a time (24-hour HH:MM), e.g. Thursday 18:00."
        )
    if changed.auto_pick_hours and changed.meeting_weekday is None:
        raise InvalidSetting(
            "Set the meeting's day and time first (e.g. Thursday 18:00), so the automatic "
            "pick knows which meeting to pick for."
        )
    return changed


def _valid_auto_pick_hours(value: int | str) -> int:
    text = str(value).strip().lower().removesuffix("h")
    if text in _NO_MEETING:
        return 0
    if not text.isdigit() or int(text) > MAX_AUTO_PICK_HOURS:
        raise InvalidSetting(
            f"Unknown automatic pick '{str(value)[:20]}'. Give the hours before the meeting as a "
            f"whole number from 1 to {MAX_AUTO_PICK_HOURS} (e.g. 24), or 0 to turn it off."
        )
    return int(text)
