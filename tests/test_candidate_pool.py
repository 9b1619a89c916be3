"""The week's candidates are fetched once and shared by every channel's digest, and one
digest per channel runs at a time across processes.

Real digests against the loopback arXiv, on SQLite and PostgreSQL: the second channel's
digest asks arXiv for nothing, yet ranks for itself (its own submissions, its own
muted topics, what it has posted); a stale pool is fetched again; a pool that missed a
source is kept only briefly; a pool of nothing is never kept.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform, Window
from bot.errors import DigestBusy
from bot.sources.arxiv_source import ArxivClient, ArxivSource
from bot.store import Store
from bot.store.candidate_pools import StoredPools
from bot.usecases.candidate_pool import (
    POOL_FRESH,
    POOL_FRESH_INCOMPLETE,
    CandidatePools,
    pool_key,
)
from bot.usecases.digest import channel_lock_name
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.threaded import Fault

MakeSettings = Callable[..., Settings]
MARCH_1_2027 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ONE = ConversationRef(Platform.CONSOLE, "local", "one")
TWO = ConversationRef(Platform.CONSOLE, "local", "two")


def api_calls(server: ArxivServer) -> int:
    return len(server.requests)


async def test_the_second_channel_ranks_from_the_shared_pool_without_asking_arxiv(
    make_settings: MakeSettings, arxiv_server: ArxivServer, tmp_path: Path, database: Any
) -> None:
    settings = make_settings(db_url=database if isinstance(database, str) else None)
    async with bootstrap(settings) as club:
        club.chats.attach(
            Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), tmp_path / "t.jsonl")
        )
        first = await club.digest.weekly_digest(ONE, now=MARCH_1_2027)
        assert len(first.posted) == 10
        before = api_calls(arxiv_server)
        await club.channels.update_settings(TWO, muted_topics=_title_words(first))
        second = await club.digest.weekly_digest(TWO, now=MARCH_1_2027 + timedelta(hours=2))
        assert api_calls(arxiv_server) == before  # no search, no metadata lookup
        assert second.posted, second
        # Its own ranking: the topic it muted keeps the first channel's top paper out.
        assert first.posted[0] not in second.posted
        stored = await StoredPools(club.store).load(
            pool_key([ArxivSource.name], _window(MARCH_1_2027))
        )
        assert stored is not None and len(stored[1].candidates) >= 10


def _title_words(report: Any) -> tuple[str, ...]:
    top = report.ranked[0].paper.title.split()
    return (max(top, key=len).strip(":,.").lower(),)


def _window(end: datetime) -> Window:
    return Window(end - timedelta(days=7), end)


async def test_a_stale_pool_is_fetched_again_and_an_incomplete_one_sooner(
    make_settings: MakeSettings, arxiv_server: ArxivServer, database: Any
) -> None:
    settings = make_settings(db_url=database if isinstance(database, str) else None)
    async with bootstrap(settings) as club:
        client = ArxivClient(settings.arxiv_api_url, delay_seconds=0, timeout_seconds=5, retries=0)
        source = ArxivSource(client, settings.arxiv_categories, max_results=50)
        pools = CandidatePools(club.store, client)
        window = _window(MARCH_1_2027)
        fetched = datetime.now(UTC)
        pool = await pools.pool([source], window, now=fetched)
        assert pool.candidates and not pool.unavailable
        calls = api_calls(arxiv_server)
        again = await pools.pool([source], window, now=fetched + POOL_FRESH - timedelta(minutes=1))
        assert api_calls(arxiv_server) == calls
        assert [c.arxiv_id for c in again.candidates] == [c.arxiv_id for c in pool.candidates]
        await pools.pool([source], window, now=fetched + POOL_FRESH + timedelta(minutes=1))
        assert api_calls(arxiv_server) > calls  # stale: asked again

        arxiv_server.faults.extend(Fault(status=503) for _ in range(10))
        down = await pools.pool([source], _window(MARCH_1_2027 + timedelta(days=1)), now=fetched)
        assert down.unavailable and not down.candidates
        key = pool_key([source.name], _window(MARCH_1_2027 + timedelta(days=1)))
        assert await StoredPools(club.store).load(key) is None  # nothing is never kept
        arxiv_server.faults.clear()
        ok = await pools.pool([source], _window(MARCH_1_2027 + timedelta(days=1)), now=fetched)
        assert ok.candidates
        assert POOL_FRESH_INCOMPLETE < POOL_FRESH


async def test_a_digest_another_process_is_posting_is_refused_in_the_channels_language(
    make_settings: MakeSettings, database: Any, tmp_path: Path
) -> None:
    """A member's "digest now" while a worker posts the same channel's digest: refused
    (DigestBusy, localized), nothing posted twice; once free, the digest runs."""
    settings = make_settings(db_url=database if isinstance(database, str) else None)
    async with bootstrap(settings) as club, Store.open(settings.database, exclusive=False) as other:
        club.chats.attach(
            Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), tmp_path / "t.jsonl")
        )
        await club.channels.update_settings(ONE, language="ja")
        async with other.held(channel_lock_name(ONE), wait=5):
            try:
                await club.digest.weekly_digest(ONE, now=MARCH_1_2027, lock_wait=0.5)
                raise AssertionError("ran beside the other process's digest")
            except DigestBusy as busy:
                assert "投稿中" in busy.text("ja")
        assert await club.store.posts_in_week(ONE, "2027-W09") == []
        report = await club.digest.weekly_digest(ONE, now=MARCH_1_2027, lock_wait=5)
        assert len(report.posted) == 10
