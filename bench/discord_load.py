"""200 questions in 50 paper threads arriving at once through the loopback Discord gateway.

The real discord.py client runs PaperclubBot over a real Services (SQLite, the `arxiv`
client against the loopback arXiv, the `openai` client against the loopback model with a
fixed latency before its first token). Half the questions come as `/ask` interactions, half
as plain thread messages. Prints p50/p95 of:
- acknowledgement: interaction callback (type 5) after its INTERACTION_CREATE was sent;
- answer placeholder: the "…" message each answer starts with, after the burst began;
- first streamed edit: the first edit of each answer, after the burst began;
and the peak event-loop lag in the process (bot and fake Discord share the loop).

    python bench/discord_load.py [--threads 50] [--questions 200] [--latency 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.discord_bot import PaperclubBot
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform, ThreadRef
from bot.errors import PaperclubError
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.discord_server import FakeDiscord, RestCall, run_client
from tests.loopback.openai_server import OpenAIServer

CALLBACK = "/interactions/{interaction_id}/{token}/callback"
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
QUESTIONS = (
    "What problem does the paper solve?",
    "What is the main result?",
    "How is the method evaluated?",
    "What are the limitations?",
)


async def open_threads(
    club: Services, conversation: ConversationRef, ids: list[str], wanted: int
) -> list[ThreadRef]:
    limit = asyncio.Semaphore(8)

    async def summon(arxiv_id: str) -> ThreadRef | None:
        async with limit:
            try:
                return await club.papers.summon_paper(conversation, arxiv_id)
            except PaperclubError:
                return None

    found = await asyncio.gather(*(summon(i) for i in ids))
    threads = [t for t in found if t is not None]
    if len(threads) < wanted:
        raise SystemExit(f"only {len(threads)} paper threads could be opened, {wanted} wanted")
    return threads[:wanted]


def is_final_edit(call: RestCall) -> bool:
    content = call.json.get("content") if isinstance(call.json, dict) else None
    return call.method == "PATCH" and call.route == MESSAGE and not (content or "").endswith(" …")


async def all_answered(fake: FakeDiscord, start: int, count: int, within: float) -> None:
    """Poll the call log incrementally (a full rescan per call would itself load the loop)."""
    seen, done, deadline = start, 0, time.monotonic() + within
    while done < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done}/{count} answers finished within {within} s")
        await asyncio.sleep(0.05)
        fresh, seen = fake.calls[seen:], len(fake.calls)
        done += sum(1 for c in fresh if is_final_edit(c))


async def watch_lag(stop: asyncio.Event, samples: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.005)
        samples.append(time.perf_counter() - started - 0.005)


def percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


async def burst(args: argparse.Namespace, arxiv: ArxivServer, model: OpenAIServer) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            db_path=Path(folder) / "bench.db",
            arxiv_api_url=arxiv.api_url,
            arxiv_html_url=f"{arxiv.url}/html",  # full text from the loopback, not arxiv.org
            arxiv_pdf_url=f"{arxiv.url}/pdf",
            arxiv_delay_seconds=0,
            sources=("arxiv",),
            llm="openai",
            openai_api_key=SecretStr("sk-bench-loopback"),
            openai_base_url=model.base_url,
        )
        async with FakeDiscord() as fake, bootstrap(settings) as club:
            guild = fake.add_guild("Bench club")
            channel = fake.add_text_channel(guild, "papers")
            bot = PaperclubBot(club, guild_ready_timeout=0.05)
            club.chats.attach(Platform.DISCORD, bot.chat)
            async with run_client(bot, fake):
                conversation = ConversationRef(Platform.DISCORD, guild["id"], channel["id"])
                threads = await open_threads(club, conversation, arxiv.known_ids(), args.threads)
                model.latency = args.latency
                await asyncio.sleep(0.2)  # let the echoes of the setup posts drain
                start_index = len(fake.calls)
                asks: dict[str, float] = {}  # interaction id -> sent at
                stop, lag = asyncio.Event(), list[float]()
                watcher = asyncio.create_task(watch_lag(stop, lag))
                began = time.monotonic()
                for n in range(args.questions):
                    thread = fake.channels[threads[n % len(threads)].root_id]
                    question = QUESTIONS[(n // len(threads)) % len(QUESTIONS)]
                    member = fake.user(f"member{n}")  # one each: the per-member hourly cap
                    if n % 2 == 0:
                        payload = fake.interaction_payload(
                            thread, "ask", {"question": question}, user=member
                        )
                        asks[payload["id"]] = time.monotonic()
                    else:
                        payload = fake.message_payload(thread, question, member)
                    await fake.dispatch(
                        "INTERACTION_CREATE" if n % 2 == 0 else "MESSAGE_CREATE", payload
                    )
                dispatched = time.monotonic() - began

                await all_answered(fake, start_index, args.questions, args.timeout)
                total = time.monotonic() - began
                stop.set()
                await watcher

        calls = fake.calls[start_index:]
        thread_ids = {t.root_id for t in threads}
        acks = [
            c.received_at - asks[c.path.split("/")[2]]
            for c in calls
            if c.route == CALLBACK and c.path.split("/")[2] in asks
        ]
        placeholders = [
            c
            for c in calls
            if c.method == "POST"
            and c.route == MESSAGES
            and c.path.split("/")[2] in thread_ids
            and (c.json or {}).get("content") == "…"
        ]
        first_reply = [c.received_at - began for c in placeholders]
        first_edit: dict[str, float] = {}
        for c in calls:
            if c.method == "PATCH" and c.route == MESSAGE:
                first_edit.setdefault(c.path.split("/")[4], c.received_at - began)
        statuses = [c.status for c in calls]
        print(
            f"{args.questions} questions in {len(threads)} threads, model latency {args.latency} s"
        )
        print(
            f"  dispatched over the gateway in {dispatched * 1000:.0f} ms; all answered in {total:.2f} s"
        )
        print(f"  acknowledgement (/ask)     {percentiles(acks)}")
        print(f"  answer placeholder posted  {percentiles(first_reply)}")
        print(f"  first streamed edit        {percentiles(list(first_edit.values()))}")
        print(f"  peak event-loop lag        {max(lag) * 1000:.1f} ms over {len(lag)} samples")
        print(
            f"  REST calls {len(calls)}, 429s {statuses.count(429)}, "
            f"errors {sum(1 for s in statuses if s >= 400)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.5, help="model seconds to first token")
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    arxiv = ArxivServer().start()
    model = OpenAIServer().start()
    try:
        asyncio.run(burst(args, arxiv, model))
    finally:
        model.stop()
        arxiv.stop()


if __name__ == "__main__":
    main()
