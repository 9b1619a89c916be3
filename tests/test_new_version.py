"""A new arXiv version of a paper the club has threads for: the loopback arXiv serves a
v1 entry, then a v2 (real Atom shape), the loopback full-text host a different v2 HTML;
one note per thread says what changed, the paper is read again, never a second thread."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform, ThreadRef
from bot.publishing.keys import summon_key
from bot.schedule.scheduler import DigestScheduler
from tests.loopback.arxiv_entries import register_paper
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.fulltext_server import TELL_ME_HTML, FullTextServer, html_file

PAPER = "2501.11120"
TITLE = "Tell me about yourself: LLMs are aware of their learned behaviors"
KEPT = (
    "We study behavioral self-awareness — an LLM's ability to articulate its behaviors "
    "without requiring in-context examples. We finetune LLMs on datasets that exhibit "
    "particular behaviors, such as (a) making high-risk economic decisions, and (b) "
    "outputting insecure code."
)
REMOVED = "Indeed, models show behavioral self-awareness for a range of behaviors."
ADDED = "We also show that models can sometimes identify whether or not they have a backdoor."
OTHER = ConversationRef(Platform.CONSOLE, "local", "reading-group")
JAN_20 = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)
MakeSettings = Callable[..., Settings]


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def serve_version(arxiv: ArxivServer, version: int) -> None:
    register_paper(
        arxiv,
        PAPER,
        version=version,
        title=TITLE,
        abstract=f"{KEPT} {REMOVED}" if version == 1 else f"{KEPT} {ADDED}",
        published=datetime(2025, 1, 19, 18, 0, tzinfo=UTC),
        updated=datetime(2025, 1, 19, 18, 0, tzinfo=UTC) + timedelta(days=30 * (version - 1)),
        comment="23 pages" if version == 1 else "27 pages, 2 new appendices",
    )


def version_two_html() -> bytes:
    """The v1 page with its related-work section renamed: a section list that changed."""
    page = html_file(TELL_ME_HTML).decode("utf-8")
    assert page.count("Related work</h2>") == 1
    return page.replace("Related work</h2>", "Related work and limitations</h2>").encode()


def entries(transcript: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in transcript.read_text("utf-8").splitlines()]


async def test_a_new_version_gets_one_note_per_thread_and_the_paper_is_read_again(
    make_settings: MakeSettings, arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    fulltext = await FullTextServer().start()
    fulltext.html[f"{PAPER}v1"] = html_file(TELL_ME_HTML)
    fulltext.html[f"{PAPER}v2"] = version_two_html()
    serve_version(arxiv_server, 1)
    transcript = tmp_path / "paperclub.terminal.jsonl"
    clock = Clock(JAN_20)
    settings = make_settings(arxiv_html_url=fulltext.html_base, arxiv_pdf_url=fulltext.pdf_base)
    try:
        async with bootstrap(settings, now=clock) as club:
            club.chats.attach(
                Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), transcript)
            )
            await club.channels.update_settings(OTHER, language="ja")
            here = await club.papers.summon_paper(TERMINAL, PAPER)
            there = await club.papers.summon_paper(OTHER, PAPER)
            roots_before = [e for e in entries(transcript) if e["root"] is None]
            paper = await club.papers.known_paper(PAPER)
            before = await club.library.text(paper)
            assert "6 Related work" in {p.section for p in before.passages}

            # arXiv publishes v2; the club's tick checks (batched: one id_list query).
            serve_version(arxiv_server, 2)
            asked = len(arxiv_server.requests)
            scheduler = DigestScheduler(
                club.store,
                club.digest,
                club.chats,
                club.settings_changed,
                grace=timedelta(hours=1),
                now=clock,
                new_versions=club.new_versions.check_due,
            )
            await scheduler._club_tick()
            lookups = arxiv_server.requests[asked:]
            assert [r.query["id_list"] for r in lookups] == [PAPER]

            notes = [e for e in entries(transcript) if str(e.get("key", "")).startswith("version:")]
            assert [(n["key"], n["root"]) for n in notes] == [
                (f"version:console:local/reading-group:{PAPER}v2", there.root_id),
                (f"version:console:local/terminal:{PAPER}v2", here.root_id),
            ]
            english = next(n["text"] for n in notes if n["root"] == here.root_id)
            assert english.splitlines()[:2] == [
                "**🆕 arXiv published version 2 of this paper (this thread was about v1).**",
                f"https://arxiv.org/abs/{PAPER}v2",
            ]
            assert "• Abstract: 1 sentence added, 1 removed." in english
            assert f"> + “{ADDED}”" in english
            assert f"> − “{REMOVED}”" in english
            assert "• Sections added: 6 Related work and limitations" in english
            assert "• Sections removed: 6 Related work" in english
            assert "• Pages: 23 → 27" in english
            assert "_paperclub has read v2: answers in this thread now quote it._" in english
            japanese = next(n["text"] for n in notes if n["root"] == there.root_id)
            assert "arXiv にこの論文のバージョン 2 が公開されました" in japanese
            assert "アブストラクト: 1 文追加、1 文削除。" in japanese
            assert "ページ数: 23 → 27" in japanese

            # Re-read and re-indexed: the store and the index hold v2 now.
            assert f"/html/{PAPER}v2" in fulltext.hits
            assert (await club.store.paper(PAPER)).version == 2  # type: ignore[union-attr]
            after = await club.library.text(await club.papers.known_paper(PAPER))
            assert "6 Related work and limitations" in {p.section for p in after.passages}
            index = await club.library.index(after)
            assert any(c.section == "6 Related work and limitations" for c in index.chunks)
            assert [e for e in entries(transcript) if e["root"] is None] == roots_before

            # Later the same day: no query; the next day: a query, nothing new to say.
            clock.moment = JAN_20 + timedelta(hours=20)
            await scheduler._club_tick()
            assert len(arxiv_server.requests) == asked + 1
            clock.moment = JAN_20 + timedelta(days=1, minutes=1)
            await scheduler._club_tick()
            assert len(arxiv_server.requests) == asked + 2
            assert len([e for e in entries(transcript) if "version:" in str(e.get("key"))]) == 2

        # A restart that finds v2 again (the save was lost) still posts nothing twice.
        async with bootstrap(settings, now=clock) as club:
            club.chats.attach(
                Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), transcript)
            )
            old = await club.store.paper(PAPER)
            assert old is not None
            await club.new_versions.announce(replace(old, version=1), old)
            assert len([e for e in entries(transcript) if "version:" in str(e.get("key"))]) == 2
    finally:
        await fulltext.stop()


async def test_the_check_asks_arxiv_one_query_per_hundred_papers(
    make_settings: MakeSettings, arxiv_server: ArxivServer
) -> None:
    async with bootstrap(make_settings()) as club:
        known = await club.papers.known_papers(arxiv_server.known_ids()[:101])
        assert len(known) == 101
        for number, paper in enumerate(known.values()):
            await club.store.save_paper(paper)  # as arXiv has them: no new version
            key = summon_key(TERMINAL, paper.arxiv_id)
            await club.store.reserve_post(key, TERMINAL, paper.arxiv_id, "on-demand")
            await club.store.mark_root_posted(
                key, ThreadRef(TERMINAL, f"root-{number}"), paper.arxiv_id
            )
        asked = len(arxiv_server.requests)
        assert await club.new_versions.check_due(JAN_20) == 0
    sizes = [len(r.query["id_list"].split(",")) for r in arxiv_server.requests[asked:]]
    assert sizes == [100, 1]
