"""Refusals in the club's language (issue 14): through the real Slack app (the channel's
language: Slack gives a listener no member locale) and the real discord.py client (the
member's client locale: the refusal is shown only to them)."""

from __future__ import annotations

from bot.domain import ConversationRef, Platform
from bot.errors import InvalidPaperId, NotReady
from tests.test_discord_adapter import PAPER as DISCORD_PAPER
from tests.test_discord_adapter import World, invoke, reply_to
from tests.test_discord_adapter import world as world
from tests.test_slack_adapter import Club, said
from tests.test_slack_adapter import club as club
from tests.test_slack_adapter import slack as slack

C1 = ConversationRef(Platform.SLACK, "T111", "C111")


async def test_slack_refusals_follow_the_channels_language(club: Club) -> None:
    await club.club.channels.update_settings(C1, language="ja")
    shown = await said(club, "vote 2309.12288")
    assert "このチャンネルに投稿されていない" in shown
    assert "/paperclub paper 2309.12288" in shown
    bad_id = await said(club, "paper 2309.1228")
    assert "arXiv 論文の指定ではありません" in bad_id
    await club.club.channels.update_settings(C1, language="ko")
    assert "이 채널에 게시되지 않아" in await said(club, "vote 2309.12288")


async def test_discord_refusals_follow_the_members_locale(world: World) -> None:
    invocation = await invoke(
        world.fake, world.channel_b, "vote", {"paper": DISCORD_PAPER}, locale="ja"
    )
    refused = await reply_to(world.fake, invocation, lambda t: "投稿されていない" in t)
    assert f"/paper {DISCORD_PAPER}" in refused.json["content"]
    english = await invoke(world.fake, world.channel_b, "vote", {"paper": DISCORD_PAPER})
    await reply_to(world.fake, english, lambda t: "was not posted in this channel" in t)


def test_an_error_says_itself_in_each_language_and_logs_in_english() -> None:
    error = NotReady(key="error_no_votes", p="/")
    assert str(error).startswith("No paper in this channel has a vote yet")
    assert "まだ票の入った論文がありません" in error.text("ja")
    assert "아직 표를 받은 논문이 없습니다" in error.text("ko")
    assert error.text("fr") == str(error)
    assert "'x' は" in InvalidPaperId("x").text("ja")


def test_the_cards_link_button_speaks_the_cards_language() -> None:
    import json

    from adapters.slack_app.blocks import render
    from bot.domain import Summary, SummaryEngine
    from bot.render import paper_thread
    from tests.test_thread_answers import REVERSAL

    summary = Summary(
        arxiv_id=REVERSAL.arxiv_id,
        language="ja",
        tldr="要約です。",
        key_points=(),
        tags=(),
        engine=SummaryEngine.EXTRACTIVE,
        model="extractive",
        basis="abstract",
    )
    [message] = render(paper_thread(REVERSAL, summary).root)[:1]
    shown = json.dumps([dict(b) for b in message.blocks], ensure_ascii=False)
    assert "arXiv で開く" in shown and "Open on arXiv" not in shown
