"""The bolt `AsyncApp`: slash commands and message events translated into Services calls.

bolt acks events itself before our listener runs (process_before_response=False);
commands call `ack()` first thing, then do the work while the member watches one
private reply being edited through the command's `response_url`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.blocks import OPEN_PAPER_ACTION, render
from adapters.slack_app.chat import SlackChat
from adapters.slack_app.commands import (
    COMMAND_PATTERN,
    COMMAND_PREFIX,
    Invocation,
    digest_text,
    link,
    paper_argument,
    parse_command,
    parse_pick,
    parse_present,
    parse_settings,
    search_text,
    settings_text,
    split_ask,
    thread_link,
)
from adapters.slack_app.dedupe import SeenEvents
from adapters.slack_app.mrkdwn import escape, from_slack
from bot.bootstrap import Services
from bot.domain import Author, ConversationRef, PaperInChannel, Platform, Session, ThreadRef
from bot.errors import NotAPaperThread, PaperclubError
from bot.render import Post, answer_post
from bot.text.command_text import help_text, meeting_text, reading_list_text
from bot.text.command_text import reply as reply_text

log = logging.getLogger(__name__)

RESPONSE_URL_USES = 5  # Slack: at most 5 posts to a response_url, within 30 minutes
PROGRESS_INTERVAL = 2.0
SORRY = (
    "Something went wrong on paperclub's side and it was logged. "
    "Try again in a minute; if it keeps happening, tell whoever runs the bot."
)
# Member messages worth answering; edits, joins and bot posts carry other subtypes.
ANSWERABLE_SUBTYPES = (None, "thread_broadcast", "file_share")


class CommandReply:
    """The command's private reply, replaced in place via response_url as work progresses.

    One use of the response_url is always kept for the result; when the URL is used
    up or expired (30 minutes), the result goes out as an ephemeral message instead.
    """

    def __init__(
        self,
        respond: AsyncRespond,
        client: AsyncWebClient,
        conversation: ConversationRef,
        user_id: str,
    ) -> None:
        self._respond = respond
        self._client = client
        self._conversation = conversation
        self._user_id = user_id
        self._uses_left = RESPONSE_URL_USES
        self._last = 0.0

    async def progress(self, status: str) -> None:
        now = time.monotonic()
        if self._uses_left <= 1 or now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        await self._send(escape(status), (), replace=True)

    async def finish(self, post: Post) -> None:
        for i, message in enumerate(render(post)):
            await self._send(message.text, message.blocks, replace=i == 0)

    async def _send(self, text: str, blocks: tuple[dict[str, Any], ...], *, replace: bool) -> None:
        if self._uses_left > 0:
            self._uses_left -= 1
            try:
                response = await self._respond(
                    text=text,
                    blocks=list(blocks) or None,
                    response_type="ephemeral",
                    replace_original=replace,
                )
                if response.status_code == 200:
                    return
                log.warning("response_url refused (%s); posting ephemerally", response.status_code)
            except Exception:
                log.warning("response_url failed; posting ephemerally", exc_info=True)
        await self._client.chat_postEphemeral(
            channel=self._conversation.channel_id,
            user=self._user_id,
            text=text,
            blocks=list(blocks) or None,
            team_id=self._conversation.workspace_id,
        )


def build_slack_app(
    club: Services,
    client: AsyncWebClient,
    *,
    signing_secret: str | None = None,
    post_interval: float = 1.0,
) -> tuple[AsyncApp, SlackChat]:
    """The bolt app and the Chat it posts through. `signing_secret` is required for HTTP mode."""
    chat = SlackChat(client, post_interval=post_interval)
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
    )
    seen = SeenEvents()
    commands = _Commands(club, chat)

    @app.command(COMMAND_PATTERN)
    async def on_command(
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        invocation = parse_command(command["command"], command.get("text", ""))
        await ack(text=f"Working on `/paperclub {escape(invocation.sub)}`…")
        conversation = ConversationRef(Platform.SLACK, command["team_id"], command["channel_id"])
        reply = CommandReply(respond, client, conversation, command["user_id"])
        member = Author(command["user_id"], command.get("user_name") or command["user_id"])
        try:
            result = await commands.run(invocation, conversation, member, reply)
        except PaperclubError as error:
            result = Post(text=str(error))
        except Exception:
            log.exception("/paperclub %s failed", invocation.sub)
            result = Post(text=SORRY)
        await reply.finish(result)

    @app.event("message")
    async def on_message(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if not _is_member_reply(event, context):
            return
        if f"<@{context.bot_user_id}>" in event.get("text", ""):
            return  # the app_mention event for this message handles it
        if not seen.first_time(body.get("event_id", ""), _message_key(body, event)):
            return
        await _answer(club, chat, body, event, context, addressed=False)

    @app.event("app_mention")
    async def on_mention(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if event.get("bot_id") or event.get("user") == context.bot_user_id:
            return
        if not seen.first_time(body.get("event_id", ""), _message_key(body, event)):
            return
        if _in_thread(event):
            if _mentioned_command(event, context) == "recap":
                await _recap_here(club, chat, body, event)
            else:
                await _answer(club, chat, body, event, context, addressed=True)
        else:
            await _summon_from_mention(club, chat, body, event, context)

    @app.event("reaction_added")
    async def on_reaction_added(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if seen.first_time(body.get("event_id", "")):
            await _count_reaction(club, body, event, context, added=True)

    @app.event("reaction_removed")
    async def on_reaction_removed(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if seen.first_time(body.get("event_id", "")):
            await _count_reaction(club, body, event, context, added=False)

    @app.action(OPEN_PAPER_ACTION)
    async def on_open_paper(ack: AsyncAck) -> None:
        await ack()  # a link button still sends block_actions; Slack shows a warning unless acked

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed (%s)", body.get("type"), exc_info=error)

    return app, chat


Handler = Callable[[str, ConversationRef, Author, CommandReply], Awaitable[Post]]


class _Commands:
    def __init__(self, club: Services, chat: SlackChat) -> None:
        self._club = club
        self._chat = chat

    async def run(
        self,
        invocation: Invocation,
        conversation: ConversationRef,
        member: Author,
        reply: CommandReply,
    ) -> Post:
        handler: Handler = getattr(self, f"_{invocation.sub}")
        return await handler(invocation.args, conversation, member, reply)

    async def _language(self, conversation: ConversationRef) -> str:
        return (await self._club.channels.channel_settings(conversation)).language

    async def _help(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        language = await self._language(conversation)
        return Post(text=help_text(language, COMMAND_PREFIX, in_thread=False))

    async def _paper(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        if not args:
            return Post(
                text="Use /paperclub paper <arXiv id or link>, e.g. /paperclub paper 2309.12288."
            )
        thread = await self._club.papers.summon_paper(conversation, args, progress=reply.progress)
        return Post(text=f"The paper's thread: {link('open it', thread_link(thread))}")

    async def _digest(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        dry_run = args.strip().lower() in ("dry-run", "dry_run", "preview", "--dry-run")
        report = await self._club.digest.weekly_digest(
            conversation, dry_run=dry_run, progress=reply.progress
        )
        language = await self._language(conversation)
        return Post(text=digest_text(report, language, dry_run=dry_run))

    async def _ask(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        reference, question = split_ask(args)
        language = (await self._club.channels.channel_settings(conversation)).language
        await reply.progress("Reading the paper…")
        answer = (await self._club.answers.ask(reference, question, language)).answer
        post = answer_post(answer, language)
        return Post(text=f"> {question}\n\n{post.text}")

    async def _subscribe(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        settings = await self._club.channels.subscribe(conversation)
        return Post(text=settings_text(settings, "subscribed"))

    async def _unsubscribe(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        settings = await self._club.channels.unsubscribe(conversation)
        return Post(text=settings_text(settings, "unsubscribed"))

    async def _settings(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        changes = parse_settings(args)
        if not changes:
            return Post(
                text=settings_text(await self._club.channels.channel_settings(conversation))
            )
        settings = await self._club.channels.update_settings(conversation, **changes)  # type: ignore[arg-type]
        return Post(text=settings_text(settings, "settings_saved"))

    async def _search(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        hits = await self._club.archive.search_archive(conversation, args)
        return Post(text=search_text(args, hits))

    # The club's workflow ----------------------------------------------------------------

    async def _vote(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        target = PaperInChannel(conversation, paper_argument(args, "vote"))
        tally = await self._club.votes.vote(target, member)
        language = await self._language(conversation)
        return Post(text=reply_text("voted", language, title=tally.paper.title, votes=tally.votes))

    async def _pick(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        wanted = parse_pick(args)
        sessions = await self._club.sessions.pick(
            conversation, wanted.count, meeting_at=wanted.meeting_time
        )
        language = await self._language(conversation)
        return Post(
            text="\n".join(
                reply_text(
                    "picked", language, title=s.paper.title, votes=s.votes, link=_session_link(s)
                )
                for s in sessions
            )
        )

    async def _present(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        wanted = parse_present(args)
        presenter = (
            member if wanted.member_id is None else Author(wanted.member_id, wanted.member_name)
        )
        session = await self._club.sessions.present(
            conversation, wanted.paper, presenter, wanted.meeting_time
        )
        language = await self._language(conversation)
        meeting = (
            meeting_text(session.meeting_at, language)
            if session.meeting_at
            else reply_text("no_meeting_time", language)
        )
        return Post(
            text=reply_text(
                "presenter",
                language,
                presenter=session.presenter or presenter.display_name,
                title=session.paper.title,
                meeting=meeting,
                link=_session_link(session),
            )
        )

    async def _save(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        paper = await self._club.reading_list.save(
            conversation, member, paper_argument(args, "save")
        )
        return Post(text=reply_text("saved", await self._language(conversation), title=paper.title))

    async def _read(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        paper = await self._club.reading_list.read(
            conversation, member, paper_argument(args, "read")
        )
        return Post(text=reply_text("read", await self._language(conversation), title=paper.title))

    async def _saved(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        entries = await self._club.reading_list.saved(conversation, member)
        language = await self._language(conversation)
        return Post(text=reading_list_text(entries, language, COMMAND_PREFIX))

    async def _recap(
        self, args: str, conversation: ConversationRef, member: Author, reply: CommandReply
    ) -> Post:
        target = PaperInChannel(conversation, paper_argument(args, "recap"))
        notes = await self._club.recap.recap(target)
        language = await self._language(conversation)
        return Post(
            text=reply_text(
                "recap_posted",
                language,
                points=len(notes.key_points),
                questions=len(notes.open_questions),
            )
        )


def _session_link(session: Session) -> str:
    return link(session.paper.title, thread_link(session.thread))


async def _count_reaction(
    club: Services,
    body: dict[str, Any],
    event: dict[str, Any],
    context: AsyncBoltContext,
    *,
    added: bool,
) -> None:
    """A reaction on a paper's root message is a vote; removing it takes the vote back.
    Reactions on any other message are ordinary reactions and are left alone."""
    item = event.get("item") or {}
    user = str(event.get("user") or "")
    if item.get("type") != "message" or not user or user == context.bot_user_id:
        return
    root = ThreadRef(
        ConversationRef(Platform.SLACK, str(body["team_id"]), str(item["channel"])),
        str(item["ts"]),
    )
    try:
        if added:
            await club.votes.vote(root, Author(user, user))
        else:
            await club.votes.unvote(root, Author(user, user))
    except NotAPaperThread:
        return
    except PaperclubError as error:
        log.warning("reaction on %s not counted: %s", root, error)


def _mentioned_command(event: dict[str, Any], context: AsyncBoltContext) -> str:
    text = from_slack(event.get("text", ""), bot_user_id=context.bot_user_id or "")
    return text.strip().lower()


async def _recap_here(
    club: Services, chat: SlackChat, body: dict[str, Any], event: dict[str, Any]
) -> None:
    """`@paperclub recap` in a paper's thread posts the meeting notes there."""
    thread = ThreadRef(_conversation(body, event), str(event["thread_ts"]))
    try:
        await club.recap.recap(thread)
    except PaperclubError as error:
        await chat.reply(thread, Post(text=str(error)))
    except Exception:
        log.exception("recap in %s failed", thread)
        await chat.reply(thread, Post(text=SORRY))


def _in_thread(event: dict[str, Any]) -> bool:
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts")


def _is_member_reply(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    return (
        event.get("subtype") in ANSWERABLE_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != context.bot_user_id
        and _in_thread(event)
    )


def _message_key(body: dict[str, Any], event: dict[str, Any]) -> str:
    return f"{body.get('team_id')}:{event.get('channel')}:{event.get('ts')}"


def _conversation(body: dict[str, Any], event: dict[str, Any]) -> ConversationRef:
    return ConversationRef(Platform.SLACK, str(body["team_id"]), str(event["channel"]))


async def _answer(
    club: Services,
    chat: SlackChat,
    body: dict[str, Any],
    event: dict[str, Any],
    context: AsyncBoltContext,
    *,
    addressed: bool,
) -> None:
    """A member's message in a thread: answered if the thread is one of our papers'."""
    thread = ThreadRef(_conversation(body, event), str(event["thread_ts"]))
    author = Author(str(event["user"]), str(event["user"]))
    question = from_slack(event.get("text", ""), bot_user_id=context.bot_user_id or "")
    try:
        answer = await club.answers.answer(thread, author, question)
        if answer is None and addressed:
            await chat.reply(thread, Post(text=str(NotAPaperThread())))
    except PaperclubError as error:
        await chat.reply(thread, Post(text=str(error)))
    except Exception:
        log.exception("answering in %s failed", thread)
        await chat.reply(thread, Post(text=SORRY))


async def _summon_from_mention(
    club: Services,
    chat: SlackChat,
    body: dict[str, Any],
    event: dict[str, Any],
    context: AsyncBoltContext,
) -> None:
    """`@paperclub 2309.12288` at the top of a channel opens that paper's thread."""
    conversation = _conversation(body, event)
    here = ThreadRef(conversation, str(event["ts"]))
    text = from_slack(event.get("text", ""), bot_user_id=context.bot_user_id or "")
    try:
        if not text or text.lower() == "help":
            language = (await club.channels.channel_settings(conversation)).language
            await chat.reply(here, Post(text=help_text(language, COMMAND_PREFIX, in_thread=False)))
            return
        thread = await club.papers.summon_paper(conversation, text.split()[0])
        await chat.reply(
            here, Post(text=f"The paper's thread: {link('open it', thread_link(thread))}")
        )
    except PaperclubError as error:
        await chat.reply(here, Post(text=str(error)))
    except Exception:
        log.exception("mention in %s failed", conversation)
        await chat.reply(here, Post(text=SORRY))
