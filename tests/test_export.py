"""`paperclub export`, `paperclub add` and `paperclub schedule list` against a store filled by
a real digest (loopback arXiv, terminal adapter), and the renderers on hostile text."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from adapters.cli import main
from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Paper, Platform, QAPair, Summary, SummaryEngine
from bot.store import Store
from bot.store.submissions import StoredSubmissions
from bot.usecases.export import ExportedPaper, WeekDigest, to_html, to_markdown
from tests.loopback.arxiv_server import ArxivServer

MakeSettings = Callable[..., Settings]
JAPANESE = ConversationRef(Platform.CONSOLE, "local", "ja-club")
SEPTEMBER_27_2023 = datetime(2023, 9, 27, 12, 0, tzinfo=UTC)  # in ISO week 2023-W39


def post_digest(settings: Settings, conversation: ConversationRef, language: str = "en") -> None:
    async def run() -> None:
        async with bootstrap(settings) as club:
            transcript = settings.db_path.with_suffix(".terminal.jsonl")
            club.chats.attach(
                Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), transcript)
            )
            await club.channels.update_settings(conversation, language=language)
            report = await club.digest.weekly_digest(conversation, now=SEPTEMBER_27_2023)
            assert len(report.posted) == 10

    asyncio.run(run())


def posted_titles(settings: Settings, conversation: ConversationRef) -> list[str]:
    path = settings.db_path.with_suffix(".terminal.jsonl")
    entries = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    prefix = f"digest:console:local:{conversation.channel_id}:"
    titles = [e["title"] for e in entries if e["root"] is None and e["key"].startswith(prefix)]
    return [re.sub(r"^\[\d+/\d+\] ", "", title) for title in titles]  # a card's "[3/10]"


def test_export_markdown_lists_the_weeks_papers_then_each_in_full(
    make_settings: MakeSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = make_settings()
    post_digest(settings, TERMINAL)
    capsys.readouterr()

    assert main(["export", "--week", "2023-w39", "--format", "md"]) == 0
    document = capsys.readouterr().out

    titles = posted_titles(settings, TERMINAL)
    assert document.startswith("# Top ML Papers of the Week (2023-W39: 2023-09-25 – 2023-10-01)")
    listed = re.findall(r"^(\d+)\. \[(.+)\]\(#paper-\1\) \((\d{4}-\d{2}-\d{2})\)$", document, re.M)
    assert [int(n) for n, _, _ in listed] == list(range(1, 11))
    assert [_unescape(title) for _, title, _ in listed] == titles
    sections = document.split("\n---\n")[1:]
    assert len(sections) == 10
    for number, section in enumerate(sections, 1):
        assert f"## {number}. " in section
        assert "- **Authors:** " in section
        assert re.search(
            r"- \*\*arXiv:\*\* \[\d{4}\.\d{4,5}v\d+\]\(https://arxiv\.org/abs/", section
        )
        assert "### Summary" in section
        assert "**Q1. " in section  # the key-point Q&A, as posted
    assert "_No summary" not in document


def test_export_html_to_a_file_in_the_channels_language(
    make_settings: MakeSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = make_settings()
    post_digest(settings, JAPANESE, language="ja")
    capsys.readouterr()
    output = tmp_path / "week.html"

    code = main(
        [
            "export",
            "--week",
            "2023-W39",
            "--format",
            "html",
            "--output",
            str(output),
            "--channel",
            "console:local:ja-club",
        ]
    )

    assert code == 0
    assert "Wrote 10 papers of 2023-W39" in capsys.readouterr().out
    page = output.read_text("utf-8")
    parsed = _Outline()
    parsed.feed(page)
    assert parsed.headings[0].startswith("今週の注目ML論文 (2023-W39")
    assert parsed.articles == [f"paper-{n}" for n in range(1, 11)]
    assert [h.split(". ", 1)[1] for h in parsed.headings if re.match(r"\d+\. ", h)] == (
        posted_titles(settings, JAPANESE)
    )
    assert page.count("<h3>要約</h3>") == 10
    assert '<html lang="ja">' in page


def test_export_of_a_week_without_a_digest_or_a_bad_week_says_what_to_do(
    make_settings: MakeSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    make_settings()
    assert main(["export", "--week", "2023-W40"]) == 1
    assert "no digest was posted to the terminal in 2023-W40" in capsys.readouterr().err
    assert main(["export", "--week", "2023-39"]) == 1
    assert "Use an ISO week such as 2023-W39" in capsys.readouterr().err
    assert main(["export", "--week", "2023-W39", "--channel", "irc:x"]) == 1
    assert "Use PLATFORM:WORKSPACE:CHANNEL" in capsys.readouterr().err


def test_renderers_keep_hostile_paper_text_literal() -> None:
    hostile = "<script>alert(1)</script> [click](https://evil.example) **bold** # @everyone"
    paper = Paper(
        arxiv_id="2309.12288",
        version=2,
        title=hostile,
        authors=("A <b>Author</b>",),
        abstract="",
        published=datetime(2023, 9, 21, tzinfo=UTC),
        updated=datetime(2023, 9, 22, tzinfo=UTC),
        primary_category="cs.CL",
    )
    summary = Summary(
        "2309.12288", "en", hostile, (QAPair(hostile, hostile),), ("rlhf",),
        SummaryEngine.EXTRACTIVE, "", "abstract",
    )  # fmt: skip
    digest = WeekDigest("2023-W39", "en", (ExportedPaper(paper, summary),))

    page = to_html(digest)
    assert "<script>" not in page and "<b>Author</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    markdown = to_markdown(digest)
    assert "[click](https://evil.example)" not in markdown
    assert "\\[click\\](https://evil.example)" in markdown
    assert "\\<script\\>" in markdown and "\\*\\*bold\\*\\*" in markdown


def test_add_submits_a_paper_that_the_next_digest_posts_first(
    make_settings: MakeSettings,
    arxiv_server: ArxivServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = make_settings()
    assert main(["add", "https://arxiv.org/abs/1605.08386v1"]) == 0
    assert "Added 1605.08386 (Heat-bath random walks with Markov bases)" in capsys.readouterr().out
    assert main(["add", "not-an-id"]) == 2
    assert "Use an arXiv id such as" in capsys.readouterr().err

    post_digest(settings, TERMINAL)

    titles = posted_titles(settings, TERMINAL)
    assert titles[0] == "Heat-bath random walks with Markov bases"  # a member's pick outranks all
    assert len(titles) == 10

    async def pending() -> int:
        async with Store.open(settings.db_path) as store:
            return len(await StoredSubmissions(store).pending(TERMINAL))

    assert asyncio.run(pending()) == 0  # used by the digest that posted it


def test_schedule_list_shows_each_channels_next_run_in_its_zone(
    make_settings: MakeSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = make_settings()
    assert main(["schedule", "list"]) == 0
    assert "No channel is subscribed" in capsys.readouterr().out

    async def subscribe() -> None:
        async with bootstrap(settings) as club:
            await club.channels.update_settings(
                TERMINAL, weekday="thu", time="18:30", timezone="Asia/Tokyo"
            )
            await club.channels.subscribe(TERMINAL)

    asyncio.run(subscribe())
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["schedule", "list"]) == 0
    out = capsys.readouterr().out
    assert "console:local/terminal" in out
    assert "Thursdays 18:30 Asia/Tokyo" in out
    assert re.search(r"Thu \d{4}-\d{2}-\d{2} 18:30 JST", out)
    assert re.search(r"Thu \d{4}-\d{2}-\d{2} 09:30", out)  # the same moment in UTC


def _unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.articles: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2"):
            self._in_heading = True
            self.headings.append("")
        if tag == "article":
            self.articles.append(dict(attrs).get("id") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.headings[-1] += data
