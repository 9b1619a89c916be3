"""Numbered schema migrations, one script each for both backends.

SQLite records how many were applied in `PRAGMA user_version`; PostgreSQL in the
`schema_migrations` table (one row per migration, with when it ran). Append a new entry
to add a migration; never edit an applied one.

A script is portable SQL with three words left to the backend (`render`): `{moment}` (an
instant: TEXT holding ISO 8601 on SQLite, TIMESTAMPTZ on PostgreSQL), `{serial_id}` (an
integer key the database numbers) and `{blob}` (bytes). Statements are separated by `;`
at the end of a line and contain no other `;`; a literal brace is written `{{` `}}`.
"""

from __future__ import annotations

from bot.errors import StoreUnavailable

MIGRATIONS: tuple[str, ...] = (
    # 1: the foundation schema
    """
    CREATE TABLE papers (
        arxiv_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        authors_json TEXT NOT NULL,
        abstract TEXT NOT NULL,
        published {moment} NOT NULL,
        updated {moment} NOT NULL,
        primary_category TEXT NOT NULL,
        categories_json TEXT NOT NULL,
        fetched_at {moment} NOT NULL
    );
    CREATE TABLE summaries (
        arxiv_id TEXT NOT NULL,
        language TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        created_at {moment} NOT NULL,
        PRIMARY KEY (arxiv_id, language)
    );
    CREATE TABLE paper_texts (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        created_at {moment} NOT NULL
    );
    CREATE TABLE posts (
        key TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        week TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'root_posted', 'complete')),
        root_id TEXT,
        replies_done INTEGER NOT NULL DEFAULT 0,
        created_at {moment} NOT NULL,
        updated_at {moment} NOT NULL
    );
    CREATE INDEX posts_by_channel ON posts (platform, workspace_id, channel_id, arxiv_id);
    CREATE TABLE threads (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        root_id TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        created_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, root_id)
    );
    CREATE TABLE turns (
        {serial_id},
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        root_id TEXT NOT NULL,
        role TEXT NOT NULL,
        author_id TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at {moment} NOT NULL
    );
    CREATE INDEX turns_by_thread ON turns (platform, workspace_id, channel_id, root_id, id);
    CREATE TABLE channels (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        language TEXT NOT NULL,
        subscribed INTEGER NOT NULL,
        weekday INTEGER NOT NULL,
        time TEXT NOT NULL,
        timezone TEXT NOT NULL,
        digest_size INTEGER NOT NULL,
        topics_json TEXT NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id)
    );
    CREATE TABLE usage (
        {serial_id},
        at {moment} NOT NULL,
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        model TEXT NOT NULL,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL
    );
    CREATE TABLE submissions (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        submitted_by TEXT NOT NULL,
        created_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, arxiv_id)
    );
    """,
    # 2: the club's rhythm: when each channel's digest last ran, votes, reading sessions,
    # members' reading lists
    """
    CREATE TABLE schedule_runs (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        last_run {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id)
    );
    CREATE TABLE votes (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        member_id TEXT NOT NULL,
        created_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, arxiv_id, member_id)
    );
    CREATE TABLE sessions (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        root_id TEXT,
        votes INTEGER NOT NULL,
        presenter_id TEXT,
        presenter_name TEXT,
        meeting_at {moment},
        reminded_for {moment},
        created_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, arxiv_id)
    );
    CREATE INDEX sessions_by_meeting ON sessions (meeting_at);
    CREATE TABLE reading_list (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        member_id TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        saved_at {moment} NOT NULL,
        read_at {moment},
        PRIMARY KEY (platform, workspace_id, member_id, arxiv_id)
    );
    """,
    # 3: chunk embeddings of a paper's text, so dense re-ranking survives a restart
    """
    CREATE TABLE paper_vectors (
        key TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        data {blob} NOT NULL,
        created_at {moment} NOT NULL
    );
    """,
    # 4: each channel's weekly meeting and automatic pick, and which paper was picked
    # automatically for which meeting (so a restart never picks twice)
    """
    ALTER TABLE channels ADD COLUMN meeting_weekday INTEGER;
    ALTER TABLE channels ADD COLUMN meeting_time TEXT;
    ALTER TABLE channels ADD COLUMN auto_pick_hours INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE auto_picks (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        meeting_at {moment} NOT NULL,
        arxiv_id TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        created_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, meeting_at)
    );
    """,
    # 5: answers being written, so one cut short by a crash is marked on restart
    """
    CREATE TABLE unfinished_answers (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        root_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        question TEXT NOT NULL,
        language TEXT NOT NULL,
        started_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, message_id)
    );
    """,
    # 6: what a channel steers its digest with: muted topics, topic weights, arXiv
    # categories and the paper sources it uses (JSON lists; empty = the defaults)
    """
    ALTER TABLE channels ADD COLUMN muted_topics_json TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE channels ADD COLUMN topic_weights_json TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE channels ADD COLUMN categories_json TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE channels ADD COLUMN sources_json TEXT NOT NULL DEFAULT '[]';
    """,
    # 7: what a paper's card links besides arXiv: the arXiv comment line (pages, venue)
    # and the code repository a source listed, so a paper loaded back shows both
    """
    ALTER TABLE papers ADD COLUMN comment TEXT NOT NULL DEFAULT '';
    ALTER TABLE papers ADD COLUMN code_url TEXT NOT NULL DEFAULT '';
    """,
    # 8: the club's feedback on answers (each answer kept with its question and passages,
    # and each member's thumbs up or down), notes posted once (a presenter's outline, a
    # new version of a paper) and when the club last checked arXiv for new versions
    """
    CREATE TABLE answer_records (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        root_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        passages_json TEXT NOT NULL,
        citations_json TEXT NOT NULL,
        language TEXT NOT NULL,
        created_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, message_id)
    );
    CREATE INDEX answer_records_by_message ON answer_records (platform, workspace_id, message_id);
    CREATE TABLE answer_feedback (
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        member_id TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
        created_at {moment} NOT NULL,
        PRIMARY KEY (platform, workspace_id, channel_id, message_id, member_id)
    );
    CREATE TABLE club_notes (
        key TEXT PRIMARY KEY,
        message_id TEXT,
        created_at {moment} NOT NULL
    );
    CREATE TABLE club_checks (
        name TEXT PRIMARY KEY,
        checked_at {moment} NOT NULL
    );
    """,
    # 9: what several processes must share: events seen (Slack's redeliveries, answered
    # once whichever process receives them), and the index that counts a member's
    # recent questions
    """
    CREATE TABLE seen_events (
        key TEXT PRIMARY KEY,
        expires_at {moment} NOT NULL
    );
    CREATE INDEX seen_events_by_expiry ON seen_events (expires_at);
    CREATE INDEX turns_by_author ON turns (platform, workspace_id, author_id, created_at);
    """,
    # 10: the job queue's plan: when each channel's next digest is due, and the schedule
    # (weekday, time, time zone) it was computed from, so a settings change made by any
    # process is seen by the worker that ticks
    """
    ALTER TABLE schedule_runs ADD COLUMN next_run_at {moment};
    ALTER TABLE schedule_runs ADD COLUMN planned_for TEXT;
    CREATE INDEX schedule_runs_due ON schedule_runs (next_run_at);
    """,
    # 11: the week's candidates, fetched once per source configuration and shared by
    # every channel's digest (1,000 channels do not each ask arXiv)
    """
    CREATE TABLE candidate_pools (
        key TEXT PRIMARY KEY,
        fetched_at {moment} NOT NULL,
        body TEXT NOT NULL
    );
    """,
)

_WORDS: dict[str, dict[str, str]] = {
    "sqlite": {
        "moment": "TEXT",
        "serial_id": "id INTEGER PRIMARY KEY AUTOINCREMENT",
        "blob": "BLOB",
    },
    "postgresql": {
        "moment": "TIMESTAMPTZ",
        "serial_id": "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "blob": "BYTEA",
    },
}


def render(script: str, dialect: str) -> str:
    """`script` in the SQL of `dialect` ("sqlite" or "postgresql")."""
    return script.format_map(_WORDS[dialect])


def statements(script: str, dialect: str) -> list[str]:
    """The rendered script's statements, one by one (PostgreSQL runs them so)."""
    return [part.strip() for part in render(script, dialect).split(";\n") if part.strip()]


def refuse_newer_schema(shown: str, version: int) -> None:
    """A database written by a newer paperclub is left exactly as it is (both backends)."""
    if version > len(MIGRATIONS):
        raise StoreUnavailable(
            shown,
            f"was written by a newer paperclub (schema {version}; this version knows "
            f"up to {len(MIGRATIONS)}) and was left unchanged",
            "upgrade paperclub (pip install -U paperclub) to use it",
            "newer",
        )


def refuse_older_schema_read_only(shown: str, version: int) -> None:
    """A read-only opening cannot migrate, so an older schema is refused with the fix."""
    if version < len(MIGRATIONS):
        raise StoreUnavailable(
            shown,
            f"has an older schema ({version}; this version needs "
            f"{len(MIGRATIONS)}) and was opened read-only",
            "run a paperclub command that writes (such as `paperclub run`) once to upgrade it",
            "older",
        )
