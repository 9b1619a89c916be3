"""`/settings` with no options: a modal with the channel's main settings, prefilled.

Five text inputs (Discord's most): language, the digest's day and time, time zone, topics
(with weights) and sources. The submission goes through `Channels.update_settings`, so the
same validators as the options path refuse a bad value, in the member's language; the
refusal repeats what the member typed (a modal cannot be reopened from its own submission),
so nothing typed is lost. The admin rule is checked when the modal opens and again when it
is submitted.
"""

from __future__ import annotations

import discord

from adapters.discord_bot.interactions import AdminGate, conversation_of, member_language
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.wording import describe_settings
from bot.domain import ChannelSettings
from bot.errors import InvalidSetting, PaperclubError
from bot.text import t
from bot.text.weekdays import day_name
from bot.usecases.channels import Channels

LABEL_LIMIT = 45  # Discord: a modal's title and a label, at most 45 characters
TOPICS_LIMIT = 1000
SHORT_LIMIT = 100
ECHO_LIMIT = 1500


def schedule_text(settings: ChannelSettings, language: str) -> str:
    """The digest's day and time as the modal shows it: `Monday 09:00`, `月曜日 09:00`."""
    return f"{day_name(settings.weekday, language)} {settings.time}"


def topics_text(settings: ChannelSettings) -> str:
    """The topics as the option path accepts them back: `agents:2, diffusion`."""
    weights = dict(settings.topic_weights)
    return ", ".join(
        f"{topic}:{weights[topic]:g}" if topic in weights else topic for topic in settings.topics
    )


def split_schedule(text: str) -> tuple[str, str]:
    """`Monday 09:00` -> ("Monday", "09:00"); the time is the last word."""
    words = text.split()
    if len(words) < 2:
        raise InvalidSetting(key="error_settings_schedule", given=text.strip()[:40])
    return " ".join(words[:-1]), words[-1]


class SettingsModal(discord.ui.Modal):
    """The channel's settings form; one instance per `/settings` invocation."""

    def __init__(
        self,
        settings: ChannelSettings,
        language: str,
        *,
        replies: Replies,
        admins: AdminGate,
        channels: Channels,
    ) -> None:
        super().__init__(title=_label(t("settings_form_title", language)), timeout=15 * 60)
        self._replies = replies
        self._admins = admins
        self._channels = channels
        self.language = self._input(
            t("settings_form_language", language), settings.language, SHORT_LIMIT
        )
        self.schedule = self._input(
            t("settings_form_schedule", language), schedule_text(settings, language), SHORT_LIMIT
        )
        self.timezone = self._input(
            t("settings_form_timezone", language), settings.timezone, SHORT_LIMIT
        )
        self.topics = self._input(
            t("settings_form_topics", language),
            topics_text(settings),
            TOPICS_LIMIT,
            style=discord.TextStyle.paragraph,
            required=False,
        )
        self.sources = self._input(
            t("settings_form_sources", language),
            ", ".join(settings.sources) or "all",
            SHORT_LIMIT,
            required=False,
        )

    def _input(
        self,
        label: str,
        value: str,
        limit: int,
        *,
        style: discord.TextStyle = discord.TextStyle.short,
        required: bool = True,
    ) -> discord.ui.TextInput[SettingsModal]:
        field: discord.ui.TextInput[SettingsModal] = discord.ui.TextInput(
            style=style, default=value[:limit], max_length=limit, required=required
        )
        self.add_item(discord.ui.Label(text=_label(label), component=field))
        return field

    async def on_submit(self, interaction: discord.Interaction) -> None:
        language = member_language(interaction)
        responder = self._replies.of(interaction)
        try:
            self._admins.require(interaction, command="settings")
            responder = await self._replies.begin(interaction, ephemeral=True)
            day, time = split_schedule(self.schedule.value)
            saved = await self._channels.update_settings(
                conversation_of(interaction),
                language=self.language.value,
                weekday=day,
                time=time,
                timezone=self.timezone.value,
                topics=self.topics.value,
                sources=self.sources.value or "all",
            )
        except PaperclubError as error:
            await responder.fail(f"{error.text(language)}\n\n{self._typed(language)}")
            return
        await responder.finish(describe_settings(saved, "settings_saved"))

    def _typed(self, language: str) -> str:
        """What the member typed, to paste into /settings again."""
        fields = (self.language, self.schedule, self.timezone, self.topics, self.sources)
        lines = [f"{_parent_label(self, f)}: {' '.join(f.value.split())}" for f in fields]
        typed = "\n".join(lines).replace("`", "'")[:ECHO_LIMIT]
        return f"{t('settings_form_typed', language)}\n```\n{typed}\n```"


def _parent_label(modal: SettingsModal, field: discord.ui.TextInput[SettingsModal]) -> str:
    for child in modal.children:
        if isinstance(child, discord.ui.Label) and child.component is field:
            return child.text
    return "?"


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"
