"""`/paperclub <sub> [args]`: parsing what a member typed, and wording the results.

One slash command with sub-commands, because Slack's built-in `/search` cannot be
taken and short names like `/paper` often belong to another app. A workspace that
wants Discord's separate commands adds them to the manifest: every name in
`COMMAND_NAMES` is handled as `/paperclub <name>`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.domain import ArchiveHit, ChannelSettings, DigestReport, ThreadRef
from bot.errors import InvalidSetting

MAIN_COMMAND = "/paperclub"
SUBCOMMANDS = ("paper", "digest", "ask", "subscribe", "unsubscribe", "settings", "search", "help")
COMMAND_NAMES = (MAIN_COMMAND, *(f"/{s}" for s in SUBCOMMANDS if s != "help"))
COMMAND_PATTERN = re.compile(r"^/(" + "|".join(n[1:] for n in COMMAND_NAMES) + r")$")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SETTING_KEYS = {
    "language": "language",
    "day": "weekday",
    "weekday": "weekday",
    "time": "time",
    "timezone": "timezone",
    "tz": "timezone",
    "topics": "topics",
    "size": "digest_size",
    "digest_size": "digest_size",
}


@dataclass(frozen=True, slots=True)
class Invocation:
    sub: str
    args: str


def parse_command(command: str, text: str) -> Invocation:
    text = text.strip()
    if command == MAIN_COMMAND:
        sub, _, rest = text.partition(" ")
        if sub.lower() not in SUBCOMMANDS:
            return Invocation("help", "")
        return Invocation(sub.lower(), rest.strip())
    return Invocation(command.removeprefix("/"), text)


def parse_settings(args: str) -> dict[str, str | int]:
    """`language=ja day=fri time=09:30 timezone=Asia/Tokyo topics=llm,agents size=5`."""
    changes: dict[str, str | int] = {}
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    for word in words:
        key, sep, value = word.partition("=")
        name = SETTING_KEYS.get(key.strip().lower())
        if not sep or name is None:
            raise InvalidSetting(
                f"I don't understand '{word}'. Use key=value with these keys: "
                "language, day, time, timezone, topics, size "
                "(e.g. /paperclub settings language=ja day=fri time=09:30)."
            )
        if name == "digest_size":
            if not value.strip().isdigit():
                raise InvalidSetting("The digest size must be a whole number between 1 and 25.")
            changes[name] = int(value)
        else:
            changes[name] = value
    return changes


def split_ask(args: str) -> tuple[str, str]:
    """`<arXiv id or link> <question>`."""
    reference, _, question = args.strip().partition(" ")
    if not reference or not question.strip():
        raise InvalidSetting(
            "Use /paperclub ask <arXiv id> <question>, or write your question in a paper's thread."
        )
    return reference, question.strip()


def slack_help(text: str) -> str:
    """The service's help names Discord's commands; in Slack they are sub-commands."""
    text = re.sub(r"`/(" + "|".join(SUBCOMMANDS) + r")\b", r"`/paperclub \1", text)
    return text + (
        "\n• `/paperclub ask <arXiv id> <question>`: in Slack, name the paper, "
        "or write your question in its thread"
    )


def thread_link(thread: ThreadRef) -> str:
    ts = thread.root_id.replace(".", "")
    return f"https://slack.com/archives/{thread.conversation.channel_id}/p{ts}"


def link(label: str, url: str) -> str:
    safe = label.replace("[", "(").replace("]", ")").replace("\n", " ")
    return f"[{safe}]({url})"


def settings_text(s: ChannelSettings, heading: str = "Settings for this channel") -> str:
    topics = ", ".join(s.topics) if s.topics else "(any)"
    status = "on" if s.subscribed else "off"
    return (
        f"**{heading}**\n"
        f"- weekly digest: {status}, {WEEKDAY_NAMES[s.weekday]} {s.time} ({s.timezone})\n"
        f"- language: {s.language}\n"
        f"- digest size: {s.digest_size}\n"
        f"- topics: {topics}\n"
        "Change with `/paperclub settings language=ja day=fri time=09:30 "
        "timezone=Asia/Tokyo topics=llm,agents size=5`."
    )


def digest_text(report: DigestReport, *, dry_run: bool) -> str:
    lines = [f"**Digest {report.week}**"]
    if dry_run:
        lines.append("Dry run: nothing was posted. These would be picked:")
        lines.extend(
            f"{i}. {r.paper.title} ({r.paper.arxiv_id})" for i, r in enumerate(report.ranked, 1)
        )
    if report.posted:
        lines.append(f"Posted {len(report.posted)}: {', '.join(report.posted)}")
    if report.already_posted:
        lines.append(f"Already posted this week: {', '.join(report.already_posted)}")
    for arxiv_id, reason in report.failed.items():
        lines.append(f"Failed {arxiv_id}: {reason}. Run /paperclub digest again to retry.")
    for source, reason in report.unavailable_sources.items():
        lines.append(f"Source unavailable: {source} ({reason})")
    if report.empty_reason:
        lines.append(f"No new papers: {report.empty_reason}.")
    return "\n".join(lines)


def search_text(query: str, hits: list[ArchiveHit]) -> str:
    if not hits:
        return f"No paper in this workspace's archive matches “{query}”."
    lines = [f"**{len(hits)} paper(s) matching “{query}”**"]
    for hit in hits:
        when = hit.posted_at.date().isoformat()
        lines.append(f"- {link(hit.title, thread_link(hit.thread))} ({hit.arxiv_id}, {when})")
    return "\n".join(lines)
