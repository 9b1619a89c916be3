"""What many Slack workspaces cost the database, on SQLite and on PostgreSQL, in one run.

For `--teams` installed workspaces (default 1,000), through the stores the app really
uses (adapters/slack_app/installations.py, slack_sdk's SQLAlchemy stores):

- installs: `async_save_bot`, one workspace after another;
- bolt's per-request lookup (`async_find_bot` by enterprise and team: every event and
  command a receiver authorizes costs one);
- a worker's token lookup for a team it has not posted to in the last minute
  (`bot_token`, by team alone), and the same through `InstalledTeams` once remembered;
- OAuth states: one issued and consumed per install.

PostgreSQL is a real server: the one in the machine image, started in a temporary folder
(tests/postgres_server.py).

    python bench/slack_installations.py [--teams 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.installations import open_installations
from adapters.slack_app.team_clients import InstalledTeams
from bot.store import Store
from tests.postgres_server import PostgresServer

CLIENT_ID = "1111.2222"


async def rate(count: int, operation: Callable[[int], Awaitable[object]]) -> float:
    """Operations per second, `count` of them one after another."""
    started = time.perf_counter()
    for index in range(count):
        await operation(index)
    return count / (time.perf_counter() - started)


async def measure(database: str | Path, teams: int) -> dict[str, float]:
    async with (
        Store.open(database, exclusive=False),
        open_installations(database, CLIENT_ID) as stores,
    ):
        store = stores.installation_store

        async def install(i: int) -> None:
            await store.async_save_bot(
                Bot(
                    app_id="A111",
                    enterprise_id="E111",
                    team_id=f"T{i:05d}",
                    bot_token=f"xoxb-bench-{i}",
                    bot_id="B111",
                    bot_user_id="W111",
                    installed_at=time.time(),
                )
            )

        async def authorize(i: int) -> None:
            assert await store.async_find_bot(enterprise_id="E111", team_id=f"T{i:05d}")

        async def token(i: int) -> None:
            assert await store.bot_token(f"T{i:05d}") == f"xoxb-bench-{i}"

        remembered = InstalledTeams(store, lambda t: AsyncWebClient(token=t), ttl=3600)

        async def cached(i: int) -> None:
            assert await remembered.client_for(f"T{i:05d}") is not None

        async def state(i: int) -> None:
            assert await stores.state_store.async_consume(await stores.state_store.async_issue())

        figures = {"installs/s": await rate(teams, install)}
        figures["bolt authorize lookups/s"] = await rate(teams, authorize)
        figures["worker token lookups/s (store)"] = await rate(teams, token)
        for i in range(teams):
            await remembered.client_for(f"T{i:05d}")
        figures["worker token lookups/s (remembered)"] = await rate(teams, cached)
        figures["OAuth states issued+consumed/s"] = await rate(teams, state)
        return figures


async def main(teams: int) -> None:
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            lite = await measure(Path(folder) / "club.db", teams)
        pg = await measure(server.new_database(), teams)
    finally:
        server.stop()
    print(f"{teams} Slack workspaces installed, one operation after another:")
    print(f"{'':40} {'SQLite':>12} {'PostgreSQL':>12}")
    for name in lite:
        print(f"{name:40} {lite[name]:>12,.0f} {pg[name]:>12,.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=1000)
    asyncio.run(main(parser.parse_args().teams))
