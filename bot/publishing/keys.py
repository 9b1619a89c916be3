"""Every idempotency key and scheduler job id, in one place.

These strings are stored in databases and carried in Discord embed markers and nonces
and in Slack message metadata, so a restart recognises what it already posted: change
one and a restart posts again. Keep them byte for byte. Two channel spellings exist
for history's sake: post keys use `platform:workspace:channel`, the club's keys and the
scheduler's job ids use `channel_name` (`platform:workspace/channel`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import ConversationRef

REMINDER_JOB_ID = "meeting-reminders"


def channel_name(conversation: ConversationRef) -> str:
    c = conversation
    return f"{c.platform}:{c.workspace_id}/{c.channel_id}"


def digest_key(conversation: ConversationRef, week: str, arxiv_id: str) -> str:
    c = conversation
    return f"digest:{c.platform}:{c.workspace_id}:{c.channel_id}:{week}:{arxiv_id}"


def empty_digest_key(conversation: ConversationRef, week: str) -> str:
    """The "no new papers this week" notice."""
    return digest_key(conversation, week, "none")


def digest_header_key(conversation: ConversationRef, week: str) -> str:
    """The digest's header: the week's papers, ranked, posted once before their cards."""
    c = conversation
    return f"digest-header:{c.platform}:{c.workspace_id}:{c.channel_id}:{week}"


def summon_key(conversation: ConversationRef, arxiv_id: str) -> str:
    c = conversation
    return f"paper:{c.platform}:{c.workspace_id}:{c.channel_id}:{arxiv_id}"


def reply_key(root_key: str, index: int) -> str:
    return f"{root_key}#{index}"


def session_key(conversation: ConversationRef, arxiv_id: str) -> str:
    return f"session:{channel_name(conversation)}:{arxiv_id}"


def reminder_key(conversation: ConversationRef, arxiv_id: str, meeting_at: datetime) -> str:
    return f"reminder:{channel_name(conversation)}:{arxiv_id}:{meeting_at.isoformat()}"


def auto_pick_key(conversation: ConversationRef, meeting_at: datetime) -> str:
    return f"autopick:{channel_name(conversation)}:{meeting_at.astimezone(UTC).isoformat()}"


def digest_job_id(conversation: ConversationRef) -> str:
    return f"digest:{channel_name(conversation)}"


def retry_job_id(conversation: ConversationRef) -> str:
    return f"retry:{channel_name(conversation)}"


def outline_key(conversation: ConversationRef, arxiv_id: str) -> str:
    """A presenter's outline in the paper's reading-session thread."""
    return f"outline:{channel_name(conversation)}:{arxiv_id}"


def new_version_key(conversation: ConversationRef, arxiv_id: str, version: int) -> str:
    """The note in a paper's thread that arXiv published version `version` of it."""
    return f"version:{channel_name(conversation)}:{arxiv_id}v{version}"


VERSION_CHECK = "arxiv-new-versions"  # the club check's name in the store (club_checks)
