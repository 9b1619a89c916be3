"""Persistence: aiosqlite in WAL mode with numbered migrations."""

from bot.store.db import Store
from bot.store.posts import PostRecord, PostState

__all__ = ["PostRecord", "PostState", "Store"]
