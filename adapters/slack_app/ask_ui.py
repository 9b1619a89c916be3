"""Questions asked from outside a paper's thread, answered inside it.

Two ways in: the message shortcut "Ask paperclub about this paper" (on a paper's post or
any reply in its thread) opens a modal with a question box; `/paperclub ask <paper>
<question>` in a channel. Either way the question is shown in the paper's thread and
answered there by `Answers.answer`, the same streamed path as a question typed in the
thread, so the whole channel sees it and the thread keeps its history.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.app.async_app import AsyncApp

from adapters.slack_app.chat import SlackChat
from adapters.slack_app.guard import Incoming, channel_language, last_resort
from adapters.slack_app.mrkdwn import escape
from adapters.slack_app.replies import CommandReply, EphemeralReply
from adapters.slack_app.shortcuts import shortcut_reply, shortcut_target
from adapters.slack_app.views import (
    ModalContext,
    input_block,
    modal,
    open_modal,
    section,
    submitted,
    text_input,
    text_of,
)
from bot.domain import Answer, Author, ThreadRef
from bot.errors import NotAPaperThread
from bot.publishing import Outbound
from bot.render import Post
from bot.text import t
from bot.usecases.answers import Answers
from bot.usecases.channel_rules import readable
from bot.usecases.channels import Channels
from bot.usecases.club.votes import Votes

ASK_SHORTCUT = "paperclub_ask"  # the callback_id in slack_manifest.yaml
ASK_VIEW = "paperclub_ask_view"
QUESTION_BLOCK = "question"
QUESTION_INPUT = "question_text"
QUESTION_CHARS = 2000


class ThreadQuestions:
    """Shows a member's question in a paper's thread, then answers it there (streamed)."""

    def __init__(self, answers: Answers, chat: SlackChat, outbound: Outbound) -> None:
        self._answers = answers
        self._chat = chat
        self._outbound = outbound

    async def ask(
        self, thread: ThreadRef, member: Author, question: str, language: str
    ) -> Answer | None:
        quoted = "\n".join(f"> {line}" for line in readable(question).strip().splitlines())
        asked = t("slack_asked_in_thread", language, member=member.display_name, question=quoted)
        await self._chat.reply(thread, self._outbound.post(Post(text=asked)))
        return await self._answers.answer(thread, member, question)

    async def link(self, thread: ThreadRef) -> str | None:
        """The thread's permalink (chat.getPermalink), None if Slack gives none."""
        return await self._chat.permalink(thread.conversation, thread.root_id)


def ask_modal(paper_title: str, language: str, context: ModalContext) -> dict[str, object]:
    return modal(
        ASK_VIEW,
        t("slack_ask_modal_title", language),
        [
            section(t("slack_ask_modal_paper", language, title=escape(paper_title))),
            input_block(
                QUESTION_BLOCK,
                t("slack_ask_modal_label", language),
                text_input(
                    QUESTION_INPUT,
                    placeholder=t("slack_ask_modal_placeholder", language),
                    multiline=True,
                    max_length=QUESTION_CHARS,
                ),
                hint=t("slack_ask_modal_hint", language),
            ),
        ],
        submit=t("slack_ask_modal_submit", language),
        close=t("slack_modal_close", language),
        context=context,
    )


def modal_reply(outbound: Outbound) -> Callable[[Incoming], EphemeralReply]:
    """A modal's result, for the member who submitted it, in the channel it came from."""

    def make(incoming: Incoming) -> EphemeralReply:
        context = ModalContext.of_view(incoming.body.get("view") or {})
        user = str((incoming.body.get("user") or {}).get("id", ""))
        return EphemeralReply(outbound, incoming.client, context.conversation, user)

    return make


def submitter(incoming: Incoming) -> Author:
    user = incoming.body.get("user") or {}
    return Author(str(user.get("id", "")), str(user.get("name") or user.get("id", "")))


def register(
    app: AsyncApp,
    questions: ThreadQuestions,
    votes: Votes,
    channels: Channels,
    outbound: Outbound,
) -> None:
    @app.shortcut(ASK_SHORTCUT)
    @last_resort("ask shortcut", shortcut_reply(outbound), channel_language(channels))
    async def on_ask(incoming: Incoming, reply: CommandReply) -> None:
        await incoming.ack()
        thread, _ = shortcut_target(incoming)
        language = (await channels.channel_settings(thread.conversation)).language
        try:
            _, paper, _ = await votes.channel_paper(thread)
        except NotAPaperThread:
            await reply.say(Post(text=t("slack_shortcut_not_a_paper", language)))
            return
        context = ModalContext(
            thread.conversation.workspace_id, thread.conversation.channel_id, thread.root_id
        )
        view = ask_modal(outbound.text(paper.title), language, context)
        await open_modal(incoming.client, str(incoming.body["trigger_id"]), view, context.team_id)

    @app.view_submission(ASK_VIEW)
    @last_resort("ask modal", modal_reply(outbound), channel_language(channels))
    async def on_ask_submitted(incoming: Incoming, reply: EphemeralReply) -> None:
        view = incoming.body.get("view") or {}
        context = ModalContext.of_view(view)
        question = text_of(submitted(view), QUESTION_BLOCK)
        language = (await channels.channel_settings(context.conversation)).language
        if not readable(question).strip():
            await incoming.ack(
                response_action="errors",
                errors={QUESTION_BLOCK: t("slack_ask_question_empty", language)},
            )
            return
        await incoming.ack()  # the modal closes; the answer streams in the thread
        await questions.ask(context.thread, submitter(incoming), question, language)
