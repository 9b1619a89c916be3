"""Persistence: aiosqlite in WAL mode with numbered migrations."""

from bot.store.db import PostRecord, PostState, Store

__all__ = ["PostRecord", "PostState", "Store"]
