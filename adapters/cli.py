"""`paperclub ...`: the command line, and the wiring of the adapters for `paperclub run`.

It lives in `adapters/` because it chooses and starts platform adapters; `bot/`
never imports them.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from adapters.console import ConsoleChat
from adapters.entry import EXIT_INTERRUPTED
from adapters.logging_setup import configure_logging
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import Author, ConversationRef, Platform, SummaryEngine
from bot.errors import InvalidPaperId, InvalidSetting, PaperclubError, PaperNotFound
from bot.reading.fetch import LOCAL_SUFFIXES
from bot.render import answer_post, citation_data, paper_data
from bot.sources.ids import parse_arxiv_ref
from bot.sources.ranking import explain
from bot.store import Store
from bot.text import SUPPORTED_LANGUAGES
from bot.usecases.answers import Evidence

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace, Settings, Console], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperclub",
        description="A bot for research paper clubs: the week's top ML papers, summaries and "
        "grounded answers, on Discord, Slack or the terminal.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    digest = commands.add_parser(
        "digest", help="build this week's digest and post it to the terminal"
    )
    digest.add_argument(
        "--dry-run", action="store_true", help="print only; record nothing as posted"
    )
    digest.add_argument("--explain", action="store_true", help="print each paper's score parts")
    digest.add_argument("--topics", help="the terminal's topics, e.g. 'agents:2, diffusion'")
    digest.add_argument("--muted", help="topics whose papers are left out ('off' clears them)")
    digest.add_argument("--categories", help="arXiv categories kept, e.g. cs.CL,cs.LG ('all')")
    digest.add_argument(
        "--sources", help="sources used, e.g. arxiv,huggingface,alphaxiv,hackernews,curated ('all')"
    )
    _language_option(digest)

    paper = commands.add_parser("paper", help="the post for one paper (arXiv id or link)")
    paper.add_argument("reference", help="e.g. 2309.12288, hep-th/9901001 or an arxiv.org link")
    paper.add_argument(
        "--dry-run", action="store_true", help="print only; record nothing as posted"
    )
    paper.add_argument(
        "--json", action="store_true", help="print the post as one JSON object; post nothing"
    )
    _language_option(paper)

    ask = commands.add_parser("ask", help="answer a question about a paper")
    ask.add_argument("reference", help="arXiv id or link, or a local .pdf/.html/.txt/.md file")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    _language_option(ask)

    commands.add_parser("run", help="run the bot (Discord/Slack when their tokens are set)")
    commands.add_parser(
        "worker", help="a job-queue worker for hosting many clubs (needs PAPERCLUB_DB_URL)"
    )
    slack_http = commands.add_parser(
        "slack-http",
        help="only Slack's HTTP receiver (events, commands, OAuth install), for hosting "
        "several behind a load balancer on PostgreSQL; runs no schedules",
    )
    slack_http.add_argument("--host", default="0.0.0.0", help="address to listen on")
    slack_http.add_argument(
        "--port", type=int, default=None, help="port (default PAPERCLUB_SLACK_HTTP_PORT)"
    )
    shards = commands.add_parser(
        "discord", help="a Discord gateway process for some shards (hosting, on PostgreSQL)"
    )
    shards.add_argument("--shards", required=True, help="this process's shard ids, e.g. 0-3")
    shards.add_argument("--shard-count", type=int, required=True, help="the bot's shard count")
    commands.add_parser("usage", help="model tokens used, by week, workspace and purpose")

    schedule = commands.add_parser("schedule", help="the weekly digest schedule")
    actions = schedule.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="every subscribed channel's next run, in its own time zone")

    export = commands.add_parser(
        "export", help="a week's digest as one Markdown or HTML document (stdout by default)"
    )
    export.add_argument("--week", required=True, help="ISO week, e.g. 2023-W39")
    export.add_argument("--format", choices=("md", "html"), default="md")
    export.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead")
    _channel_option(export)

    add = commands.add_parser("add", help="submit a paper for the channel's next digest")
    add.add_argument("reference", help="arXiv id or link")
    _channel_option(add)

    outline = commands.add_parser(
        "outline", help="a presenter's slide outline of a paper, every item cited"
    )
    outline.add_argument("reference", help="arXiv id or link")
    outline.add_argument("--json", action="store_true", help="print one JSON object")
    _language_option(outline)

    feedback = commands.add_parser("feedback", help="members' 👍/👎 on the bot's answers")
    feedback_actions = feedback.add_subparsers(dest="action", required=True, metavar="ACTION")
    feedback_export = feedback_actions.add_parser(
        "export", help="rated answers as QASPER-style JSONL (bench/qa_eval.py --from-feedback)"
    )
    feedback_export.add_argument("--output", type=Path, metavar="FILE", help="write to FILE")
    _channel_option(feedback_export)
    return parser


def _channel_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--channel",
        metavar="PLATFORM:WORKSPACE:CHANNEL",
        help="e.g. discord:<server id>:<channel id> or slack:<team id>:<channel id> "
        "(default: the terminal)",
    )


def _language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--language", choices=SUPPORTED_LANGUAGES, help="output language")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]).upper()
        print(f"paperclub: setting PAPERCLUB_{where} is invalid: {first['msg']}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings)
    console = Console()
    commands: dict[str, Command] = {
        "digest": digest_command,
        "paper": paper_command,
        "ask": ask_command,
        "run": run_command,
        "worker": worker_command,
        "slack-http": slack_http_command,
        "discord": discord_command,
        "usage": usage_command,
        "schedule": schedule_command,
        "export": export_command,
        "add": add_command,
        "outline": outline_command,
        "feedback": feedback_command,
    }
    try:
        return asyncio.run(commands[args.command](args, settings, console))
    except InvalidPaperId as error:
        print(f"paperclub: {error}", file=sys.stderr)
        return EXIT_USAGE
    except PaperNotFound as error:
        print(f"paperclub: {error}", file=sys.stderr)
        return EXIT_FAILED
    except PaperclubError as error:
        print(f"paperclub: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception:
        logging.getLogger("paperclub").exception("unexpected error")
        print(
            "paperclub: an unexpected error stopped the command (details above); "
            "please report it at the project's issue tracker.",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _transcript_path(settings: Settings) -> Path:
    return settings.db_path.with_suffix(".terminal.jsonl")


async def digest_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    async with bootstrap(settings) as club:
        club.chats.attach(
            Platform.CONSOLE,
            ConsoleChat(console, None if args.dry_run else _transcript_path(settings)),
        )
        if args.language:
            await club.channels.update_settings(TERMINAL, language=args.language)
        steering = {
            "topics": args.topics,
            "muted_topics": args.muted,
            "categories": args.categories,
            "sources": args.sources,
        }
        if any(value is not None for value in steering.values()):
            await club.channels.update_settings(TERMINAL, **steering)
        with console.status("Starting…") as status:

            async def progress(text: str) -> None:
                status.update(text)
                console.log(text)

            report = await club.digest.weekly_digest(
                TERMINAL, dry_run=args.dry_run, progress=progress
            )
        for note in report.header_notes:
            console.print(note, style="yellow", markup=False, highlight=False)
        if args.explain and report.ranked:
            console.print(explain(report.ranked), markup=False, highlight=False)
        for name, reason in report.unavailable_sources.items():
            console.print(f"[yellow]Source unavailable:[/] {name}: {reason}")
        for arxiv_id, reason in report.failed.items():
            console.print(f"[red]Not posted:[/] {arxiv_id}: {reason}")
        if report.empty_reason:
            console.print(f"No new papers this week: {report.empty_reason}.")
        verb = "Previewed" if args.dry_run else "Posted"
        console.print(f"{verb} {len(report.posted)} papers for {report.week}.")
        return EXIT_OK if report.posted or report.empty_reason else EXIT_FAILED


async def paper_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    async with bootstrap(settings) as club:
        chat = ConsoleChat(console, None if args.dry_run else _transcript_path(settings))
        club.chats.attach(Platform.CONSOLE, chat)
        language = args.language or (await club.channels.channel_settings(TERMINAL)).language
        if args.json:
            with console.status(f"Reading {args.reference}…"):
                found = await club.papers.find_paper(parse_arxiv_ref(args.reference).arxiv_id)
                summary = await club.papers.summary_for(found, language)
            data = json.dumps(paper_data(found, summary), ensure_ascii=False)
            print(club.outbound.text(data))
            return EXIT_OK
        if args.dry_run:
            with console.status(f"Reading {args.reference}…"):
                prepared = await club.papers.preview_paper(args.reference, language)
            terminal = club.chats.for_conversation(TERMINAL)
            thread = await terminal.open_thread(
                TERMINAL,
                prepared.thread.root,
                thread_name=prepared.thread.thread_name,
                idempotency_key="",
            )
            for reply in prepared.thread.replies:
                await terminal.reply(thread, reply)
            return EXIT_OK
        with console.status(f"Reading {args.reference}…") as status:

            async def progress(text: str) -> None:
                status.update(text)

            await club.papers.summon_paper(TERMINAL, args.reference, progress)
        return EXIT_OK


async def ask_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    async with bootstrap(settings) as club:
        language = args.language or settings.language
        local = await _local_file(args.reference)
        with console.status(f"Reading {args.reference}…"):
            if local is not None:
                evidence = await club.answers.ask_file(local, args.question, language)
            else:
                evidence = await club.answers.ask(args.reference, args.question, language)
        if args.json:
            print(club.outbound.text(json.dumps(evidence_json(evidence), ensure_ascii=False)))
        else:
            from rich.markdown import Markdown

            post = answer_post(evidence.answer, language)
            console.print(Markdown(club.outbound.text(post.text)))
        return EXIT_OK


async def _local_file(reference: str) -> Path | None:
    """A local paper file named on the command line (only the CLI may read local files)."""
    path = await asyncio.to_thread(Path(reference).expanduser)
    if path.suffix.lower() in LOCAL_SUFFIXES and await asyncio.to_thread(path.is_file):
        return path
    return None


def evidence_json(evidence: Evidence) -> dict[str, object]:
    """The `--json` shape: the answer, and the passages exactly as the answerer got them."""
    answer = evidence.answer
    reason = answer.fallback  # why the model's answer was replaced, if it was
    fallback = answer.engine is SummaryEngine.EXTRACTIVE and bool(reason)
    return {
        "answer": answer.text,
        # True only for text checked against the paper: a model answer whose quotes were
        # found in it, or the extractive engine's own quotes when no model is configured.
        # A model answer replaced by the paper's sentences is a fallback, not grounded.
        "grounded": answer.grounded and not fallback,
        "engine": str(answer.engine),
        "fallback": fallback,
        "fallback_reason": reason,
        "notes": list(answer.notes),
        "queries": list(evidence.queries),  # the model's English queries, if it wrote any
        "citations": [citation_data(c) for c in answer.citations],
        "passages": [
            {
                "text": s.passage.text,
                "section": s.passage.section,
                "page": s.passage.page,
                "score": round(s.score, 4),
            }
            for s in evidence.passages
        ],
    }


async def usage_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from rich.table import Table

    async with Store.open(settings.database, read_only=await _only_reads(settings)) as store:
        rows = await store.usage_by_week()
    if not rows:
        console.print("No model usage recorded yet (the extractive engine uses no tokens).")
        return EXIT_OK
    table = Table("week", "workspace", "purpose", "calls", "tokens in", "tokens out")
    for week, workspace, purpose, calls, tokens_in, tokens_out in rows:
        table.add_row(
            week, workspace or "(shared)", purpose, str(calls), f"{tokens_in:,}", f"{tokens_out:,}"
        )
    console.print(table)
    return EXIT_OK


async def run_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from adapters.runner import run_bot

    await run_bot(settings, console)
    return EXIT_OK


async def worker_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from adapters.worker import run_queue_worker

    await run_queue_worker(settings, console)
    return EXIT_OK


async def slack_http_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from adapters.slack_app.http_receiver import run_slack_http

    port = settings.slack_http_port if args.port is None else args.port
    await run_slack_http(settings, console, host=args.host, port=port)
    return EXIT_OK


async def discord_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """`paperclub discord --shards 0-3 --shard-count 16` (docs/discord-sharding.md)."""
    from adapters.discord_bot.sharding import parse_shards, run_shards

    try:
        plan = parse_shards(args.shards, args.shard_count)
    except InvalidSetting as error:
        print(f"paperclub: {error}", file=sys.stderr)
        return EXIT_USAGE
    await run_shards(settings, plan)
    return EXIT_OK


async def schedule_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from bot.publishing.keys import channel_name
    from bot.schedule.weekly import describe_schedule

    async with bootstrap(settings, read_only=await _only_reads(settings)) as club:
        scheduler = club.scheduler
        await scheduler.load(record=False)
        runs = scheduler.next_runs()
    if not runs:
        console.print(
            "No channel is subscribed to the weekly digest. `paperclub run` subscribes this "
            "terminal; use /subscribe in a Discord or Slack channel."
        )
        return EXIT_OK
    table = Table("Channel", "Schedule", "Next run (channel's zone)", "Next run (UTC)")
    for channel, when in runs:
        table.add_row(
            channel_name(channel.conversation),
            describe_schedule(channel),
            when.strftime("%a %Y-%m-%d %H:%M %Z"),
            when.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M"),
        )
    console.print(table)
    return EXIT_OK


async def export_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from bot.usecases.export import collect_week, parse_week, to_html, to_markdown

    week = parse_week(args.week)
    conversation = _conversation(args.channel)
    async with bootstrap(settings, read_only=await _only_reads(settings)) as club:
        language = (await club.channels.channel_settings(conversation)).language
        digest = await collect_week(club.store, conversation, week, language)
    if not digest.papers:
        print(
            f"paperclub: no digest was posted to {args.channel or 'the terminal'} in {week}; "
            "check the week (ISO weeks start on Monday) and --channel.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    document = to_html(digest) if args.format == "html" else to_markdown(digest)
    if args.output is None:
        sys.stdout.write(document)
    else:
        args.output.write_text(document, encoding="utf-8")
        console.print(f"Wrote {len(digest.papers)} papers of {week} to {args.output}.")
    return EXIT_OK


async def add_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from bot.sources.ids import canonical_id

    arxiv_id = canonical_id(args.reference)
    conversation = _conversation(args.channel)
    async with bootstrap(settings) as club:
        paper = await club.papers.find_paper(arxiv_id)
        await club.store.save_paper(paper)
        user = getpass.getuser()
        await club.submissions.add(conversation, arxiv_id, Author(user, user))
    console.print(
        f"Added {arxiv_id} ({paper.title}) to the next digest of {args.channel or 'the terminal'}.",
        markup=False,
        highlight=False,
    )
    return EXIT_OK


async def outline_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from rich.markdown import Markdown

    from bot.usecases.club.outline import outline_data, outline_post

    async with bootstrap(settings) as club:
        language = args.language or (await club.channels.channel_settings(TERMINAL)).language
        with console.status(f"Reading {args.reference}…"):
            outline = await club.outlines.outline(args.reference, language)
        if args.json:
            print(club.outbound.text(json.dumps(outline_data(outline), ensure_ascii=False)))
        else:
            console.print(Markdown(club.outbound.text(outline_post(outline).text)))
        return EXIT_OK


async def feedback_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    conversation = _conversation(args.channel) if args.channel else None
    async with bootstrap(settings, read_only=await _only_reads(settings)) as club:
        records = await club.feedback.export(conversation)
    lines = "".join(club.outbound.text(json.dumps(r, ensure_ascii=False)) + "\n" for r in records)
    if args.output is None:
        sys.stdout.write(lines)
    else:
        args.output.write_text(lines, encoding="utf-8")
        questions = sum(len(r["instructions"]) for r in records)
        console.print(
            f"Wrote {questions} rated answers about {len(records)} papers to {args.output}.",
            markup=False,
            highlight=False,
        )
    if not records:
        print(
            f"paperclub: no rated answer in {args.channel or 'any channel'} yet; members rate "
            "an answer with a 👍 or 👎 reaction.",
            file=sys.stderr,
        )
    return EXIT_OK


async def _only_reads(settings: Settings) -> bool:
    """Commands that only read open an existing database read-only, so they work beside
    a running `paperclub run` (which holds the writer lock); a missing one is created."""
    return await Store.exists(settings.database)


def _conversation(text: str | None) -> ConversationRef:
    if not text:
        return TERMINAL
    parts = text.split(":")
    platforms = ", ".join(p.value for p in Platform)
    if len(parts) != 3 or not all(parts) or parts[0] not in {p.value for p in Platform}:
        raise InvalidSetting(
            f"Unknown channel '{text[:60]}'. Use PLATFORM:WORKSPACE:CHANNEL with PLATFORM one "
            f"of {platforms}, e.g. discord:<server id>:<channel id>."
        )
    return ConversationRef(Platform(parts[0]), parts[1], parts[2])


def command_line() -> int:
    """`main` with the process's warnings logged."""
    logging.captureWarnings(True)
    return main()
