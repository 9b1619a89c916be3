"""When each channel's weekly digest last ran (APScheduler's memory forgets it on restart)."""

from __future__ import annotations

from datetime import datetime

from bot.domain import ConversationRef
from bot.store.db import Store


def conversation_key(conversation: ConversationRef) -> tuple[str, str, str]:
    return (str(conversation.platform), conversation.workspace_id, conversation.channel_id)


class ScheduleRuns:
    """`last_run`: when the channel's last scheduled digest started (recorded once it finished),
    or when the channel was first scheduled, so nothing from before that counts as missed."""

    def __init__(self, store: Store) -> None:
        self._db = store.connection

    async def last_run(self, conversation: ConversationRef) -> datetime | None:
        async with self._db.execute(
            "SELECT last_run FROM schedule_runs WHERE platform=? AND workspace_id=? AND channel_id=?",
            conversation_key(conversation),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else datetime.fromisoformat(row[0])

    async def record(self, conversation: ConversationRef, moment: datetime) -> None:
        await self._db.execute(
            "INSERT INTO schedule_runs VALUES (?,?,?,?) ON CONFLICT(platform, workspace_id, "
            "channel_id) DO UPDATE SET last_run=excluded.last_run",
            (*conversation_key(conversation), moment.isoformat()),
        )
        await self._db.commit()
