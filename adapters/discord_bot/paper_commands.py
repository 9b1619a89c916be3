"""The paper commands anyone may use: /paper, /ask, /search, /help."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from adapters.discord_bot.interactions import (
    author_of,
    conversation_of,
    member_language,
    require_bot_permissions,
    thread_of,
)
from adapters.discord_bot.permissions import ANSWER_IN_THREAD, OPEN_THREADS
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.wording import describe_hits
from bot.errors import NotAPaperThread
from bot.render import answer_post
from bot.text.presenters import help_text
from bot.usecases.answers import Answers
from bot.usecases.archive import Archive
from bot.usecases.channels import Channels
from bot.usecases.papers import Papers

QUESTION_SHOWN_CHARS = 1500


class PaperCommands(commands.Cog):
    """Open a paper's thread, ask about a paper, search what this channel received, get help."""

    def __init__(
        self,
        replies: Replies,
        papers: Papers,
        answers: Answers,
        archive: Archive,
        channels: Channels,
    ) -> None:
        self._replies = replies
        self._papers = papers
        self._answers = answers
        self._archive = archive
        self._channels = channels

    @app_commands.command(
        name=_("paper"), description=_("Open a summary thread for an arXiv paper now")
    )
    @app_commands.rename(reference=_("reference"))
    @app_commands.describe(
        reference=_("An arXiv id such as 2309.12288, or an arxiv.org or huggingface.co/papers link")
    )
    @app_commands.guild_only()
    async def paper(self, interaction: discord.Interaction, reference: str) -> None:
        responder = await self._replies.begin(interaction, ephemeral=False)
        conversation = conversation_of(interaction)
        require_bot_permissions(interaction, OPEN_THREADS, "open_paper_thread")
        thread = await self._papers.summon_paper(
            conversation, reference, progress=responder.progress
        )
        await responder.finish(f"📄 <#{thread.root_id}>")

    @app_commands.command(
        name=_("ask"),
        description=_("Ask about the paper of this thread; the answer cites the paper"),
    )
    @app_commands.rename(question=_("question"), paper=_("paper"))
    @app_commands.describe(
        question=_("Your question about the paper"),
        paper=_("Outside a paper's thread: the paper's arXiv id or link"),
    )
    @app_commands.guild_only()
    async def ask(
        self, interaction: discord.Interaction, question: str, paper: str | None = None
    ) -> None:
        if paper is not None:
            await self._ask_about(interaction, paper, question)
            return
        thread = thread_of(interaction)
        if thread is None:
            raise NotAPaperThread()
        responder = await self._replies.begin(interaction, ephemeral=False)
        if not await self._answers.is_paper_thread(thread):
            raise NotAPaperThread()
        require_bot_permissions(interaction, ANSWER_IN_THREAD, "answer_in_thread")
        await responder.finish(_quoted(question))
        # The answer streams into the thread through the Chat, which cleans it.
        await self._answers.answer(thread, author_of(interaction.user), question)

    async def _ask_about(self, interaction: discord.Interaction, paper: str, question: str) -> None:
        """A question about a named arXiv paper (never a path), answered in the reply itself."""
        responder = await self._replies.begin(interaction, ephemeral=False)
        conversation = conversation_of(interaction)
        language = (await self._channels.channel_settings(conversation)).language
        await responder.progress("Reading the paper…")
        evidence = await self._answers.ask(paper, question, language, responder.progress)
        text = answer_post(evidence.answer, language).text
        await responder.finish(f"{_quoted(question)}\n\n{text}")

    @app_commands.command(
        name=_("search"), description=_("Search the papers this server has already received")
    )
    @app_commands.rename(words=_("words"))
    @app_commands.describe(words=_("Words to look for in titles and summaries"))
    @app_commands.guild_only()
    async def search(self, interaction: discord.Interaction, words: str) -> None:
        responder = await self._replies.begin(interaction, ephemeral=False)
        hits = await self._archive.search_archive(conversation_of(interaction), words)
        await responder.finish(describe_hits(words, hits))

    @app_commands.command(name=_("help"), description=_("How to use paperclub"))
    async def help_(self, interaction: discord.Interaction) -> None:
        responder = await self._replies.begin(interaction, ephemeral=True)
        await responder.finish(help_text(member_language(interaction)))


def _quoted(question: str) -> str:
    shown = question.strip()[:QUESTION_SHOWN_CHARS]
    return "\n".join(f"> {line}" for line in shown.splitlines()) or "> …"
