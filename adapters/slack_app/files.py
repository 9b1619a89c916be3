"""Pictures on Slack: a post's image uploaded with `files_upload_v2` (files.getUploadURLExternal,
the bytes to the URL it returns, files.completeUploadExternal), shared in a thread with its
caption as the file's comment.

A root message cannot carry an upload, so a paper's key figure is the first reply of its
thread. A command's private reply (the standings chart) shows a picture uploaded without
sharing it anywhere, through an image block naming the file (Block Kit's `slack_file`;
the app that posts the blocks has access to the file it uploaded). An upload that fails
leaves the post standing without its picture: it is logged, never retried into a second copy.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.mrkdwn import to_mrkdwn
from bot.domain import ConversationRef
from bot.render import Image

log = logging.getLogger(__name__)

TITLE_CHARS = 250
ALT_TEXT_CHARS = 1000  # Slack: a file's alt text, at most 1,000 characters
IMAGE_TEXT_CHARS = 2000  # Block Kit: an image block's alt_text and title


async def upload_image(
    client: AsyncWebClient, conversation: ConversationRef, image: Image, *, thread_ts: str
) -> str | None:
    """Share `image` in the thread `thread_ts`; its file id, or None when Slack refused it."""
    caption = image.caption.strip()
    plain = _plain(caption)
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


async def image_block(
    client: AsyncWebClient, conversation: ConversationRef, image: Image
) -> dict[str, Any] | None:
    """`image` uploaded privately (no channel), as an image block for a message the app
    posts; None when Slack refused the upload (the message then goes without it)."""
    plain = _plain(image.caption) or image.filename
    try:
        response = await client.files_upload_v2(
            file=image.data,
            filename=image.filename,
            title=plain[:TITLE_CHARS],
            alt_txt=plain[:ALT_TEXT_CHARS],
            team_id=conversation.workspace_id,
        )
    except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
        log.warning("the image %s was not uploaded for %s: %s", image.filename, conversation, error)
        return None
    file_id = str((response.get("file") or {}).get("id", ""))
    if not file_id:
        return None
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": plain[:IMAGE_TEXT_CHARS],
        "title": {"type": "plain_text", "text": plain[:IMAGE_TEXT_CHARS], "emoji": False},
    }


def _plain(caption: str) -> str:
    return " ".join(caption.replace("*", "").split())
