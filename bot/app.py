"""The composition root: build a PaperClub from Settings (the CLI and the tests use this)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import aiohttp
from openai import AsyncOpenAI

from bot.config import Settings
from bot.domain import ConversationRef, Platform
from bot.llm.extractive import ExtractiveEngine
from bot.llm.openai_engine import OpenAIEngine
from bot.reading.library import PaperLibrary
from bot.retrieval import load_embedder
from bot.seams import LLM, PaperSource
from bot.service import PaperClub
from bot.sources.arxiv_source import ArxivClient, ArxivSource
from bot.sources.arxiv_titles import ArxivTitleSearch
from bot.sources.curated_list import CuratedListSource
from bot.sources.hf_daily import HuggingFaceDailySource
from bot.store import Store
from bot.usage import current_conversation

USER_AGENT = "paperclub/0.1 (+https://github.com/paperclub/paperclub)"


@asynccontextmanager
async def build_club(settings: Settings) -> AsyncIterator[PaperClub]:
    """Everything the bot needs, opened in order and closed in reverse."""
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(Store.open(settings.db_path))
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
        embedder = await asyncio.to_thread(load_embedder) if settings.embeddings else None
        library = PaperLibrary(store, http, settings, embedder=embedder)
        yield PaperClub(
            settings, store, arxiv, _build_sources(settings, arxiv, http), llm, library=library
        )


def _build_sources(
    settings: Settings, arxiv: ArxivClient, http: aiohttp.ClientSession
) -> list[PaperSource]:
    sources: list[PaperSource] = []
    if "arxiv" in settings.sources:
        sources.append(ArxivSource(arxiv, settings.arxiv_categories, settings.arxiv_max_results))
    if "huggingface" in settings.sources:
        sources.append(HuggingFaceDailySource(settings.hf_base_url, http))
    if "curated" in settings.sources:
        sources.append(
            CuratedListSource(
                settings.curated_list_url,
                http,
                titles=ArxivTitleSearch(arxiv),
                week=settings.curated_list_week,
            )
        )
    return sources


async def _build_llm(settings: Settings, store: Store, stack: AsyncExitStack) -> LLM:
    if settings.llm_engine == "extractive":
        return ExtractiveEngine()
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
    client = AsyncOpenAI(
        api_key=api_key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_retries,
    )
    stack.push_async_callback(client.close)

    async def record_usage(purpose: str, model: str, tokens_in: int, tokens_out: int) -> None:
        await store.record_usage(current_conversation(), purpose, model, tokens_in, tokens_out)

    return OpenAIEngine(client, settings.llm_model, usage=record_usage)


TERMINAL = ConversationRef(Platform.CONSOLE, workspace_id="local", channel_id="terminal")
"""The terminal is a channel like any other: its posts are recorded too."""
