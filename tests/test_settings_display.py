"""What a channel set to steer its digest is shown back by `/paperclub settings`, through
the real Slack app, in the channel's language."""

from __future__ import annotations

from bot.domain import ConversationRef, Platform
from tests.test_slack_adapter import Club, said
from tests.test_slack_adapter import club as club
from tests.test_slack_adapter import slack as slack

C1 = ConversationRef(Platform.SLACK, "T111", "C111")
MEMBER = "W333"  # no admin: an admin's bare `/paperclub settings` opens the settings modal


async def test_settings_show_muted_topics_categories_and_sources(club: Club) -> None:
    await said(club, "settings muted=robotics,crypto categories=cs.CL sources=arxiv,huggingface")
    shown = await said(club, "settings", user=MEMBER)
    assert "Muted topics (never posted): robotics, crypto" in shown
    assert "arXiv categories: cs.CL" in shown
    assert "Paper sources: arxiv, huggingface" in shown
    await club.club.channels.update_settings(C1, language="ja")
    assert "ミュートしたトピック (投稿しない): robotics, crypto" in await said(
        club, "settings", user=MEMBER
    )


async def test_settings_without_steering_show_no_empty_lines(club: Club) -> None:
    shown = await said(club, "settings", user=MEMBER)
    assert "Muted topics" not in shown and "Paper sources" not in shown
