"""Ask every source at once; one that fails is reported, not fatal, unless all fail."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.domain import Candidate, Window
from bot.errors import SourceUnavailable
from bot.seams import PaperSource

logger = logging.getLogger(__name__)

DEFAULT_SOURCE_TIMEOUT = 120.0


async def gather_candidates(
    sources: Sequence[PaperSource],
    window: Window,
    *,
    per_source_seconds: float = DEFAULT_SOURCE_TIMEOUT,
) -> tuple[list[Candidate], dict[str, str]]:
    """Every source's candidates, and the reason each failed source is unavailable.

    Each source runs concurrently under its own `per_source_seconds` limit. A failure
    (SourceUnavailable, timeout, malformed data, a bug) is recorded under the source's
    name. Raises SourceUnavailable("Every paper source", ...) when no candidate came back and
    some source failed, so a channel never gets a digest built from nothing.
    """
    candidates, unavailable = await ask_sources(sources, window, per_source_seconds)
    require_some(candidates, unavailable)
    return candidates, unavailable


async def ask_sources(
    sources: Sequence[PaperSource],
    window: Window,
    per_source_seconds: float = DEFAULT_SOURCE_TIMEOUT,
) -> tuple[list[Candidate], dict[str, str]]:
    """`gather_candidates` without the refusal of an empty result."""
    outcomes = await asyncio.gather(
        *(_ask(source, window, per_source_seconds) for source in sources)
    )
    candidates: list[Candidate] = []
    unavailable: dict[str, str] = {}
    for source, outcome in zip(sources, outcomes, strict=True):
        if isinstance(outcome, str):
            unavailable[source.name] = outcome
        else:
            candidates.extend(outcome)
    return candidates, unavailable


def require_some(candidates: Sequence[Candidate], unavailable: dict[str, str]) -> None:
    """SourceUnavailable when nothing came back because sources failed."""
    if unavailable and not candidates:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in unavailable.items())
        raise SourceUnavailable("Every paper source", reasons)


async def _ask(source: PaperSource, window: Window, seconds: float) -> list[Candidate] | str:
    """The source's candidates, or why it is unavailable."""
    try:
        async with asyncio.timeout(seconds):
            candidates = await source.candidates(window)
    except SourceUnavailable as error:
        reason = error.reason
    except TimeoutError:
        reason = f"no answer within {seconds:g} s"
    except (ValueError, KeyError, TypeError) as error:
        logger.warning("%s returned malformed data", source.name, exc_info=True)
        reason = f"malformed data ({type(error).__name__})"
    except Exception as error:  # one broken source must not cost the digest the others
        logger.exception("%s failed unexpectedly", source.name)
        reason = f"unexpected error ({type(error).__name__})"
    else:
        if not isinstance(candidates, list):
            return f"malformed data (expected a list, got {type(candidates).__name__})"
        return candidates
    logger.warning("%s unavailable: %s", source.name, reason)
    return reason
