"""Slack under load: many members asking at once, through the real bolt app in Socket Mode.

Opens paper threads in several workspaces (setup, not timed), then sends every question
as a Socket Mode `events_api` envelope in one burst, from the loopback Slack to the real
`AsyncApp` + `AsyncSocketModeHandler`, and prints:

- ack latency: envelope sent -> ack received (Slack wants it within 3 s);
- first update: envelope sent -> the answer's first message in the thread (pacing of
  chat.postMessage at --post-interval seconds per channel is included);
- all answered: until every answer's final edit has landed;
- peak event-loop lag: the worst delay of a 10 ms timer while all this runs.

    python bench/slack_load.py [--questions 200] [--threads 50] [--workspaces 5]
                               [--channels-per-workspace 5] [--post-interval 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack_app import SlackChat, build_slack_app, make_client
from bench.loop_lag import LoopLag
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform, ThreadRef
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_payloads import message_event
from tests.loopback.slack_server import FakeSlack, Workspace, eventually

TOKEN = "xoxb-bench-org"
QUESTIONS = (
    "What problem does the paper address?",
    "What is the main result?",
    "How is the method evaluated?",
    "What are the limitations?",
)


def answered(slack: FakeSlack, setup_ts: set[str]) -> int:
    """Answers whose streaming is over: the final edit drops the trailing " …"."""
    return sum(
        1
        for messages in slack.messages.values()
        for m in messages
        if m.ts not in setup_ts and m.thread_ts and not m.text.rstrip().endswith("…")
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> None:
    arxiv = ArxivServer().start()
    workspaces = [Workspace(f"T{i:03d}", f"Club {i}", TOKEN) for i in range(args.workspaces)]
    try:
        async with FakeSlack.running(workspaces=workspaces) as slack:
            with tempfile.TemporaryDirectory() as folder:
                settings = Settings(
                    _env_file=None,  # type: ignore[call-arg]
                    db_path=Path(folder) / "bench.db",
                    arxiv_api_url=arxiv.api_url,
                    arxiv_html_url=f"{arxiv.url}/html",  # full text from the loopback, not arxiv.org
                    arxiv_pdf_url=f"{arxiv.url}/pdf",
                    arxiv_delay_seconds=0,
                    sources=("arxiv",),
                    llm="extractive",
                )
                async with bootstrap(settings) as club:
                    client = make_client(TOKEN, api_url=slack.api_url)
                    app, chat = build_slack_app(
                        club,
                        client,
                        post_interval=args.post_interval,
                        workspaces=[w.team_id for w in workspaces],  # one org-wide install
                    )
                    # Opening the threads is setup: posted unpaced, then the paced chat takes over.
                    club.chats.attach(Platform.SLACK, SlackChat(client, post_interval=0.0))
                    threads = await open_threads(args, club, arxiv, workspaces)
                    club.chats.attach(Platform.SLACK, chat)
                    handler = AsyncSocketModeHandler(app, slack.app_token)
                    await handler.connect_async()  # type: ignore[no-untyped-call]
                    try:
                        await measure(args, slack, threads, len(workspaces))
                    finally:
                        await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        arxiv.stop()


async def open_threads(
    args: argparse.Namespace, club: Services, arxiv: ArxivServer, workspaces: list[Workspace]
) -> list[ThreadRef]:
    papers = arxiv.known_ids()[: max(1, args.threads // len(workspaces))]
    threads: list[ThreadRef] = []
    setup = time.perf_counter()
    for i in range(args.threads):
        w = workspaces[i % len(workspaces)]
        channel = f"C{(i // len(workspaces)) % args.channels_per_workspace:03d}"
        conversation = ConversationRef(Platform.SLACK, w.team_id, channel)
        paper = papers[(i // len(workspaces)) % len(papers)]
        threads.append(await club.papers.summon_paper(conversation, paper))
    print(f"setup: {len(threads)} paper threads in {time.perf_counter() - setup:.1f} s")
    return threads


async def measure(
    args: argparse.Namespace, slack: FakeSlack, threads: list[ThreadRef], workspaces: int
) -> None:
    posts_before = {id(c) for c in slack.calls_to("chat.postMessage")}
    setup_ts = {m.ts for msgs in slack.messages.values() for m in msgs}
    sent: dict[ThreadRef, list[float]] = defaultdict(list)
    envelopes = []
    with LoopLag() as lag:
        started = time.perf_counter()
        for q in range(args.questions):
            thread = threads[q % len(threads)]
            body = message_event(
                team_id=thread.conversation.workspace_id,
                channel=thread.conversation.channel_id,
                text=QUESTIONS[q % len(QUESTIONS)],
                thread_ts=thread.root_id,
            )
            envelope = await slack.send_event(body)
            envelopes.append(envelope)
            sent[thread].append(envelope.sent_at)
        acks = [await slack.wait_ack(e, within=30) for e in envelopes]
        await eventually(lambda: answered(slack, setup_ts) >= args.questions, args.timeout)
        elapsed = time.perf_counter() - started

    ack_ms = [(a.at - e.sent_at) * 1000 for a, e in zip(acks, envelopes, strict=True)]
    first: list[float] = []
    for thread, times in sent.items():
        replies = sorted(
            c.at
            for c in slack.calls_to("chat.postMessage")
            if id(c) not in posts_before
            and c.params.get("thread_ts") == thread.root_id
            and c.params.get("team_id") == thread.conversation.workspace_id
            and c.params.get("channel") == thread.conversation.channel_id
        )
        first.extend(r - s for r, s in zip(replies, sorted(times), strict=False))
    print(
        f"{args.questions} questions, {len(threads)} threads, {workspaces} workspaces, "
        f"{args.channels_per_workspace} channels each, post interval {args.post_interval} s"
    )
    print(
        f"ack latency     p50 {statistics.median(ack_ms):7.1f} ms   p95 {pct(ack_ms, 0.95):7.1f} ms"
        f"   max {max(ack_ms):7.1f} ms"
    )
    print(
        f"first update    p50 {statistics.median(first):7.2f} s    p95 {pct(first, 0.95):7.2f} s"
        f"    max {max(first):7.2f} s"
    )
    print(f"all answered in {elapsed:.1f} s; peak event-loop lag {lag.peak * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--workspaces", type=int, default=5)
    parser.add_argument("--channels-per-workspace", type=int, default=5)
    parser.add_argument("--post-interval", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
