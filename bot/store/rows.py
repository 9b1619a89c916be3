"""What every table module of the store shares: its lanes to the database, and how keys
and times are written."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import ConversationRef
from bot.store import lanes
from bot.store.lanes import Lane


def now() -> datetime:
    return datetime.now(UTC)


def conv_params(conversation: ConversationRef) -> tuple[str, str, str]:
    return (str(conversation.platform), conversation.workspace_id, conversation.channel_id)


def in_conversation(table: Table, conversation: ConversationRef) -> ColumnElement[bool]:
    """`platform=? AND workspace_id=? AND channel_id=?` for `table`: one club's rows."""
    platform, workspace_id, channel_id = conv_params(conversation)
    return and_(
        table.c.platform == platform,
        table.c.workspace_id == workspace_id,
        table.c.channel_id == channel_id,
    )


class Rows:
    """A group of the `Store`'s methods; the store mixes the groups into one facade."""

    _dialect: str
    _writes: Lane
    _reads: Lane
    # Hot reads (a question's quota check): on a SQLite file a second, read-only
    # connection that in WAL mode reads the last commit without queueing behind the
    # writer's transactions; the same lane as `_reads` elsewhere.
    _hot_reads: Lane

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        return self._writes.transaction()

    def reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self._reads.transaction()

    def reading_beside_writes(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A read that never waits for an open write (see `_hot_reads`)."""
        return self._hot_reads.transaction()

    def insert(self, table: Table) -> Any:
        """This backend's INSERT for `table` (with its ON CONFLICT clauses)."""
        return lanes.insert(self._dialect, table)

    def upsert(self, table: Table, values: dict[str, Any]) -> Any:
        """Insert the row, or overwrite every given column of the one with its primary key
        (what SQLite's `INSERT OR REPLACE` did when every column is given)."""
        statement = self.insert(table).values(values)
        keys = [column.name for column in table.primary_key]
        return statement.on_conflict_do_update(
            index_elements=keys,
            set_={name: statement.excluded[name] for name in values if name not in keys},
        )
