"""The channel's admin commands: /subscribe, /unsubscribe, /settings, /digest.

`/settings` with options changes them; without options it opens the settings form
(settings_modal.SettingsModal), prefilled with the channel's settings.

Each carries default_member_permissions (Manage Channels) and is checked again at
invocation against settings.admin_rule (AdminGate), before it is even acknowledged.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.app_commands import locale_str as _
from discord.ext import commands

from adapters.discord_bot.interactions import (
    AdminGate,
    conversation_of,
    member_language,
    require_bot_permissions,
)
from adapters.discord_bot.permissions import OPEN_THREADS
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.settings_modal import SettingsModal
from adapters.discord_bot.wording import describe_digest, describe_settings, matching_timezones
from bot.usecases.channels import Channels
from bot.usecases.digest import Digest

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LANGUAGE_CHOICES = [
    Choice(name="English", value="en"),
    Choice(name="日本語", value="ja"),
    Choice(name="한국어", value="ko"),
]
DAY_CHOICES = [Choice(name=_(day), value=index) for index, day in enumerate(DAYS)]
NO_MEETING = -1
MEETING_DAY_CHOICES = [*DAY_CHOICES, Choice(name=_("No meeting"), value=NO_MEETING)]


class ChannelCommands(commands.Cog):
    """Turn the weekly digest on or off, change the channel's settings, run the digest now."""

    def __init__(
        self, replies: Replies, admins: AdminGate, channels: Channels, digest: Digest
    ) -> None:
        self._replies = replies
        self._admins = admins
        self._channels = channels
        self._digest = digest

    @app_commands.command(
        name=_("digest"), description=_("Run this channel's weekly paper digest now")
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def digest(self, interaction: discord.Interaction) -> None:
        self._admins.require(interaction)
        responder = await self._replies.begin(interaction, ephemeral=False)
        conversation = conversation_of(interaction)
        require_bot_permissions(interaction, OPEN_THREADS, "post_digest")
        report = await self._digest.weekly_digest(conversation, progress=responder.progress)
        language = (await self._channels.channel_settings(conversation)).language
        await responder.finish(describe_digest(report, language))

    @app_commands.command(
        name=_("subscribe"), description=_("Get the weekly paper digest in this channel")
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def subscribe(self, interaction: discord.Interaction) -> None:
        self._admins.require(interaction)
        responder = await self._replies.begin(interaction, ephemeral=True)
        conversation = conversation_of(interaction)
        require_bot_permissions(interaction, OPEN_THREADS, "post_weekly_digest")
        settings = await self._channels.subscribe(conversation)
        await responder.finish(describe_settings(settings, "subscribed"))

    @app_commands.command(
        name=_("unsubscribe"), description=_("Stop the weekly paper digest in this channel")
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def unsubscribe(self, interaction: discord.Interaction) -> None:
        self._admins.require(interaction)
        responder = await self._replies.begin(interaction, ephemeral=True)
        settings = await self._channels.unsubscribe(conversation_of(interaction))
        await responder.finish(describe_settings(settings, "unsubscribed"))

    @app_commands.command(
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
        muted=_("muted"),
        categories=_("categories"),
        sources=_("sources"),
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
        muted=_("Topics whose papers are left out, comma-separated (off clears them)"),
        categories=_(
            "arXiv categories kept, comma-separated, e.g. cs.CL,cs.LG (all = every category)"
        ),
        sources=_(
            "Paper sources used: arxiv, huggingface, alphaxiv, hackernews, curated (all = every one)"
        ),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @app_commands.choices(day=DAY_CHOICES)
    @app_commands.choices(meeting_day=MEETING_DAY_CHOICES)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def settings(
        self,
        interaction: discord.Interaction,
        language: Choice[str] | None = None,
        day: Choice[int] | None = None,
        time: str | None = None,
        timezone: str | None = None,
        topics: str | None = None,
        size: app_commands.Range[int, 1, 25] | None = None,
        meeting_day: Choice[int] | None = None,
        meeting_time: str | None = None,
        auto_pick: app_commands.Range[int, 0, 167] | None = None,
        muted: str | None = None,
        categories: str | None = None,
        sources: str | None = None,
    ) -> None:
        self._admins.require(interaction)
        conversation = conversation_of(interaction)
        options = (language, day, time, timezone, topics, size, meeting_day, meeting_time)
        if all(v is None for v in (*options, auto_pick, muted, categories, sources)):
            # No options: the form, prefilled (the modal is the interaction's first response).
            current = await self._channels.channel_settings(conversation)
            modal = SettingsModal(
                current,
                member_language(interaction),
                replies=self._replies,
                admins=self._admins,
                channels=self._channels,
            )
            await interaction.response.send_modal(modal)
            return
        responder = await self._replies.begin(interaction, ephemeral=True)
        current = await self._channels.update_settings(
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
            muted_topics=muted,
            categories=categories,
            sources=sources,
        )
        await responder.finish(describe_settings(current, "settings_saved"))

    @settings.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        return [Choice(name=zone, value=zone) for zone in matching_timezones(current)]


def _meeting_day(choice: Choice[int] | None) -> int | str | None:
    if choice is None:
        return None
    return "off" if choice.value == NO_MEETING else choice.value
