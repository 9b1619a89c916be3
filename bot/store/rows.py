"""What every table module of the store shares: the connection, and how keys and times are written."""

from __future__ import annotations

from datetime import UTC, datetime

import aiosqlite

from bot.domain import ConversationRef


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def conv_params(conversation: ConversationRef) -> tuple[str, str, str]:
    return (str(conversation.platform), conversation.workspace_id, conversation.channel_id)


class Rows:
    """A group of the `Store`'s methods; the store mixes the groups into one facade."""

    _db: aiosqlite.Connection
    # A second, read-only connection for hot reads (a question's quota check): in WAL mode
    # it reads the last commit without queueing behind the writer's statements. The same
    # as `_db` for an in-memory or read-only store.
    _reader: aiosqlite.Connection
