"""A channel's settings: read with defaults, subscribe, unsubscribe, change (validated)."""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from bot.config import KNOWN_SOURCES, Settings
from bot.domain import ChannelSettings, ConversationRef
from bot.store import Store
from bot.usecases import channel_rules as rules

SettingsChanged = Callable[[ChannelSettings], Awaitable[None]]


class SettingsHook:
    """Where a saved channel's settings are announced (the scheduler re-registers its job).

    Built once by `bootstrap` and handed to both sides, so neither reaches into the other.
    """

    def __init__(self) -> None:
        self._target: SettingsChanged | None = None

    def connect(self, target: SettingsChanged) -> None:
        self._target = target

    def disconnect(self, target: SettingsChanged) -> None:
        if self._target == target:
            self._target = None

    async def announce(self, settings: ChannelSettings) -> None:
        if self._target is not None:
            await self._target(settings)


DEFAULT_TIME = (9, 0)  # Monday 09:00 in the channel's time zone


def default_time(conversation: ConversationRef, spread_minutes: int) -> str:
    """A new channel's weekly time: 09:00, or with a spread (hosting many channels) a
    minute in [09:00, 09:00 + spread) fixed by the channel's id, so channels created
    together are not all due in the same minute, and every process computes the same."""
    key = f"{conversation.platform}:{conversation.workspace_id}:{conversation.channel_id}"
    offset = zlib.crc32(key.encode("utf-8")) % spread_minutes if spread_minutes else 0
    hour, minute = divmod(DEFAULT_TIME[0] * 60 + DEFAULT_TIME[1] + offset, 60)
    return f"{hour % 24:02d}:{minute:02d}"


class Channels:
    def __init__(self, store: Store, defaults: Settings, changed: SettingsHook) -> None:
        self._store = store
        self._defaults = defaults
        self._changed = changed

    async def channel_settings(self, conversation: ConversationRef) -> ChannelSettings:
        stored = await self._store.channel(conversation)
        if stored is not None:
            return stored
        return ChannelSettings(
            conversation=conversation,
            language=self._defaults.language,
            subscribed=False,
            weekday=0,
            time=default_time(conversation, self._defaults.schedule_spread_minutes),
            timezone=self._defaults.timezone,
            digest_size=self._defaults.digest_size,
        )

    async def subscribe(self, conversation: ConversationRef) -> ChannelSettings:
        return await self._save(replace(await self.channel_settings(conversation), subscribed=True))

    async def unsubscribe(self, conversation: ConversationRef) -> ChannelSettings:
        return await self._save(
            replace(await self.channel_settings(conversation), subscribed=False)
        )

    async def update_settings(
        self,
        conversation: ConversationRef,
        *,
        language: str | None = None,
        weekday: int | str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        topics: Sequence[str] | str | None = None,
        digest_size: int | None = None,
        meeting_weekday: int | str | None = None,
        meeting_time: str | None = None,
        auto_pick_hours: int | str | None = None,
        muted_topics: Sequence[str] | str | None = None,
        categories: Sequence[str] | str | None = None,
        sources: Sequence[str] | str | None = None,
    ) -> ChannelSettings:
        """Validated changes; `meeting_weekday="off"` clears the meeting (and its automatic pick).

        `topics` may carry weights (`agents:2, diffusion`); `muted_topics`, `categories` and
        `sources` take `off`/`all` to go back to the defaults."""
        current = await self.channel_settings(conversation)
        if topics is not None:
            topic_list, weights = rules.valid_weighted_topics(topics)
            current = replace(current, topics=topic_list, topic_weights=weights)
        current = replace(
            current,
            muted_topics=(
                current.muted_topics
                if muted_topics is None
                else rules.valid_muted_topics(muted_topics)
            ),
            categories=(
                current.categories if categories is None else rules.valid_categories(categories)
            ),
            sources=(
                current.sources if sources is None else rules.valid_sources(sources, KNOWN_SOURCES)
            ),
        )
        changed = replace(
            current,
            language=current.language if language is None else rules.valid_language(language),
            weekday=current.weekday if weekday is None else rules.valid_weekday(weekday),
            time=current.time if time is None else rules.valid_time(time),
            timezone=current.timezone if timezone is None else rules.valid_timezone(timezone),
            digest_size=(
                current.digest_size if digest_size is None else rules.valid_size(digest_size)
            ),
        )
        changed = rules.with_meeting(changed, meeting_weekday, meeting_time, auto_pick_hours)
        return await self._save(changed)

    async def _save(self, settings: ChannelSettings) -> ChannelSettings:
        await self._store.save_channel(settings)
        await self._changed.announce(settings)
        return settings
