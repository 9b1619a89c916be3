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

from adapters.slack_app.mrkdwn import from_slack
from bot.domain import ArchiveHit, ChannelSettings, DigestReport, ThreadRef
from bot.errors import InvalidPaperId, InvalidSetting
from bot.sources.ids import parse_arxiv_ref
from bot.text import t
from bot.text.presenters import digest_lines, settings_lines
from bot.usecases.channel_rules import shown

MAIN_COMMAND = "/paperclub"
COMMAND_PREFIX = MAIN_COMMAND + " "
SUBCOMMANDS = (
    "paper",
    "digest",
    "ask",
    "subscribe",
    "unsubscribe",
    "settings",
    "search",
    "vote",
    "standings",
    "pick",
    "present",
    "save",
    "saved",
    "read",
    "recap",
    "outline",
    "help",
)
COMMAND_NAMES = (MAIN_COMMAND, *(f"/{s}" for s in SUBCOMMANDS if s != "help"))
COMMAND_PATTERN = re.compile(r"^/(" + "|".join(n[1:] for n in COMMAND_NAMES) + r")$")
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
    "meeting": "meeting",
    "autopick": "auto_pick_hours",
    "auto_pick": "auto_pick_hours",
    "muted": "muted_topics",
    "mute": "muted_topics",
    "categories": "categories",
    "sources": "sources",
}


@dataclass(frozen=True, slots=True)
class Invocation:
    sub: str
    args: str


def parse_command(command: str, text: str) -> Invocation:
    """The sub-command and its arguments as the member wrote them (Slack's escaping of
    links, mentions and `&<>` undone), except `present`, whose <@U…> mention names the
    presenter and is decoded by `parse_present`."""
    text = text.strip()
    if command == MAIN_COMMAND:
        sub, _, rest = text.partition(" ")
        if sub.lower() not in SUBCOMMANDS:
            return Invocation("help", "")
        sub, text = sub.lower(), rest.strip()
    else:
        sub = command.removeprefix("/")
    return Invocation(sub, text if sub == "present" else from_slack(text))


def parse_settings(args: str) -> dict[str, str | int]:
    """`language=ja day=fri time=09:30 timezone=Asia/Tokyo topics=llm,agents size=5
    meeting=thu 18:00 autopick=24` (`meeting=off` clears the meeting)."""
    changes: dict[str, str | int] = {}
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    words = _join_meeting_time(words)
    for word in words:
        key, sep, value = word.partition("=")
        name = SETTING_KEYS.get(key.strip().lower())
        if not sep or name is None:
            raise InvalidSetting(
                key="slack_settings_unknown_word", word=shown(word), prefix=COMMAND_PREFIX
            )
        if name == "meeting":
            changes.update(_meeting(value))
        elif name == "digest_size":
            if not value.strip().isdigit():
                raise InvalidSetting(key="error_digest_size")
            changes[name] = int(value)
        else:
            changes[name] = value
    return changes


def _join_meeting_time(words: list[str]) -> list[str]:
    """`meeting=thu 18:00` arrives as two words; the time belongs to the meeting."""
    joined: list[str] = []
    for word in words:
        if joined and "=" not in word and joined[-1].lower().startswith("meeting="):
            joined[-1] += " " + word
        else:
            joined.append(word)
    return joined


def _meeting(value: str) -> dict[str, str | int]:
    parts = re.split(r"[\s@,]+", value.strip())
    if len(parts) == 1 and parts[0].lower() in ("off", "none"):
        return {"meeting_weekday": "off"}
    if len(parts) != 2:
        raise InvalidSetting(key="error_unknown_meeting", given=shown(value))
    return {"meeting_weekday": parts[0], "meeting_time": parts[1]}


def split_ask(args: str) -> tuple[str, str]:
    """`<arXiv id or link> <question>`."""
    reference, _, question = args.strip().partition(" ")
    if not reference or not question.strip():
        raise InvalidSetting(key="slack_ask_usage", prefix=COMMAND_PREFIX)
    return reference, question.strip()


@dataclass(frozen=True, slots=True)
class PickArgs:
    count: int
    meeting_time: str | None
    paper: str | None = None  # a paper named: picked whatever its votes


@dataclass(frozen=True, slots=True)
class PresentArgs:
    paper: str
    member_id: str | None  # None: the member who typed the command ("me")
    member_name: str
    meeting_time: str | None


_USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")


def paper_argument(args: str, sub: str) -> str:
    """The one paper a sub-command names (`vote`, `save`, `read`, `recap`)."""
    reference = args.split(" ", 1)[0]
    if not reference:
        raise InvalidSetting(key="slack_name_the_paper", prefix=COMMAND_PREFIX, sub=sub)
    return reference


def parse_pick(args: str) -> PickArgs:
    """`[count] [YYYY-MM-DD HH:MM]`, or `<arXiv id or link> [YYYY-MM-DD HH:MM]`."""
    words = args.split()
    try:
        paper = parse_arxiv_ref(words[0]).arxiv_id if words else None
    except InvalidPaperId:
        paper = None
    if paper is not None:
        return PickArgs(1, " ".join(words[1:]) or None, paper)
    count = int(words.pop(0)) if words and words[0].isdigit() else 1
    return PickArgs(count, " ".join(words) or None)


def parse_present(args: str) -> PresentArgs:
    """`<paper> <@member or me> [YYYY-MM-DD HH:MM]`, as Slack sends it with escaping on
    (a mention arrives as `<@U123|name>`)."""
    words = args.split()
    if len(words) < 2:
        raise InvalidSetting(key="slack_present_usage", prefix=COMMAND_PREFIX)
    paper, who, *when = words
    meeting_time = from_slack(" ".join(when)) or None
    if who.lower() == "me":
        return PresentArgs(from_slack(paper), None, "", meeting_time)
    mention = _USER_MENTION.fullmatch(who)
    if mention is None:
        raise InvalidSetting(key="slack_unknown_presenter", who=shown(from_slack(who)))
    return PresentArgs(from_slack(paper), mention[1], mention[2] or mention[1], meeting_time)


def thread_link(thread: ThreadRef) -> str:
    ts = thread.root_id.replace(".", "")
    return f"https://slack.com/archives/{thread.conversation.channel_id}/p{ts}"


def link(label: str, url: str) -> str:
    safe = label.replace("[", "(").replace("]", ")").replace("\n", " ")
    return f"[{safe}]({url})"


SETTINGS_EXAMPLE = (
    "/paperclub settings language=ja day=fri time=09:30 timezone=Asia/Tokyo "
    "topics=llm,agents size=5 meeting=thu 18:00 autopick=24"
)


def settings_text(s: ChannelSettings, heading: str = "settings_heading") -> str:
    """The channel's settings in its own language; `heading` is a catalog key."""
    language = s.language
    lines = settings_lines(s, language, COMMAND_PREFIX)
    return "\n".join(
        [
            f"**{t(heading, language)}**",
            *(f"- {line}" for line in lines),
            f"{t('settings_change', language)} `{SETTINGS_EXAMPLE}`.",
        ]
    )


def digest_text(report: DigestReport, language: str, *, dry_run: bool) -> str:
    return "\n".join(
        digest_lines(report, language, COMMAND_PREFIX, dry_run=dry_run, thread_url=thread_link)
    )


def search_text(query: str, hits: list[ArchiveHit]) -> str:
    if not hits:
        return f"No paper posted in this channel matches “{query}”."
    lines = [f"**{len(hits)} paper(s) matching “{query}”**"]
    for hit in hits:
        when = hit.posted_at.date().isoformat()
        lines.append(f"- {link(hit.title, thread_link(hit.thread))} ({hit.arxiv_id}, {when})")
    return "\n".join(lines)
