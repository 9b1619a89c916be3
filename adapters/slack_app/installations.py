"""Where a distributed Slack app keeps its workspaces: slack_sdk's SQLAlchemy installation
and OAuth-state stores, on the database paperclub uses (the SQLite file, or PostgreSQL).

The stores are slack_sdk's async ones (`AsyncSQLAlchemyInstallationStore`,
`AsyncSQLAlchemyOAuthStateStore`) on an `AsyncEngine` of their own (aiosqlite or psycopg),
so no database call blocks the event loop. Their tables (`slack_installations`,
`slack_bots`, `slack_oauth_states`) are slack_sdk's own schema, created at start-up from
the stores' metadata (on SQLite `CREATE TABLE IF NOT EXISTS`, idempotent; on PostgreSQL
under an advisory lock, so receivers starting together do not race to create them). paperclub's
migrations do not own them (see docs/slack-distribution.md for the SQL).

Two changes to slack_sdk's behaviour, both for many processes on one database:

- a state is consumed with one `DELETE … RETURNING`, so two redirects carrying the same
  state (a replay, a double click reaching two receivers) cannot both succeed; slack_sdk
  reads, then deletes;
- a team's bot token is looked up by team alone (`bot_token`), the latest install with a
  token, whatever its enterprise: slack_sdk's `find_bot` also matches `enterprise_id`, which
  a worker holding only a channel's team id does not know for an Enterprise Grid workspace.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, delete, desc, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.schema import CreateIndex, CreateTable

from bot.errors import PlatformMisconfigured
from bot.store.postgres_backend import application_name, engine_url, is_postgres

log = logging.getLogger(__name__)

STATE_SECONDS = 600  # bolt's default: an install started must finish within 10 minutes
SQLITE_BUSY_SECONDS = 30
# pg_advisory_xact_lock(namespace, key) held while the tables are created; "slac", 1.
TABLES_LOCK = (0x736C6163, 1)


class Installations(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store, plus the one lookup a worker needs: a team's bot token."""

    async def bot_token(self, team_id: str) -> str | None:
        """The bot token of the team's latest install that has one; None: not installed."""
        c = self.bots.c
        query = (
            select(c.bot_token)
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at), desc(c.id))
            .limit(1)
        )
        async with self.engine.connect() as connection:
            token = (await connection.execute(query)).scalar()
        return str(token) if token else None


class OneTimeStates(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's state store, each state usable once even across processes."""

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state: str = await super().async_issue(*args, **kwargs)
        c = self.oauth_states.c
        async with self.engine.begin() as connection:  # expired states are of no use
            await connection.execute(delete(self.oauth_states).where(c.expire_at <= _utc_now()))
        return state

    async def async_consume(self, state: str) -> bool:
        c = self.oauth_states.c
        consume = (
            delete(self.oauth_states)
            .where(c.state == state, c.expire_at > _utc_now())
            .returning(c.id)
        )
        try:
            async with self.engine.begin() as connection:
                return (await connection.execute(consume)).first() is not None
        except SQLAlchemyError as error:
            log.warning("an OAuth state could not be checked: %s", type(error).__name__)
            return False


def _utc_now() -> datetime:
    """Naive UTC, as slack_sdk writes its `DateTime` columns."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class SlackInstallations:
    installation_store: Installations
    state_store: OneTimeStates
    engine: AsyncEngine


@asynccontextmanager
async def open_installations(
    database: str | Path, client_id: str, *, state_seconds: int = STATE_SECONDS
) -> AsyncIterator[SlackInstallations]:
    """The installation and state stores on `database` (settings.database), their tables
    created if missing, for as long as the block runs."""
    engine = _engine(database)
    try:
        installations = Installations(client_id=client_id, engine=engine)
        states = OneTimeStates(expiration_seconds=state_seconds, engine=engine)
        await _create_tables(engine, installations.metadata, states.metadata)
        yield SlackInstallations(installations, states, engine)
    finally:
        await engine.dispose()


def _engine(database: str | Path) -> AsyncEngine:
    if is_postgres(database):
        assert isinstance(database, str)
        return create_async_engine(
            engine_url(database),
            pool_size=2,
            max_overflow=4,
            pool_pre_ping=True,
            connect_args={"application_name": application_name(), "options": "-c timezone=UTC"},
        )
    if str(database) == ":memory:":
        raise PlatformMisconfigured(
            "Slack installations are kept in paperclub's database, and an in-memory one "
            "is gone when the process ends: set PAPERCLUB_DB_PATH to a file or "
            "PAPERCLUB_DB_URL to PostgreSQL."
        )
    path = Path(database).absolute()
    return create_async_engine(
        f"sqlite+aiosqlite:///{path}", connect_args={"timeout": SQLITE_BUSY_SECONDS}
    )


async def _create_tables(engine: AsyncEngine, *metadata: MetaData) -> None:
    """`create_all` checks, then creates, and a store opened at the same moment may
    create a table between the two. On PostgreSQL the check runs under a lock; on SQLite
    each table and index is created with `IF NOT EXISTS`, one statement that cannot race."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:space, :key)"),
                {"space": TABLES_LOCK[0], "key": TABLES_LOCK[1]},
            )
            for tables in metadata:
                await connection.run_sync(tables.create_all)
            return
        for tables in metadata:
            for table in tables.sorted_tables:
                await connection.execute(CreateTable(table, if_not_exists=True))
                for index in table.indexes:
                    await connection.execute(CreateIndex(index, if_not_exists=True))
