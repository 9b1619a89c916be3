"""The one composition root: `bootstrap(settings)` builds every part once.

The runner, the CLI, both adapters, the benches and the tests all start here, so what
runs in production is what the tests exercise. Parts are opened in order and closed in
reverse when the context ends.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp

from bot.config import Settings
from bot.domain import ConversationRef, Platform
from bot.embedding import find_embedder
from bot.errors import StoreUnavailable
from bot.llm.bounds import ModelLimits
from bot.llm.extractive import ExtractiveEngine
from bot.llm.openai_engine import OpenAIEngine
from bot.publishing import ChatRouter, Outbound, Publisher
from bot.reading.figures import KeyFigures
from bot.reading.library import PaperLibrary, parse_limits
from bot.reading.worker import render_isolated
from bot.schedule.scheduler import DigestScheduler
from bot.schedule.weekly import Clock, utc_now
from bot.seams import LLM, PaperSource
from bot.sources.alphaxiv import SOURCE_NAME as ALPHAXIV_SOURCE
from bot.sources.alphaxiv import AlphaXivSource
from bot.sources.arxiv_source import ArxivClient, ArxivSource
from bot.sources.arxiv_titles import ArxivTitleSearch
from bot.sources.curated_list import CuratedListSource
from bot.sources.hackernews import SOURCE_NAME as HN_SOURCE
from bot.sources.hackernews import HackerNewsSource
from bot.sources.hf_daily import SOURCE_NAME as HF_SOURCE
from bot.sources.hf_daily import HuggingFaceDailySource
from bot.sources.http import USER_AGENT, RetryPolicy
from bot.sources.ranking import RankingWeights
from bot.store import Store
from bot.store.club_notes import ClubNotes
from bot.store.club_tables import ClubTables
from bot.store.feedback import FeedbackTables
from bot.store.postgres_backend import is_postgres
from bot.store.submissions import StoredSubmissions
from bot.store.unfinished_answers import UnfinishedAnswers
from bot.usecases.answers import Answers
from bot.usecases.archive import Archive
from bot.usecases.candidate_pool import CandidatePools
from bot.usecases.channels import Channels, SettingsHook
from bot.usecases.club.home import ClubHome
from bot.usecases.club.new_version import NewVersions
from bot.usecases.club.outline import Outlines
from bot.usecases.club.reading_list import ReadingList
from bot.usecases.club.recap import Recap
from bot.usecases.club.sessions import Sessions
from bot.usecases.club.votes import Votes
from bot.usecases.digest import Digest
from bot.usecases.feedback import Feedback
from bot.usecases.papers import Papers
from bot.usecases.quotas import QuestionQuota
from bot.usecases.usage import current_conversation

TERMINAL = ConversationRef(Platform.CONSOLE, workspace_id="local", channel_id="terminal")
"""The terminal is a channel like any other: its posts are recorded too."""


@dataclass(frozen=True, slots=True)
class Services:
    """Everything an adapter may call. Built once; hand each adapter what it uses."""

    settings: Settings
    store: Store
    outbound: Outbound
    chats: ChatRouter
    settings_changed: SettingsHook
    library: PaperLibrary
    submissions: StoredSubmissions
    channels: Channels
    papers: Papers
    digest: Digest
    answers: Answers
    archive: Archive
    votes: Votes
    sessions: Sessions
    reading_list: ReadingList
    recap: Recap
    home: ClubHome
    outlines: Outlines
    feedback: Feedback
    new_versions: NewVersions
    scheduler: DigestScheduler


GIL_SWITCH_SECONDS = 0.0005
"""How long a thread may hold the GIL while another waits for it (Python's default is 5
ms). The event loop takes the GIL back after every socket call, so with text work (key
point checks, retrieval, PDF layout) busy in worker threads each of its steps could wait
up to 5 ms, many times a step. At 0.5 ms the load bench's event-loop p99 fell from 21-25
to 12-16 ms at the same CPU per question (bench/load.py, docs/performance.md)."""


@asynccontextmanager
async def bootstrap(
    settings: Settings, *, now: Clock = utc_now, read_only: bool = False, shared: bool = False
) -> AsyncIterator[Services]:
    """Everything the bot needs, wired once; `now` is the club's clock (tests move it).

    `read_only` opens the database without taking the writer lock, so commands that only
    read (`schedule list`, `export`) work beside a running bot. `shared` is for the hosting
    roles (`paperclub worker`, `slack-http`, `discord --shards`): many processes write one
    PostgreSQL database and coordinate through it (the job queue, advisory locks), so no
    process takes the writer lock. SQLite has one writer, so it is refused there.
    """
    if shared and not is_postgres(settings.database):
        raise StoreUnavailable(
            str(settings.database),
            "is SQLite, which has one writing process",
            "this command runs beside other paperclub processes, so set "
            "PAPERCLUB_DB_URL=postgresql://… (or use `paperclub run`, which does everything "
            "in one process)",
            kind="needs_postgres",
        )
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(
            Store.open(
                settings.database, read_only=read_only, exclusive=not shared, shared_writer=shared
            )
        )
        http = await stack.enter_async_context(
            aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=60, sock_connect=10),
                headers={"User-Agent": USER_AGENT},
            )
        )
        arxiv = ArxivClient(
            settings.arxiv_api_url,
            delay_seconds=settings.arxiv_delay_seconds,
            timeout_seconds=settings.arxiv_timeout_seconds,
            retries=settings.arxiv_retries,
        )
        llm = await _build_llm(settings, store, stack)
        fallback = ExtractiveEngine()
        # Only looks for the extra: the workers start and load torch and the model on the
        # first dense index, or when `paperclub run` warms them after connecting.
        embedder = (
            find_embedder(settings.embedding_threads, settings.embedding_workers)
            if settings.embeddings
            else None
        )
        if embedder is not None:
            stack.callback(embedder.close)  # after the library's own close
        library = PaperLibrary(store, http, settings, embedder=embedder)
        stack.push_async_callback(library.close)
        figures = KeyFigures(
            http,
            html_base=settings.arxiv_html_url,
            pdf_base=settings.arxiv_pdf_url,
            max_page_bytes=settings.fulltext_max_bytes,
            timeout=settings.arxiv_timeout_seconds,
            render=functools.partial(render_isolated, limits=parse_limits(settings)),
        )
        yield _wire(
            settings,
            store,
            arxiv,
            _build_sources(settings, arxiv, http),
            llm,
            fallback,
            library,
            now,
            figures,
        )


def _wire(
    settings: Settings,
    store: Store,
    arxiv: ArxivClient,
    sources: list[PaperSource],
    llm: LLM,
    fallback: LLM,
    library: PaperLibrary,
    now: Clock,
    figures: KeyFigures | None = None,
) -> Services:
    outbound = Outbound(settings.secrets())
    chats = ChatRouter(outbound)
    publisher = Publisher(store, chats)
    settings_changed = SettingsHook()
    submissions = StoredSubmissions(store)
    tables = ClubTables(store)
    channels = Channels(store, settings, settings_changed)
    papers = Papers(store, arxiv, llm, fallback, library, channels, publisher, figures)
    digest = Digest(
        store,
        sources,
        submissions,
        arxiv,
        papers,
        channels,
        publisher,
        CandidatePools(store, arxiv),
        window_days=settings.digest_window_days,
        concurrency=settings.digest_concurrency or settings.model_concurrency,
        weights=ranking_weights(settings),
    )
    quota = QuestionQuota(
        store,
        max_question_chars=settings.max_question_chars,
        questions_per_user_per_hour=settings.questions_per_user_per_hour,
        workspace_daily_tokens=settings.workspace_daily_tokens,
    )
    notes = ClubNotes(store)
    feedback = Feedback(store, FeedbackTables(store), outbound)
    outlines = Outlines(
        papers,
        library,
        channels,
        publisher,
        notes,
        model=llm if isinstance(llm, OpenAIEngine) else None,
    )
    new_versions = NewVersions(store, notes, arxiv, library, channels, publisher)
    answers = Answers(
        store,
        llm,
        fallback,
        library,
        papers,
        channels,
        chats,
        outbound,
        quota,
        UnfinishedAnswers(store),
        word_budget=settings.answer_word_budget,
        max_answer_chars=settings.answer_max_chars,
        deadline_seconds=settings.answer_deadline_seconds,
        recorder=feedback.record,
    )
    votes = Votes(store, tables, papers)
    sessions = Sessions(
        store,
        tables,
        papers,
        channels,
        votes,
        publisher,
        reminder_minutes=settings.reminder_minutes,
        now=now,
        on_opened=outlines.post_quietly,
    )
    scheduler = DigestScheduler(
        store,
        digest,
        chats,
        settings_changed,
        grace=timedelta(hours=settings.misfire_grace_hours),
        now=now,
        reminders=sessions.send_due_reminders,
        auto_picks=sessions.send_due_auto_picks,
        interrupted_answers=answers.mark_interrupted,
        new_versions=new_versions.check_due,
    )
    reading_list = ReadingList(store, tables, papers)
    return Services(
        settings=settings,
        store=store,
        outbound=outbound,
        chats=chats,
        settings_changed=settings_changed,
        library=library,
        submissions=submissions,
        channels=channels,
        papers=papers,
        digest=digest,
        answers=answers,
        archive=Archive(store),
        votes=votes,
        sessions=sessions,
        reading_list=reading_list,
        recap=Recap(store, papers, library, channels, publisher),
        home=ClubHome(store, tables, reading_list, votes, papers, channels, now=now),
        outlines=outlines,
        feedback=feedback,
        new_versions=new_versions,
        scheduler=scheduler,
    )


def build_scheduler(services: Services, **options: Any) -> DigestScheduler:
    """Another scheduler on the same parts, with `options` (a clock, retry timings, no
    club jobs) for tests and a restart within one process; production uses
    `services.scheduler`."""
    values: dict[str, Any] = {
        "grace": timedelta(hours=services.settings.misfire_grace_hours),
        "reminders": None,
        "auto_picks": None,
        "interrupted_answers": None,
        "new_versions": None,
    } | options
    return DigestScheduler(
        services.store, services.digest, services.chats, services.settings_changed, **values
    )


def _build_sources(
    settings: Settings, arxiv: ArxivClient, http: aiohttp.ClientSession
) -> list[PaperSource]:
    def policy(timeout: float, retries: int) -> RetryPolicy:
        return RetryPolicy(timeout=timeout, attempts=retries + 1)

    sources: list[PaperSource] = []
    if "arxiv" in settings.sources:
        sources.append(ArxivSource(arxiv, settings.arxiv_categories, settings.arxiv_max_results))
    if "huggingface" in settings.sources:
        sources.append(
            HuggingFaceDailySource(
                settings.hf_base_url,
                http,
                policy=policy(settings.hf_timeout_seconds, settings.hf_retries),
                by_week=settings.hf_by_week,
            )
        )
    if "alphaxiv" in settings.sources:
        sources.append(
            AlphaXivSource(
                settings.alphaxiv_api_url,
                http,
                policy=policy(settings.alphaxiv_timeout_seconds, settings.alphaxiv_retries),
            )
        )
    if "hackernews" in settings.sources:
        sources.append(
            HackerNewsSource(
                settings.hackernews_api_url,
                http,
                policy=policy(settings.hackernews_timeout_seconds, settings.hackernews_retries),
            )
        )
    if "curated" in settings.sources:
        sources.append(
            CuratedListSource(
                settings.curated_list_url,
                http,
                titles=ArxivTitleSearch(arxiv),
                week=settings.curated_list_week,
                policy=policy(settings.curated_timeout_seconds, settings.curated_retries),
            )
        )
    return sources


def ranking_weights(settings: Settings) -> RankingWeights:
    """The ranking's weights from the PAPERCLUB_WEIGHT_* settings."""
    return RankingWeights(
        sources={
            HF_SOURCE: settings.weight_huggingface,
            ALPHAXIV_SOURCE: settings.weight_alphaxiv,
            HN_SOURCE: settings.weight_hackernews,
        },
        curated=settings.weight_curated,
        recency=settings.weight_recency,
        topic=settings.weight_topic,
        submission=settings.weight_submission,
    )


async def _build_llm(settings: Settings, store: Store, stack: AsyncExitStack) -> LLM:
    """The model engine: the configured endpoint, else a local Ollama or llama.cpp server
    found on this machine (docs/local-models.md), else the extractive engine."""
    import logging

    from bot.config import is_local_url
    from bot.llm.endpoint import EndpointInfo, detect_local_server, probe_endpoint
    from bot.llm.model_client import model_client
    from bot.llm.openai_engine import EngineOptions

    log = logging.getLogger(__name__)
    base_url, model, info, found_note = settings.openai_base_url, settings.llm_model, None, ""
    if settings.llm_engine == "extractive":
        if not settings.wants_autodetect:
            return ExtractiveEngine()
        found = await detect_local_server(
            settings.llm_autodetect_ollama_url, settings.llm_autodetect_llama_url
        )
        if found is None:
            return ExtractiveEngine()
        base_url, info = found.base_url, found.info
        model = settings.llm_model if "llm_model" in settings.model_fields_set else found.model
        found_note = f"{found.info.kind} server at {found.base_url}"
        log.info("no model configured; using the local %s (model %s)", found_note, model)
    local = is_local_url(base_url)
    if info is None:
        info = await probe_endpoint(base_url, model) if local and base_url else EndpointInfo()
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
    client = model_client(
        api_key=api_key,
        base_url=base_url,
        # A local server is timed by the engine (time without progress), never by the
        # client, which would resend a request the server is still working on.
        timeout=settings.llm_timeout_seconds * 3 + 10 if local else settings.llm_timeout_seconds,
        max_retries=0 if local else settings.llm_retries,
    )
    stack.push_async_callback(client.close)

    async def record_usage(purpose: str, model: str, tokens_in: int, tokens_out: int) -> None:
        await store.record_usage(current_conversation(), purpose, model, tokens_in, tokens_out)

    gates = settings.llm_quality_gates
    options = EngineOptions(
        context_tokens=settings.llm_context_tokens or info.context_tokens,
        quality_gates=info.known if gates is None else gates,
        stream_summaries=settings.llm_stream_summaries,
        bounded_schemas=local,
        concurrency=settings.llm_endpoint_concurrency or info.slots or (1 if info.known else None),
        progress_timeout=settings.llm_timeout_seconds if local else None,
        retries=settings.llm_retries if local else 0,
        found_server=found_note,
        prompt_progress=info.kind == "llama.cpp",
    )
    log.info(
        "model %s at %s: %s, context %s tokens, %s at once",
        model,
        base_url or "the OpenAI API",
        info.kind,
        options.context_tokens or "unknown",
        options.concurrency or "any",
    )
    return OpenAIEngine(
        client,
        model,
        usage=record_usage,
        limits=ModelLimits.from_settings(settings),
        options=options,
    )
