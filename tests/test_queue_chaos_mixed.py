"""Slack and Discord at once: three `paperclub worker` processes, SIGKILLed at seeded
points, deliver 120 digests once while `paperclub slack-http` answers members' questions.

A real PostgreSQL holds the club and the job queue. Half the channels are Slack channels
on the loopback Slack Web API (tests/loopback/slack_server.py), half are Discord guild
channels on the loopback Discord REST API (tests/loopback/discord_server.py), which the
workers reach with DISCORD_TOKEN and discord.py pointed at it
(tests/loopback/discord_pointed.py). Every channel is due when the workers start.

While the digests are delivered, members ask questions in Slack paper threads already
posted: signed `message` events (built from the recorded payloads) sent to one real
`paperclub slack-http` process, some of them delivered again as Slack redelivers an event
(X-Slack-Retry-Num: 1, the same event_id). Meanwhile a worker chosen by the seed is frozen
(SIGSTOP) the moment the seeded number of messages has been posted on the two platforms
together, killed (SIGKILL) and started again a moment later.

Afterwards every channel on both platforms shows its week's header once, each of its
papers once (each card with its vote button) and each paper's replies once; every
question has exactly one answer in its thread, finished; no digest job is left waiting
or running and every reserved post is complete. `CHAOS_SEED` picks the kill points, the workers killed and the questions.
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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.discord_bot.messages import marker, nonce
from adapters.discord_bot.vote_button import VOTE_ID
from adapters.slack_app.votes_ui import VOTE_ACTION
from bot.domain import ConversationRef, Platform, ThreadRef
from bot.publishing.keys import digest_header_key, digest_key, reply_key
from bot.sources.ids import parse_arxiv_ref
from bot.store import Store
from bot.usecases.digest import iso_week
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.discord_server import FakeDiscord
from tests.loopback.slack_payloads import message_event
from tests.loopback.slack_server import FakeSlack, StoredMessage, signed_headers
from tests.postgres_server import PostgresServer, free_port
from tests.queue_chaos import Workers, key_of, queue_left, subscribe_due, worker_env

SLACK_CHANNELS = 60
DISCORD_GUILDS = 6
DISCORD_CHANNELS_PER_GUILD = 10
CHANNELS = SLACK_CHANNELS + DISCORD_GUILDS * DISCORD_CHANNELS_PER_GUILD
WORKERS = 3
PAPERS = 10
REPLIES_PER_PAPER = 2  # key points, tags
SEED = int(os.environ.get("CHAOS_SEED", "20261201"))
KILLS = 4
QUESTIONS = 30
REDELIVERED_EVERY = 3  # every third question reaches the receiver a second time
TEAM = "T111"
DISCORD_TOKEN = "loopback-discord-token"
SECRET = "loopback-signing-secret"
PIECES = 8  # a reply longer than one Discord message goes as pieces, each under its nonce
PLACEHOLDER = "…"  # an answer's first text, edited as it streams
FINISH_WITHIN = 600.0  # seconds, on a loaded 2-core machine
MESSAGES = CHANNELS * (1 + PAPERS * (1 + REPLIES_PER_PAPER))
ROOT = Path(__file__).resolve().parents[1]
QUESTION_TEXTS = (
    "What is the main result of this paper?",
    "Which method does the paper propose, and how is it evaluated?",
    "What are the limitations the authors mention?",
    "How does this compare with earlier work?",
    "What data do the experiments use?",
)


@dataclass
class Question:
    """A member's question in a Slack paper thread, and what the thread held before it."""

    channel: str
    root_ts: str
    replies_before: frozenset[str]
    posted_before: int  # messages on both platforms when it was asked
    redelivered: bool = False


@dataclass
class Asked:
    questions: list[Question] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # every delivery's HTTP status


def slack_channel(number: int) -> str:
    return f"C{number:05d}"


def discord_channels(fake: FakeDiscord) -> list[ConversationRef]:
    conversations = []
    for number in range(DISCORD_GUILDS):
        guild = fake.add_guild(f"Club {number}")
        for index in range(DISCORD_CHANNELS_PER_GUILD):
            channel = fake.add_text_channel(guild, f"papers-{index}")
            conversations.append(ConversationRef(Platform.DISCORD, guild["id"], channel["id"]))
    return conversations


def posted(slack: FakeSlack, fake: FakeDiscord) -> int:
    return sum(len(messages) for messages in slack.messages.values()) + len(fake.messages)


# -- Slack: what a channel shows ------------------------------------------------------------


def slack_roots(slack: FakeSlack, channel: str) -> list[StoredMessage]:
    return [m for m in slack.channel_messages(TEAM, channel) if m.thread_ts is None]


def is_header(message: StoredMessage) -> bool:
    return (key_of(message) or "").startswith("digest-header:")


def slack_keyed_replies(slack: FakeSlack, channel: str, root: StoredMessage) -> int:
    return sum(1 for m in slack.thread(TEAM, channel, root.ts) if m.ts != root.ts and key_of(m))


def slack_complete(slack: FakeSlack, channel: str) -> bool:
    roots = slack_roots(slack, channel)
    if len(roots) < 1 + PAPERS:
        return False
    return all(
        is_header(root) or slack_keyed_replies(slack, channel, root) >= REPLIES_PER_PAPER
        for root in roots
    )


def slack_problems(slack: FakeSlack, channel: str) -> list[str]:
    problems = []
    messages = slack.channel_messages(TEAM, channel)
    keys = Counter(key for m in messages if (key := key_of(m)) is not None)
    repeated = {k: n for k, n in keys.items() if n > 1}
    if repeated:
        problems.append(f"slack {channel}: posted twice: {repeated}")
    roots = [m for m in messages if m.thread_ts is None]
    headers = [m for m in roots if is_header(m)]
    papers = [m for m in roots if m not in headers]
    if len(headers) != 1 or len(papers) != PAPERS:
        problems.append(f"slack {channel}: {len(headers)} headers, {len(papers)} papers")
    for root in papers:
        if VOTE_ACTION not in json.dumps(root.blocks):
            problems.append(f"slack {channel} {key_of(root)}: a card without its vote button")
        keyed = slack_keyed_replies(slack, channel, root)
        if keyed != REPLIES_PER_PAPER:
            problems.append(f"slack {channel} {key_of(root)}: {keyed} keyed replies")
    unkeyed_roots = [m for m in roots if key_of(m) is None]
    if unkeyed_roots:
        problems.append(f"slack {channel}: {len(unkeyed_roots)} top-level messages without key")
    return problems


def answerable_threads(slack: FakeSlack, taken: set[str]) -> list[tuple[str, StoredMessage]]:
    """Slack paper threads fully posted (a later root follows them in their channel), not
    asked in yet: a member's question there meets the paper's card and replies."""
    found = []
    for number in range(SLACK_CHANNELS):
        channel = slack_channel(number)
        roots = slack_roots(slack, channel)
        for root in roots[:-1]:
            if root.ts in taken or is_header(root):
                continue
            if slack_keyed_replies(slack, channel, root) >= REPLIES_PER_PAPER:
                found.append((channel, root))
    return found


# -- Discord: what a channel shows ----------------------------------------------------------


Shown = dict[str, list[dict[str, Any]]]
"""The loopback Discord's messages by channel (a thread's id is its root's), oldest first."""


def discord_shown(fake: FakeDiscord) -> Shown:
    shown: Shown = defaultdict(list)
    for message in sorted(fake.messages.values(), key=lambda m: int(m["id"])):
        shown[message["channel_id"]].append(message)
    return shown


def discord_complete(shown: Shown, conversation: ConversationRef, week: str) -> bool:
    header = marker(digest_header_key(conversation, week))
    roots = shown.get(conversation.channel_id, [])
    if len(roots) < 1 + PAPERS:
        return False
    return all(
        header in root["content"] or len(shown.get(root["id"], [])) >= REPLIES_PER_PAPER
        for root in roots
    )


def paper_key(conversation: ConversationRef, week: str, root: dict[str, Any]) -> str | None:
    """The digest key whose marker the root's card carries, from the arXiv link in its card."""
    for embed in root.get("embeds") or []:
        url = embed.get("url")
        if not url:
            continue
        key = digest_key(conversation, week, parse_arxiv_ref(url).arxiv_id)
        if marker(key) in (embed.get("footer") or {}).get("text", ""):
            return key
    return None


def discord_problems(shown: Shown, conversation: ConversationRef, week: str) -> list[str]:
    """The channel's roots: one header and PAPERS cards, each card's thread holding its
    replies once each (by the nonces their keys give) and nothing else."""
    where = f"discord {conversation.channel_id}"
    header = marker(digest_header_key(conversation, week))
    roots = shown.get(conversation.channel_id, [])
    headers = [m for m in roots if header in m["content"]]
    papers = [m for m in roots if m not in headers]
    problems = []
    if len(headers) != 1 or len(papers) != PAPERS:
        problems.append(f"{where}: {len(headers)} headers, {len(papers)} other roots")
    keys = Counter(paper_key(conversation, week, root) for root in papers)
    if None in keys or any(n > 1 for n in keys.values()):
        problems.append(f"{where}: roots by key: {dict(keys)}")
    for root in roots:
        if "thread" not in root:
            problems.append(f"{where}: root {root['id']} has no thread")
    for root in papers:
        if VOTE_ID not in json.dumps(root.get("components")):
            problems.append(f"{where}: card {root['id']} without its vote button")
        key = paper_key(conversation, week, root)
        if key is None:
            continue
        thread = shown.get(root["id"], [])
        firsts = Counter(m.get("nonce") for m in thread)
        expected = [nonce(f"{reply_key(key, i)}#0") for i in range(REPLIES_PER_PAPER)]
        if any(firsts[n] != 1 for n in expected):
            problems.append(f"{where} {key}: replies by nonce {dict(firsts)}")
        pieces = {
            nonce(f"{reply_key(key, i)}#{p}")
            for i in range(REPLIES_PER_PAPER)
            for p in range(PIECES)
        }
        strays = [m["id"] for m in thread if m.get("nonce") not in pieces]
        if strays:
            problems.append(f"{where} {key}: {len(strays)} replies under no key")
    return problems


def resent_nonces(fake: FakeDiscord) -> int:
    """Posts Discord answered with the message an earlier post of the same nonce made:
    what the nonce alone kept from being posted twice (Discord honours a nonce for a few
    minutes; the loopback for ever)."""
    sent = Counter(
        (call.path, (call.json or {}).get("nonce"))
        for call in fake.calls_to("POST", "/channels/{channel_id}/messages")
    )
    return sum(n - 1 for n in sent.values())


# -- the receiver ---------------------------------------------------------------------------


async def start_receiver(env: dict[str, str], log: Path, port: int) -> asyncio.subprocess.Process:
    out = await asyncio.to_thread(log.open, "wb")
    try:
        return await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "adapters", "slack-http", "--host", "127.0.0.1"),
            *("--port", str(port)),
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    finally:
        out.close()


async def until_listening(log: Path, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 120  # imports and the store's first open, on a busy machine
    while "Slack HTTP receiver on" not in await asyncio.to_thread(log.read_text, "utf-8"):
        assert process.returncode is None, await asyncio.to_thread(log.read_text, "utf-8")
        assert time.monotonic() < deadline, "the receiver never listened"
        await asyncio.sleep(0.05)


async def deliver(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any], retry_num: int | None = None
) -> int:
    """One delivery of an event as Slack makes it: signed, retries numbered."""
    raw = json.dumps(body).encode()
    headers = signed_headers(SECRET, raw, content_type="application/json", retry_num=retry_num)
    async with http.post(f"{url}/slack/events", data=raw, headers=headers) as response:
        await response.read()
        return response.status


async def ask_questions(
    slack: FakeSlack, fake: FakeDiscord, url: str, rng: random.Random, asked: Asked
) -> None:
    """QUESTIONS questions, each in its own fully posted Slack paper thread, from distinct
    members, as those threads appear; every REDELIVERED_EVERY-th delivered twice."""
    taken: set[str] = set()
    redeliveries: list[asyncio.Task[int]] = []
    async with aiohttp.ClientSession() as http:
        while len(asked.questions) < QUESTIONS:
            ready = answerable_threads(slack, taken)
            if not ready:
                await asyncio.sleep(0.1)
                continue
            channel, root = rng.choice(ready)
            taken.add(root.ts)
            number = len(asked.questions)
            body = message_event(
                team_id=TEAM,
                channel=channel,
                user=f"W9{number:05d}",
                text=f"{rng.choice(QUESTION_TEXTS)} (question {number + 1})",
                thread_ts=root.ts,
            )
            before = frozenset(m.ts for m in slack.thread(TEAM, channel, root.ts))
            question = Question(channel, root.ts, before, posted(slack, fake))
            asked.questions.append(question)
            asked.statuses.append(await deliver(http, url, body))
            if number % REDELIVERED_EVERY == 0:
                question.redelivered = True
                # Sooner than Slack's ~3 s: some arrive while the first is being answered.
                delay = rng.uniform(0.0, 2.0)

                async def again(body: dict[str, Any] = body, delay: float = delay) -> int:
                    await asyncio.sleep(delay)
                    return await deliver(http, url, body, retry_num=1)

                redeliveries.append(asyncio.create_task(again()))
            await asyncio.sleep(rng.uniform(0.1, 0.6))
        asked.statuses.extend(await asyncio.gather(*redeliveries))


def answers_in(slack: FakeSlack, question: Question) -> list[StoredMessage]:
    """Messages that appeared in the question's thread after it was asked."""
    return [
        m
        for m in slack.thread(TEAM, question.channel, question.root_ts)
        if m.ts not in question.replies_before
    ]


def all_answered(slack: FakeSlack, asked: Asked) -> bool:
    return len(asked.questions) == QUESTIONS and all(
        any(m.text != PLACEHOLDER for m in answers_in(slack, q)) for q in asked.questions
    )


async def stored_turns(database: str, asked: Asked) -> list[int]:
    async with Store.open(database, read_only=True) as store:
        return [
            len(
                await store.turns(
                    ThreadRef(ConversationRef(Platform.SLACK, TEAM, q.channel), q.root_ts)
                )
            )
            for q in asked.questions
        ]


# -- the run --------------------------------------------------------------------------------


async def run_chaos(database: str, env: dict[str, str], logs: Path) -> dict[str, Any]:
    rng = random.Random(SEED)  # the kills; the questions draw from their own generator,
    asking = random.Random(f"questions {SEED}")  # so a seed gives the same kills however timed
    points = sorted(rng.randint(MESSAGES // 20, MESSAGES * 17 // 20) for _ in range(KILLS))
    due = datetime.now(UTC) - timedelta(minutes=2)
    week = iso_week(due, "UTC")
    kills: list[str] = []
    asked = Asked()
    async with FakeSlack.running() as slack, FakeDiscord() as fake:
        slack_conversations = [
            ConversationRef(Platform.SLACK, TEAM, slack_channel(n)) for n in range(SLACK_CHANNELS)
        ]
        discord_conversations = discord_channels(fake)
        await subscribe_due(database, slack_conversations + discord_conversations, due)
        platforms = {**env, "PAPERCLUB_SLACK_API_URL": slack.api_url}
        port = free_port()
        receiver_log = logs / "slack-http.log"
        receiver = await start_receiver(
            {**platforms, "SLACK_SIGNING_SECRET": SECRET}, receiver_log, port
        )
        workers = Workers(
            {**platforms, "DISCORD_TOKEN": DISCORD_TOKEN},
            logs,
            argv=("-m", "tests.loopback.discord_pointed", str(fake.port), "worker"),
        )
        questions: asyncio.Task[None] | None = None

        def complete() -> bool:
            shown = discord_shown(fake)
            return all(slack_complete(slack, c.channel_id) for c in slack_conversations) and all(
                discord_complete(shown, c, week) for c in discord_conversations
            )

        deadline = time.monotonic() + FINISH_WITHIN
        try:
            await until_listening(receiver_log, receiver)
            for slot in range(WORKERS):
                await workers.start(slot)
            questions = asyncio.create_task(
                ask_questions(slack, fake, f"http://127.0.0.1:{port}", asking, asked)
            )
            for point in points:
                while posted(slack, fake) < point:
                    assert time.monotonic() < deadline, f"stuck before kill point {point}"
                    assert not questions.done() or questions.exception() is None
                    await asyncio.sleep(0.01)
                slot = rng.randrange(WORKERS)
                await workers.kill_then_restart(slot, after=rng.uniform(0.2, 2.0))
                kills.append(f"worker {slot} at message {posted(slack, fake)}")
            while not complete():
                assert time.monotonic() < deadline, f"unfinished after {FINISH_WITHIN:g} s"
                await asyncio.sleep(0.2)
            await questions
            while not all_answered(slack, asked):
                assert time.monotonic() < deadline, "questions left unanswered"
                assert receiver.returncode is None, "the receiver stopped"
                await asyncio.sleep(0.2)
            while (left := await asyncio.to_thread(queue_left, database))["jobs"]:
                assert time.monotonic() < deadline, f"jobs left: {left}"
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # a duplicate posted late would land now
        finally:
            if questions is not None:
                questions.cancel()
                await asyncio.gather(questions, return_exceptions=True)
            await workers.stop_all()
            if receiver.returncode is None:
                receiver.send_signal(signal.SIGTERM)
            receiver_code = await asyncio.wait_for(receiver.wait(), 60)
        problems = [p for c in slack_conversations for p in slack_problems(slack, c.channel_id)]
        shown = discord_shown(fake)
        problems += [p for c in discord_conversations for p in discord_problems(shown, c, week)]
        for question in asked.questions:
            answers = answers_in(slack, question)
            if len(answers) != 1 or answers[0].text in ("", PLACEHOLDER):
                problems.append(
                    f"question in {question.channel} {question.root_ts}"
                    f"{' (redelivered)' if question.redelivered else ''}: "
                    f"answers {[m.text[:40] for m in answers]}"
                )
        return {
            "kills": kills,
            "problems": problems,
            "resent_nonces": resent_nonces(fake),
            "statuses": asked.statuses,
            "asked_at": [q.posted_before for q in asked.questions],
            "redelivered": sum(q.redelivered for q in asked.questions),
            "turns": await stored_turns(database, asked),
            "left": await asyncio.to_thread(queue_left, database),
            "receiver_code": receiver_code,
        }


@pytest.mark.timeout(900)
def test_workers_killed_at_seeded_points_deliver_slack_and_discord_once_and_answer_each_question(
    arxiv_server: ArxivServer, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    database = postgres_server.new_database()
    env = worker_env(
        arxiv_server,
        tmp_path,
        database,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    )
    result = asyncio.run(run_chaos(database, env, tmp_path))
    print(
        f"seed {SEED}: kills {result['kills']}; {QUESTIONS} questions "
        f"({result['redelivered']} redelivered) asked at messages {result['asked_at']}; "
        f"{result['resent_nonces']} Discord posts repeated under their nonce"
    )
    assert len(result["kills"]) == KILLS, result["kills"]
    # Found again by their hidden markers, never left to Discord's nonce (which holds
    # for a few minutes only; the loopback's for ever).
    assert result["resent_nonces"] == 0, result["resent_nonces"]
    assert result["asked_at"][0] < MESSAGES  # asked while the digests were being delivered
    assert result["redelivered"] == len(range(0, QUESTIONS, REDELIVERED_EVERY))
    assert not result["problems"], (result["kills"], result["problems"][:20])
    assert set(result["statuses"]) == {200}, result["statuses"]
    assert result["turns"] == [2] * QUESTIONS, result["turns"]  # the question, its answer
    assert result["left"]["jobs"] == {}, result["left"]
    assert set(result["left"]["posts"]) == {"complete"}, result["left"]
    assert result["receiver_code"] == 0
