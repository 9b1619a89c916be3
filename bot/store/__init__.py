"""Persistence: SQLite (default, WAL) or PostgreSQL through SQLAlchemy Core, numbered migrations."""

from bot.store.db import Store
from bot.store.posts import PostRecord, PostState

__all__ = ["PostRecord", "PostState", "Store"]
