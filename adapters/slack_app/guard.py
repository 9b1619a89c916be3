"""What every listener shares: the request it was given (`Incoming`), the one
last-resort handler (`last_resort`), and the gate that keeps other workspaces out
(`workspace_gate`, a bolt middleware)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.payloads import channel_of, team_of
from adapters.slack_app.replies import Reply
from bot.domain import ConversationRef, Platform
from bot.errors import PaperclubError
from bot.publishing import Outbound
from bot.render import Post
from bot.text import t
from bot.usecases.channels import Channels

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One request as bolt hands it to a listener."""

    body: dict[str, Any]
    context: AsyncBoltContext
    client: AsyncWebClient
    ack: AsyncAck
    respond: AsyncRespond

    @property
    def event(self) -> dict[str, Any]:
        event = self.body.get("event")
        return event if isinstance(event, dict) else {}

    @property
    def bot_user_id(self) -> str | None:
        return self.context.bot_user_id


R = TypeVar("R", bound=Reply)
Handler = Callable[[Incoming, R], Awaitable[None]]
Listener = Callable[..., Awaitable[None]]
LanguageOf = Callable[[Incoming], Awaitable[str]]


async def _english(incoming: Incoming) -> str:
    return "en"


def channel_language(channels: Channels) -> LanguageOf:
    """The language of the channel a command or event comes from: Slack tells a listener
    no member locale, so what paperclub says there is in the channel's language."""

    async def language_of(incoming: Incoming) -> str:
        body = incoming.body
        channel = channel_of(body)
        if not channel:
            return "en"
        conversation = ConversationRef(Platform.SLACK, team_of(body), channel)
        return (await channels.channel_settings(conversation)).language

    return language_of


def last_resort(
    what: str, reply_for: Callable[[Incoming], R], language_of: LanguageOf = _english
) -> Callable[[Handler[R]], Listener]:
    """Wrap a handler into a bolt listener: a domain error is told to the member in the
    channel's language, anything else is logged and answered with an apology, never a
    stack trace."""

    def decorate(handler: Handler[R]) -> Listener:
        async def listener(
            ack: AsyncAck,
            body: dict[str, Any],
            context: AsyncBoltContext,
            client: AsyncWebClient,
            respond: AsyncRespond,
        ) -> None:
            incoming = Incoming(body, context, client, ack, respond)
            reply = reply_for(incoming)
            try:
                await handler(incoming, reply)
            except PaperclubError as error:
                await _acked(ack)
                await reply.say(Post(text=error.text(await _safely(language_of, incoming))))
            except Exception:
                log.exception("Slack %s failed", what)
                await _acked(ack)
                await reply.say(Post(text=t("apology", await _safely(language_of, incoming))))

        listener.__name__ = listener.__qualname__ = getattr(handler, "__name__", what)
        return listener

    return decorate


async def _safely(language_of: LanguageOf, incoming: Incoming) -> str:
    """The reply's language; English if even that cannot be looked up (a store fault)."""
    try:
        return await language_of(incoming)
    except Exception:
        log.warning("no channel language for this reply; answering in English", exc_info=True)
        return "en"


async def _acked(ack: AsyncAck) -> None:
    if ack.response is None:  # events are acked by bolt; a command fails before its ack
        await ack()


Middleware = Callable[..., Awaitable[BoltResponse | None]]


def workspace_gate(
    outbound: Outbound, client: AsyncWebClient, workspaces: Collection[str] | None
) -> Middleware:
    """Only the installed workspace is served. `workspaces` names it (the runner asks
    auth.test at start); None asks auth.test on the first request, once.

    A command from elsewhere is refused with a message only its sender sees, and
    nothing runs; an event from elsewhere is acked (so Slack does not retry) and logged.
    """
    known: set[str] = set(workspaces) if workspaces is not None else set()
    asked = workspaces is not None

    async def gate(
        body: dict[str, Any], ack: AsyncAck, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        nonlocal asked
        if not asked:
            try:
                identity = await client.auth_test()
            except SlackApiError:
                log.warning("auth.test failed; cannot tell the installed workspace yet")
            else:
                known.add(str(identity.get("team_id") or ""))
                asked = True
        team = team_of(body)
        if team in known or body.get("type") == "url_verification":
            await next()
            return None
        if "command" in body:
            log.warning("refused %s from workspace %s", body.get("command"), team or "?")
            return await ack(text=outbound.text(t("slack_other_workspace", "en")))
        log.warning("ignored a %s request from workspace %s", body.get("type"), team or "?")
        return BoltResponse(status=200, body="")

    return gate
