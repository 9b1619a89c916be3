"""Which Web API client posts in a team: one bot token for every team (SLACK_BOT_TOKEN, as
a club runs it), or each team's own token from the installation store (a distributed app).

Tokens from the store are remembered briefly (`TOKEN_TTL`) for at most `MAX_TEAMS` teams,
least recently used out first: a digest's many posts to one team read the database once,
and a reinstall or an uninstall is seen within a minute. A token Slack refuses is
forgotten at once (`forget`), so the next post reads the store again.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.installations import Installations

TOKEN_TTL = 60.0
MAX_TEAMS = 1_000

ClientFactory = Callable[[str], AsyncWebClient]


class TeamClients(Protocol):
    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        """The client that acts in `team_id`; None when the app is not installed there."""
        ...

    def forget(self, team_id: str) -> None:
        """Slack refused the team's token: do not use it again."""
        ...


class OneToken:
    """Every team through one client (a single-workspace or org-wide token)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        return self.client

    def forget(self, team_id: str) -> None:
        """A refused single token stays: there is no other to use (the error says so)."""


class InstalledTeams:
    """Each team's bot token from the installation store, remembered briefly."""

    def __init__(
        self,
        installations: Installations,
        make_client: ClientFactory,
        *,
        ttl: float = TOKEN_TTL,
        max_teams: int = MAX_TEAMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._installations = installations
        self._make_client = make_client
        self._ttl = ttl
        self._max_teams = max_teams
        self._clock = clock
        self._known: OrderedDict[str, tuple[float, AsyncWebClient]] = OrderedDict()

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        known = self._known.get(team_id)
        if known is not None and self._clock() < known[0]:
            self._known.move_to_end(team_id)
            return known[1]
        token = await self._installations.bot_token(team_id)
        if token is None:
            self._known.pop(team_id, None)
            return None
        client = (
            known[1] if known is not None and known[1].token == token else self._make_client(token)
        )
        self._known[team_id] = (self._clock() + self._ttl, client)
        self._known.move_to_end(team_id)
        while len(self._known) > self._max_teams:
            self._known.popitem(last=False)
        return client

    def forget(self, team_id: str) -> None:
        self._known.pop(team_id, None)
