"""Progress lines a long use case reports while it works (the CLI and Slack show them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Progress = Callable[[str], Awaitable[None]]


async def say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        await progress(text)
