"""Discord at scale: gateway processes for some shards (`paperclub discord --shards`), their
IDENTIFY paced across processes through the database, and the REST-only chat of workers.

Real discord.py against the loopback Discord (tests/loopback/discord_server.py), whose
gateway routes each guild's events to shard `(guild_id >> 22) % shard_count` and records
every IDENTIFY as it receives it. Two "processes" here are two `run_shards` in one event
loop, each with its own token, store and bot, on one real PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.discord_bot.messages import keyed_pieces
from adapters.discord_bot.rest_chat import discord_rest_chat
from adapters.discord_bot.sharding import parse_shards, run_shards
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform, ThreadRef
from bot.errors import PaperclubError
from bot.render import Post
from bot.store import Store
from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.discord_server import (
    FakeDiscord,
    Identify,
    RestCall,
    pointed_at,
    shard_of,
)

FOLLOWUP = "/webhooks/{application_id}/{token}"
HOOK_MESSAGE = "/webhooks/{application_id}/{token}/messages/{message_id}"
THREADS = "/channels/{channel_id}/messages/{message_id}/threads"
PAPER = "1605.08386"  # in the recorded arXiv feeds
WINDOW = 0.5  # the IDENTIFY window here (Discord's is 5 s)
WAIT = 60.0  # generous: two busy cores
ROOT = Path(__file__).resolve().parents[1]


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def gateway_processes(
    fake: FakeDiscord, *processes: tuple[Settings, str, int]
) -> AsyncIterator[list[asyncio.Task[None]]]:
    """`paperclub discord --shards S --shard-count N` for each (settings, S, N), started
    together; stopped (as by SIGTERM: cancelled) afterwards."""
    with pointed_at(fake):
        tasks = [
            asyncio.create_task(run_shards(settings, parse_shards(spec, count)))
            for settings, spec, count in processes
        ]
        try:
            yield tasks
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 30)


def answer_to(interaction: dict[str, Any]) -> Callable[[RestCall], bool]:
    """The interaction's answer: its deferred message edited, or a follow-up message."""
    token = interaction["token"]

    def matches(call: RestCall) -> bool:
        return (
            call.route in (FOLLOWUP, HOOK_MESSAGE)
            and call.method in ("POST", "PATCH")
            and f"/{token}" in call.path
        )

    return matches


def all_ready(fake: FakeDiscord, sessions: int, tasks: list[asyncio.Task[None]]) -> bool:
    for task in tasks:
        if task.done():
            task.result()  # a process that stopped: its error, not a timeout
            raise AssertionError("a gateway process stopped")
    return fake.ready_sessions >= sessions


@pytest.fixture
def shard_settings(
    make_settings: Callable[..., Settings], postgres_url: str
) -> Callable[[str], Settings]:
    def make(token: str) -> Settings:
        return make_settings(
            db_url=postgres_url,
            discord_identify_window_seconds=WINDOW,
            **{"DISCORD_TOKEN": token},
        )

    return make


async def test_each_process_identifies_its_shards_and_answers_only_its_guilds(
    shard_settings: Callable[[str], Settings],
) -> None:
    async with FakeDiscord() as fake:
        guilds = {shard: fake.add_guild(f"Club {shard}", shard=(shard, 4)) for shard in (0, 3)}
        channels = {shard: fake.add_text_channel(g, "papers") for shard, g in guilds.items()}
        async with gateway_processes(
            fake, (shard_settings("token-a"), "0-1", 4), (shard_settings("token-b"), "2,3", 4)
        ) as tasks:
            await until(lambda: all_ready(fake, 4, tasks), "four shards to be ready")
            assert sorted((i.shard, i.token) for i in fake.identifies if i.shard) == [
                ((0, 4), "token-a"),
                ((1, 4), "token-a"),
                ((2, 4), "token-b"),
                ((3, 4), "token-b"),
            ]
            assert len(fake.identifies) == 4  # no shard identified twice, none unsharded
            owner = {i.shard: i.token for i in fake.identifies}
            answered_by = {}
            for shard, channel in channels.items():
                assert shard_of(channel["guild_id"], 4) == shard
                fake.dispatched.clear()
                payload = fake.interaction_payload(channel, "help")
                await fake.dispatch("INTERACTION_CREATE", payload)
                [follow_up] = await fake.wait_for_call(answer_to(payload), within=WAIT)
                assert "/paper" in follow_up.json["content"]
                assert len(fake.calls_to_interaction(payload["id"])) == 1  # answered once
                # Only the session of the guild's shard got it, so only its process answered.
                assert fake.dispatched == [((shard, 4), "INTERACTION_CREATE")]
                answered_by[shard] = owner[(shard, 4)]
            # A member's question in a paper thread of shard 3's guild: answered once.
            payload = fake.interaction_payload(channels[3], "paper", {"reference": PAPER})
            await fake.dispatch("INTERACTION_CREATE", payload)
            linked = await fake.wait_for_call(
                lambda c: answer_to(payload)(c) and "<#" in (c.json or {}).get("content", ""),
                within=WAIT,
            )
            thread_id = linked[0].json["content"].split("<#", 1)[1].split(">", 1)[0]
            thread = fake.channels[thread_id]
            fake.dispatched.clear()
            question = fake.message_payload(thread, "What is a Markov basis?", fake.user("alice"))
            await fake.dispatch("MESSAGE_CREATE", question)
            ref = ThreadRef(
                ConversationRef(Platform.DISCORD, thread["guild_id"], channels[3]["id"]), thread_id
            )
            async with Store.open(shard_settings("reader").database, read_only=True) as store:
                await until_async(lambda: has_turns(store, ref, 2), "the answer to be stored")
                assert [t.role for t in await store.turns(ref)] == ["user", "assistant"]
            placeholders = [
                c
                for c in fake.calls_to("POST", "/channels/{channel_id}/messages")
                if c.path == f"/channels/{thread_id}/messages" and c.json["content"] == "…"
            ]
            assert len(placeholders) == 1
            assert placeholders[0].authorization == "Bot token-b"
            # The question, and the echoes of the answer, reached shard 3's session alone.
            assert {shard for shard, _ in fake.dispatched} == {(3, 4)}
    assert answered_by == {0: "token-a", 3: "token-b"}


async def has_turns(store: Store, thread: ThreadRef, count: int) -> bool:
    return len(await store.turns(thread)) >= count


async def until_async(
    condition: Callable[[], Awaitable[bool]], what: str, within: float = WAIT
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


async def test_two_paperclub_discord_processes_share_the_shards_and_stop_on_sigterm(
    arxiv_server: ArxivServer, tmp_path: Path, postgres_url: str
) -> None:
    """Real `paperclub discord` processes (the CLI, bootstrap(shared=True) on PostgreSQL),
    pointed at the loopback gateway by tests/loopback/discord_pointed.py."""
    async with FakeDiscord() as fake:
        channels = {
            shard: fake.add_text_channel(fake.add_guild(f"Club {shard}", shard=(shard, 4)), "p")
            for shard in range(4)
        }
        env = loopback_env(
            arxiv_server,
            tmp_path,
            PAPERCLUB_DB_URL=postgres_url,
            PAPERCLUB_DISCORD_IDENTIFY_WINDOW_SECONDS=str(WINDOW),
        )
        processes = []
        for token, shards in (("token-a", "0-1"), ("token-b", "2-3")):
            log = (tmp_path / f"{token}.log").open("wb")
            processes.append(
                await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "tests.loopback.discord_pointed", str(fake.port)),
                    *("discord", "--shards", shards, "--shard-count", "4"),
                    env={**os.environ, **env, "DISCORD_TOKEN": token},
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        try:

            def ready() -> bool:
                stopped = [p for p in processes if p.returncode is not None]
                assert not stopped, logs(tmp_path)
                return fake.ready_sessions >= 4

            await until(ready, "both processes' shards to be ready")
            owner = {i.shard: i.token for i in fake.identifies}
            assert owner == {
                (0, 4): "token-a",
                (1, 4): "token-a",
                (2, 4): "token-b",
                (3, 4): "token-b",
            }
            for shard, channel in channels.items():
                fake.dispatched.clear()
                payload = fake.interaction_payload(channel, "help")
                await fake.dispatch("INTERACTION_CREATE", payload)
                await fake.wait_for_call(answer_to(payload), within=WAIT)
                assert fake.dispatched == [((shard, 4), "INTERACTION_CREATE")]
                assert len(fake.calls_to_interaction(payload["id"])) == 1
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(p.wait(), WAIT) for p in processes]
    assert codes == [0, 0], logs(tmp_path)
    assert "Traceback" not in logs(tmp_path)
    assert_paced(fake.identifies, 1)


def logs(tmp_path: Path) -> str:
    return "\n".join(path.read_text("utf-8", "replace") for path in tmp_path.glob("token-*.log"))


@pytest.mark.parametrize("max_concurrency", [1, 2])
async def test_identify_is_paced_per_bucket_across_processes(
    shard_settings: Callable[[str], Settings], max_concurrency: int
) -> None:
    async with FakeDiscord(max_concurrency=max_concurrency) as fake:
        async with gateway_processes(
            fake,
            (shard_settings("token-a"), "0-2", 6),
            (shard_settings("token-b"), "3-5", 6),
        ) as tasks:
            await until(lambda: all_ready(fake, 6, tasks), "six shards to be ready")
    identifies = list(fake.identifies)
    assert sorted(i.shard[0] for i in identifies if i.shard) == [0, 1, 2, 3, 4, 5]
    assert_paced(identifies, max_concurrency)


def assert_paced(identifies: list[Identify], max_concurrency: int) -> None:
    """Discord's rule, on the times the gateway received them: within a bucket
    (`shard_id % max_concurrency`) one IDENTIFY per window; so no window holds more
    than `max_concurrency` of them."""
    for bucket in range(max_concurrency):
        times = sorted(
            i.received_at for i in identifies if i.shard and i.shard[0] % max_concurrency == bucket
        )
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert all(gap >= WINDOW for gap in gaps), (bucket, gaps)
    times = sorted(i.received_at for i in identifies)
    for start in times:
        assert len([t for t in times if start <= t < start + WINDOW]) <= max_concurrency


async def test_rest_chat_posts_a_paper_thread_without_a_gateway_and_resumes_a_crash(
    make_settings: Callable[..., Settings],
) -> None:
    async with (
        FakeDiscord() as fake,
        bootstrap(make_settings(**{"DISCORD_TOKEN": "worker-token"})) as club,
    ):
        guild = fake.add_guild("Club A")
        channel = fake.add_text_channel(guild, "papers")
        conversation = ConversationRef(Platform.DISCORD, guild["id"], channel["id"])

        async def progress(text: str) -> None:
            pass

        with pointed_at(fake):
            async with discord_rest_chat(club) as chat:
                club.chats.attach(Platform.DISCORD, chat)
                # The first try posts the root, then its thread fails (as a crash there would).
                fake.fail_next("POST", THREADS, status=403)
                with pytest.raises(PaperclubError):
                    await club.papers.summon_paper(conversation, PAPER, progress)
                roots = bot_messages(fake, channel["id"])
                assert len(roots) == 1 and roots[0]["id"] not in fake.channels
                await club.papers.summon_paper(conversation, PAPER, progress)
    assert [m["id"] for m in bot_messages(fake, channel["id"])] == [roots[0]["id"]]
    thread = fake.channels[roots[0]["id"]]  # started from the crash-left root
    assert thread["parent_id"] == channel["id"]
    assert bot_messages(fake, thread["id"]), "the paper's replies are in its thread"
    [button] = roots[0]["components"][0]["components"]
    assert button["custom_id"] == "paperclub:vote"
    assert fake.websockets_opened == 0 and fake.identifies == []
    assert {c.authorization for c in fake.calls} == {"Bot worker-token"}
    # The channel came over REST once; later posts used the fetched one.
    assert len(fake.calls_to("GET", "/channels/{channel_id}")) == 1


async def test_a_keyed_reply_cut_short_between_pieces_resumes_in_another_process(
    make_settings: Callable[..., Settings],
) -> None:
    """A long keyed reply (several messages) cut after its second piece: a fresh chat (a
    restarted worker) posts only the missing pieces, once, with no nonce needed; its
    second try posts nothing."""
    long = Post(text="\n\n".join(f"Key point {n}: " + "attention " * 60 for n in range(12)))
    async with (
        FakeDiscord() as fake,
        bootstrap(make_settings(**{"DISCORD_TOKEN": "worker-token"})) as club,
    ):
        guild = fake.add_guild("Club A")
        channel = fake.add_text_channel(guild, "papers")
        conversation = ConversationRef(Platform.DISCORD, guild["id"], channel["id"])
        with pointed_at(fake):
            async with discord_rest_chat(club) as first:
                thread = await first.open_thread(
                    conversation, Post(text="root"), thread_name="paper", idempotency_key="k"
                )
                pieces = len(keyed_pieces(long, "k:reply:0"))
                assert pieces >= 3
                fake.fail_next("POST", "/channels/{channel_id}/messages", status=403, skip=2)
                with pytest.raises(PaperclubError):
                    await first.reply(thread, long, idempotency_key="k:reply:0")
            assert len(bot_messages(fake, thread.root_id)) == 2
            async with discord_rest_chat(club) as restarted:
                await restarted.reply(thread, long, idempotency_key="k:reply:0")
                await restarted.reply(thread, long, idempotency_key="k:reply:0")
    posted = bot_messages(fake, thread.root_id)
    assert len(posted) == pieces  # every piece once
    texts = [m["content"] for m in posted]
    assert len(set(texts)) == pieces
    assert resent_nonce_count(fake) == 0  # found by their markers, not deduplicated by nonce


def resent_nonce_count(fake: FakeDiscord) -> int:
    sent = Counter(
        (call.path, (call.json or {}).get("nonce"))
        for call in fake.calls_to("POST", "/channels/{channel_id}/messages")
        if call.status < 400
    )
    return sum(n - 1 for n in sent.values())


def bot_messages(fake: FakeDiscord, channel_id: str) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages.values()
        if m["channel_id"] == channel_id and m["author"]["id"] == fake.bot_user["id"]
    ]


# -- the command line ------------------------------------------------------------------------


def paperclub(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        env={**os.environ, "COLUMNS": "120", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("shards", "count", "message"),
    [
        ("5", "4", "names shard 5, but with --shard-count 4 the shard ids are 0 to 3"),
        ("0-3", "0", "--shard-count must be 1 or more"),
        ("0-x", "4", "is not a list of shard ids: use e.g. 0-3 or 0,2,5-7"),
        ("3-1", "4", "runs backwards"),
        ("0,1,1", "4", "names shard 1 more than once"),
    ],
)
def test_bad_shard_options_exit_2_saying_what_is_wrong(
    arxiv_server: ArxivServer, tmp_path: Path, shards: str, count: str, message: str
) -> None:
    env = loopback_env(arxiv_server, tmp_path, DISCORD_TOKEN="unused")
    result = paperclub("discord", "--shards", shards, "--shard-count", count, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "paperclub.db").exists()


def test_gateway_process_refuses_sqlite_naming_the_setting(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    env = loopback_env(arxiv_server, tmp_path, DISCORD_TOKEN="unused")
    env.pop("PAPERCLUB_DB_URL", None)  # SQLite, whichever backend the suite runs on
    result = paperclub("discord", "--shards", "0-1", "--shard-count", "2", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "SQLite" in result.stderr and "PAPERCLUB_DB_URL=postgresql://" in result.stderr
    assert not (tmp_path / "paperclub.db").exists()  # refused before anything was written


def test_gateway_process_without_a_token_says_which_setting(
    arxiv_server: ArxivServer, tmp_path: Path, postgres_url: str
) -> None:
    env = loopback_env(arxiv_server, tmp_path, PAPERCLUB_DB_URL=postgres_url)
    result = paperclub("discord", "--shards", "0", "--shard-count", "1", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "DISCORD_TOKEN is not set" in result.stderr
