"""Shared fixtures: loopback arXiv and OpenAI servers, and Settings pointing at them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.fixtures import fixtures_dir
from tests.loopback.openai_server import OpenAIServer
from tests.postgres_server import PostgresServer, PostgresUnavailable
from tests.postgres_server import required as postgres_required

# Read before the clean-up below (see backend_database_url).
TEST_BACKEND = os.environ.get("PAPERCLUB_TEST_BACKEND", "sqlite")
# No test may read a developer's real .env or tokens.
for _name in list(os.environ):
    if _name.startswith(("PAPERCLUB_", "OPENAI_", "DISCORD_", "SLACK_")):
        del os.environ[_name]
# Nor look for a model server on the machine's real Ollama/llama.cpp ports: tests that
# want auto-detection turn it on and point it at their own loopback servers.
os.environ["PAPERCLUB_LLM_AUTODETECT"] = "false"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_model: needs a real llama.cpp server and model (opt-in: "
        "PAPERCLUB_REAL_MODEL=1 or a cached build, see docs/local-models.md)",
    )


@pytest.fixture(scope="session", autouse=True)
def shared_fixtures() -> Path:
    return fixtures_dir()


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    server = ArxivServer().start()
    yield server
    server.stop()


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    yield server
    server.stop()


# `PAPERCLUB_TEST_BACKEND=postgresql python -m pytest` runs every test that builds its
# settings here (make_settings, loopback_env) on a fresh PostgreSQL database instead of
# a SQLite file (tests that open a SQLite file by path stay on SQLite).
_shared_postgres: list[PostgresServer] = []
_test_databases: dict[Path, str] = {}  # one per test folder: its CLI runs and stores agree


def backend_database_url(tmp_path: Path) -> str | None:
    if TEST_BACKEND != "postgresql":
        return None
    if not _shared_postgres:
        _shared_postgres.append(PostgresServer().start())
    if tmp_path not in _test_databases:
        _test_databases[tmp_path] = _shared_postgres[0].new_database()
    return _test_databases[tmp_path]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for server in _shared_postgres:
        server.stop()


def loopback_env(arxiv: ArxivServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment variables for running paperclub against the loopback servers."""
    url = backend_database_url(tmp_path)
    env = {
        **({"PAPERCLUB_DB_URL": url} if url else {}),
        "PAPERCLUB_DB_PATH": str(tmp_path / "paperclub.db"),
        "PAPERCLUB_ARXIV_API_URL": arxiv.api_url,
        "PAPERCLUB_ARXIV_HTML_URL": f"{arxiv.url}/html",
        "PAPERCLUB_ARXIV_PDF_URL": f"{arxiv.url}/pdf",
        "PAPERCLUB_EMBEDDINGS": "false",
        "PAPERCLUB_ARXIV_DELAY_SECONDS": "0",
        "PAPERCLUB_ARXIV_RETRIES": "1",
        "PAPERCLUB_ARXIV_TIMEOUT_SECONDS": "5",
        "PAPERCLUB_SOURCES": "arxiv",
        "PAPERCLUB_LLM": "extractive",
    }
    env.update(extra)
    return env


@pytest.fixture
def make_settings(
    arxiv_server: ArxivServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        for key, value in loopback_env(arxiv_server, tmp_path).items():
            monkeypatch.setenv(key, value)
        return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]

    return make


# -- PostgreSQL: one real server per test session, a fresh database per test --------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL (tests/postgres_server.py); skipped when none can start, unless
    POSTGRES_TESTS=required (CI), where that fails the tests that need it."""
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        if postgres_required():
            pytest.fail(f"PostgreSQL is required here (POSTGRES_TESTS=required): {error}")
        pytest.skip(f"no PostgreSQL server could start: {error}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a store test keeps its data: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "club.db"
    url = request.getfixturevalue("postgres_url")
    assert isinstance(url, str)
    return url
