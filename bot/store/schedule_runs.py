"""When each channel's weekly digest last ran (APScheduler's memory forgets it on restart)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.domain import ConversationRef
from bot.store.db import Store
from bot.store.rows import conv_params, in_conversation
from bot.store.schema import schedule_runs


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
        platform, workspace_id, channel_id = conv_params(conversation)
        statement = self._store.insert(schedule_runs).values(
            platform=platform,
            workspace_id=workspace_id,
            channel_id=channel_id,
            last_run=moment,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "workspace_id", "channel_id"],
            set_={"last_run": statement.excluded.last_run},
        )
        async with self._store.transaction() as db:
            await db.execute(statement)
