"""The tables as SQLAlchemy Core sees them, so each query is written once for both backends.

The tables themselves are made by the numbered scripts in migrations.py (rendered per
backend); this module describes the result for the queries, and
`Store.schema_problems()` checks the two agree (tests run it on SQLite and PostgreSQL).

Times are `Moment` columns: real `TIMESTAMPTZ` on PostgreSQL; on SQLite the ISO 8601
text every paperclub database has always held, so an existing file reads as before.
JSON payloads stay text on both (they are written and read by Python only, except the
archive search, which reads a summary's words with `summary_words`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    inspect,
)
from sqlalchemy import Text as SqlText
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine


class Text(TypeDecorator[str]):
    """Text, without NUL characters: PostgreSQL's text cannot hold one (the write would
    fail), so a NUL in a member's message or a PDF's text is dropped on both backends."""

    impl = SqlText
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and "\x00" in value:
            return value.replace("\x00", "")
        return value


class Moment(TypeDecorator[datetime]):
    """An instant: TIMESTAMPTZ on PostgreSQL (UTC sessions), ISO 8601 text on SQLite.

    On SQLite the value is written as `isoformat()` of what the caller passed (callers
    pass UTC), exactly as before this layer, so text comparisons keep ordering instants.
    """

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(SqlText())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a Moment column takes a datetime, not {type(value).__name__}")
        if dialect.name == "postgresql":
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value


metadata = MetaData()


def _conversation() -> list[Column[Any]]:
    return [
        Column("platform", Text, nullable=False),
        Column("workspace_id", Text, nullable=False),
        Column("channel_id", Text, nullable=False),
    ]


papers = Table(
    "papers",
    metadata,
    Column("arxiv_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("authors_json", Text, nullable=False),
    Column("abstract", Text, nullable=False),
    Column("published", Moment, nullable=False),
    Column("updated", Moment, nullable=False),
    Column("primary_category", Text, nullable=False),
    Column("categories_json", Text, nullable=False),
    Column("fetched_at", Moment, nullable=False),
    Column("comment", Text, nullable=False),
    Column("code_url", Text, nullable=False),
)
summaries = Table(
    "summaries",
    metadata,
    Column("arxiv_id", Text, primary_key=True),
    Column("language", Text, primary_key=True),
    Column("payload_json", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
)
paper_texts = Table(
    "paper_texts",
    metadata,
    Column("key", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
)
paper_vectors = Table(
    "paper_vectors",
    metadata,
    Column("key", Text, primary_key=True),
    Column("model", Text, nullable=False),
    Column("dims", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", Moment, nullable=False),
)
posts = Table(
    "posts",
    metadata,
    Column("key", Text, primary_key=True),
    *_conversation(),
    Column("arxiv_id", Text, nullable=False),
    Column("week", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("root_id", Text),
    Column("replies_done", Integer, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
)
threads = Table(
    "threads",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("root_id", Text, primary_key=True),
    Column("arxiv_id", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
)
turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_conversation(),
    Column("root_id", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("author_id", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
)
channels = Table(
    "channels",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("language", Text, nullable=False),
    Column("subscribed", Integer, nullable=False),
    Column("weekday", Integer, nullable=False),
    Column("time", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("digest_size", Integer, nullable=False),
    Column("topics_json", Text, nullable=False),
    Column("meeting_weekday", Integer),
    Column("meeting_time", Text),
    Column("auto_pick_hours", Integer, nullable=False),
    Column("muted_topics_json", Text, nullable=False),
    Column("topic_weights_json", Text, nullable=False),
    Column("categories_json", Text, nullable=False),
    Column("sources_json", Text, nullable=False),
)
usage = Table(
    "usage",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Moment, nullable=False),
    *_conversation(),
    Column("purpose", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("tokens_in", Integer, nullable=False),
    Column("tokens_out", Integer, nullable=False),
)
submissions = Table(
    "submissions",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("arxiv_id", Text, primary_key=True),
    Column("submitted_by", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
)
candidate_pools = Table(
    "candidate_pools",
    metadata,
    Column("key", Text, primary_key=True),
    Column("fetched_at", Moment, nullable=False),
    Column("body", Text, nullable=False),  # JSON: candidates, looked-up papers, unavailable
)
schedule_runs = Table(
    "schedule_runs",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("last_run", Moment, nullable=False),
    Column("next_run_at", Moment),
    Column("planned_for", Text),
)
votes = Table(
    "votes",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("arxiv_id", Text, primary_key=True),
    Column("member_id", Text, primary_key=True),
    Column("created_at", Moment, nullable=False),
)
sessions = Table(
    "sessions",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("arxiv_id", Text, primary_key=True),
    Column("root_id", Text),
    Column("votes", Integer, nullable=False),
    Column("presenter_id", Text),
    Column("presenter_name", Text),
    Column("meeting_at", Moment),
    Column("reminded_for", Moment),
    Column("created_at", Moment, nullable=False),
)
reading_list = Table(
    "reading_list",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("member_id", Text, primary_key=True),
    Column("arxiv_id", Text, primary_key=True),
    Column("saved_at", Moment, nullable=False),
    Column("read_at", Moment),
)
auto_picks = Table(
    "auto_picks",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("meeting_at", Moment, primary_key=True),
    Column("arxiv_id", Text),
    Column("done", Integer, nullable=False),
    Column("created_at", Moment, nullable=False),
)
unfinished_answers = Table(
    "unfinished_answers",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("root_id", Text, nullable=False),
    Column("message_id", Text, primary_key=True),
    Column("author_id", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("started_at", Moment, nullable=False),
)
answer_records = Table(
    "answer_records",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("root_id", Text, nullable=False),
    Column("message_id", Text, primary_key=True),
    Column("arxiv_id", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("passages_json", Text, nullable=False),
    Column("citations_json", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
)
answer_feedback = Table(
    "answer_feedback",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("workspace_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("message_id", Text, primary_key=True),
    Column("member_id", Text, primary_key=True),
    Column("rating", Integer, nullable=False),
    Column("created_at", Moment, nullable=False),
)
club_notes = Table(
    "club_notes",
    metadata,
    Column("key", Text, primary_key=True),
    Column("message_id", Text),
    Column("created_at", Moment, nullable=False),
)
club_checks = Table(
    "club_checks",
    metadata,
    Column("name", Text, primary_key=True),
    Column("checked_at", Moment, nullable=False),
)
seen_events = Table(
    "seen_events",
    metadata,
    Column("key", Text, primary_key=True),
    Column("expires_at", Moment, nullable=False),
)


# -- the two expressions whose SQL differs between the backends ------------------------------


class summary_words(FunctionElement[str]):
    """A stored summary's searchable words: TL;DR, translated title, tags and key points.

    Never the citations' quotes: those are the paper's words, matched by its abstract."""

    type = SqlText()
    inherit_cache = True


@compiles(summary_words, "sqlite")
def _summary_words_sqlite(element: summary_words, compiler: SQLCompiler, **kw: Any) -> str:
    payload = compiler.process(next(iter(element.clauses)), **kw)
    return (
        f"IFNULL(json_extract({payload}, '$.tldr'), '') || ' ' || "
        f"IFNULL(json_extract({payload}, '$.title_translated'), '') || ' ' || "
        f"IFNULL((SELECT group_concat(value, ' ') FROM json_each({payload}, '$.tags')), '') "
        f"|| ' ' || IFNULL((SELECT group_concat(json_extract(value, '$[0]') || ' ' || "
        f"json_extract(value, '$[1]'), ' ') FROM json_each({payload}, '$.key_points')), '')"
    )


@compiles(summary_words, "postgresql")
def _summary_words_postgresql(element: summary_words, compiler: SQLCompiler, **kw: Any) -> str:
    payload = f"CAST({compiler.process(next(iter(element.clauses)), **kw)} AS jsonb)"
    return (
        f"COALESCE({payload} ->> 'tldr', '') || ' ' || "
        f"COALESCE({payload} ->> 'title_translated', '') || ' ' || "
        f"COALESCE((SELECT string_agg(value, ' ') FROM jsonb_array_elements_text("
        f"{payload} -> 'tags')), '') || ' ' || "
        f"COALESCE((SELECT string_agg((value ->> 0) || ' ' || (value ->> 1), ' ') FROM "
        f"jsonb_array_elements({payload} -> 'key_points')), '')"
    )


class week_label(FunctionElement[str]):
    """`2026-W48`: the year and SQLite's `%W` week (weeks start on Monday; the days
    before a year's first Monday are week 00), in UTC, the same on both backends."""

    type = SqlText()
    inherit_cache = True


@compiles(week_label, "sqlite")
def _week_label_sqlite(element: week_label, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-W%W', {compiler.process(next(iter(element.clauses)), **kw)})"


@compiles(week_label, "postgresql")
def _week_label_postgresql(element: week_label, compiler: SQLCompiler, **kw: Any) -> str:
    moment = f"({compiler.process(next(iter(element.clauses)), **kw)} AT TIME ZONE 'UTC')"
    week = (
        f"((CAST(EXTRACT(DOY FROM {moment}) AS integer) + 7 - "
        f"CAST(EXTRACT(ISODOW FROM {moment}) AS integer)) / 7)"
    )
    return f"(to_char({moment}, 'YYYY') || '-W' || lpad(CAST({week} AS text), 2, '0'))"


def problems(connection: Connection) -> list[str]:
    """What the database lacks of the tables and columns above (run with `run_sync`)."""
    inspector = inspect(connection)
    found = set(inspector.get_table_names())
    missing = []
    for table in metadata.sorted_tables:
        if table.name not in found:
            missing.append(f"table {table.name} is missing")
            continue
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [
            f"column {table.name}.{column.name} is missing"
            for column in table.columns
            if column.name not in columns
        ]
    return missing
