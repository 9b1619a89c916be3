"""The longer texts members read, composed from the catalog: help, a channel's settings,
what a digest run did, a reading list, a meeting time.

Titles come from papers, so a platform passes `escape` to make them literal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.domain import ChannelSettings, DigestReport, ReadingEntry, ThreadRef
from bot.render import header_line
from bot.text import NATIVE_LANGUAGE_NAMES, t
from bot.text.catalog import HELP_LINES
from bot.text.weekdays import SHORT_DAY_NAMES, day_name


def help_text(language: str = "en", command_prefix: str = "/", *, in_thread: bool = True) -> str:
    """Every command with what it does. `in_thread=False` for platforms whose commands do not
    know the thread they were typed in: /ask and /recap then name the paper."""

    def lines(section: str) -> list[str]:
        out = []
        for where, usage, key, usage_outside, key_outside in HELP_LINES:
            if where != section:
                continue
            if not in_thread and usage_outside and key_outside:
                usage, key = usage_outside, key_outside
            commands = ", ".join(
                f"`{part.strip().format(p=command_prefix)}`" for part in usage.split(",")
            )
            out.append(f"• {commands}: {t(key, language)}")
        return out

    return "\n".join(
        [
            t("help_title", language),
            f"**{t('help_papers_heading', language)}**",
            *lines("papers"),
            f"**{t('help_club_heading', language)}**",
            *lines("club"),
        ]
    )


def meeting_text(moment: datetime, language: str) -> str:
    """A meeting time already in the channel's zone: `Thu 2027-03-11 18:00 JST`,
    `2027-03-11 (木) 18:00 JST`."""
    short = SHORT_DAY_NAMES.get(language)
    if short is None:
        return moment.strftime("%a %Y-%m-%d %H:%M %Z")
    return f"{moment:%Y-%m-%d} ({short[moment.weekday()]}) {moment:%H:%M %Z}"


def settings_lines(
    settings: ChannelSettings, language: str, command_prefix: str = "/"
) -> list[str]:
    """A channel's settings, one per line, in `language`."""
    s = settings
    status = t("digest_on" if s.subscribed else "digest_off", language, p=command_prefix)
    meeting = t("meeting_not_set", language)
    if s.meeting_weekday is not None and s.meeting_time is not None:
        meeting = t(
            "meeting_weekly",
            language,
            day=day_name(s.meeting_weekday, language),
            time=s.meeting_time,
            timezone=s.timezone,
        )
        if s.auto_pick_hours:
            meeting += t("meeting_auto_pick", language, hours=s.auto_pick_hours)
    return [
        t(
            "settings_digest",
            language,
            status=status,
            day=day_name(s.weekday, language),
            time=s.time,
            timezone=s.timezone,
        ),
        t("settings_language", language, name=NATIVE_LANGUAGE_NAMES.get(s.language, s.language)),
        t("settings_size", language, size=s.digest_size),
        t("settings_topics", language, topics=", ".join(s.topics) or t("topics_any", language)),
        *_steering_lines(s, language),
        t("settings_meeting", language, meeting=meeting),
    ]


def _steering_lines(s: ChannelSettings, language: str) -> list[str]:
    """What the channel set to steer its digest, one line each; nothing when unset."""
    lines = []
    if s.topic_weights:
        weights = ", ".join(f"{topic}×{weight:g}" for topic, weight in s.topic_weights)
        lines.append(t("settings_topic_weights", language, weights=weights))
    if s.muted_topics:
        lines.append(t("settings_muted", language, topics=", ".join(s.muted_topics)))
    if s.categories:
        lines.append(t("settings_categories", language, categories=", ".join(s.categories)))
    if s.sources:
        lines.append(t("settings_sources", language, sources=", ".join(s.sources)))
    return lines


def digest_lines(
    report: DigestReport,
    language: str,
    command_prefix: str = "/",
    *,
    dry_run: bool = False,
    thread_url: Callable[[ThreadRef], str] | None = None,
) -> list[str]:
    """What a digest run did, for the member who asked for it: the week's papers as the
    header lists them, each linked to its thread when `thread_url` can name it."""
    lines = [f"**{t('digest_heading', language, week=report.week)}**", *report.header_notes]
    if dry_run:
        lines.append(t("digest_dry_run", language))
    for entry in report.entries:
        url = f"https://arxiv.org/abs/{entry.arxiv_id}"
        if entry.thread is not None and thread_url is not None and not dry_run:
            url = thread_url(entry.thread)
        lines.append(header_line(entry, url))
    if dry_run and not report.entries:
        lines.extend(
            f"{i}. {r.paper.title} ({r.paper.arxiv_id})" for i, r in enumerate(report.ranked, 1)
        )
    if report.posted:
        ids = ", ".join(report.posted)
        lines.append(t("digest_posted", language, count=len(report.posted), ids=ids))
    if report.already_posted:
        lines.append(t("digest_already", language, ids=", ".join(report.already_posted)))
    for arxiv_id, reason in report.failed.items():
        lines.append(
            t("digest_failed", language, arxiv_id=arxiv_id, reason=reason, p=command_prefix)
        )
    for source, reason in report.unavailable_sources.items():
        lines.append(t("digest_source_down", language, source=source, reason=reason))
    if not report.posted and report.empty_reason:
        lines.append(t("digest_empty", language, reason=report.empty_reason))
    return lines


def reading_list_text(
    entries: Sequence[ReadingEntry],
    language: str,
    command_prefix: str = "/",
    *,
    escape: Callable[[str], str] = str,
) -> str:
    """A member's reading list, unread first; `escape` makes a title safe for the platform."""
    if not entries:
        return t("reading_list_empty", language, p=command_prefix)
    unread = [e for e in entries if e.read_at is None]
    done = [e for e in entries if e.read_at is not None]
    lines = [t("reading_list", language, unread=len(unread), total=len(entries))]
    for entry in [*unread, *done]:
        mark = "✅" if entry.read_at is not None else "📄"
        lines.append(
            f"{mark} **{escape(entry.title)}** ({entry.arxiv_id}), "
            f"{entry.saved_at.date().isoformat()}"
        )
    return "\n".join(lines)
