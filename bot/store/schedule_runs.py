"""When each channel's weekly digest last ran, and (for the job queue) when it runs next.

`last_run` is what APScheduler's memory forgets on restart. `next_run_at` and
`planned_for` are the job queue's plan (bot/jobs/weekly_plan.py): the next scheduled time
and the schedule it was computed from, so a worker sees a settings change made by any
process. `paperclub run` leaves both empty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import ConversationRef, Platform
from bot.store.db import Store
from bot.store.rows import conv_params, in_conversation
from bot.store.schema import schedule_runs


@dataclass(frozen=True, slots=True)
class PlannedRun:
    conversation: ConversationRef
    last_run: datetime
    next_run_at: datetime | None
    planned_for: str | None  # the schedule next_run_at was computed from; None: not planned


class DueRuns:
    """The due rows claimed by one transaction (no other claims them until it ends)."""

    def __init__(self, db: AsyncConnection, runs: list[PlannedRun]) -> None:
        self._db = db
        self.runs = runs

    async def advance(self, conversation: ConversationRef, next_run_at: datetime | None) -> None:
        """Move the claimed row to its next run (None: unsubscribed, no next run)."""
        await self._db.execute(
            update(schedule_runs)
            .where(in_conversation(schedule_runs, conversation))
            .values(next_run_at=next_run_at)
        )


class ScheduleRuns:
    """`last_run`: when the channel's last scheduled digest started (recorded once it finished),
    or when the channel was first scheduled, so nothing from before that counts as missed."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def last_run(self, conversation: ConversationRef) -> datetime | None:
        async with self._store.reading() as db:
            moment: datetime | None = (
                await db.execute(
                    select(schedule_runs.c.last_run).where(
                        in_conversation(schedule_runs, conversation)
                    )
                )
            ).scalar()
        return moment

    async def record(self, conversation: ConversationRef, moment: datetime) -> None:
        await self._upsert(conversation, {"last_run": moment}, keep_last_run=False)

    async def plans(self) -> dict[ConversationRef, PlannedRun]:
        async with self._store.reading() as db:
            rows = await db.execute(select(schedule_runs))
            return {run.conversation: run for run in map(_planned, rows)}

    async def plan(
        self,
        conversation: ConversationRef,
        *,
        next_run_at: datetime,
        planned_for: str,
        last_run: datetime,
    ) -> None:
        """Set the channel's next run (a first plan also records `last_run`)."""
        values = {"last_run": last_run, "next_run_at": next_run_at, "planned_for": planned_for}
        await self._upsert(conversation, values, keep_last_run=True)

    async def _upsert(
        self, conversation: ConversationRef, values: dict[str, Any], *, keep_last_run: bool
    ) -> None:
        """Insert the channel's row with `values`, or update them (an existing `last_run`
        kept when `keep_last_run`)."""
        platform, workspace_id, channel_id = conv_params(conversation)
        statement = self._store.insert(schedule_runs).values(
            platform=platform, workspace_id=workspace_id, channel_id=channel_id, **values
        )
        changed = [name for name in values if not (keep_last_run and name == "last_run")]
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "workspace_id", "channel_id"],
            set_={name: statement.excluded[name] for name in changed},
        )
        async with self._store.transaction() as db:
            await db.execute(statement)

    async def unplan(self, conversation: ConversationRef) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                update(schedule_runs)
                .where(in_conversation(schedule_runs, conversation))
                .values(next_run_at=None)
            )

    @asynccontextmanager
    async def claim_due(self, now: datetime, *, limit: int) -> AsyncIterator[DueRuns]:
        """The runs due by `now`, locked for this transaction (`FOR UPDATE SKIP LOCKED` on
        PostgreSQL, so ticks in several workers never claim the same row)."""
        query = (
            select(schedule_runs)
            .where(schedule_runs.c.next_run_at <= now)
            .order_by(schedule_runs.c.next_run_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._store.transaction() as db:
            rows = await db.execute(query)
            yield DueRuns(db, [_planned(row) for row in rows])


def _planned(row: Row[Any]) -> PlannedRun:
    mapping = row._mapping
    return PlannedRun(
        conversation=ConversationRef(
            Platform(mapping["platform"]), mapping["workspace_id"], mapping["channel_id"]
        ),
        last_run=mapping["last_run"],
        next_run_at=mapping["next_run_at"],
        planned_for=mapping["planned_for"],
    )
