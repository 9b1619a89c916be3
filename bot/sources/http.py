"""GET with a timeout and bounded retries, shared by the HTTP paper sources."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp

logger = logging.getLogger(__name__)

USER_AGENT = "paperclub/0.1 (+https://github.com/paperclub/paperclub)"
FORMAT_CHANGED = "payload format changed"  # a source whose payload is not the known shape
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one GET tries: `attempts` in all, `backoff * 2**n` seconds apart.

    A Retry-After header replaces the backoff; one longer than `max_retry_after`
    ends the attempts at once, because waiting less than the server asked would
    only earn another 429.
    """

    timeout: float = 15.0
    attempts: int = 3
    backoff: float = 1.0
    max_retry_after: float = 30.0


class FetchFailed(Exception):
    """The GET failed after its retries; `reason` is short and safe to show.

    `answered` is False when no attempt got any HTTP response (connection refused, DNS,
    timeouts): asking the same host another way right away would fail the same way."""

    def __init__(self, reason: str, *, answered: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.answered = answered


async def get_bytes(
    http: aiohttp.ClientSession,
    url: str,
    policy: RetryPolicy,
    params: dict[str, str] | None = None,
) -> bytes:
    """The body of a 200 response to GET `url`; raises FetchFailed."""
    reason = "no attempt made"
    answered = False
    for attempt in range(policy.attempts):
        wait = policy.backoff * 2**attempt
        try:
            async with http.get(
                url, params=params, timeout=aiohttp.ClientTimeout(total=policy.timeout)
            ) as response:
                answered = True
                if response.status == 200:
                    return await response.read()
                reason = f"HTTP {response.status}"
                if response.status not in _RETRYABLE_STATUS:
                    raise FetchFailed(reason)
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                if retry_after is not None:
                    if retry_after > policy.max_retry_after:
                        raise FetchFailed(f"{reason}, asked to wait {retry_after:.0f} s")
                    wait = retry_after
        except TimeoutError:
            reason = f"timed out after {policy.timeout:g} s"
        except aiohttp.ClientError as error:
            reason = f"connection failed ({type(error).__name__})"
        if attempt + 1 < policy.attempts:
            logger.info("GET %s failed (%s); retrying in %.1f s", url, reason, wait)
            await asyncio.sleep(wait)
    raise FetchFailed(f"{reason} after {policy.attempts} attempts", answered=answered)


def retry_after_seconds(value: str | None) -> float | None:
    """The seconds a Retry-After header asks to wait (delta-seconds or an HTTP date);
    None when it is absent or unreadable (garbage, a NaN, an infinity)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
