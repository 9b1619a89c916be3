"""A digest SIGKILLed at seeded points, again and again, then run until it completes.

`python -m adapters digest` runs against the loopback arXiv and a slow loopback model.
Each chain of runs kills the process at seeded points (after the k-th model request,
while summaries are being written; or m transcript lines after the run's first post,
between a root and its replies or between replies, with a few milliseconds of jitter),
restarts it, and finally lets it finish. A process is stopped (SIGSTOP) the moment its
kill point is seen, so the number of kills does not depend on how loaded the machine is. Afterwards every paper appears exactly once in
the channel, every thread has each of its replies exactly once, and SQLite's integrity
check passes; on SQLite and on PostgreSQL. Chains run in parallel, each in its own
directory (and database).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Store
from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.openai_server import OpenAIServer

CHAINS = 2  # in parallel; the machine this was written on has two cores
SEEDS = (20261128, 7)
KILLS_PER_CHAIN = 10
PAPERS = 10
REPLIES_PER_PAPER = 2  # key points, tags (issue 14: the summary is on the card only)
HEADER_PREFIX = "digest-header:"  # the week's header, posted once before the cards
RUN_TIMEOUT = 40.0


@dataclass
class Chain:
    seed: int
    folder: Path
    database: Path | str  # the SQLite file in `folder`, or a PostgreSQL URL
    kills: list[str] = field(default_factory=list)
    runs: int = 0

    @property
    def transcript(self) -> Path:
        return self.folder / "paperclub.terminal.jsonl"

    def lines(self) -> int:
        if not self.transcript.exists():
            return 0
        return self.transcript.read_bytes().count(b"\n")


@pytest.fixture
def slow_model() -> Iterator[OpenAIServer]:
    server = OpenAIServer(latency=0.08).start()
    yield server
    server.stop()


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> bool:
    """True when `condition` holds while the process still runs; False if it exited first."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return process.poll() is None
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    raise TimeoutError("the digest neither reached the kill point nor finished")


def run_chain(chain: Chain, env: dict[str, str], model: OpenAIServer) -> None:
    rng = random.Random(chain.seed)
    command = [sys.executable, "-m", "adapters", "digest"]
    while True:
        chain.runs += 1
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            cwd=chain.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        reached = False
        if len(chain.kills) < KILLS_PER_CHAIN:
            if chain.runs == 1:  # while the summaries are being written
                k = rng.randint(1, 8)  # the model is shared by the chains: a stage, not a count
                point = f"model request +{k}"
                goal = len(model.requests) + k
                reached = wait_until(lambda: len(model.requests) >= goal, process)  # noqa: B023
            else:  # spread the kills left over the lines left, so each lands before the end
                lines_left = 1 + PAPERS * (1 + REPLIES_PER_PAPER) - chain.lines()
                kills_left = KILLS_PER_CHAIN - len(chain.kills)
                m = rng.randint(1, max(1, min(6, (lines_left - 1) // kills_left)))
                point = f"line {chain.lines()}+{m}"
                goal = chain.lines() + m
                reached = wait_until(lambda: chain.lines() >= goal, process)  # noqa: B023
        if reached:
            # Frozen the moment the point is seen, so however loaded the machine is, the
            # run cannot finish before the kill lands (the count of kills stays seeded).
            process.send_signal(signal.SIGSTOP)
            time.sleep(rng.uniform(0.0, 0.03))
            process.send_signal(signal.SIGKILL)
            process.wait()
            if process.returncode == -signal.SIGKILL:
                chain.kills.append(point)
                continue
        _, stderr = process.communicate(timeout=RUN_TIMEOUT)
        assert process.returncode == 0, stderr.decode()[-2000:]
        return


@pytest.mark.timeout(600)  # ~20 restarts of the CLI per chain on a loaded 2-core machine
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_digest_killed_at_20_seeded_points_posts_everything_exactly_once(
    arxiv_server: ArxivServer,
    slow_model: OpenAIServer,
    tmp_path: Path,
    backend: str,
    request: pytest.FixtureRequest,
) -> None:
    chains = []
    for index in range(CHAINS):
        folder = tmp_path / f"chain{index}"
        folder.mkdir()
        database: Path | str = folder / "paperclub.db"
        if backend == "postgresql":
            database = request.getfixturevalue("postgres_server").new_database()
        chains.append(Chain(SEEDS[index], folder, database))
    envs = [
        loopback_env(
            arxiv_server,
            chain.folder,
            PAPERCLUB_LLM="openai",
            OPENAI_API_KEY="sk-crash-recovery-0123",
            OPENAI_BASE_URL=slow_model.base_url,
            PAPERCLUB_DIGEST_CONCURRENCY="2",
            PAPERCLUB_DB_URL=str(chain.database) if backend == "postgresql" else "",
        )
        for chain in chains
    ]
    with ThreadPoolExecutor(CHAINS) as pool:
        for done in [
            pool.submit(run_chain, chain, env, slow_model)
            for chain, env in zip(chains, envs, strict=True)
        ]:
            done.result()

    assert sum(len(chain.kills) for chain in chains) >= 20, [c.kills for c in chains]
    for chain in chains:
        check_posted_exactly_once(chain)


async def stored_posts(
    database: Path | str,
) -> tuple[str, list[tuple[str, int]], list[tuple[str]], set[str]]:
    async with Store.open(database, read_only=True) as store:
        integrity = await store.integrity_check()
        async with store.reading() as db:
            states = await db.execute(
                text("SELECT state, replies_done FROM posts WHERE key NOT LIKE 'digest-header:%'")
            )
            header = await db.execute(
                text("SELECT state FROM posts WHERE key LIKE 'digest-header:%'")
            )
            keys = await db.execute(text("SELECT key FROM posts"))
            return (
                integrity,
                [(str(r[0]), int(r[1])) for r in states],
                [(str(r[0]),) for r in header],
                {str(k) for k in keys.scalars()},
            )


def check_posted_exactly_once(chain: Chain) -> None:
    entries = [json.loads(line) for line in chain.transcript.read_text("utf-8").splitlines()]
    tops = [e for e in entries if e["root"] is None]
    headers = [e for e in tops if e["key"].startswith(HEADER_PREFIX)]
    assert len(headers) == 1, chain.kills
    assert tops[0] is headers[0]  # before the cards
    roots = [e for e in tops if e not in headers]
    assert len(roots) == PAPERS, chain.kills
    assert max(Counter(e["title"] for e in roots).values()) == 1, chain.kills
    keys = Counter(e["key"] for e in entries if e["key"])
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    for root in roots:
        replies = [e for e in entries if e["root"] == root["id"] and e["edits"] is None]
        assert [r["key"] for r in replies] == [
            f"{root['key']}#{index}" for index in range(REPLIES_PER_PAPER)
        ], (root["title"], chain.kills)

    integrity, states, header_state, stored = asyncio.run(stored_posts(chain.database))
    assert integrity == "ok"
    digest_roots = {r["key"] for r in roots}
    assert stored == digest_roots | {headers[0]["key"]}
    assert header_state == [("complete",)]
    assert states == [("complete", REPLIES_PER_PAPER)] * PAPERS
