"""Settings, read once at start-up from the environment and `.env` (prefix PAPERCLUB_).

Provider credentials keep their standard names (OPENAI_API_KEY, DISCORD_TOKEN,
SLACK_BOT_TOKEN ...) so they work as users already have them set.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    PrivateAttr,
    SecretStr,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.text import SUPPORTED_LANGUAGES

ARXIV_EXPORT_API = "https://export.arxiv.org/api/query"
DEFAULT_CATEGORIES = ("cs.CL", "cs.LG", "cs.AI", "cs.CV")
KNOWN_SOURCES = ("arxiv", "huggingface", "alphaxiv", "hackernews", "curated")
# The bot scopes slack_manifest.yaml declares; what an OAuth install asks for by default.
SLACK_BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "chat:write",
    "commands",
    "reactions:read",
    "reactions:write",
    "users:read",
)


LOCAL_MODEL_CONCURRENCY = 4


def is_local_url(url: str | None) -> bool:
    """A model server on this machine or this network (Ollama, vLLM, llama.cpp ...)."""
    if not url:
        return False
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _csv(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERCLUB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db_path: Path = Path("./paperclub.db")
    # PostgreSQL instead of the SQLite file: postgresql://user:password@host:5432/db
    db_url: SecretStr | None = None
    # `paperclub worker` (the job queue, PostgreSQL only): digests run at once per worker,
    # how often due channels are looked for, after how long without a heartbeat a
    # worker's jobs are queued again, and how long a stopping worker lets jobs finish
    # new channels' weekly time spread over this many minutes from Monday 09:00 (hosting:
    # channels subscribed together are not all due in the same minute); 0 = 09:00 sharp
    schedule_spread_minutes: int = Field(default=0, ge=0, le=24 * 60)
    worker_concurrency: int = Field(default=10, ge=1, le=200)
    worker_tick_seconds: int = Field(default=10, ge=1, le=59)
    worker_stalled_seconds: float = Field(default=60.0, ge=2, le=3_600)
    worker_graceful_seconds: float = Field(default=30.0, ge=0, le=3_600)
    language: str = "en"
    timezone: str = "UTC"
    log_level: str = "INFO"

    # Papers
    arxiv_api_url: str = ARXIV_EXPORT_API
    arxiv_categories: Annotated[tuple[str, ...], NoDecode] = DEFAULT_CATEGORIES
    arxiv_delay_seconds: float = 3.0
    arxiv_timeout_seconds: float = 20.0
    arxiv_retries: int = 3
    arxiv_max_results: int = 100
    arxiv_html_url: str = "https://arxiv.org/html"
    arxiv_pdf_url: str = "https://arxiv.org/pdf"
    sources: Annotated[tuple[str, ...], NoDecode] = KNOWN_SOURCES
    hf_base_url: str = "https://huggingface.co"
    hf_by_week: bool = True  # one `week=` request per ISO week; False: one `date=` per day
    alphaxiv_api_url: str = "https://api.alphaxiv.org"
    hackernews_api_url: str = "https://hn.algolia.com"
    curated_list_url: str = (
        "https://raw.githubusercontent.com/dair-ai/AI-Papers-of-the-Week/main/years/{year}.md"
    )
    # Each HTTP paper source's own timeout (per request) and retries
    hf_timeout_seconds: float = Field(default=15.0, gt=0)
    hf_retries: int = Field(default=2, ge=0, le=10)
    alphaxiv_timeout_seconds: float = Field(default=15.0, gt=0)
    alphaxiv_retries: int = Field(default=2, ge=0, le=10)
    hackernews_timeout_seconds: float = Field(default=15.0, gt=0)
    hackernews_retries: int = Field(default=2, ge=0, le=10)
    curated_timeout_seconds: float = Field(default=15.0, gt=0)
    curated_retries: int = Field(default=2, ge=0, le=10)
    # Ranking weights (see bot/sources/ranking.py): each social source's normalised signal,
    # the curated-list bonus, recency, topic match and a member's submission
    weight_huggingface: float = Field(default=1.0, ge=0, le=10)
    weight_alphaxiv: float = Field(default=1.0, ge=0, le=10)
    weight_hackernews: float = Field(default=1.0, ge=0, le=10)
    weight_curated: float = Field(default=3.0, ge=0, le=20)
    weight_recency: float = Field(default=2.0, ge=0, le=20)
    weight_topic: float = Field(default=1.0, ge=0, le=10)
    weight_submission: float = Field(default=10.0, ge=0, le=100)
    curated_list_week: str = "window"  # "window", "latest" or a YYYY-MM-DD day of the week wanted
    # Full texts: one download's deadline across its redirects, retries and waits, its
    # size cap (compressed, as sent) and unzipped; each parse runs in a worker process
    # with a wall-clock deadline and an address-space limit, and keeps at most so much.
    fulltext_deadline_seconds: float = Field(default=60.0, gt=0)
    fulltext_max_bytes: int = Field(default=40_000_000, ge=1_000)
    fulltext_max_unzipped_bytes: int = Field(default=100_000_000, ge=1_000)
    parse_timeout_seconds: float = Field(default=60.0, gt=0)
    parse_memory_mb: int = Field(default=1536, ge=128)
    parse_max_elements: int = Field(default=500_000, ge=100)
    parse_max_chars: int = Field(default=3_000_000, ge=1_000)
    parse_max_passages: int = Field(default=20_000, ge=10)
    digest_size: int = Field(default=10, ge=1, le=25)
    digest_window_days: int = Field(default=7, ge=1, le=31)
    # Papers of one digest prepared at once; unset = as many as `llm_concurrency` allows.
    digest_concurrency: int | None = Field(default=None, ge=1, le=25)

    # Schedule and the club's meetings
    misfire_grace_hours: float = Field(default=12.0, ge=0, le=24 * 7)
    reminder_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)

    # Language model
    llm: Literal["openai", "extractive"] | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 60.0
    llm_retries: int = 2
    # Model requests sent at once to the endpoint; unset = 25 for a hosted API (a whole
    # digest at once) and 4 for a local server (localhost, a private address, *.local).
    llm_concurrency: int | None = Field(default=None, ge=1, le=64)
    # Output bounds sent with every model request (the field is `max_tokens` unless the
    # endpoint wants `max_completion_tokens`, as OpenAI's reasoning models do).
    llm_max_answer_tokens: int = Field(default=1_200, ge=64, le=32_000)
    llm_max_summary_tokens: int = Field(default=4_000, ge=256, le=64_000)
    llm_max_query_tokens: int = Field(default=256, ge=16, le=4_000)
    llm_max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    # Local model servers (issue 19). With no key, no base URL and no PAPERCLUB_LLM, look
    # once for a local Ollama or llama.cpp server at these addresses and use it.
    llm_autodetect: bool = True
    llm_autodetect_ollama_url: str = "http://127.0.0.1:11434"
    llm_autodetect_llama_url: str = "http://127.0.0.1:8080"
    # The model's context window in tokens; unset = read from the server (llama.cpp
    # /props, Ollama's num_ctx), else unknown (no prompt budget).
    llm_context_tokens: int | None = Field(default=None, ge=512, le=2_000_000)
    # Summary quality gates (substance, distinct key points, the channel's language);
    # unset = on for llama.cpp and Ollama servers, off for other endpoints.
    llm_quality_gates: bool | None = None
    llm_stream_summaries: bool = True  # a timeout then means "no progress", not "not done"
    # Requests in flight to the model endpoint at once; unset = the server's slot count
    # (llama.cpp), 1 for another llama.cpp or Ollama server, no extra bound otherwise.
    llm_endpoint_concurrency: int | None = Field(default=None, ge=1, le=64)
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "PAPERCLUB_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "PAPERCLUB_OPENAI_BASE_URL")
    )

    answer_word_budget: int = Field(default=1_000, ge=100, le=4_000)  # retrieved words per answer
    answer_max_chars: int = Field(default=8_000, ge=200, le=40_000)  # a longer answer is cut
    answer_deadline_seconds: float = Field(default=180.0, gt=0, le=3_600)  # the whole answer
    embeddings: bool = True  # dense re-ranking when the `embeddings` extra is installed
    embedding_threads: int = Field(default=1, ge=1, le=64)  # torch's threads per worker
    embedding_workers: int = Field(default=1, ge=1, le=16)  # processes, a model in each
    index_cache_mb: int = Field(default=64, ge=1, le=65_536)  # held texts and indexes, MiB

    # Limits (0 = unlimited)
    questions_per_user_per_hour: int = Field(default=30, ge=0)
    workspace_daily_tokens: int = Field(default=500_000, ge=0)
    max_question_chars: int = Field(default=2_000, ge=100)

    # Platforms
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "PAPERCLUB_DISCORD_TOKEN")
    )
    # `paperclub discord --shards`: one IDENTIFY per bucket per this many seconds across
    # the bot's processes (Discord's window is 5 s; shorter only against a test gateway).
    discord_identify_window_seconds: float = Field(default=5.0, gt=0, le=60)
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "PAPERCLUB_SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "PAPERCLUB_SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "PAPERCLUB_SLACK_SIGNING_SECRET"),
    )
    slack_http_port: int = 3000
    slack_api_url: str = "https://slack.com/api/"  # GovSlack: https://slack-gov.com/api/
    # seconds between two messages in one Slack channel (Slack allows about 1 per second)
    slack_post_interval: float = Field(default=1.0, ge=0, le=10)
    # Who may run the club's admin commands (subscribe, unsubscribe, settings, digest,
    # pick, present): "managers" (Discord: Manage Server or Manage Channels; Slack:
    # workspace admins and owners, plus `slack_admin_users`) or "everyone".
    admin_rule: Literal["managers", "everyone"] = "managers"
    slack_admin_users: Annotated[tuple[str, ...], NoDecode] = ()
    # Slack for many workspaces (OAuth distribution, `paperclub slack-http`, see
    # docs/slack-distribution.md). PAPERCLUB_-prefixed only: bolt itself reads
    # SLACK_CLIENT_ID/SLACK_CLIENT_SECRET from the environment and, finding both, turns
    # any app into a file-store OAuth app, which would break single-token `paperclub run`.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: Annotated[tuple[str, ...], NoDecode] = SLACK_BOT_SCOPES
    slack_redirect_uri: str | None = None

    @field_validator(
        "arxiv_categories", "sources", "slack_admin_users", "slack_scopes", mode="before"
    )
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return _csv(value)

    _llm_chosen: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_llm_choice(cls, data: object, handler: ValidatorFunctionWrapHandler) -> Settings:
        settings: Settings = handler(data)
        settings._llm_chosen = isinstance(data, dict) and bool(data.get("llm"))
        return settings

    @property
    def wants_autodetect(self) -> bool:
        """No key, no base URL, no PAPERCLUB_LLM: look for a local model server."""
        return (
            self.llm_autodetect
            and not self._llm_chosen
            and self.openai_api_key is None
            and not self.openai_base_url
        )

    @field_validator(
        "digest_concurrency",
        "llm_concurrency",
        "llm_context_tokens",
        "llm_quality_gates",
        "llm_endpoint_concurrency",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in value if s not in KNOWN_SOURCES]
        if unknown:
            raise ValueError(f"unknown source(s) {unknown}; choose from {', '.join(KNOWN_SOURCES)}")
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @model_validator(mode="after")
    def _default_llm(self) -> Settings:
        if self.llm is None:
            self.llm = "openai" if self.openai_api_key is not None else "extractive"
        return self

    @property
    def model_concurrency(self) -> int:
        """`llm_concurrency`, or its default for the configured endpoint."""
        if self.llm_concurrency is not None:
            return self.llm_concurrency
        return LOCAL_MODEL_CONCURRENCY if is_local_url(self.openai_base_url) else 25

    @property
    def llm_engine(self) -> Literal["openai", "extractive"]:
        return self.llm or "extractive"

    def secrets(self) -> list[str]:
        """Every configured secret value, for redaction of outbound text and logs."""
        values = (
            self.openai_api_key,
            self.discord_token,
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_signing_secret,
            self.slack_client_secret,
        )
        found = [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]
        password = urlsplit(self.database).password if isinstance(self.database, str) else None
        return [*found, password] if password else found

    @property
    def database(self) -> str | Path:
        """What the store opens: the PostgreSQL URL when one is set, else the SQLite file."""
        url = self.db_url.get_secret_value().strip() if self.db_url else ""
        return url or self.db_path

    @field_validator("db_url")
    @classmethod
    def _postgresql_url(cls, value: SecretStr | None) -> SecretStr | None:
        url = value.get_secret_value().strip() if value else ""
        if url and not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            raise ValueError(
                "PAPERCLUB_DB_URL must be a postgresql:// URL (leave it empty for the SQLite "
                "file in PAPERCLUB_DB_PATH)"
            )
        return value
