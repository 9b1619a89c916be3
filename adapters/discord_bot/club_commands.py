"""The club's slash commands: /vote, /pick, /present, /save, /saved, /read, /recap.

Each defers at once, calls ClubWorkflow, and words the result in the member's Discord
language; an error from bot.errors reaches the member ephemerally (PaperclubTree.on_error).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from adapters.discord_bot.commands import _begin, conversation_of, thread_of
from adapters.discord_bot.translations import language_of
from bot.domain import Author, PaperInChannel, Session
from bot.errors import NotAPaperThread
from bot.text.command_text import reading_list_text, reply

if TYPE_CHECKING:
    from adapters.discord_bot.client import PaperclubBot
    from adapters.discord_bot.commands import PaperclubTree


PAPER_HERE = "An arXiv id or link of a paper posted in this channel"
ANY_PAPER = "The paper's arXiv id or link"
MEETING_TIME = "Meeting time, YYYY-MM-DD HH:MM in the channel's time zone"


def register_club_commands(tree: PaperclubTree) -> None:
    @tree.command(
        name=_("vote"), description=_("Vote for a paper posted in this channel to read it next")
    )
    @app_commands.rename(paper=_("paper"))
    @app_commands.describe(paper=_(PAPER_HERE))
    @app_commands.guild_only()
    async def vote(interaction: discord.Interaction[PaperclubBot], paper: str) -> None:
        responder = await _begin(interaction, ephemeral=True)
        target = PaperInChannel(conversation_of(interaction), paper)
        tally = await interaction.client.club.votes.vote(target, author_of(interaction.user))
        await responder.finish(
            reply(
                "voted", _language(interaction), title=_title(tally.paper.title), votes=tally.votes
            )
        )

    @tree.command(
        name=_("pick"),
        description=_(
            "Announce the most-voted papers for the next session and open reading-session threads"
        ),
    )
    @app_commands.rename(count=_("count"), meeting_time=_("meeting_time"))
    @app_commands.describe(count=_("How many papers to pick (1-5)"), meeting_time=_(MEETING_TIME))
    @app_commands.guild_only()
    async def pick(
        interaction: discord.Interaction[PaperclubBot],
        count: app_commands.Range[int, 1, 5] = 1,
        meeting_time: str | None = None,
    ) -> None:
        responder = await _begin(interaction, ephemeral=False)
        sessions = await interaction.client.club.sessions.pick(
            conversation_of(interaction), count, meeting_at=meeting_time
        )
        language = _language(interaction)
        await responder.finish(
            "\n".join(
                reply(
                    "picked",
                    language,
                    title=_title(s.paper.title),
                    votes=s.votes,
                    link=_link(s),
                )
                for s in sessions
            )
        )

    @tree.command(
        name=_("present"),
        description=_("Make a member the presenter of a paper and set the meeting time"),
    )
    @app_commands.rename(paper=_("paper"), member=_("member"), meeting_time=_("meeting_time"))
    @app_commands.describe(
        paper=_(PAPER_HERE), member=_("Who presents the paper"), meeting_time=_(MEETING_TIME)
    )
    @app_commands.guild_only()
    async def present(
        interaction: discord.Interaction[PaperclubBot],
        paper: str,
        member: discord.Member,
        meeting_time: str | None = None,
    ) -> None:
        responder = await _begin(interaction, ephemeral=False)
        session = await interaction.client.club.sessions.present(
            conversation_of(interaction), paper, author_of(member), meeting_time
        )
        language = _language(interaction)
        meeting = (
            discord.utils.format_dt(session.meeting_at, "F")
            if session.meeting_at
            else reply("no_meeting_time", language)
        )
        await responder.finish(
            reply(
                "presenter",
                language,
                presenter=discord.utils.escape_markdown(session.presenter or member.display_name),
                title=_title(session.paper.title),
                meeting=meeting,
                link=_link(session),
            )
        )

    @tree.command(name=_("save"), description=_("Save a paper to your reading list"))
    @app_commands.rename(paper=_("paper"))
    @app_commands.describe(paper=_(ANY_PAPER))
    @app_commands.guild_only()
    async def save(interaction: discord.Interaction[PaperclubBot], paper: str) -> None:
        responder = await _begin(interaction, ephemeral=True)
        found = await interaction.client.club.reading_list.save(
            conversation_of(interaction), author_of(interaction.user), paper
        )
        await responder.finish(reply("saved", _language(interaction), title=_title(found.title)))

    @tree.command(name=_("saved"), description=_("Show your reading list"))
    @app_commands.guild_only()
    async def saved(interaction: discord.Interaction[PaperclubBot]) -> None:
        responder = await _begin(interaction, ephemeral=True)
        entries = await interaction.client.club.reading_list.saved(
            conversation_of(interaction), author_of(interaction.user)
        )
        await responder.finish(reading_list_text(entries, _language(interaction), escape=_title))

    @tree.command(name=_("read"), description=_("Mark a paper on your reading list as read"))
    @app_commands.rename(paper=_("paper"))
    @app_commands.describe(paper=_(ANY_PAPER))
    @app_commands.guild_only()
    async def read(interaction: discord.Interaction[PaperclubBot], paper: str) -> None:
        responder = await _begin(interaction, ephemeral=True)
        found = await interaction.client.club.reading_list.read(
            conversation_of(interaction), author_of(interaction.user), paper
        )
        await responder.finish(reply("read", _language(interaction), title=_title(found.title)))

    @tree.command(
        name=_("recap"),
        description=_("In a paper's thread: turn its discussion into meeting notes"),
    )
    @app_commands.guild_only()
    async def recap(interaction: discord.Interaction[PaperclubBot]) -> None:
        thread = thread_of(interaction)
        if thread is None:
            raise NotAPaperThread()
        responder = await _begin(interaction, ephemeral=True)
        notes = await interaction.client.club.recap.recap(thread)
        await responder.finish(
            reply(
                "recap_posted",
                _language(interaction),
                points=len(notes.key_points),
                questions=len(notes.open_questions),
            )
        )


def author_of(user: discord.User | discord.Member) -> Author:
    return Author(str(user.id), user.display_name, is_bot=user.bot)


def _language(interaction: discord.Interaction[PaperclubBot]) -> str:
    return language_of(interaction.locale)


def _title(text: str) -> str:
    return discord.utils.escape_markdown(" ".join(text.split()))


def _link(session: Session) -> str:
    return f"<#{session.thread.root_id}>"
