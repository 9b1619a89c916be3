"""The job queue on the club's PostgreSQL database (Procrastinate), and its workers.

`paperclub worker` processes run `run_worker`; any number of them share the queue.
Procrastinate defers each periodic task once per period across all of them (its
`procrastinate_periodic_defers` table), fetches each job for one worker
(`FOR UPDATE SKIP LOCKED`), and records a heartbeat per worker, which
`recover_stalled` (bot/jobs/tasks.py) uses to requeue the jobs of a worker that died.

Procrastinate's tables live beside paperclub's in the same database. They are created
on the first worker's start, under the same advisory lock as paperclub's migrations, so
workers starting together create them once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from contextlib import suppress

import procrastinate
from sqlalchemy import text

from bot.bootstrap import Services
from bot.config import Settings
from bot.jobs.tasks import QueueTiming, register_tasks
from bot.store import Store
from bot.store.postgres_backend import LOCK_NAMESPACE, MIGRATION_LOCK, application_name, engine_url

log = logging.getLogger(__name__)


def queue_timing(settings: Settings) -> QueueTiming:
    return QueueTiming(
        tick_seconds=settings.worker_tick_seconds,
        stalled_seconds=settings.worker_stalled_seconds,
    )


def queue_app(settings: Settings) -> procrastinate.App:
    """The Procrastinate app with paperclub's tasks, on `PAPERCLUB_DB_URL`."""
    url = engine_url(str(settings.database)).set(drivername="postgresql")
    connector = procrastinate.PsycopgConnector(
        conninfo=url.render_as_string(hide_password=False),
        kwargs={"application_name": application_name()},
        min_size=1,
        max_size=4,  # short statements: fetch, finish, heartbeat (and its LISTEN session)
    )
    app = procrastinate.App(connector=connector)
    register_tasks(app, queue_timing(settings))
    return app


async def ensure_queue_schema(store: Store, app: procrastinate.App) -> bool:
    """Create Procrastinate's tables if this database has none; True when created."""
    async with store.transaction() as db:
        await db.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": LOCK_NAMESPACE, "key": MIGRATION_LOCK},
        )
        if (await db.execute(text("SELECT to_regclass('procrastinate_jobs')"))).scalar():
            return False
        # Sent as one statement with (empty) parameters, so `%` is escaped as psycopg wants
        # (Procrastinate's own apply_schema does the same).
        await db.exec_driver_sql(app.schema_manager.get_schema().replace("%", "%%"))
    log.info("queue: Procrastinate's tables created")
    return True


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def run_worker(club: Services, settings: Settings, stop: asyncio.Event) -> None:
    """Work the queue until `stop` is set; jobs in progress then get the graceful
    timeout to finish (a job cut short is idempotent: the next run resumes it)."""
    app = queue_app(settings)
    async with app.open_async():
        await ensure_queue_schema(club.store, app)
        timing = queue_timing(settings)
        working = asyncio.create_task(
            app.run_worker_async(
                name=worker_name(),
                concurrency=settings.worker_concurrency,
                install_signal_handlers=False,
                update_heartbeat_interval=max(1.0, timing.stalled_seconds / 4),
                stalled_worker_timeout=timing.stalled_seconds,
                shutdown_graceful_timeout=settings.worker_graceful_seconds,
                delete_jobs="successful",
                additional_context={"club": club, "timing": timing},
            ),
            name="queue-worker",
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not working.done():
            working.cancel()
        with suppress(asyncio.CancelledError):
            await working
