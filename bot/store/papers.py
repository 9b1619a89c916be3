"""Papers, their summaries (per language), full texts and chunk vectors."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Table, case, delete, select

from bot.domain import (
    Citation,
    Paper,
    QAPair,
    Summary,
    SummaryEngine,
)
from bot.store import schema
from bot.store.rows import Rows, now


class PaperRows(Rows):
    # Papers -----------------------------------------------------------------

    async def save_paper(self, paper: Paper) -> None:
        """Insert or update a paper. An empty comment or code link never erases a known one:
        an arXiv lookup does not know the code repository Hugging Face listed last week."""
        table = schema.papers
        statement = self.insert(table).values(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            title=paper.title,
            authors_json=json.dumps(list(paper.authors)),
            abstract=paper.abstract,
            published=paper.published,
            updated=paper.updated,
            primary_category=paper.primary_category,
            categories_json=json.dumps(list(paper.categories)),
            fetched_at=now(),
            comment=paper.comment,
            code_url=paper.code_url,
        )
        new = statement.excluded
        replaced = ("version", "title", "authors_json", "abstract", "published", "updated")
        changes: dict[str, Any] = {name: new[name] for name in replaced}
        changes |= {
            "primary_category": new.primary_category,
            "categories_json": new.categories_json,
            "fetched_at": new.fetched_at,
            "comment": case((new.comment == "", table.c.comment), else_=new.comment),
            "code_url": case((new.code_url == "", table.c.code_url), else_=new.code_url),
        }
        async with self.transaction() as db:
            await db.execute(
                statement.on_conflict_do_update(index_elements=["arxiv_id"], set_=changes)
            )

    async def _replace(self, table: Table, values: dict[str, Any]) -> None:
        async with self.transaction() as db:
            await db.execute(self.upsert(table, values))

    async def paper(self, arxiv_id: str) -> Paper | None:
        table = schema.papers
        async with self.reading() as db:
            row = (await db.execute(select(table).where(table.c.arxiv_id == arxiv_id))).first()
        if row is None:
            return None
        return Paper(
            arxiv_id=row.arxiv_id,
            version=row.version,
            title=row.title,
            authors=tuple(json.loads(row.authors_json)),
            abstract=row.abstract,
            published=row.published,
            updated=row.updated,
            primary_category=row.primary_category,
            categories=tuple(json.loads(row.categories_json)),
            comment=row.comment,
            code_url=row.code_url,
        )

    # Summaries (cached per paper and language, shared by every channel) --------

    async def save_summary(self, summary: Summary) -> None:
        payload = {
            "tldr": summary.tldr,
            "key_points": [
                [p.question, p.answer, [_citation_json(c) for c in p.citations]]
                for p in summary.key_points
            ],
            "tags": list(summary.tags),
            "engine": str(summary.engine),
            "model": summary.model,
            "basis": summary.basis,
            "title_translated": summary.title_translated,
            "notes": list(summary.notes),
        }
        await self._replace(
            schema.summaries,
            {
                "arxiv_id": summary.arxiv_id,
                "language": summary.language,
                "payload_json": json.dumps(payload, ensure_ascii=False),
                "created_at": now(),
            },
        )

    async def summary(self, arxiv_id: str, language: str) -> Summary | None:
        table = schema.summaries
        async with self.reading() as db:
            payload = (
                await db.execute(
                    select(table.c.payload_json).where(
                        table.c.arxiv_id == arxiv_id, table.c.language == language
                    )
                )
            ).scalar()
        if payload is None:
            return None
        data = json.loads(payload)
        return Summary(
            arxiv_id=arxiv_id,
            language=language,
            tldr=data["tldr"],
            key_points=tuple(
                QAPair(pair[0], pair[1], tuple(_citation(c) for c in (pair[2:] or [[]])[0]))
                for pair in data["key_points"]
            ),
            tags=tuple(data["tags"]),
            engine=SummaryEngine(data["engine"]),
            model=data["model"],
            basis=data["basis"],
            title_translated=data.get("title_translated", ""),
            notes=tuple(data.get("notes", ())),
        )

    # Full texts (the reading module serialises them) ---------------------------

    async def save_text(self, key: str, source: str, payload: dict[str, Any]) -> None:
        await self._replace(
            schema.paper_texts,
            {
                "key": key,
                "source": source,
                "payload_json": json.dumps(payload, ensure_ascii=False),
                "created_at": now(),
            },
        )

    async def text(self, key: str) -> dict[str, Any] | None:
        table = schema.paper_texts
        async with self.reading() as db:
            payload = (
                await db.execute(select(table.c.payload_json).where(table.c.key == key))
            ).scalar()
        return None if payload is None else dict(json.loads(payload))

    async def forget_text(self, arxiv_id: str) -> None:
        """A new version of the paper: its stored text, chunk vectors and summaries go, so
        the next read fetches and summarises the new one."""
        async with self.transaction() as db:
            await db.execute(delete(schema.paper_texts).where(schema.paper_texts.c.key == arxiv_id))
            await db.execute(
                delete(schema.paper_vectors).where(schema.paper_vectors.c.key == arxiv_id)
            )
            await db.execute(
                delete(schema.summaries).where(schema.summaries.c.arxiv_id == arxiv_id)
            )

    async def save_vectors(self, key: str, model: str, vectors: npt.ArrayLike) -> None:
        """Chunk embeddings as packed float32 (a long paper's are about 0.7 MB)."""
        packed = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
        dims = int(packed.shape[1]) if packed.ndim == 2 and len(packed) else 0
        await self._replace(
            schema.paper_vectors,
            {
                "key": key,
                "model": model,
                "dims": dims,
                "data": packed.tobytes(),
                "created_at": now(),
            },
        )

    async def vectors(self, key: str, model: str) -> npt.NDArray[np.float32] | None:
        """The float32 rows saved for `key` (read-only: they are shared, never written)."""
        table = schema.paper_vectors
        async with self.reading() as db:
            row = (
                await db.execute(
                    select(table.c.dims, table.c.data).where(
                        table.c.key == key, table.c.model == model
                    )
                )
            ).first()
        if row is None or not row.dims:
            return None
        return np.frombuffer(bytes(row.data), dtype=np.float32).reshape(-1, int(row.dims))


def _citation_json(citation: Citation) -> dict[str, Any]:
    return {f.name: getattr(citation, f.name) for f in fields(citation)}


def _citation(data: dict[str, Any]) -> Citation:
    """A stored citation; fields unknown to this version are ignored, missing ones default."""
    known = {f.name for f in fields(Citation)}
    return Citation(**{k: v for k, v in data.items() if k in known})
