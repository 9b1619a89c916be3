"""The bot under load on both platforms at once, with two digests running, measured from
outside the bot.

Two processes. The **harness** (a child process) runs the loopback arXiv (which serves a
real fixture paper's full text, HTML or PDF, under every id asked for), the loopback
model, the fake Discord (REST + gateway) and the fake Slack (Web API + Socket Mode), and
drives the load: it sends the questions and times what the platforms receive. The **bot**
(this process) is what production runs: one Services from `bootstrap`, the real
discord.py client and the real bolt AsyncApp, in one event loop. So the figures are the
bot's, not the harness's.

Setup, not timed: one paper thread in each of 50 channels across 5 workspaces (3 Discord
servers with 10 channels each, 2 Slack workspaces with 10 each), 10 distinct papers. Then,
at once: --questions questions over the 50 threads (Discord: half `/ask`, half thread
messages; Slack: thread messages), and a weekly digest in one channel of each platform.

Printed, harness side (its clock, from the question sent to what the platform received):
acknowledgement p50/p95/p99 (Discord interaction callback, Slack envelope ack), first
visible text p50/p95 (the first edit carrying the model's text, or the final answer if
that came first), answer complete p50/p95. Bot side: peak and p99 event-loop lag (a 10 ms
timer; its five longest, when they came, and how much of each a garbage collection took),
the collections by generation, what a full collection walks after the run, CPU ms per
answered question (this process: its loop and threads; then its worker processes alive at
the end: embeddings and text work, while short-lived parse workers are not counted), RSS
now and peak, and the worker processes' PSS. Dropped and duplicated answers must be 0.

    python bench/load.py [--questions 200] [--rate 0] [--latency 0.3] [--embeddings]
                         [--both] [--watch] [--steps] [--threads] [--no-quiet-gc]
                         [--harness-nice N]

`--watch` samples the loop thread's stack whenever the loop is over 20 ms late and prints
the hottest frames with their share (bench/loop_watch.py). `--steps` times every step of
the loop (bench/loop_steps.py) and says, for each of the longest lags, how many steps ran
in it and the longest: one long step, or a flood of short ones. `--threads` says which of
the bot's threads ran and waited for a core in each, and what the hypervisor stole
(bench/thread_cpu.py). `--rate` sends the questions at that many a second instead of all
in the same few milliseconds.

`--both` runs dense re-ranking off, then on (when the `embeddings` extra is installed), and
prints the two side by side. `--no-quiet-gc` leaves full collections to CPython's own rule
(start-up's heap still frozen), for an A/B of bot/heap.py's `collect_when_quiet`.
`--harness-nice 10` lowers the harness's priority below the bot's: on a small machine the
fake platforms and model otherwise take the cores the bot's loop waits for, which in
production are other machines'. The harness's own timings (acknowledgement, first text)
then include its waits for a core, so they can only come out later.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import resource
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web

from bench.gc_pauses import GCPauses, heap_census
from bench.loop_steps import LoopSteps
from bench.thread_cpu import ThreadCPU, thread_names
from tests.loopback.arxiv_server import FULL_TEXTS, NO_HTML_PAGE, ArxivServer, _unversioned
from tests.loopback.fixtures import fixtures_dir

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
FIXTURE_NAMES = sorted(set(FULL_TEXTS.values()))


class FullTextArxiv(ArxivServer):
    """Every id gets a real fixture paper's full text (a stable pick by the id's hash)."""

    def _name(self, request: web.Request) -> str:
        paper = _unversioned(request.match_info["paper"])
        return FULL_TEXTS.get(paper) or FIXTURE_NAMES[zlib.crc32(paper.encode()) % 5]

    async def html(self, request: web.Request) -> web.Response:
        self.full_text_requests.append(request.path)
        name = self._name(request)
        folder = fixtures_dir() / "papers" / "html"
        if not name.endswith(".html"):
            page = (folder / NO_HTML_PAGE).read_bytes()
            return web.Response(status=404, body=page, content_type="text/html")
        return web.Response(body=(folder / name).read_bytes(), content_type="text/html")

    async def pdf(self, request: web.Request) -> web.Response:
        self.full_text_requests.append(request.path)
        name = self._name(request)
        if not name.endswith(".pdf"):
            return web.Response(status=404, text="Not found")
        body = (fixtures_dir() / "papers" / name).read_bytes()
        return web.Response(body=body, content_type="application/pdf")


def percentiles(values: list[float], qs: tuple[float, ...] = (0.5, 0.95, 0.99)) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    parts = [
        f"p{round(q * 100)} {ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000:7.0f} ms"
        for q in qs
    ]
    return "  ".join(parts) + f"  (n={len(ordered)})"


# ---- the harness (child process) ------------------------------------------------------------


def harness_main(
    conn: multiprocessing.connection.Connection, latency: float, niceness: int = 0
) -> None:
    if niceness:
        os.nice(niceness)
    asyncio.run(_harness(conn, latency))


async def _recv(conn: multiprocessing.connection.Connection) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


async def _harness(conn: multiprocessing.connection.Connection, latency: float) -> None:
    from tests.loopback.discord_server import FakeDiscord
    from tests.loopback.openai_server import OpenAIServer
    from tests.loopback.slack_payloads import message_event
    from tests.loopback.slack_server import FakeSlack, Workspace

    arxiv = FullTextArxiv().start()
    model = OpenAIServer().start()
    teams = [Workspace(f"T{i:03d}", f"Club {i}", SLACK_TOKEN) for i in range(SLACK_TEAMS)]
    try:
        async with FakeDiscord() as discord_fake, FakeSlack.running(workspaces=teams) as slack:
            conversations: list[tuple[str, str, str]] = []
            for g in range(DISCORD_GUILDS):
                guild = discord_fake.add_guild(f"Server {g}")
                for c in range(CHANNELS_PER_WORKSPACE):
                    channel = discord_fake.add_text_channel(guild, f"papers-{c}")
                    conversations.append(("discord", guild["id"], channel["id"]))
            for team in teams:
                for c in range(CHANNELS_PER_WORKSPACE):
                    conversations.append(("slack", team.team_id, f"C{c:03d}"))
            conn.send(
                {
                    "arxiv_api": arxiv.api_url,
                    "arxiv_url": arxiv.url,
                    "model": model.base_url,
                    "discord_api": discord_fake.api_base,
                    "discord_gateway": discord_fake.gateway_url,
                    "slack_api": slack.api_url,
                    "slack_app_token": slack.app_token,
                    "teams": [t.team_id for t in teams],
                    "conversations": conversations,
                    "papers": arxiv.known_ids()[:DISTINCT_PAPERS],
                }
            )
            threads: list[tuple[str, str, str, str]] = await _recv(conn)  # after setup
            model.latency = latency
            await asyncio.sleep(0.3)
            setup_ts = {m.ts for messages in slack.messages.values() for m in messages}
            discord_start, slack_start = len(discord_fake.calls), len(slack.calls)
            go = await _recv(conn)
            questions: int = go["questions"]
            pause = 1 / go["rate"] if go["rate"] else 0.0  # between questions sent
            sent: dict[str, list[float]] = {t[3]: [] for t in threads}
            interactions: dict[str, float] = {}
            envelopes = []
            began = time.monotonic()
            for n in range(questions):
                if pause and n:
                    await asyncio.sleep(pause)
                platform, team_id, channel_id, root = threads[n % len(threads)]
                question = QUESTIONS[(n // len(threads)) % len(QUESTIONS)]
                sent[root].append(time.monotonic())
                if platform == "discord":
                    channel = discord_fake.channels[root]
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
                        team_id=team_id,
                        channel=channel_id,
                        text=question,
                        thread_ts=root,
                        user=f"U{n:05d}",
                    )
                    envelopes.append(await slack.send_event(body))
            deadline = time.monotonic() + go["timeout"]
            finals: dict[str, list[float]] = {}
            while time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                finals = _answers(discord_fake, slack, threads, setup_ts, discord_start)[1]
                if sum(len(v) for v in finals.values()) >= questions:
                    break
            answered_in = time.monotonic() - began
            await asyncio.sleep(1.0)  # anything late (a duplicate) would arrive now
            firsts, finals = _answers(discord_fake, slack, threads, setup_ts, discord_start)
            acks = [
                c.received_at - interactions[c.path.split("/")[2]]
                for c in discord_fake.calls[discord_start:]
                if c.route == CALLBACK and c.path.split("/")[2] in interactions
            ]
            acks += [
                next(a.at for a in slack.acks if a.envelope_id == e.envelope_id) - e.sent_at
                for e in envelopes
                if any(a.envelope_id == e.envelope_id for a in slack.acks)
            ]
            first_text: list[float] = []
            complete: list[float] = []
            by_platform: dict[str, list[float]] = {"discord": [], "slack": []}
            platform_of = {t[3]: t[0] for t in threads}
            dropped = duplicated = 0
            for root, times in sent.items():
                asked = sorted(times)
                shown = sorted(firsts.get(root, []))
                done = sorted(finals.get(root, []))
                dropped += max(0, len(asked) - len(done))
                duplicated += max(0, len(done) - len(asked))
                first_text += [s - q for s, q in zip(shown, asked, strict=False)]
                by_platform[platform_of[root]] += [
                    s - q for s, q in zip(shown, asked, strict=False)
                ]
                complete += [d - q for d, q in zip(done, asked, strict=False)]
            conn.send(
                {
                    "acks": acks,
                    "first_text": first_text,
                    "first_text_by_platform": by_platform,
                    "complete": complete,
                    "dropped": dropped,
                    "duplicated": duplicated,
                    "answered_in": answered_in,
                    "discord_calls": len(discord_fake.calls) - discord_start,
                    "slack_calls": len(slack.calls) - slack_start,
                    "full_text_requests": len(arxiv.full_text_requests),
                }
            )
            await _recv(conn)  # the bot is done: stop
    finally:
        model.stop()
        arxiv.stop()


def _answers(
    discord_fake: Any,
    slack: Any,
    threads: list[tuple[str, str, str, str]],
    setup_ts: set[str],
    discord_start: int,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per thread root: when each answer's first text showed, and when it was final."""
    firsts: dict[str, list[float]] = {}
    finals: dict[str, list[float]] = {}
    roots = {t[3] for t in threads if t[0] == "discord"}
    shown_at: dict[str, float] = {}
    placeholder_thread: dict[str, str] = {}
    for c in discord_fake.calls[discord_start:]:
        parts = c.path.split("/")
        if len(parts) < 3 or parts[2] not in roots:
            continue
        content = str((c.json or {}).get("content", ""))
        if c.method == "POST" and c.route == MESSAGES and content == "…":
            placeholder_thread[str(c.response["id"])] = parts[2]
        elif c.method == "PATCH" and c.route == MESSAGE and parts[4] in placeholder_thread:
            root = placeholder_thread[parts[4]]
            if content.strip(" …") and parts[4] not in shown_at:
                shown_at[parts[4]] = c.received_at
                firsts.setdefault(root, []).append(c.received_at)
            if not content.rstrip().endswith("…"):
                finals.setdefault(root, []).append(c.received_at)
    for platform, team_id, channel_id, root in threads:
        if platform != "slack":
            continue
        answers = {m.ts for m in slack.thread(team_id, channel_id, root) if m.ts not in setup_ts}
        seen: set[str] = set()
        for c in slack.calls:
            if c.method != "chat.update" or c.params.get("ts") not in answers:
                continue
            ts, text = str(c.params["ts"]), str(c.params.get("text", ""))
            if ts not in seen and text.strip(" …"):
                seen.add(ts)
                firsts.setdefault(root, []).append(c.at)
            if not text.rstrip().endswith("…"):
                finals.setdefault(root, []).append(c.at)
    return firsts, finals


# ---- the bot (this process) -----------------------------------------------------------------


@contextlib.contextmanager
def discord_pointed_at(api_base: str, gateway: str) -> Iterator[None]:
    import discord
    import yarl

    old_base, old_gateway = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = (
            old_base,
            old_gateway,
        )


def rss_now_mib(pid: int | str = "self") -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # it ended meanwhile
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pss_mib(pid: int) -> float:
    """A process's proportional set size: pages shared with others (the workers share
    torch's libraries) counted once across them, unlike RSS."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_processes(exclude: int) -> dict[int, float]:
    """The bot's worker processes alive now (the forkserver's children: embeddings, text
    work, parses), each with the CPU seconds it has used; not the harness (`exclude`)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    mine = {os.getpid()}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine and pid != exclude}
        grew = not found <= mine
        mine |= found
    mine.discard(os.getpid())
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for pid in mine:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


async def run_once(args: argparse.Namespace, embeddings: bool) -> dict[str, Any]:
    import aiohttp
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from adapters.discord_bot import PaperclubBot
    from adapters.slack_app import SlackChat, build_slack_app, make_client
    from bench.loop_lag import LoopLag
    from bench.loop_watch import LoopWatch
    from bot.bootstrap import bootstrap
    from bot.config import Settings
    from bot.domain import ConversationRef, Platform
    from bot.heap import settle_heap, settled_heap

    context = multiprocessing.get_context("spawn")
    conn, child_conn = context.Pipe()
    harness = context.Process(
        target=harness_main, args=(child_conn, args.latency, args.harness_nice), daemon=True
    )
    harness.start()
    world = await _recv(conn)
    folder = tempfile.TemporaryDirectory()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db_path=Path(folder.name) / "bench.db",
        arxiv_api_url=world["arxiv_api"],
        arxiv_html_url=f"{world['arxiv_url']}/html",
        arxiv_pdf_url=f"{world['arxiv_url']}/pdf",
        embeddings=embeddings,
        arxiv_delay_seconds=0,
        sources=("arxiv",),
        llm="openai",
        openai_api_key="sk-bench-load-0123",
        openai_base_url=world["model"],
        llm_concurrency=args.llm_concurrency,  # the loopback stands in for a hosted API
        questions_per_user_per_hour=0,
    )
    result: dict[str, Any] = {}
    try:
        async with bootstrap(settings) as club, aiohttp.ClientSession() as session:
            bot = PaperclubBot(club, guild_ready_timeout=0.05)
            club.chats.attach(Platform.DISCORD, bot.chat)
            client = make_client(SLACK_TOKEN, api_url=world["slack_api"], session=session)
            app, slack_chat = build_slack_app(
                club, client, post_interval=args.post_interval, workspaces=world["teams"]
            )
            club.chats.attach(Platform.SLACK, SlackChat(client, post_interval=0.0))  # setup
            handler = AsyncSocketModeHandler(app, world["slack_app_token"])
            with discord_pointed_at(world["discord_api"], world["discord_gateway"]):
                start = asyncio.create_task(bot.start("loopback-token"))
                await asyncio.wait_for(bot.wait_until_ready(), 20)
                await handler.connect_async()  # type: ignore[no-untyped-call]
                # as `paperclub run` does once connected: embeddings in the background
                club.library.dense_in_background = True
                if embeddings:
                    await asyncio.to_thread(club.library.warm_embedder)
                heap = contextlib.AsyncExitStack()
                if args.no_quiet_gc and not args.no_freeze:
                    settle_heap()
                elif not args.no_freeze:  # as `paperclub run` does before serving (bot/heap.py)
                    await heap.enter_async_context(settled_heap())
                try:
                    conversations = [
                        ConversationRef(Platform(p), w, c) for p, w, c in world["conversations"]
                    ]
                    for conversation in conversations[::13]:  # four channels read Japanese
                        await club.channels.update_settings(conversation, language="ja")
                    began = time.perf_counter()
                    limit = asyncio.Semaphore(8)
                    papers = world["papers"]

                    async def summon(i: int, conversation: ConversationRef) -> Any:
                        async with limit:
                            return await club.papers.summon_paper(
                                conversation, papers[i % len(papers)]
                            )

                    threads = await asyncio.gather(
                        *(summon(i, c) for i, c in enumerate(conversations))
                    )
                    setup_s = time.perf_counter() - began
                    club.chats.attach(Platform.SLACK, slack_chat)  # paced from now on
                    conn.send(
                        [
                            (
                                str(t.conversation.platform),
                                t.conversation.workspace_id,
                                t.conversation.channel_id,
                                t.root_id,
                            )
                            for t in threads
                        ]
                    )
                    await asyncio.sleep(0.5)
                    digest_channels = [conversations[1], conversations[-1]]
                    if args.slow_callbacks:  # name what blocks the loop (slows it down too)
                        loop = asyncio.get_running_loop()
                        loop.set_debug(True)
                        loop.slow_callback_duration = args.slow_callbacks
                    cpu0 = time.process_time()
                    workers0 = worker_processes(exclude=harness.pid or 0)
                    watch = LoopWatch(asyncio.get_running_loop()) if args.watch else None
                    steps = LoopSteps() if args.steps else None
                    thread_cpu = ThreadCPU(os.getpid()) if args.threads else None
                    names: dict[int, str] = {}
                    with (
                        thread_cpu or contextlib.nullcontext(),  # its samples arrive last
                        LoopLag() as lag,
                        GCPauses() as pauses,
                        watch or contextlib.nullcontext(),
                        steps or contextlib.nullcontext(),
                    ):
                        conn.send(
                            {
                                "questions": args.questions,
                                "timeout": args.timeout,
                                "rate": args.rate,
                            }
                        )
                        digests = [
                            asyncio.create_task(club.digest.weekly_digest(c))
                            for c in digest_channels
                        ]
                        digests_done: list[float] = []
                        for task in digests:
                            task.add_done_callback(
                                lambda _: digests_done.append(time.perf_counter() - lag.began)
                            )
                        measured = await _recv(conn)
                        reports = await asyncio.gather(*digests)
                        names = thread_names()
                    cpu = time.process_time() - cpu0
                    workers = worker_processes(exclude=harness.pid or 0)
                    workers_cpu = sum(
                        used - workers0.get(pid, 0.0) for pid, used in workers.items()
                    )
                    turns = sum(
                        [len(await club.store.turns(t, limit=10_000)) for t in set(threads)]
                    )
                    result = measured | {
                        "setup_s": setup_s,
                        "lag_peak": lag.peak,
                        "lag_p99": lag.quantile(0.99),
                        "lag_longest": [
                            (
                                at,
                                late,
                                pauses.within(*lag.window(at)),
                                steps.within(*lag.window(at)) if steps else None,
                                _busiest(thread_cpu, names, *lag.window(at)) if thread_cpu else "",
                            )
                            for at, late in lag.longest()
                        ],
                        "digests_done": digests_done,
                        "gc": pauses.report(),
                        "cpu_ms_per_question": cpu * 1000 / max(1, args.questions),
                        "workers_cpu_ms_per_question": workers_cpu * 1000 / max(1, args.questions),
                        "rss_now": rss_now_mib(),
                        "workers_pss": sum(pss_mib(pid) for pid in workers),
                        "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                        "digest_papers": [len(r.posted) for r in reports],
                        "turns_missing": max(0, 2 * args.questions - turns),
                        "dense": club.library.warm_embedder() if embeddings else False,
                        "cache": (len(club.library.cache), club.library.cache.held),
                        "watch": watch.report() if watch is not None else "",
                        "heap": heap_census(),
                    }
                finally:
                    await heap.aclose()
                    await handler.close_async()  # type: ignore[no-untyped-call]
                    await bot.close()
                    with contextlib.suppress(BaseException):
                        await asyncio.wait_for(start, 5)
    finally:
        conn.send("stop")
        harness.join(10)
        folder.cleanup()
    return result


def _busiest(threads: ThreadCPU, names: dict[int, str], start: float, end: float) -> str:
    """The bot's threads that ran most in a window, and the loop thread (the main one)."""
    spent = threads.within(start, end)
    shown = [s for s in spent[:3] if s[1] > 0.001]
    shown += [s for s in spent if s[0] == os.getpid() and s not in shown]
    gap, stolen = threads.machine(start, end)
    return ", ".join(
        f"{'loop' if tid == os.getpid() else names.get(tid, f'thread {tid}')} "
        f"{on_core * 1000:.0f} / {waiting * 1000:.0f} ms"
        for tid, on_core, waiting in shown
    ) + (
        f"; the sampler's longest gap {gap * 1000:.0f} ms, stolen by the hypervisor "
        f"{stolen * 1000:.0f} ms"
    )


def report(label: str, r: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"-- {label}")
    print(
        f"  setup {r['setup_s']:.1f} s; {args.questions} questions answered in "
        f"{r['answered_in']:.1f} s; digests posted {r['digest_papers']} papers; "
        f"full-text downloads served {r['full_text_requests']}"
    )
    print(f"  acknowledgement        {percentiles(r['acks'])}")
    print(f"  first visible text     {percentiles(r['first_text'], (0.5, 0.95))}")
    for platform, values in r["first_text_by_platform"].items():
        print(f"    on {platform:7}           {percentiles(values, (0.5, 0.95))}")
    print(f"  answer complete        {percentiles(r['complete'], (0.5, 0.95))}")
    print(
        f"  event-loop lag         peak {r['lag_peak'] * 1000:.1f} ms  p99 {r['lag_p99'] * 1000:.1f} ms"
    )
    longest = ", ".join(
        f"{late * 1000:.0f} ms at {at:.1f} s (GC {gc * 1000:.0f})"
        for at, late, gc, *_ in r["lag_longest"]
    )
    done = ", ".join(f"{at:.1f}" for at in r["digests_done"])
    print(f"    longest              {longest}; digests done at {done} s")
    for at, _late, _, steps, busiest in r["lag_longest"]:
        if steps is not None:
            count, step, name = steps
            print(
                f"      at {at:5.1f} s: {count} loop steps, the longest {step * 1000:.1f} ms"
                + (f" ({name})" if name else "")
            )
        if busiest:
            print(f"      at {at:5.1f} s, on a core / waiting for one: {busiest}")
    print(f"  GC pauses              {r['gc']}")
    print(f"  heap after the run     {r['heap']}")
    print(
        f"  CPU per question       {r['cpu_ms_per_question']:.1f} ms (bot process), "
        f"{r['workers_cpu_ms_per_question']:.1f} ms (its worker processes alive at the end)"
    )
    print(
        f"  RSS                    now {r['rss_now']:.0f} MiB  peak {r['rss_peak']:.0f} MiB; "
        f"worker processes now {r['workers_pss']:.0f} MiB (PSS)"
    )
    print(
        f"  dropped {r['dropped']}, duplicated {r['duplicated']}, stored turns missing "
        f"{r['turns_missing']}; index cache {r['cache'][0]} entries, "
        f"{r['cache'][1] / 2**20:.1f} MiB; REST calls Discord {r['discord_calls']}, "
        f"Slack {r['slack_calls']}"
    )
    if r["watch"]:
        print(r["watch"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument(
        "--rate", type=float, default=0.0, help="questions sent per second (0: all at once)"
    )
    parser.add_argument("--latency", type=float, default=0.3, help="model seconds to first token")
    parser.add_argument("--post-interval", type=float, default=1.0, help="Slack, per channel")
    parser.add_argument("--llm-concurrency", type=int, default=25)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--embeddings", action="store_true", help="dense re-ranking on")
    parser.add_argument("--both", action="store_true", help="dense off, then on")
    parser.add_argument(
        "--slow-callbacks", type=float, default=0.0, help="log loop steps longer than this (s)"
    )
    parser.add_argument("--watch", action="store_true", help="name what blocks the loop")
    parser.add_argument(
        "--steps", action="store_true", help="count and time the loop's steps in the longest lags"
    )
    parser.add_argument(
        "--threads", action="store_true", help="which threads ran in the longest lags (Linux)"
    )
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave start-up's heap to the collector"
    )
    parser.add_argument(
        "--no-quiet-gc",
        action="store_true",
        help="freeze start-up's heap but leave full collections to CPython's own rule",
    )
    parser.add_argument(
        "--harness-nice",
        type=int,
        default=0,
        help="run the harness at this niceness: the platforms as if on other machines",
    )
    args = parser.parse_args()
    modes = [False, True] if args.both else [args.embeddings]
    print(
        f"{args.questions} questions "
        + (f"at {args.rate:g} a second " if args.rate else "all at once ")
        + f"in 50 threads ({DISCORD_GUILDS} Discord servers, "
        f"{SLACK_TEAMS} Slack workspaces), model latency {args.latency} s, Slack post "
        f"interval {args.post_interval} s, 2 digests; platforms and model in another process"
        + (f" at niceness {args.harness_nice}" if args.harness_nice else "")
    )
    for dense in modes:
        result = asyncio.run(run_once(args, dense))
        label = "dense re-ranking " + ("on" if result.get("dense") else "off")
        report(label, result, args)


if __name__ == "__main__":
    main()
