"""Papers, their summaries (per language), full texts and chunk vectors."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.domain import (
    Citation,
    Paper,
    QAPair,
    Summary,
    SummaryEngine,
)
from bot.store.rows import Rows, now_iso


class PaperRows(Rows):
    # Papers -----------------------------------------------------------------

    async def save_paper(self, paper: Paper) -> None:
        """Insert or update a paper. An empty comment or code link never erases a known one:
        an arXiv lookup does not know the code repository Hugging Face listed last week."""
        await self._db.execute(
            "INSERT INTO papers (arxiv_id, version, title, authors_json, abstract, published, "
            "updated, primary_category, categories_json, fetched_at, comment, code_url) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(arxiv_id) DO UPDATE SET "
            "version=excluded.version, title=excluded.title, authors_json=excluded.authors_json, "
            "abstract=excluded.abstract, published=excluded.published, updated=excluded.updated, "
            "primary_category=excluded.primary_category, categories_json=excluded.categories_json, "
            "fetched_at=excluded.fetched_at, "
            "comment=CASE WHEN excluded.comment='' THEN papers.comment ELSE excluded.comment END, "
            "code_url=CASE WHEN excluded.code_url='' THEN papers.code_url "
            "ELSE excluded.code_url END",
            (
                paper.arxiv_id,
                paper.version,
                paper.title,
                json.dumps(list(paper.authors)),
                paper.abstract,
                paper.published.isoformat(),
                paper.updated.isoformat(),
                paper.primary_category,
                json.dumps(list(paper.categories)),
                now_iso(),
                paper.comment,
                paper.code_url,
            ),
        )
        await self._db.commit()

    async def paper(self, arxiv_id: str) -> Paper | None:
        async with self._db.execute("SELECT * FROM papers WHERE arxiv_id=?", (arxiv_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return Paper(
            arxiv_id=row["arxiv_id"],
            version=row["version"],
            title=row["title"],
            authors=tuple(json.loads(row["authors_json"])),
            abstract=row["abstract"],
            published=datetime.fromisoformat(row["published"]),
            updated=datetime.fromisoformat(row["updated"]),
            primary_category=row["primary_category"],
            categories=tuple(json.loads(row["categories_json"])),
            comment=row["comment"],
            code_url=row["code_url"],
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
        await self._db.execute(
            "INSERT OR REPLACE INTO summaries VALUES (?,?,?,?)",
            (
                summary.arxiv_id,
                summary.language,
                json.dumps(payload, ensure_ascii=False),
                now_iso(),
            ),
        )
        await self._db.commit()

    async def summary(self, arxiv_id: str, language: str) -> Summary | None:
        async with self._db.execute(
            "SELECT payload_json FROM summaries WHERE arxiv_id=? AND language=?",
            (arxiv_id, language),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
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
        await self._db.execute(
            "INSERT OR REPLACE INTO paper_texts VALUES (?,?,?,?)",
            (key, source, json.dumps(payload, ensure_ascii=False), now_iso()),
        )
        await self._db.commit()

    async def text(self, key: str) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT payload_json FROM paper_texts WHERE key=?", (key,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else dict(json.loads(row[0]))

    async def forget_text(self, arxiv_id: str) -> None:
        """A new version of the paper: its stored text, chunk vectors and summaries go, so
        the next read fetches and summarises the new one."""
        await self._db.execute("DELETE FROM paper_texts WHERE key=?", (arxiv_id,))
        await self._db.execute("DELETE FROM paper_vectors WHERE key=?", (arxiv_id,))
        await self._db.execute("DELETE FROM summaries WHERE arxiv_id=?", (arxiv_id,))
        await self._db.commit()

    async def save_vectors(self, key: str, model: str, vectors: npt.ArrayLike) -> None:
        """Chunk embeddings as packed float32 (a long paper's are about 0.7 MB)."""
        packed = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
        dims = int(packed.shape[1]) if packed.ndim == 2 and len(packed) else 0
        await self._db.execute(
            "INSERT OR REPLACE INTO paper_vectors VALUES (?,?,?,?,?)",
            (key, model, dims, packed.tobytes(), now_iso()),
        )
        await self._db.commit()

    async def vectors(self, key: str, model: str) -> npt.NDArray[np.float32] | None:
        """The float32 rows saved for `key` (read-only: they are shared, never written)."""
        async with self._db.execute(
            "SELECT dims, data FROM paper_vectors WHERE key=? AND model=?", (key, model)
        ) as cur:
            row = await cur.fetchone()
        if row is None or not row[0]:
            return None
        dims = int(row[0])
        return np.frombuffer(row[1], dtype=np.float32).reshape(-1, dims)


def _citation_json(citation: Citation) -> dict[str, Any]:
    return {f.name: getattr(citation, f.name) for f in fields(citation)}


def _citation(data: dict[str, Any]) -> Citation:
    """A stored citation; fields unknown to this version are ignored, missing ones default."""
    known = {f.name for f in fields(Citation)}
    return Citation(**{k: v for k, v in data.items() if k in known})
