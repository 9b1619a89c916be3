"""One bot process under load on both platforms at once, with a digest running.

One Services (SQLite, the `arxiv` client against the loopback arXiv, the `openai` client
against the loopback model) serves the real discord.py client (PaperclubBot against the
loopback Discord) and the real bolt AsyncApp (Socket Mode against the loopback Slack) in
one event loop. Setup, not timed: one paper thread in each of 50 channels across 5
workspaces (3 Discord servers with 10 channels each, 2 Slack workspaces with 10 each).
Then, at once: --questions questions spread over the 50 threads (on Discord half as `/ask`,
half as thread messages; on Slack as thread messages), and a weekly digest in one channel
of each platform. Prints:

- acknowledgement: Discord `/ask` interaction callback, and Slack envelope ack, after the
  event was sent (both platforms want it within 3 s): p50/p95/p99;
- answer placeholder: the "…" message each answer starts with, after its question;
- first streamed chunk: the first edit carrying the model's text, after its question;
- peak event-loop lag (a 10 ms timer), peak RSS of the process (the loopback servers run
  in it too, so this over-counts the bot);
- dropped and duplicated answers (answer messages and stored turns per thread vs questions
  asked there): both must be 0;
- summary cache hit rate: papers prepared (thread openings + digest papers) vs summaries
  the model was asked for (a summary is computed once per paper and language).

    python bench/load.py [--questions 200] [--latency 0.3] [--post-interval 1.0] [--embeddings]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.discord_bot import PaperclubBot
from adapters.slack_app import SlackChat, build_slack_app, make_client
from bench.loop_lag import LoopLag
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform, ThreadRef
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.discord_server import FakeDiscord, RestCall, run_client
from tests.loopback.openai_server import OpenAIServer
from tests.loopback.slack_payloads import message_event
from tests.loopback.slack_server import Call, FakeSlack, Workspace

SLACK_TOKEN = "xoxb-bench"
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
CALLBACK = "/interactions/{interaction_id}/{token}/callback"
DISCORD_GUILDS, SLACK_TEAMS, CHANNELS_PER_WORKSPACE = 3, 2, 10
DISTINCT_PAPERS = 10  # the 50 threads discuss 10 papers: the summary cache is shared
QUESTIONS = (
    "What problem does the paper address?",
    "What is the main result?",
    "How is the method evaluated?",
    "What are the limitations?",
)


@dataclass
class Asked:
    thread: ThreadRef
    sent_at: list[float] = field(default_factory=list)


def percentiles(values: list[float], unit: str = "ms") -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    scale = 1000 if unit == "ms" else 1

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * scale

    return (
        f"p50 {at(0.5):8.1f} {unit}  p95 {at(0.95):8.1f} {unit}  p99 {at(0.99):8.1f} {unit}"
        f"  (n={len(ordered)})"
    )


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_channels(discord_fake: FakeDiscord, teams: list[Workspace]) -> list[ConversationRef]:
    conversations = []
    for g in range(DISCORD_GUILDS):
        guild = discord_fake.add_guild(f"Server {g}")
        for c in range(CHANNELS_PER_WORKSPACE):
            channel = discord_fake.add_text_channel(guild, f"papers-{c}")
            conversations.append(ConversationRef(Platform.DISCORD, guild["id"], channel["id"]))
    for team in teams:
        for c in range(CHANNELS_PER_WORKSPACE):
            conversations.append(ConversationRef(Platform.SLACK, team.team_id, f"C{c:03d}"))
    return conversations


async def open_threads(
    club: Services, conversations: list[ConversationRef], papers: list[str]
) -> list[ThreadRef]:
    limit = asyncio.Semaphore(8)

    async def summon(index: int, conversation: ConversationRef) -> ThreadRef:
        async with limit:
            return await club.papers.summon_paper(conversation, papers[index % len(papers)])

    return list(await asyncio.gather(*(summon(i, c) for i, c in enumerate(conversations))))


async def run(args: argparse.Namespace) -> None:
    arxiv = ArxivServer().start()
    model = OpenAIServer().start()
    teams = [Workspace(f"T{i:03d}", f"Club {i}", SLACK_TOKEN) for i in range(SLACK_TEAMS)]
    folder = tempfile.TemporaryDirectory()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db_path=Path(folder.name) / "bench.db",
        arxiv_api_url=arxiv.api_url,
        arxiv_html_url=f"{arxiv.url}/html",  # full text from the loopback too (or its 404)
        arxiv_pdf_url=f"{arxiv.url}/pdf",
        embeddings=args.embeddings,
        arxiv_delay_seconds=0,
        sources=("arxiv",),
        llm="openai",
        openai_api_key="sk-bench-load-0123",
        openai_base_url=model.base_url,
        questions_per_user_per_hour=0,
    )
    try:
        async with (
            FakeDiscord() as discord_fake,
            FakeSlack.running(workspaces=teams) as slack_fake,
            bootstrap(settings) as club,
        ):
            conversations = add_channels(discord_fake, teams)  # before the client connects
            bot = PaperclubBot(club, guild_ready_timeout=0.05)
            club.chats.attach(Platform.DISCORD, bot.chat)
            client = make_client(SLACK_TOKEN, api_url=slack_fake.api_url)
            app, slack_chat = build_slack_app(
                club,
                client,
                post_interval=args.post_interval,
                workspaces=[t.team_id for t in teams],  # one org-wide install
            )
            club.chats.attach(Platform.SLACK, SlackChat(client, post_interval=0.0))  # setup
            handler = AsyncSocketModeHandler(app, slack_fake.app_token)
            async with run_client(bot, discord_fake):
                await handler.connect_async()  # type: ignore[no-untyped-call]
                try:
                    await measure(
                        args,
                        club,
                        arxiv,
                        model,
                        discord_fake,
                        slack_fake,
                        conversations,
                        slack_chat,
                    )
                finally:
                    await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        folder.cleanup()
        model.stop()
        arxiv.stop()


async def measure(
    args: argparse.Namespace,
    club: Services,
    arxiv: ArxivServer,
    model: OpenAIServer,
    discord_fake: FakeDiscord,
    slack_fake: FakeSlack,
    conversations: list[ConversationRef],
    slack_chat: SlackChat,
) -> None:
    # Four of the fifty channels read in Japanese: their summaries are separate cache entries.
    for conversation in conversations[::13]:
        await club.channels.update_settings(conversation, language="ja")

    setup = time.perf_counter()
    papers = arxiv.known_ids()[:DISTINCT_PAPERS]
    threads = await open_threads(club, conversations, papers)
    print(
        f"setup: {len(threads)} paper threads in {len(conversations)} channels, "
        f"{DISCORD_GUILDS + SLACK_TEAMS} workspaces, {time.perf_counter() - setup:.1f} s"
    )
    club.chats.attach(Platform.SLACK, slack_chat)  # paced from now on
    await asyncio.sleep(0.3)
    model.latency = args.latency
    discord_start, slack_start = len(discord_fake.calls), len(slack_fake.calls)
    setup_ts = {m.ts for messages in slack_fake.messages.values() for m in messages}
    asked: dict[ThreadRef, Asked] = {t: Asked(t) for t in threads}
    interactions: dict[str, float] = {}
    envelopes = []
    digest_channels = [conversations[1], conversations[-1]]  # one per platform

    progress = Finished(discord_fake, slack_fake, threads)
    with LoopLag() as lag:
        began = time.monotonic()
        digests = [
            asyncio.create_task(club.digest.weekly_digest(conversation))
            for conversation in digest_channels
        ]
        for n in range(args.questions):
            thread = threads[n % len(threads)]
            question = QUESTIONS[(n // len(threads)) % len(QUESTIONS)]
            asked[thread].sent_at.append(time.monotonic())
            if thread.conversation.platform is Platform.DISCORD:
                channel = discord_fake.channels[thread.root_id]
                member = discord_fake.user(f"member{n}")
                if n % 2 == 0:
                    payload = discord_fake.interaction_payload(
                        channel, "ask", {"question": question}, user=member
                    )
                    interactions[payload["id"]] = time.monotonic()
                    await discord_fake.dispatch("INTERACTION_CREATE", payload)
                else:
                    payload = discord_fake.message_payload(channel, question, member)
                    await discord_fake.dispatch("MESSAGE_CREATE", payload)
            else:
                body = message_event(
                    team_id=thread.conversation.workspace_id,
                    channel=thread.conversation.channel_id,
                    text=question,
                    thread_ts=thread.root_id,
                    user=f"U{n:05d}",
                )
                envelopes.append(await slack_fake.send_event(body))
        dispatched = time.monotonic() - began
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if progress.count(setup_ts) >= args.questions:
                break
        answered_in = time.monotonic() - began
        reports = await asyncio.gather(*digests)
        digest_in = time.monotonic() - began
        await asyncio.sleep(1.0)  # anything late (a duplicate) would arrive now

    discord_calls = discord_fake.calls[discord_start:]
    slack_calls = slack_fake.calls[slack_start:]
    acks = [
        c.received_at - interactions[c.path.split("/")[2]]
        for c in discord_calls
        if c.route == CALLBACK and c.path.split("/")[2] in interactions
    ]
    acks += [
        next(a.at for a in slack_fake.acks if a.envelope_id == e.envelope_id) - e.sent_at
        for e in envelopes
    ]
    placeholders: list[float] = []
    first_chunks: list[float] = []
    dropped = duplicated = 0
    for thread, record in asked.items():
        sent = sorted(record.sent_at)
        if thread.conversation.platform is Platform.DISCORD:
            histories = discord_answers(thread.root_id, discord_calls).values()
            starts = sorted(h[0].received_at for h in histories)
            edits = sorted(h[1].received_at for h in histories if len(h) > 1)
        else:
            starts, updates, _ = slack_answers(thread, slack_calls, slack_fake, setup_ts)
            edits = sorted(times[0] for times in updates.values())
        dropped += max(0, len(sent) - len(starts))
        duplicated += max(0, len(starts) - len(sent))
        placeholders += [s - q for s, q in zip(sorted(starts), sent, strict=False)]
        first_chunks += [e - q for e, q in zip(edits, sent, strict=False)]
    turns = await turns_per_thread(club, list(asked))
    stored_missing = sum(max(0, 2 * len(asked[t].sent_at) - n) for t, n in turns.items())
    stored_extra = sum(max(0, n - 2 * len(asked[t].sent_at)) for t, n in turns.items())
    summary_calls = sum(1 for body in model.bodies() if body.get("response_format"))
    prepared = len(threads) + sum(len(r.posted) + len(r.failed) for r in reports)

    print(
        f"{args.questions} questions in {len(threads)} threads ({DISCORD_GUILDS} Discord servers, "
        f"{SLACK_TEAMS} Slack workspaces), model latency {args.latency} s, Slack post interval "
        f"{args.post_interval} s, digests in {len(digest_channels)} channels, "
        f"dense re-ranking {'on' if args.embeddings else 'off'}"
    )
    print(
        f"  dispatched in {dispatched * 1000:.0f} ms; all answered in {answered_in:.1f} s; "
        f"digests done in {digest_in:.1f} s ({', '.join(str(len(r.posted)) for r in reports)} papers)"
    )
    print(f"  acknowledgement        {percentiles(acks)}")
    print(f"  answer placeholder     {percentiles(placeholders, 's')}")
    print(f"  first streamed chunk   {percentiles(first_chunks, 's')}")
    print(f"  peak event-loop lag    {lag.peak * 1000:.1f} ms")
    print(f"  peak RSS               {rss_mib():.0f} MiB (bot + loopback servers in one process)")
    print(f"  answers dropped        {dropped} (stored turns missing: {stored_missing})")
    print(f"  answers duplicated     {duplicated} (stored turns extra: {stored_extra})")
    hits = prepared - summary_calls
    print(
        f"  summary cache          {hits}/{prepared} hits ({hits / prepared:.0%}); "
        f"{summary_calls} summaries computed by the model"
    )
    statuses = Counter(c.status for c in discord_calls)
    print(
        f"  platform calls         Discord {len(discord_calls)} (429s {statuses[429]}), "
        f"Slack {len(slack_calls)}"
    )


def discord_answers(thread_id: str, calls: list[RestCall]) -> dict[str, list[RestCall]]:
    """Each answer's placeholder message id -> [its POST, then its edits], in one thread."""
    answers: dict[str, list[RestCall]] = {}
    for c in calls:
        if c.path.split("/")[2:3] != [thread_id]:
            continue
        if c.method == "POST" and c.route == MESSAGES and (c.json or {}).get("content") == "…":
            answers[str(c.response["id"])] = [c]
        elif c.method == "PATCH" and c.route == MESSAGE and c.path.split("/")[4] in answers:
            answers[c.path.split("/")[4]].append(c)
    return answers


def slack_answers(
    thread: ThreadRef, calls: list[Call], slack_fake: FakeSlack, setup_ts: set[str]
) -> tuple[list[float], dict[str, list[float]], int]:
    """Placeholder post times, first-update times by ts, and how many answers are final."""
    team, channel = thread.conversation.workspace_id, thread.conversation.channel_id
    answers = [m for m in slack_fake.thread(team, channel, thread.root_id) if m.ts not in setup_ts]
    ts = {m.ts for m in answers}
    posts = [
        c.at
        for c in calls
        if c.method == "chat.postMessage"
        and c.params.get("channel") == channel
        and c.params.get("thread_ts") == thread.root_id
        and c.params.get("text") == "…"
    ]
    updates: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        if c.method == "chat.update" and c.params.get("ts") in ts:
            updates[str(c.params["ts"])].append(c.at)
    final = sum(1 for m in answers if not m.text.rstrip().endswith("…"))
    return posts, updates, final


class Finished:
    """Answers whose final edit has landed, counted incrementally (a full rescan of the call
    logs on every poll would itself load the event loop being measured)."""

    def __init__(
        self, discord_fake: FakeDiscord, slack_fake: FakeSlack, threads: list[ThreadRef]
    ) -> None:
        self._discord = discord_fake
        self._slack = slack_fake
        self._seen = len(discord_fake.calls)
        self._discord_threads = {
            t.root_id for t in threads if t.conversation.platform is Platform.DISCORD
        }
        self._slack_threads = [t for t in threads if t.conversation.platform is Platform.SLACK]
        self._placeholders: set[str] = set()
        self._final: set[str] = set()

    def count(self, setup_ts: set[str]) -> int:
        fresh = self._discord.calls[self._seen :]
        self._seen += len(fresh)
        for c in fresh:
            parts = c.path.split("/")
            if len(parts) < 3 or parts[2] not in self._discord_threads:
                continue
            content = str((c.json or {}).get("content", ""))
            if c.method == "POST" and c.route == MESSAGES and content == "…":
                self._placeholders.add(str(c.response["id"]))
            elif c.method == "PATCH" and c.route == MESSAGE and parts[4] in self._placeholders:
                if not content.rstrip().endswith("…"):
                    self._final.add(parts[4])
        slack_done = 0
        for thread in self._slack_threads:
            conversation = thread.conversation
            for m in self._slack.thread(
                conversation.workspace_id, conversation.channel_id, thread.root_id
            ):
                slack_done += m.ts not in setup_ts and not m.text.rstrip().endswith("…")
        return len(self._final) + slack_done


async def turns_per_thread(club: Services, threads: list[ThreadRef]) -> dict[ThreadRef, int]:
    counts: dict[ThreadRef, int] = defaultdict(int)
    for thread in threads:
        counts[thread] = len(await club.store.turns(thread, limit=10_000))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3, help="model seconds to first token")
    parser.add_argument("--post-interval", type=float, default=1.0, help="Slack, per channel")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument(
        "--embeddings", action="store_true", help="dense re-ranking (the embeddings extra)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
