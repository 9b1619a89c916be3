"""Pictures on Slack: a post's image uploaded with `files_upload_v2` (files.getUploadURLExternal,
the bytes to the URL it returns, files.completeUploadExternal), shared in a thread with its
caption as the file's comment.

A root message cannot carry an upload, so a paper's key figure is the first reply of its
thread. An upload that fails leaves the post standing without its picture: it is logged,
never retried into a second copy.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.mrkdwn import to_mrkdwn
from bot.domain import ConversationRef
from bot.render import Image

log = logging.getLogger(__name__)

TITLE_CHARS = 250
ALT_TEXT_CHARS = 1000  # Slack: a file's alt text, at most 1,000 characters


async def upload_image(
    client: AsyncWebClient, conversation: ConversationRef, image: Image, *, thread_ts: str
) -> str | None:
    """Share `image` in the thread `thread_ts`; its file id, or None when Slack refused it."""
    caption = image.caption.strip()
    plain = " ".join(caption.replace("*", "").split())
    try:
        response = await client.files_upload_v2(
            file=image.data,
            filename=image.filename,
            title=plain[:TITLE_CHARS] or image.filename,
            alt_txt=plain[:ALT_TEXT_CHARS] or None,
            channel=conversation.channel_id,
            thread_ts=thread_ts,
            initial_comment=to_mrkdwn(caption) if caption else None,
            team_id=conversation.workspace_id,
        )
    except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
        log.warning("the image %s was not shared in %s: %s", image.filename, conversation, error)
        return None
    shared = response.get("file") or {}
    return str(shared.get("id", "")) or None
