"""The SQLite store: migrations, isolation between workspaces, post reservations."""

from __future__ import annotations

from pathlib import Path

from bot.domain import ConversationRef, Platform, ThreadRef
from bot.store import PostState, Store
from bot.store.migrations import MIGRATIONS


async def test_migrations_apply_once_and_the_database_is_sound(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    async with Store.open(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
    async with Store.open(path) as store:  # reopening applies nothing twice
        assert await store.schema_version() == len(MIGRATIONS)
        assert await store.integrity_check() == "ok"


async def test_a_reserved_post_is_not_counted_as_received_until_its_root_exists(
    tmp_path: Path,
) -> None:
    channel = ConversationRef(Platform.SLACK, "T1", "C1")
    async with Store.open(tmp_path / "club.db") as store:
        record = await store.reserve_post("k1", channel, "2309.12288", "2023-W39")
        assert record.state == PostState.RESERVED and record.fresh
        assert await store.posted_paper_ids(channel) == set()
        await store.mark_root_posted("k1", ThreadRef(channel, "171.1"), "2309.12288")
        again = await store.reserve_post("k1", channel, "2309.12288", "2023-W39")
        assert again.state == PostState.ROOT_POSTED and again.root_id == "171.1"
        assert not again.fresh
        assert await store.posted_paper_ids(channel) == {"2309.12288"}
        assert await store.thread_paper(ThreadRef(channel, "171.1")) == "2309.12288"


async def test_workspaces_never_see_each_others_threads(tmp_path: Path) -> None:
    team_a = ConversationRef(Platform.SLACK, "TA", "C1")
    team_b = ConversationRef(Platform.SLACK, "TB", "C1")  # same channel id, other workspace
    async with Store.open(tmp_path / "club.db") as store:
        await store.mark_root_posted("k", ThreadRef(team_a, "1.1"), "2309.12288")
        assert await store.thread_paper(ThreadRef(team_b, "1.1")) is None
        assert await store.channel_thread_for(team_b, "2309.12288") is None
        assert await store.posted_paper_ids(team_b) == set()
