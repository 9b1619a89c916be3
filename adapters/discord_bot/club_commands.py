"""The club's slash commands: /vote, /standings, /pick, /present, /save, /saved, /read, /recap.

Each defers at once, calls the club's use cases, and words the result in the member's Discord
language; an error from bot.errors reaches the member ephemerally (errors.InteractionErrors).
/pick and /present change the club's sessions, so they follow the admin rule. The paper
options autocomplete from the papers posted in the channel, newest first.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.app_commands import locale_str as _
from discord.ext import commands

from adapters.discord_bot.interactions import (
    AdminGate,
    author_of,
    conversation_of,
    member_language,
    thread_of,
)
from adapters.discord_bot.responder import Replies
from adapters.discord_bot.wording import session_link, title
from bot.domain import PaperInChannel
from bot.errors import NotAPaperThread
from bot.text import t
from bot.text.presenters import reading_list_text
from bot.usecases.archive import Archive
from bot.usecases.club.outline import Outlines, outline_post
from bot.usecases.club.reading_list import ReadingList
from bot.usecases.club.recap import Recap
from bot.usecases.club.sessions import Sessions
from bot.usecases.club.standings import standings_text
from bot.usecases.club.standings_chart import standings_chart
from bot.usecases.club.votes import Votes

PAPER_HERE = "An arXiv id or link of a paper posted in this channel"
ANY_PAPER = "The paper's arXiv id or link"
MEETING_TIME = "Meeting time, YYYY-MM-DD HH:MM in the channel's time zone"
PICK_PAPER = "This paper instead of the most voted (one posted in this channel)"
CHOICE_LIMIT = 100  # Discord: an autocomplete choice's name and value, at most 100 characters
CHOICES_SHOWN = 25


class ClubCommands(commands.Cog):
    """Votes, reading sessions and their presenters, reading lists and meeting notes."""

    def __init__(
        self,
        replies: Replies,
        admins: AdminGate,
        votes: Votes,
        sessions: Sessions,
        reading_list: ReadingList,
        recap: Recap,
        archive: Archive,
        *,
        outlines: Outlines,
    ) -> None:
        self._archive = archive
        self._outlines = outlines
        self._replies = replies
        self._admins = admins
        self._votes = votes
        self._sessions = sessions
        self._reading_list = reading_list
        self._recap = recap

    @app_commands.command(
        name=_("vote"), description=_("Vote for a paper posted in this channel to read it next")
    )
    @app_commands.rename(paper=_("paper"))
    @app_commands.describe(paper=_(PAPER_HERE))
    @app_commands.guild_only()
    async def vote(self, interaction: discord.Interaction, paper: str) -> None:
        responder = await self._replies.begin(interaction, ephemeral=True)
        target = PaperInChannel(conversation_of(interaction), paper)
        tally = await self._votes.vote(target, author_of(interaction.user))
        language = member_language(interaction)
        await responder.finish(
            t("voted", language, title=title(tally.paper.title), votes=tally.votes)
        )

    @app_commands.command(
        name=_("pick"),
        description=_(
            "Announce the most-voted papers for the next session and open reading-session threads"
        ),
    )
    @app_commands.rename(count=_("count"), meeting_time=_("meeting_time"), paper=_("paper"))
    @app_commands.describe(
        count=_("How many papers to pick (1-5)"),
        meeting_time=_(MEETING_TIME),
        paper=_(PICK_PAPER),
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def pick(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, 5] = 1,
        meeting_time: str | None = None,
        paper: str | None = None,
    ) -> None:
        self._admins.require(interaction)
        responder = await self._replies.begin(interaction, ephemeral=False)  # public
        conversation = conversation_of(interaction)
        tally = await self._votes.standings(conversation)
        sessions = await self._sessions.pick(
            conversation, count, meeting_at=meeting_time, paper=paper
        )
        language = member_language(interaction)
        picked = [
            t("picked", language, title=title(s.paper.title), votes=s.votes, link=session_link(s))
            for s in sessions
        ]
        board = standings_text(
            tally,
            language,
            p="/",
            escape=title,
            link=lambda x: f"<#{x.thread.root_id}>",
            heading="standings_at_pick",
        )
        await responder.finish("\n".join(picked) + "\n\n" + board)

    @app_commands.command(
        name=_("standings"), description=_("This week's tally: the papers with votes")
    )
    @app_commands.guild_only()
    async def standings(self, interaction: discord.Interaction) -> None:
        responder = await self._replies.begin(interaction, ephemeral=False)
        conversation = conversation_of(interaction)
        tally = await self._votes.standings(conversation)
        language = member_language(interaction)
        chart = await standings_chart(tally, language)  # drawn in a worker thread
        await responder.finish(
            standings_text(
                tally, language, p="/", escape=title, link=lambda x: f"<#{x.thread.root_id}>"
            ),
            image=chart,
        )

    @app_commands.command(
        name=_("present"),
        description=_("Make a member the presenter of a paper and set the meeting time"),
    )
    @app_commands.rename(paper=_("paper"), member=_("member"), meeting_time=_("meeting_time"))
    @app_commands.describe(
        paper=_(PAPER_HERE), member=_("Who presents the paper"), meeting_time=_(MEETING_TIME)
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def present(
        self,
        interaction: discord.Interaction,
        paper: str,
        member: discord.Member,
        meeting_time: str | None = None,
    ) -> None:
        self._admins.require(interaction)
        responder = await self._replies.begin(interaction, ephemeral=False)
        session = await self._sessions.present(
            conversation_of(interaction), paper, author_of(member), meeting_time
        )
        language = member_language(interaction)
        meeting = (
            discord.utils.format_dt(session.meeting_at, "F")
            if session.meeting_at
            else t("no_meeting_time", language)
        )
        await responder.finish(
            t(
                "presenter",
                language,
                presenter=discord.utils.escape_markdown(session.presenter or member.display_name),
                title=title(session.paper.title),
                meeting=meeting,
                link=session_link(session),
            )
        )

    @app_commands.command(name=_("save"), description=_("Save a paper to your reading list"))
    @app_commands.rename(paper=_("paper"))
    @app_commands.describe(paper=_(ANY_PAPER))
    @app_commands.guild_only()
    async def save(self, interaction: discord.Interaction, paper: str) -> None:
        responder = await self._replies.begin(interaction, ephemeral=True)
        found = await self._reading_list.save(
            conversation_of(interaction), author_of(interaction.user), paper
        )
        await responder.finish(t("saved", member_language(interaction), title=title(found.title)))

    @app_commands.command(name=_("saved"), description=_("Show your reading list"))
    @app_commands.guild_only()
    async def saved(self, interaction: discord.Interaction) -> None:
        responder = await self._replies.begin(interaction, ephemeral=True)
        entries = await self._reading_list.saved(
            conversation_of(interaction), author_of(interaction.user)
        )
        await responder.finish(
            reading_list_text(entries, member_language(interaction), escape=title)
        )

    @app_commands.command(
        name=_("read"), description=_("Mark a paper on your reading list as read")
    )
    @app_commands.rename(paper=_("paper"))
    @app_commands.describe(paper=_(ANY_PAPER))
    @app_commands.guild_only()
    async def read(self, interaction: discord.Interaction, paper: str) -> None:
        responder = await self._replies.begin(interaction, ephemeral=True)
        found = await self._reading_list.read(
            conversation_of(interaction), author_of(interaction.user), paper
        )
        await responder.finish(t("read", member_language(interaction), title=title(found.title)))

    @app_commands.command(
        name=_("recap"),
        description=_("In a paper's thread: turn its discussion into meeting notes"),
    )
    @app_commands.guild_only()
    async def recap(self, interaction: discord.Interaction) -> None:
        thread = thread_of(interaction)
        if thread is None:
            raise NotAPaperThread()
        responder = await self._replies.begin(interaction, ephemeral=True)
        notes = await self._recap.recap(thread)
        await responder.finish(
            t(
                "recap_posted",
                member_language(interaction),
                points=len(notes.key_points),
                questions=len(notes.open_questions),
            )
        )

    @app_commands.command(
        name=_("outline"),
        description=_("A presenter's slide outline of a paper, every item cited"),
    )
    @app_commands.rename(paper=_("paper"))
    @app_commands.describe(paper=_(ANY_PAPER))
    @app_commands.guild_only()
    async def outline(self, interaction: discord.Interaction, paper: str) -> None:
        """Shown to the member who asked; a picked paper's session thread has it already."""
        responder = await self._replies.begin(interaction, ephemeral=True)
        found = await self._outlines.outline(paper, member_language(interaction))
        await responder.finish(outline_post(found).text)

    @vote.autocomplete("paper")
    @present.autocomplete("paper")
    @outline.autocomplete("paper")
    @pick.autocomplete("paper")
    async def channel_paper_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        """The channel's recent papers matching what the member has typed."""
        hits = await self._archive.recent_papers(
            conversation_of(interaction), current, limit=CHOICES_SHOWN
        )
        return [_choice(hit.arxiv_id, hit.title) for hit in hits]

    @save.autocomplete("paper")
    @read.autocomplete("paper")
    async def reading_paper_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        """The member's reading list first (for /read), then the channel's recent papers."""
        conversation = conversation_of(interaction)
        typed = current.strip().lower()
        saved = [
            _choice(e.arxiv_id, e.title)
            for e in await self._reading_list.saved(conversation, author_of(interaction.user))
            if e.read_at is None and (typed in e.arxiv_id or typed in e.title.lower())
        ]
        recent = [
            _choice(hit.arxiv_id, hit.title)
            for hit in await self._archive.recent_papers(conversation, current, limit=CHOICES_SHOWN)
        ]
        unique: dict[str, Choice[str]] = {}
        for choice in [*saved, *recent]:
            unique.setdefault(choice.value, choice)
        return list(unique.values())[:CHOICES_SHOWN]


def _choice(arxiv_id: str, paper_title: str) -> Choice[str]:
    name = f"{arxiv_id} · {' '.join(paper_title.split())}"
    if len(name) > CHOICE_LIMIT:
        name = name[: CHOICE_LIMIT - 1] + "…"
    return Choice(name=name, value=arxiv_id[:CHOICE_LIMIT])
