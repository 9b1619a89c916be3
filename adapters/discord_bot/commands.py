"""The slash commands: each defers at once, calls Services, and shows the result in one message."""

from __future__ import annotations

import logging
import zoneinfo
from functools import cache
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.app_commands import locale_str as _

from adapters.discord_bot.permissions import (
    ANSWER_IN_THREAD,
    OPEN_THREADS,
    MissingPermission,
    missing,
)
from adapters.discord_bot.responder import Responder
from adapters.discord_bot.translations import language_of
from bot.domain import (
    ArchiveHit,
    Author,
    ChannelSettings,
    ConversationRef,
    DigestReport,
    Platform,
    ThreadRef,
)
from bot.errors import NotAPaperThread, PaperclubError, PlatformUnavailable
from bot.text.command_text import digest_lines, help_text, reply, settings_lines

if TYPE_CHECKING:
    from adapters.discord_bot.client import PaperclubBot

logger = logging.getLogger(__name__)

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LANGUAGE_CHOICES = [
    Choice(name="English", value="en"),
    Choice(name="日本語", value="ja"),
    Choice(name="한국어", value="ko"),
]
DAY_CHOICES = [Choice(name=_(day), value=index) for index, day in enumerate(DAYS)]
NO_MEETING = -1
MEETING_DAY_CHOICES = [*DAY_CHOICES, Choice(name=_("No meeting"), value=NO_MEETING)]
SEARCH_HITS_SHOWN = 10
QUESTION_SHOWN_CHARS = 1500
APOLOGY = (
    "Sorry, something went wrong inside paperclub. It has been logged; "
    "please try again in a minute."
)


class PaperclubTree(app_commands.CommandTree["PaperclubBot"]):
    """The command tree with the one last-resort error handler for interactions."""

    async def on_error(
        self, interaction: discord.Interaction[PaperclubBot], error: app_commands.AppCommandError
    ) -> None:
        cause: BaseException = error
        if isinstance(error, app_commands.CommandInvokeError):
            cause = error.original
        if isinstance(cause, PaperclubError):
            text = str(cause)
        elif isinstance(cause, discord.Forbidden):
            logger.warning(
                "slash command /%s: Discord said 403: %s", _command_name(interaction), cause
            )
            text = str(MissingPermission("answer here", OPEN_THREADS))
        elif isinstance(cause, discord.RateLimited | discord.HTTPException):
            logger.warning(
                "slash command /%s: Discord failed: %s", _command_name(interaction), cause
            )
            text = (
                "Discord is busy right now, so paperclub could not finish. Try again in a minute."
            )
        elif isinstance(cause, app_commands.AppCommandError) and not isinstance(
            error, app_commands.CommandInvokeError
        ):
            text = str(cause)  # a check or transformer failure: its message is for the member
        else:
            logger.exception("slash command /%s failed", _command_name(interaction), exc_info=cause)
            text = APOLOGY
        responder = interaction.extras.get("responder")
        if not isinstance(responder, Responder):
            responder = Responder(interaction, ephemeral=True)
        try:
            await responder.fail(text)
        except discord.HTTPException as failure:
            logger.warning("could not show an error to the member: %s", failure)


def register_commands(tree: PaperclubTree) -> None:
    """Add every paperclub slash command to `tree`."""

    @tree.command(name=_("paper"), description=_("Open a summary thread for an arXiv paper now"))
    @app_commands.rename(reference=_("reference"))
    @app_commands.describe(
        reference=_("An arXiv id such as 2309.12288, or an arxiv.org or huggingface.co/papers link")
    )
    @app_commands.guild_only()
    async def paper(interaction: discord.Interaction[PaperclubBot], reference: str) -> None:
        responder = await _begin(interaction, ephemeral=False)
        conversation = conversation_of(interaction)
        _require(interaction, OPEN_THREADS, "open a paper thread here")
        club = interaction.client.club
        thread = await club.papers.summon_paper(
            conversation, reference, progress=responder.progress
        )
        await responder.finish(f"📄 <#{thread.root_id}>")

    @tree.command(name=_("digest"), description=_("Run this channel's weekly paper digest now"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def digest(interaction: discord.Interaction[PaperclubBot]) -> None:
        responder = await _begin(interaction, ephemeral=False)
        conversation = conversation_of(interaction)
        _require(interaction, OPEN_THREADS, "post the digest here")
        club = interaction.client.club
        report = await club.digest.weekly_digest(conversation, progress=responder.progress)
        language = (await club.channels.channel_settings(conversation)).language
        await responder.finish(describe_digest(report, language))

    @tree.command(
        name=_("ask"),
        description=_("Ask about the paper of this thread; the answer cites the paper"),
    )
    @app_commands.rename(question=_("question"))
    @app_commands.describe(question=_("Your question about the paper"))
    @app_commands.guild_only()
    async def ask(interaction: discord.Interaction[PaperclubBot], question: str) -> None:
        thread = thread_of(interaction)
        if thread is None:
            raise NotAPaperThread()
        responder = await _begin(interaction, ephemeral=False)
        club = interaction.client.club
        if not await club.answers.is_paper_thread(thread):
            raise NotAPaperThread()
        _require(interaction, ANSWER_IN_THREAD, "answer in this thread")
        shown = question.strip()[:QUESTION_SHOWN_CHARS]
        await responder.finish("\n".join(f"> {line}" for line in shown.splitlines()) or "> …")
        author = Author(str(interaction.user.id), interaction.user.display_name, is_bot=False)
        await club.answers.answer(thread, author, question)

    @tree.command(name=_("subscribe"), description=_("Get the weekly paper digest in this channel"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def subscribe(interaction: discord.Interaction[PaperclubBot]) -> None:
        responder = await _begin(interaction, ephemeral=True)
        conversation = conversation_of(interaction)
        _require(interaction, OPEN_THREADS, "post the weekly digest here")
        settings = await interaction.client.club.channels.subscribe(conversation)
        await responder.finish(describe_settings(settings, "subscribed"))

    @tree.command(
        name=_("unsubscribe"), description=_("Stop the weekly paper digest in this channel")
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def unsubscribe(interaction: discord.Interaction[PaperclubBot]) -> None:
        responder = await _begin(interaction, ephemeral=True)
        settings = await interaction.client.club.channels.unsubscribe(conversation_of(interaction))
        await responder.finish(describe_settings(settings, "unsubscribed"))

    @tree.command(
        name=_("settings"),
        description=_("Show or change this channel's language, schedule, topics and digest size"),
    )
    @app_commands.rename(
        language=_("language"),
        day=_("day"),
        time=_("time"),
        timezone=_("timezone"),
        topics=_("topics"),
        size=_("size"),
        meeting_day=_("meeting_day"),
        meeting_time=_("meeting_time"),
        auto_pick=_("auto_pick"),
    )
    @app_commands.describe(
        language=_("Language of summaries and answers"),
        day=_("Day of the weekly digest"),
        time=_("Time of the weekly digest, HH:MM (24-hour)"),
        timezone=_("IANA time zone such as Asia/Tokyo or Europe/Berlin"),
        topics=_("Topics to favour, comma-separated (e.g. LLM agents, diffusion)"),
        size=_("Papers per digest"),
        meeting_day=_("Day of the club's weekly meeting"),
        meeting_time=_("Time of the weekly meeting, HH:MM (24-hour)"),
        auto_pick=_("Pick the most-voted paper this many hours before each meeting (0 = off)"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @app_commands.choices(day=DAY_CHOICES)
    @app_commands.choices(meeting_day=MEETING_DAY_CHOICES)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def settings(
        interaction: discord.Interaction[PaperclubBot],
        language: Choice[str] | None = None,
        day: Choice[int] | None = None,
        time: str | None = None,
        timezone: str | None = None,
        topics: str | None = None,
        size: app_commands.Range[int, 1, 25] | None = None,
        meeting_day: Choice[int] | None = None,
        meeting_time: str | None = None,
        auto_pick: app_commands.Range[int, 0, 167] | None = None,
    ) -> None:
        responder = await _begin(interaction, ephemeral=True)
        conversation = conversation_of(interaction)
        club = interaction.client.club
        options = (
            language,
            day,
            time,
            timezone,
            topics,
            size,
            meeting_day,
            meeting_time,
            auto_pick,
        )
        heading = "settings_heading"
        if all(v is None for v in options):
            current = await club.channels.channel_settings(conversation)
        else:
            heading = "settings_saved"
            current = await club.channels.update_settings(
                conversation,
                language=language.value if language else None,
                weekday=day.value if day else None,
                time=time,
                timezone=timezone,
                topics=topics,
                digest_size=size,
                meeting_weekday=_meeting_day(meeting_day),
                meeting_time=meeting_time,
                auto_pick_hours=auto_pick,
            )
        await responder.finish(describe_settings(current, heading))

    @settings.autocomplete("timezone")
    async def timezone_choices(
        interaction: discord.Interaction[PaperclubBot], current: str
    ) -> list[Choice[str]]:
        return [Choice(name=zone, value=zone) for zone in matching_timezones(current)]

    @tree.command(
        name=_("search"), description=_("Search the papers this server has already received")
    )
    @app_commands.rename(words=_("words"))
    @app_commands.describe(words=_("Words to look for in titles and summaries"))
    @app_commands.guild_only()
    async def search(interaction: discord.Interaction[PaperclubBot], words: str) -> None:
        responder = await _begin(interaction, ephemeral=False)
        hits = await interaction.client.club.archive.search_archive(
            conversation_of(interaction), words
        )
        await responder.finish(describe_hits(words, hits))

    @tree.command(name=_("help"), description=_("How to use paperclub"))
    async def help_(interaction: discord.Interaction[PaperclubBot]) -> None:
        responder = await _begin(interaction, ephemeral=True)
        await responder.finish(help_text(language_of(interaction.locale)))


async def _begin(interaction: discord.Interaction[PaperclubBot], *, ephemeral: bool) -> Responder:
    responder = Responder(interaction, ephemeral=ephemeral)
    await responder.defer()
    return responder


def _require(
    interaction: discord.Interaction[PaperclubBot], needed: tuple[str, ...], action: str
) -> None:
    """Refuse up front, naming the permissions, instead of failing halfway through the work."""
    lacking = missing(interaction.app_permissions, needed)
    if lacking:
        raise MissingPermission(action, lacking)


def conversation_of(interaction: discord.Interaction[PaperclubBot]) -> ConversationRef:
    """The channel a command was used in; inside a thread, the thread's parent channel."""
    channel = interaction.channel
    if interaction.guild_id is None or channel is None:
        raise PlatformUnavailable("paperclub works in server channels, not in direct messages.")
    channel_id = channel.parent_id if isinstance(channel, discord.Thread) else channel.id
    return ConversationRef(Platform.DISCORD, str(interaction.guild_id), str(channel_id))


def thread_of(interaction: discord.Interaction[PaperclubBot]) -> ThreadRef | None:
    channel = interaction.channel
    if not isinstance(channel, discord.Thread) or channel.parent_id is None:
        return None
    return ThreadRef(conversation_of(interaction), str(channel.id))


@cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def matching_timezones(typed: str, limit: int = 25) -> list[str]:
    """IANA zones for the autocomplete list: names starting with the words typed, then others."""
    needle = typed.strip().lower().replace(" ", "_")
    starts = [z for z in _timezones() if z.lower().split("/")[-1].startswith(needle)]
    contains = [z for z in _timezones() if needle in z.lower() and z not in starts]
    return (starts + contains)[:limit]


def describe_settings(settings: ChannelSettings, heading: str = "settings_heading") -> str:
    """The channel's settings in its own language; `heading` is a bot.text.command_text key."""
    language = settings.language
    title = f"**{reply(heading, language)}** (<#{settings.conversation.channel_id}>)"
    return "\n".join([title, *settings_lines(settings, language, "/")])


def describe_digest(report: DigestReport, language: str) -> str:
    return "\n".join(digest_lines(report, language, "/"))


def describe_hits(query: str, hits: list[ArchiveHit]) -> str:
    if not hits:
        return (
            f"No paper in this server's archive matches “{discord.utils.escape_markdown(query)}”. "
            "Try fewer words, or open one with /paper <arXiv id>."
        )
    lines = [f"**{len(hits)} paper{'s' if len(hits) != 1 else ''} found**"]
    for hit in hits[:SEARCH_HITS_SHOWN]:
        title = discord.utils.escape_markdown(hit.title)
        lines.append(
            f"• **{title}** ({hit.arxiv_id}), {hit.posted_at.date().isoformat()}: "
            f"<#{hit.thread.root_id}>"
        )
    if len(hits) > SEARCH_HITS_SHOWN:
        lines.append(f"… and {len(hits) - SEARCH_HITS_SHOWN} more: add words to narrow it down.")
    return "\n".join(lines)


def _meeting_day(choice: Choice[int] | None) -> int | str | None:
    if choice is None:
        return None
    return "off" if choice.value == NO_MEETING else choice.value


def _command_name(interaction: discord.Interaction[PaperclubBot]) -> str:
    command = interaction.command
    return command.name if command is not None else "?"
