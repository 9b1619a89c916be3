"""The shared weekly candidate pools (bot/usecases/candidate_pool.py), kept as JSON."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.domain import Candidate, Paper
from bot.store.db import Store
from bot.store.schema import candidate_pools


@dataclass(frozen=True, slots=True)
class Pool:
    """What a set of sources offered for one window: their candidates, the arXiv metadata
    looked up for those that came without it, and the sources that failed."""

    candidates: list[Candidate]
    papers: dict[str, Paper] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)


class StoredPools:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def load(self, key: str) -> tuple[datetime, Pool] | None:
        async with self._store.reading() as db:
            row = (
                await db.execute(select(candidate_pools).where(candidate_pools.c.key == key))
            ).first()
        if row is None:
            return None
        return row.fetched_at, await asyncio.to_thread(pool_from_json, row.body)

    async def save(self, key: str, fetched_at: datetime, pool: Pool) -> None:
        # A week's pool is hundreds of papers with their abstracts: 40-60 ms of copying
        # and encoding that held the event loop under the load bench (bench/load.py --watch).
        body = await asyncio.to_thread(pool_to_json, pool)
        statement = self._store.insert(candidate_pools).values(
            key=key, fetched_at=fetched_at, body=body
        )
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"fetched_at": statement.excluded.fetched_at, "body": statement.excluded.body},
        )
        async with self._store.transaction() as db:
            await db.execute(statement)


def pool_to_json(pool: Pool) -> str:
    return json.dumps(
        {
            "candidates": [asdict(c) for c in pool.candidates],
            "papers": {i: asdict(p) for i, p in pool.papers.items()},
            "unavailable": pool.unavailable,
        },
        default=_moment,
        ensure_ascii=False,
    )


def pool_from_json(body: str) -> Pool:
    data = json.loads(body)
    return Pool(
        candidates=[_candidate(c) for c in data["candidates"]],
        papers={i: _paper(p) for i, p in data["papers"].items()},
        unavailable=dict(data["unavailable"]),
    )


def _moment(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _paper(data: dict[str, Any]) -> Paper:
    return Paper(
        **{
            **data,
            "authors": tuple(data["authors"]),
            "categories": tuple(data["categories"]),
            "published": datetime.fromisoformat(data["published"]),
            "updated": datetime.fromisoformat(data["updated"]),
        }
    )


def _candidate(data: dict[str, Any]) -> Candidate:
    paper = data.get("paper")
    return Candidate(
        **{
            **data,
            "paper": _paper(paper) if paper else None,
            "keywords": tuple(data.get("keywords", ())),
        }
    )
