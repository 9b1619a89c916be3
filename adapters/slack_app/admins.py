"""Who may run the club's admin commands in Slack (`settings.admin_rule`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.command_handlers import OUTLINE_WORD
from adapters.slack_app.commands import Invocation
from bot.config import Settings

log = logging.getLogger(__name__)

ADMIN_SUBCOMMANDS = frozenset({"subscribe", "unsubscribe", "digest", "pick", "present"})
MANAGER_FLAGS = ("is_admin", "is_owner", "is_primary_owner")
CACHE_SECONDS = 600.0


def needs_manager(invocation: Invocation) -> bool:
    """Changing the channel's settings is an admin command; reading them is not."""
    if invocation.sub == "settings":
        return bool(invocation.args.strip())
    if invocation.sub == "present" and invocation.args.split(" ", 1)[0].lower() == OUTLINE_WORD:
        return False  # reading a presenter's outline changes nothing
    return invocation.sub in ADMIN_SUBCOMMANDS


class Managers:
    """With `admin_rule="managers"`: members in `slack_admin_users`, or whom users.info
    calls a workspace admin or owner (cached per (team, user) for ten minutes)."""

    def __init__(
        self,
        settings: Settings,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._everyone = settings.admin_rule == "everyone"
        self._listed = frozenset(settings.slack_admin_users)
        self._ttl = ttl
        self._clock = clock
        self._known: dict[tuple[str, str], tuple[bool, float]] = {}

    async def allows(self, client: AsyncWebClient, team_id: str, user_id: str) -> bool:
        if self._everyone or user_id in self._listed:
            return True
        now = self._clock()
        cached = self._known.get((team_id, user_id))
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            reason = error.response.get("error")
            advice = " (add the users:read scope)" if reason == "missing_scope" else ""
            log.warning("users.info for %s failed: %s%s", user_id, reason, advice)
            return False  # fail closed, not cached: the next attempt asks again
        user = response.get("user") or {}
        allowed = any(bool(user.get(flag)) for flag in MANAGER_FLAGS)
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[(team_id, user_id)] = (allowed, now + self._ttl)
        return allowed
