"""`/paperclub <sub>`: one handler per sub-command, found in an explicit table.

Each group of handlers is built with the services it uses and nothing more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from adapters.slack_app.ask_ui import ThreadQuestions
from adapters.slack_app.commands import (
    COMMAND_PREFIX,
    digest_text,
    link,
    paper_argument,
    parse_pick,
    parse_present,
    parse_settings,
    search_text,
    settings_text,
    split_ask,
    thread_link,
)
from adapters.slack_app.mrkdwn import from_slack
from bot.bootstrap import Services
from bot.domain import Author, ConversationRef, PaperInChannel, Session, Tally
from bot.render import Post
from bot.text import t
from bot.text.presenters import help_text, meeting_text, reading_list_text
from bot.usecases.archive import Archive
from bot.usecases.channels import Channels
from bot.usecases.club.outline import Outlines, outline_post
from bot.usecases.club.reading_list import ReadingList
from bot.usecases.club.recap import Recap
from bot.usecases.club.sessions import Sessions
from bot.usecases.club.standings import standings_text
from bot.usecases.club.standings_chart import standings_chart
from bot.usecases.club.votes import Votes
from bot.usecases.digest import Digest
from bot.usecases.papers import Papers

Progress = Callable[[str], Awaitable[None]]
OUTLINE_WORD = "outline"  # `/paperclub present outline <paper>`: anyone may ask for it


@dataclass(frozen=True, slots=True)
class Request:
    """A sub-command's arguments, where it was typed, by whom, and how to show progress."""

    args: str
    conversation: ConversationRef
    member: Author
    progress: Progress


Handler = Callable[[Request], Awaitable[Post]]
Counted = Callable[[Tally], Awaitable[None]]


def command_table(
    services: Services, questions: ThreadQuestions, counted: Counted | None = None
) -> dict[str, Handler]:
    """Every sub-command in `commands.SUBCOMMANDS`, and the handler that runs it.
    `counted` hears each vote a command casts (the paper card shows the new count)."""
    papers = PaperCommands(
        services.channels, services.papers, services.digest, questions, services.archive
    )
    club = ClubCommands(
        services.channels,
        services.votes,
        services.sessions,
        services.reading_list,
        services.recap,
        outlines=services.outlines,
        counted=counted,
    )
    return {
        "help": papers.help,
        "paper": papers.paper,
        "digest": papers.digest,
        "ask": papers.ask,
        "subscribe": papers.subscribe,
        "unsubscribe": papers.unsubscribe,
        "settings": papers.settings,
        "search": papers.search,
        "vote": club.vote,
        "standings": club.standings,
        "pick": club.pick,
        "present": club.present,
        "save": club.save,
        "read": club.read,
        "saved": club.saved,
        "recap": club.recap,
        "outline": club.outline,
    }


async def _language(channels: Channels, conversation: ConversationRef) -> str:
    return (await channels.channel_settings(conversation)).language


class PaperCommands:
    def __init__(
        self,
        channels: Channels,
        papers: Papers,
        digest: Digest,
        questions: ThreadQuestions,
        archive: Archive,
    ) -> None:
        self._channels = channels
        self._papers = papers
        self._digest = digest
        self._questions = questions
        self._archive = archive

    async def help(self, request: Request) -> Post:
        language = await _language(self._channels, request.conversation)
        return Post(text=help_text(language, COMMAND_PREFIX, in_thread=False))

    async def paper(self, request: Request) -> Post:
        if not request.args:
            return Post(
                text="Use /paperclub paper <arXiv id or link>, e.g. /paperclub paper 2309.12288."
            )
        thread = await self._papers.summon_paper(
            request.conversation, request.args, progress=request.progress
        )
        return Post(text=f"The paper's thread: {link('open it', thread_link(thread))}")

    async def digest(self, request: Request) -> Post:
        dry_run = request.args.strip().lower() in ("dry-run", "dry_run", "preview", "--dry-run")
        report = await self._digest.weekly_digest(
            request.conversation, dry_run=dry_run, progress=request.progress
        )
        language = await _language(self._channels, request.conversation)
        return Post(text=digest_text(report, language, dry_run=dry_run))

    async def ask(self, request: Request) -> Post:
        """Answered in the paper's thread in this channel (opened with its card if the
        channel has none yet), streamed like any thread answer; the member gets its link.
        Only an arXiv id or link: `summon_paper` refuses paths before anything is read."""
        reference, question = split_ask(request.args)
        language = await _language(self._channels, request.conversation)
        thread = await self._papers.summon_paper(
            request.conversation, reference, progress=request.progress
        )
        await request.progress(t("slack_ask_answering", language))
        await self._questions.ask(thread, request.member, question, language)
        url = await self._questions.link(thread) or thread_link(thread)
        here = link(t("thread_link_text", language), url)
        return Post(text=t("slack_ask_answered_in_thread", language, link=here))

    async def subscribe(self, request: Request) -> Post:
        settings = await self._channels.subscribe(request.conversation)
        return Post(text=settings_text(settings, "subscribed"))

    async def unsubscribe(self, request: Request) -> Post:
        settings = await self._channels.unsubscribe(request.conversation)
        return Post(text=settings_text(settings, "unsubscribed"))

    async def settings(self, request: Request) -> Post:
        changes = parse_settings(request.args)
        if not changes:
            return Post(
                text=settings_text(await self._channels.channel_settings(request.conversation))
            )
        settings = await self._channels.update_settings(request.conversation, **changes)  # type: ignore[arg-type]
        return Post(text=settings_text(settings, "settings_saved"))

    async def search(self, request: Request) -> Post:
        """Only this channel's threads (the archive's rule): a member may not see the others."""
        hits = await self._archive.search_archive(request.conversation, request.args)
        return Post(text=search_text(request.args, hits))


class ClubCommands:
    def __init__(
        self,
        channels: Channels,
        votes: Votes,
        sessions: Sessions,
        reading_list: ReadingList,
        recap: Recap,
        *,
        outlines: Outlines,
        counted: Counted | None = None,
    ) -> None:
        self._channels = channels
        self._outlines = outlines
        self._counted = counted
        self._votes = votes
        self._sessions = sessions
        self._reading_list = reading_list
        self._recap = recap

    async def vote(self, request: Request) -> Post:
        target = PaperInChannel(request.conversation, paper_argument(request.args, "vote"))
        tally = await self._votes.vote(target, request.member)
        if self._counted is not None:
            await self._counted(tally)
        language = await _language(self._channels, request.conversation)
        return Post(text=t("voted", language, title=tally.paper.title, votes=tally.votes))

    async def standings(self, request: Request) -> Post:
        """The tally, and its bar chart (drawn in a worker thread) under it."""
        tally = await self._votes.standings(request.conversation)
        language = await _language(self._channels, request.conversation)
        chart = await standings_chart(tally, language)
        return Post(text=_standings(tally, language), image=chart)

    async def pick(self, request: Request) -> Post:
        """Announced to the whole channel (see slash.PUBLIC), with the tally at the pick."""
        wanted = parse_pick(request.args)
        tally = await self._votes.standings(request.conversation)
        sessions = await self._sessions.pick(
            request.conversation, wanted.count, meeting_at=wanted.meeting_time, paper=wanted.paper
        )
        language = await _language(self._channels, request.conversation)
        picked = "\n".join(
            t("picked", language, title=s.paper.title, votes=s.votes, link=_session_link(s))
            for s in sessions
        )
        return Post(text=f"{picked}\n\n{_standings(tally, language, 'standings_at_pick')}")

    async def outline(self, request: Request, sub: str = OUTLINE_WORD) -> Post:
        """A presenter's outline of the paper named, shown to whoever asked."""
        language = await _language(self._channels, request.conversation)
        await request.progress(t("outline_working", language))
        reference = paper_argument(from_slack(request.args.strip()), sub)
        return outline_post(await self._outlines.outline(reference, language))

    async def present(self, request: Request) -> Post:
        word, _, paper = request.args.partition(" ")
        if word.lower() == OUTLINE_WORD:  # `present outline <paper>`, as `outline <paper>`
            outline = replace(request, args=paper)
            return await self.outline(outline, f"present {OUTLINE_WORD}")
        wanted = parse_present(request.args)
        presenter = (
            request.member
            if wanted.member_id is None
            else Author(wanted.member_id, wanted.member_name)
        )
        session = await self._sessions.present(
            request.conversation, wanted.paper, presenter, wanted.meeting_time
        )
        language = await _language(self._channels, request.conversation)
        meeting = (
            meeting_text(session.meeting_at, language)
            if session.meeting_at
            else t("no_meeting_time", language)
        )
        return Post(
            text=t(
                "presenter",
                language,
                presenter=session.presenter or presenter.display_name,
                title=session.paper.title,
                meeting=meeting,
                link=_session_link(session),
            )
        )

    async def save(self, request: Request) -> Post:
        paper = await self._reading_list.save(
            request.conversation, request.member, paper_argument(request.args, "save")
        )
        language = await _language(self._channels, request.conversation)
        return Post(text=t("saved", language, title=paper.title))

    async def read(self, request: Request) -> Post:
        paper = await self._reading_list.read(
            request.conversation, request.member, paper_argument(request.args, "read")
        )
        language = await _language(self._channels, request.conversation)
        return Post(text=t("read", language, title=paper.title))

    async def saved(self, request: Request) -> Post:
        entries = await self._reading_list.saved(request.conversation, request.member)
        language = await _language(self._channels, request.conversation)
        return Post(text=reading_list_text(entries, language, COMMAND_PREFIX))

    async def recap(self, request: Request) -> Post:
        target = PaperInChannel(request.conversation, paper_argument(request.args, "recap"))
        notes = await self._recap.recap(target)
        language = await _language(self._channels, request.conversation)
        return Post(
            text=t(
                "recap_posted",
                language,
                points=len(notes.key_points),
                questions=len(notes.open_questions),
            )
        )


def _session_link(session: Session) -> str:
    return link(session.paper.title, thread_link(session.thread))


def _standings(tally: list[Tally], language: str, heading: str = "standings_heading") -> str:
    return standings_text(
        tally,
        language,
        p=COMMAND_PREFIX,
        escape=lambda text: text.replace("[", "(").replace("]", ")"),
        link=lambda x: link(t("thread_link_text", language), thread_link(x.thread)),
        heading=heading,
    )
