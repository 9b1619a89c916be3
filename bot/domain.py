"""The core's vocabulary: plain, frozen dataclasses with no platform objects in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    CONSOLE = "console"
    DISCORD = "discord"
    SLACK = "slack"


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """A place top-level messages go: a Discord text channel, a Slack channel, the terminal."""

    platform: Platform
    workspace_id: str  # Discord guild id / Slack team id / "local" for the terminal
    channel_id: str  # Discord *parent* channel id / Slack channel id


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """A reply chain, named by its root message on every platform.

    Slack: root_id is the root message's ts (the thread_ts). Discord: root_id is
    the thread's id, which equals the starter message's id.
    """

    conversation: ConversationRef
    root_id: str


@dataclass(frozen=True, slots=True)
class MessageRef:
    conversation: ConversationRef
    message_id: str  # Slack ts / Discord snowflake
    thread: ThreadRef | None  # None = a top-level message


@dataclass(frozen=True, slots=True)
class Author:
    user_id: str
    display_name: str
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class Paper:
    """arXiv metadata for one paper. `arxiv_id` is canonical: no version suffix."""

    arxiv_id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: datetime
    updated: datetime
    primary_category: str
    categories: tuple[str, ...] = ()
    comment: str = ""  # arXiv's comment line: pages, figures, venue
    code_url: str = ""  # the code repository a source lists (Hugging Face's GitHub link)

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def html_url(self) -> str:
        return f"https://arxiv.org/html/{self.arxiv_id}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper proposed by one source for a digest, with that source's signals."""

    arxiv_id: str
    source: str
    paper: Paper | None = None  # filled when the source already has arXiv metadata
    upvotes: int = 0
    comments: int = 0
    curated_note: str = ""  # a curator's one-line description, when a list provides one
    submitted_by: str = ""  # member id for a manual submission
    title: str = ""  # the title as the source lists it (merges resubmissions by title)
    github_stars: int = 0
    keywords: tuple[str, ...] = ()  # e.g. Hugging Face's ai_keywords, alphaXiv's topics
    code_url: str = ""  # the paper's code repository, as the source lists it (a GitHub URL)


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """Why a paper ranks where it does; `paperclub digest --explain` prints these."""

    social: float = 0.0
    recency: float = 0.0
    interest: float = 0.0
    submission: float = 0.0
    # How `social` splits over the sources, e.g. (("Hugging Face", 5.1), ("alphaXiv", 2.3))
    by_source: tuple[tuple[str, float], ...] = ()

    @property
    def total(self) -> float:
        return self.social + self.recency + self.interest + self.submission


@dataclass(frozen=True, slots=True)
class RankedPaper:
    paper: Paper
    score: ScoreParts
    sources: tuple[str, ...]
    curated_note: str = ""


@dataclass(frozen=True, slots=True)
class Window:
    """The half-open time range [start, end) a digest covers, tz-aware UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class QAPair:
    """A key point as a question and its answer; `citations` are where the paper says so,
    each quote verified verbatim against the paper's full text."""

    question: str
    answer: str
    citations: tuple[Citation, ...] = ()


class SummaryEngine(StrEnum):
    MODEL = "model"
    EXTRACTIVE = "extractive"


@dataclass(frozen=True, slots=True)
class Summary:
    """A paper's summary in one language: cached per (paper, language) and shared by channels.

    `basis` says what text it was built from ("abstract", "full text (arXiv HTML)", ...);
    `notes` say what degraded, so the post can tell the reader.
    """

    arxiv_id: str
    language: str
    tldr: str
    key_points: tuple[QAPair, ...]
    tags: tuple[str, ...]
    engine: SummaryEngine
    model: str
    basis: str
    title_translated: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Citation:
    quote: str
    section: str
    page: int | None
    url: str = ""  # the place: an arXiv HTML anchor, or the PDF's #page=N


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    grounded: bool
    citations: tuple[Citation, ...]
    engine: SummaryEngine
    notes: tuple[str, ...] = ()
    # Why a model's answer was replaced by the paper's own sentences ("" when it was not):
    # the note that says so, in the member's language (`ask --json` reports it).
    fallback: str = ""


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a thread's conversation, as the core remembers it."""

    role: str  # "user" or "assistant"
    author_id: str
    text: str


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One line of a digest's header: the paper's place this week and why it is there."""

    rank: int
    total: int
    arxiv_id: str
    title: str
    reason: str  # "" when not known (a paper posted by an earlier run this week)
    thread: ThreadRef | None = None  # None until the paper's thread exists


@dataclass(slots=True)
class DigestReport:
    """What one digest run did, for the caller to show (and for the scheduler's log)."""

    conversation: ConversationRef
    week: str
    posted: list[str] = field(default_factory=list)
    already_posted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unavailable_sources: dict[str, str] = field(default_factory=dict)
    ranked: list[RankedPaper] = field(default_factory=list)
    empty_reason: str = ""
    # Said above the digest: e.g. every social source was down, so it is ranked by recency
    header_notes: list[str] = field(default_factory=list)
    # This week's papers in rank order, as the digest's header lists them
    entries: list[DigestEntry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """A channel's own choices; every field has a default from Settings until changed."""

    conversation: ConversationRef
    language: str
    subscribed: bool
    weekday: int  # 0 = Monday
    time: str  # "HH:MM" in `timezone`
    timezone: str
    digest_size: int
    topics: tuple[str, ...] = ()
    meeting_weekday: int | None = None  # the club's weekly meeting, 0 = Monday; None: not set
    meeting_time: str | None = None  # "HH:MM" in `timezone`
    auto_pick_hours: int = 0  # pick the most-voted paper this long before a meeting; 0 = off
    muted_topics: tuple[str, ...] = ()  # a paper matching any of these is left out
    topic_weights: tuple[tuple[str, float], ...] = ()  # a topic's weight when not 1.0
    categories: tuple[str, ...] = ()  # arXiv categories kept; () = every category
    sources: tuple[str, ...] = ()  # paper sources used; () = every configured source


@dataclass(frozen=True, slots=True)
class ArchiveHit:
    arxiv_id: str
    title: str
    thread: ThreadRef
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class ReadingEntry:
    """A paper on a member's reading list."""

    arxiv_id: str
    title: str
    saved_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaperInChannel:
    """A paper named in a channel (`/vote 2309.12288`), rather than by its thread."""

    conversation: ConversationRef
    reference: str


VoteTarget = ThreadRef | PaperInChannel


@dataclass(frozen=True, slots=True)
class Tally:
    paper: Paper
    votes: int
    thread: ThreadRef  # the paper's thread in this channel


@dataclass(frozen=True, slots=True)
class Session:
    """A reading session: a picked paper, its own thread, presenter and meeting."""

    paper: Paper
    thread: ThreadRef  # the reading session's own thread
    votes: int
    presenter: str | None  # display name
    meeting_at: datetime | None  # in the channel's time zone


@dataclass(frozen=True, slots=True)
class KeyPoint:
    text: str
    asked_by: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Question:
    author_id: str
    text: str


@dataclass(frozen=True, slots=True)
class MeetingNotes:
    paper: Paper
    key_points: tuple[KeyPoint, ...]
    open_questions: tuple[Question, ...]
    asked: tuple[Question, ...]
