"""`Store.held(name)`: one holder at a time per name, across stores (processes) on
PostgreSQL and within the process on SQLite; a holder cut short never leaves it held."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg

from bot.store import Store
from bot.store.named_locks import NAMED_LOCK_NAMESPACE, LockNotTaken

WAIT = 60.0  # seconds; far beyond what any step here takes


async def test_a_second_holder_waits_for_the_first(database: str | Path) -> None:
    async with (
        Store.open(database, exclusive=False) as one,
        Store.open(database, exclusive=False) as two,
    ):
        order: list[str] = []
        first_holds = asyncio.Event()
        first_may_go = asyncio.Event()
        other_in = asyncio.Event()

        async def first() -> None:
            async with one.held("discord:identify:0", wait=WAIT):
                order.append("first in")
                first_holds.set()
                await first_may_go.wait()
                order.append("first out")

        async def second() -> None:
            await first_holds.wait()
            async with two.held("discord:identify:0", wait=WAIT):
                order.append("second in")

        async def other_name() -> None:
            await first_holds.wait()
            async with two.held("discord:identify:1", wait=WAIT):
                order.append("other name in")  # not kept waiting by another name's holder
                other_in.set()

        tasks = [asyncio.create_task(f()) for f in (first, second, other_name)]
        await other_in.wait()
        assert order == ["first in", "other name in"]
        first_may_go.set()
        await asyncio.gather(*tasks)
    assert order == ["first in", "other name in", "first out", "second in"]


async def test_a_cancelled_holder_releases_the_lock(database: str | Path) -> None:
    async with Store.open(database, exclusive=False) as store:
        holding = asyncio.Event()

        async def hold_forever() -> None:
            async with store.held("bucket", wait=WAIT):
                holding.set()
                await asyncio.Event().wait()

        holder = asyncio.create_task(hold_forever())
        await holding.wait()
        holder.cancel()
        await asyncio.gather(holder, return_exceptions=True)
        async with asyncio.timeout(60), store.held("bucket", wait=WAIT):
            pass  # taken again: the cancelled holder let go


async def test_a_holder_whose_session_dies_releases_the_lock_on_postgresql(
    postgres_url: str,
) -> None:
    """A killed process's session goes with it: the server drops its advisory locks, and
    another process takes the lock at once."""
    async with (
        Store.open(postgres_url, exclusive=False) as store,
        Store.open(postgres_url, exclusive=False) as other,
    ):
        holding = asyncio.Event()

        async def hold_forever() -> None:
            async with store.held("bucket", wait=WAIT):
                holding.set()
                await asyncio.Event().wait()

        holder = asyncio.create_task(hold_forever())
        await holding.wait()
        try:
            async with other.held("bucket", wait=0.5):
                raise AssertionError("taken while held")
        except LockNotTaken:
            pass
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
            rows = await (
                await admin.execute(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = %s::oid AND objid = hashtext('bucket')::oid",
                    (NAMED_LOCK_NAMESPACE,),
                )
            ).fetchall()
            assert len(rows) == 1  # held on the server, by one session
            await admin.execute("SELECT pg_terminate_backend(%s)", (rows[0][0],))
        async with asyncio.timeout(60), other.held("bucket", wait=WAIT):
            pass
        holder.cancel()
        await asyncio.gather(holder, return_exceptions=True)
