"""`paperclub ...`: the command line, and the wiring of the adapters for `paperclub run`.

It lives in `adapters/` because it chooses and starts platform adapters; `bot/`
never imports them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console

from adapters.console import ConsoleChat
from bot.app import TERMINAL, build_club
from bot.config import Settings
from bot.domain import Answer, Platform
from bot.errors import InvalidPaperId, PaperclubError, PaperNotFound
from bot.i18n import SUPPORTED_LANGUAGES
from bot.logging_setup import configure_logging
from bot.render import answer_post
from bot.sources.ranking import explain
from bot.store import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
    _language_option(digest)

    paper = commands.add_parser("paper", help="the post for one paper (arXiv id or link)")
    paper.add_argument("reference", help="e.g. 2309.12288, hep-th/9901001 or an arxiv.org link")
    paper.add_argument(
        "--dry-run", action="store_true", help="print only; record nothing as posted"
    )
    _language_option(paper)

    ask = commands.add_parser("ask", help="answer a question about a paper")
    ask.add_argument("reference", help="arXiv id or link")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    _language_option(ask)

    commands.add_parser("run", help="run the bot (Discord/Slack when their tokens are set)")
    commands.add_parser("usage", help="model tokens used, by week, workspace and purpose")
    return parser


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
    commands: dict[str, Callable[[argparse.Namespace, Settings, Console], Awaitable[int]]] = {
        "digest": digest_command,
        "paper": paper_command,
        "ask": ask_command,
        "run": run_command,
        "usage": usage_command,
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
        return 130
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
    async with build_club(settings) as club:
        club.attach_chat(
            Platform.CONSOLE,
            ConsoleChat(console, None if args.dry_run else _transcript_path(settings)),
        )
        if args.language:
            await club.update_settings(TERMINAL, language=args.language)
        with console.status("Starting…") as status:

            async def progress(text: str) -> None:
                status.update(text)
                console.log(text)

            report = await club.weekly_digest(TERMINAL, dry_run=args.dry_run, progress=progress)
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
    async with build_club(settings) as club:
        chat = ConsoleChat(console, None if args.dry_run else _transcript_path(settings))
        club.attach_chat(Platform.CONSOLE, chat)
        language = args.language or (await club.channel_settings(TERMINAL)).language
        if args.dry_run:
            with console.status(f"Reading {args.reference}…"):
                prepared = await club.preview_paper(args.reference, language)
            thread = await chat.open_thread(
                TERMINAL,
                prepared.thread.root,
                thread_name=prepared.thread.thread_name,
                idempotency_key="",
            )
            for reply in prepared.thread.replies:
                await chat.reply(thread, reply)
            return EXIT_OK
        with console.status(f"Reading {args.reference}…") as status:

            async def progress(text: str) -> None:
                status.update(text)

            await club.summon_paper(TERMINAL, args.reference, progress)
        return EXIT_OK


async def ask_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    async with build_club(settings) as club:
        language = args.language or settings.language
        answer = await club.ask(args.reference, args.question, language)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            from rich.markdown import Markdown

            console.print(Markdown(club.clean_text(answer_post(answer, language).text)))
        return EXIT_OK


def answer_json(answer: Answer) -> dict[str, object]:
    return {
        "answer": answer.text,
        "grounded": answer.grounded,
        "citations": [
            {"quote": c.quote, "section": c.section, "page": c.page} for c in answer.citations
        ],
    }


async def usage_command(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from rich.table import Table

    async with Store.open(settings.db_path) as store:
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


def entry_point() -> None:
    logging.captureWarnings(True)
    sys.exit(main())
