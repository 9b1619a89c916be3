"""Pictures on Slack. The key figure: slack_sdk's files_upload_v2 against the loopback Slack
(files.getUploadURLExternal, the bytes POSTed to the URL it returned,
files.completeUploadExternal), shared as the first reply of the paper's thread with its
caption as mrkdwn; an upload Slack refuses leaves the thread as it is, without a copy.
The standings chart: uploaded privately and shown in `/paperclub standings`' private reply
by an image block naming the file (slack_file)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from PIL import Image as PILImage
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack_app import build_slack_app, make_client
from adapters.slack_app.chat import SlackChat
from adapters.slack_app.votes_ui import VOTE_ACTION
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform
from bot.render import Card, Image, Post
from tests.loopback.arxiv_entries import register_paper
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.fulltext_server import TELL_ME_HTML, FullTextServer, html_file
from tests.loopback.slack_payloads import block_action, slash_command
from tests.loopback.slack_server import FakeSlack, ResponseUrlPost, Workspace, eventually

TOKEN = "xoxb-files"
HTML_PAPER = "2501.11120"
CHANNEL = ConversationRef(Platform.SLACK, "T111", "C0PAPERS")


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (90, 40), (10, 160, 90)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack.running(workspaces=[Workspace("T111", "Club One", TOKEN)]) as fake:
        yield fake


async def test_the_key_figure_is_the_first_reply_of_the_papers_thread(
    slack: FakeSlack, make_settings: Callable[..., Settings], arxiv_server: ArxivServer
) -> None:
    register_paper(
        arxiv_server,
        HTML_PAPER,
        version=1,
        title="Tell me about yourself: LLMs are aware of their learned behaviors",
        abstract="We study behavioral self-awareness: an LLM's ability to articulate its behaviors.",
        published=datetime(2025, 1, 19, tzinfo=UTC),
        updated=datetime(2025, 1, 19, tzinfo=UTC),
    )
    fulltext = await FullTextServer().start()
    picture = png()
    fulltext.html[f"{HTML_PAPER}v1"] = html_file(TELL_ME_HTML)
    fulltext.images[f"{HTML_PAPER}v1/x1.png"] = (picture, "image/png")
    settings = make_settings(arxiv_html_url=fulltext.html_base, arxiv_pdf_url=fulltext.pdf_base)
    try:
        async with bootstrap(settings) as club:
            chat = SlackChat(make_client(TOKEN, api_url=slack.api_url), post_interval=0.0)
            club.chats.attach(Platform.SLACK, chat)
            thread = await club.papers.summon_paper(CHANNEL, HTML_PAPER)
    finally:
        await fulltext.stop()

    [asked] = slack.calls_to("files.getUploadURLExternal")
    name = f"figure-{HTML_PAPER}.png"
    assert (asked.params["filename"], int(asked.params["length"])) == (name, len(picture))
    assert asked.params["alt_txt"].startswith("🖼️ Key figure Figure 1: Models can describe")
    [upload] = slack.uploads.values()
    assert upload.data == picture
    [done] = slack.calls_to("files.completeUploadExternal")
    assert done.params["channel_id"] == CHANNEL.channel_id
    assert done.params["thread_ts"] == thread.root_id
    assert done.params["initial_comment"].startswith(
        "🖼️ *Key figure*\nFigure 1: Models can describe a learned behavioral policy"
    )
    replies = slack.thread("T111", CHANNEL.channel_id, thread.root_id)
    first, *rest = [m for m in replies if m.ts != thread.root_id]
    assert [f["name"] for f in first.files] == [name]  # the figure comes first in the thread
    assert rest and all(not m.files for m in rest)  # then the key points and the tags


async def test_a_caption_cannot_mention_the_channel_and_a_refused_upload_is_not_retried(
    slack: FakeSlack,
) -> None:
    chat = SlackChat(make_client(TOKEN, api_url=slack.api_url), post_interval=0.0)
    image = Image(png(), "chart.png", "image/png", "**Key figure** <!channel> & <@U1> too", "")
    post = Post(text="", card=Card(title="A paper", url="https://arxiv.org/abs/1234.5678"))
    thread = await chat.open_thread(
        CHANNEL, Post(post.text, post.card, image), thread_name="A paper", idempotency_key="k1"
    )
    [done] = slack.calls_to("files.completeUploadExternal")
    assert done.params["initial_comment"] == "*Key figure* &lt;!channel&gt; &amp; &lt;@U1&gt; too"
    assert done.params["thread_ts"] == thread.root_id

    slack.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    again = await chat.open_thread(
        CHANNEL, Post(post.text, post.card, image), thread_name="A paper", idempotency_key="k2"
    )
    assert len(slack.calls_to("files.completeUploadExternal")) == 2  # refused once, not retried
    assert slack.thread("T111", CHANNEL.channel_id, again.root_id) == []  # the root alone


async def test_standings_show_their_chart_in_the_private_reply(
    slack: FakeSlack, make_settings: Callable[..., Settings]
) -> None:
    async with bootstrap(make_settings()) as club:
        client = make_client(TOKEN, api_url=slack.api_url)
        app, chat = build_slack_app(club, client, post_interval=0.0, workspaces=("T111",))
        club.chats.attach(Platform.SLACK, chat)
        handler = AsyncSocketModeHandler(app, slack.app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        try:
            await result_of(slack, "paper 1605.08386", "paper")
            [root] = slack.top_level("T111", "C111")
            for user in ("W333", "W444"):
                payload = block_action(
                    root.as_api(with_metadata=False),
                    VOTE_ACTION,
                    response_url=slack.response_url(f"click-{user}"),
                    user=user,
                )
                await slack.wait_ack(await slack.send_interactive(payload))
            await eventually(lambda: len(slack.ephemerals) == 2, 10)
            reply = await result_of(slack, "standings", "standings")
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
    blocks = reply.body["blocks"]
    assert blocks[0]["text"]["text"].startswith("*🗳️ This week's standings*")
    image = blocks[-1]
    [upload] = [u for u in slack.uploads.values() if u.filename == "standings.png"]
    assert image["type"] == "image" and image["alt_text"] == "This week's standings"
    [(file_id, _)] = [(i, u) for i, u in slack.uploads.items() if u is upload]
    assert image["slack_file"] == {"id": file_id}
    assert upload.data is not None and upload.data.startswith(b"\x89PNG")
    [done] = slack.calls_to("files.completeUploadExternal")
    assert "channel_id" not in done.params and "channels" not in done.params  # private
    assert reply.body["response_type"] == "ephemeral"


async def result_of(slack: FakeSlack, text: str, name: str) -> ResponseUrlPost:
    form = slash_command("/paperclub", text, response_url=slack.response_url(name), user_id="W222")
    await slack.wait_ack(await slack.send_command(form))

    def done() -> bool:
        return any(r.path == name and "blocks" in r.body for r in slack.responses)

    await eventually(done, 30)
    return [r for r in slack.responses if r.path == name and "blocks" in r.body][-1]
