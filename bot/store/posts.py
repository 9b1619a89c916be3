"""Posts (idempotent paper threads), the thread -> paper map, and archive search."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, or_, select, update

from bot.domain import (
    ArchiveHit,
    ConversationRef,
    Platform,
    ThreadRef,
)
from bot.store import schema
from bot.store.rows import Rows, conv_params, in_conversation, now
from bot.store.schema import summary_words


class PostState:
    RESERVED = "reserved"
    ROOT_POSTED = "root_posted"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True)
class PostRecord:
    key: str
    arxiv_id: str
    state: str
    root_id: str | None
    replies_done: int
    fresh: bool = False  # True when this reservation created the row just now


REMEMBERED_THREADS = 10_000  # thread -> paper pairs held: ~3.7 MiB at most (measured)


class PostRows(Rows):
    # (platform, workspace, channel, root) -> paper, least recently asked first. Tuples
    # of strings, which the collector stops tracking: a full collection never walks them.
    _thread_papers: OrderedDict[tuple[str, ...], str]

    # Posts: idempotent paper threads -------------------------------------------

    async def reserve_post(
        self, key: str, conversation: ConversationRef, arxiv_id: str, week: str
    ) -> PostRecord:
        """Create the post's row if it is new; return it as stored either way.

        `fresh` tells a reservation made now from one a crashed run left behind: only
        the latter needs a look on the platform for a root that may already exist.
        """
        moment = now()
        platform, workspace_id, channel_id = conv_params(conversation)
        statement = (
            self.insert(schema.posts)
            .values(
                key=key,
                platform=platform,
                workspace_id=workspace_id,
                channel_id=channel_id,
                arxiv_id=arxiv_id,
                week=week,
                state=PostState.RESERVED,
                root_id=None,
                replies_done=0,
                created_at=moment,
                updated_at=moment,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(schema.posts.c.key)  # a row only when this insert made one
        )
        async with self.transaction() as db:
            created = (await db.execute(statement)).first() is not None
            row = (await db.execute(_post_columns().where(schema.posts.c.key == key))).one()
        return _record(row, fresh=created)

    async def post(self, key: str) -> PostRecord | None:
        async with self.reading() as db:
            row = (await db.execute(_post_columns().where(schema.posts.c.key == key))).first()
        return None if row is None else _record(row)

    async def mark_root_posted(self, key: str, thread: ThreadRef, arxiv_id: str) -> None:
        """Record the root and the thread -> paper mapping in one transaction."""
        moment = now()
        platform, workspace_id, channel_id = conv_params(thread.conversation)
        async with self.transaction() as db:
            await db.execute(
                update(schema.posts)
                .where(schema.posts.c.key == key)
                .values(state=PostState.ROOT_POSTED, root_id=thread.root_id, updated_at=moment)
            )
            await db.execute(
                self.insert(schema.threads)
                .values(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    root_id=thread.root_id,
                    arxiv_id=arxiv_id,
                    created_at=moment,
                )
                .on_conflict_do_nothing()
            )

    async def mark_reply_posted(self, key: str, replies_done: int) -> None:
        async with self.transaction() as db:
            await db.execute(
                update(schema.posts)
                .where(schema.posts.c.key == key)
                .values(replies_done=replies_done, updated_at=now())
            )

    async def mark_complete(self, key: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                update(schema.posts)
                .where(schema.posts.c.key == key)
                .values(state=PostState.COMPLETE, updated_at=now())
            )

    async def posted_paper_ids(self, conversation: ConversationRef) -> set[str]:
        """Papers this channel already received (any week, any state past reservation)."""
        table = schema.posts
        async with self.reading() as db:
            rows = await db.execute(
                select(table.c.arxiv_id)
                .distinct()
                .where(in_conversation(table, conversation), table.c.state != PostState.RESERVED)
            )
            return {str(arxiv_id) for arxiv_id in rows.scalars()}

    async def posts_in_week(self, conversation: ConversationRef, week: str) -> list[PostRecord]:
        table = schema.posts
        async with self.reading() as db:
            rows = await db.execute(
                _post_columns()
                .where(in_conversation(table, conversation), table.c.week == week)
                .order_by(table.c.created_at)
            )
            return [_record(row) for row in rows]

    # Threads ------------------------------------------------------------------

    async def thread_paper(self, thread: ThreadRef) -> str | None:
        """The paper `thread` discusses; None if it is not one of ours.

        Every question reads this, once or twice. A thread's paper never changes once
        recorded (`mark_root_posted` inserts it once; nothing updates or deletes the
        row), so one found is remembered: for any process, even beside others writing
        the same database."""
        key = (*conv_params(thread.conversation), thread.root_id)
        known = self._thread_papers.get(key)
        if known is not None:
            self._thread_papers.move_to_end(key)
            return known
        table = schema.threads
        async with self.reading() as db:
            arxiv_id = (
                await db.execute(
                    select(table.c.arxiv_id).where(
                        in_conversation(table, thread.conversation),
                        table.c.root_id == thread.root_id,
                    )
                )
            ).scalar()
        if arxiv_id is None:
            return None
        self._thread_papers[key] = str(arxiv_id)
        if len(self._thread_papers) > REMEMBERED_THREADS:
            self._thread_papers.popitem(last=False)
        return str(arxiv_id)

    async def channel_thread_for(
        self, conversation: ConversationRef, arxiv_id: str
    ) -> ThreadRef | None:
        table = schema.threads
        async with self.reading() as db:
            root_id = (
                await db.execute(
                    select(table.c.root_id)
                    .where(in_conversation(table, conversation), table.c.arxiv_id == arxiv_id)
                    .order_by(table.c.created_at)
                    .limit(1)
                )
            ).scalar()
        return None if root_id is None else ThreadRef(conversation, str(root_id))

    async def search_archive(
        self, conversation: ConversationRef, words: list[str], limit: int = 10
    ) -> list[ArchiveHit]:
        """Papers posted in this channel whose title, abstract or summary hold every word
        (in any case).

        One channel, never the workspace: a member may not see another channel (a private
        one), and a search reply is often public."""
        t, p, s = schema.threads, schema.papers, schema.summaries
        query = (
            select(t.c.platform, t.c.workspace_id, t.c.channel_id, t.c.root_id, t.c.arxiv_id)
            .add_columns(t.c.created_at, p.c.title)
            .join(p, p.c.arxiv_id == t.c.arxiv_id)
            .where(in_conversation(t, conversation))
        )
        for word in words:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            in_summary = (
                select(s.c.arxiv_id)
                .where(
                    s.c.arxiv_id == t.c.arxiv_id,
                    summary_words(s.c.payload_json).ilike(pattern, escape="\\"),
                )
                .exists()
            )
            query = query.where(
                or_(
                    p.c.title.ilike(pattern, escape="\\"),
                    p.c.abstract.ilike(pattern, escape="\\"),
                    in_summary,
                    t.c.arxiv_id == word,
                )
            )
        query = query.order_by(t.c.created_at.desc()).limit(limit)
        async with self.reading() as db:
            rows = (await db.execute(query)).all()
        return [
            ArchiveHit(
                arxiv_id=r.arxiv_id,
                title=r.title,
                thread=ThreadRef(
                    ConversationRef(Platform(r.platform), r.workspace_id, r.channel_id),
                    r.root_id,
                ),
                posted_at=r.created_at,
            )
            for r in rows
        ]


def _post_columns() -> Select[tuple[str, str, str, str | None, int]]:
    t = schema.posts
    return select(t.c.key, t.c.arxiv_id, t.c.state, t.c.root_id, t.c.replies_done)


def _record(row: Row[Any], fresh: bool = False) -> PostRecord:
    return PostRecord(row.key, row.arxiv_id, row.state, row.root_id, int(row.replies_done), fresh)
