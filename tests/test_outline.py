"""A presenter's outline: every item a verified quote of the paper's full text (the real
PDF through the loopback arXiv), posted once in the session thread when a paper is
picked, the model's version checked like an answer, and `paperclub outline` for scripts."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, Services, bootstrap
from bot.config import Settings
from bot.domain import Author, PaperInChannel, Platform, SummaryEngine
from bot.llm import selection
from bot.llm.grounding import find_verbatim
from bot.text import t
from bot.usecases.club.outline import Outline, outline_post, reports_figure
from tests.conftest import loopback_env
from tests.loopback.arxiv_entries import register_paper
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.discord_server import EPHEMERAL
from tests.loopback.openai_server import OpenAIServer
from tests.test_cli import paperclub
from tests.test_discord_adapter import PAPER as HEAT_BATH
from tests.test_discord_adapter import World, invoke, open_paper, reply_to
from tests.test_discord_adapter import world as world
from tests.test_slack_adapter import PAPER_TITLE as HEAT_BATH_TITLE
from tests.test_slack_adapter import Club, said
from tests.test_slack_adapter import club as club
from tests.test_slack_adapter import slack as slack

PAPER = "1706.03762"  # the real "Attention Is All You Need" PDF among the fixtures
ABSTRACT = (
    "The dominant sequence transduction models are based on complex recurrent or "
    "convolutional neural networks that include an encoder and a decoder. We propose a new "
    "simple network architecture, the Transformer, based solely on attention mechanisms."
)
ALICE = Author("u-alice", "Alice")
MakeSettings = Callable[..., Settings]


@pytest.fixture(autouse=True)
def attention_paper(arxiv_server: ArxivServer) -> None:
    register_paper(
        arxiv_server,
        PAPER,
        version=1,
        title="Attention Is All You Need",
        abstract=ABSTRACT,
        authors=("Ashish Vaswani", "Noam Shazeer", "Niki Parmar"),
        published=datetime(2017, 6, 12, 17, 57, tzinfo=UTC),
        updated=datetime(2017, 6, 12, 17, 57, tzinfo=UTC),
        comment="15 pages, 5 figures",
    )


async def full_text_passages(club: Services) -> list[str]:
    paper = await club.papers.known_paper(PAPER)
    return [p.text for p in (await club.library.text(paper)).passages]


def assert_cited_from(outline: Outline, texts: list[str]) -> None:
    for section, items in outline.sections:
        for item in items:
            citation = item.citation
            assert any(find_verbatim(citation.quote, text) for text in texts), (section, citation)
            assert citation.page is not None and citation.section
            assert citation.url == f"https://arxiv.org/pdf/{PAPER}v1#page={citation.page}"


async def test_the_extractive_outline_cites_every_item_from_the_full_text(
    make_settings: MakeSettings,
) -> None:
    async with bootstrap(make_settings()) as club:
        outline = await club.outlines.outline(PAPER, "en")
        texts = await full_text_passages(club)
        japanese = await club.outlines.outline(f"https://arxiv.org/abs/{PAPER}", "ja")

    sections = dict(outline.sections)
    assert list(sections) == ["problem", "method", "results", "limitations", "discussion"]
    assert outline.engine is SummaryEngine.EXTRACTIVE
    assert sections["problem"] and sections["method"] and sections["results"]
    assert any("Transformer" in item.text for item in sections["method"])
    for item in sections["results"]:  # key results carry their numbers
        assert selection.has_number(item.text), item.text
    bleu = next(i for i in sections["results"] if "28.4 BLEU" in i.text)
    assert bleu.reference == "Table 2"  # where the paper reports the abstract's figure
    questions = {t(k, "en") for k in TEXTS_ASKED}
    assert 2 <= len(sections["discussion"]) <= 3
    assert all(item.text in questions for item in sections["discussion"])
    assert_cited_from(outline, texts)

    post = outline_post(outline).text
    assert post.startswith("**🎤 Presenter outline: Attention Is All You Need**")
    assert "**1. Problem**" in post and "**3. Key results**" in post
    assert "(Table 2)" in post
    assert f"(https://arxiv.org/pdf/{PAPER}v1#page=1)" in post

    assert [s for s, _ in japanese.sections] == [s for s, _ in outline.sections]
    assert [i.citation for _, items in japanese.sections[:-1] for i in items] == [
        i.citation for _, items in outline.sections[:-1] for i in items
    ]
    shown = outline_post(japanese).text
    assert "**🎤 発表者向けアウトライン: Attention Is All You Need**" in shown
    assert "**1. 課題**" in shown and "主な結果" in shown
    assert t("outline_ask_novelty", "ja") in shown


TEXTS_ASKED = (
    "outline_ask_limitation",
    "outline_ask_novelty",
    "outline_ask_results",
    "outline_ask_impact",
)


@dataclass
class Terminal:
    services: Services
    transcript: Path

    def entries(self) -> list[dict[str, Any]]:
        lines = self.transcript.read_text("utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def outlines(self) -> list[dict[str, Any]]:
        return [e for e in self.entries() if str(e.get("key", "")).startswith("outline:")]


@pytest.fixture
async def terminal(make_settings: MakeSettings, tmp_path: Path) -> AsyncIterator[Terminal]:
    transcript = tmp_path / "paperclub.terminal.jsonl"
    async with bootstrap(make_settings()) as services:
        services.chats.attach(
            Platform.CONSOLE, ConsoleChat(Console(file=io.StringIO()), transcript)
        )
        yield Terminal(services, transcript)


async def test_a_picked_paper_gets_its_outline_once_in_the_session_thread(
    terminal: Terminal,
) -> None:
    club = terminal
    paper_thread = await club.services.papers.summon_paper(TERMINAL, PAPER)
    await club.services.votes.vote(paper_thread, ALICE)
    [session] = await club.services.sessions.pick(TERMINAL)

    [outline] = club.outlines()
    assert outline["key"] == f"outline:console:local/terminal:{PAPER}"
    assert outline["root"] == session.thread.root_id != paper_thread.root_id
    assert outline["text"].startswith("**🎤 Presenter outline: Attention Is All You Need**")
    assert "**3. Key results**" in outline["text"]

    # Naming a presenter later, or a restart, never posts it again.
    await club.services.sessions.present(TERMINAL, PAPER, ALICE)
    assert len(club.outlines()) == 1
    assert await club.services.outlines.post_in_session(session) is False
    assert len(club.outlines()) == 1


async def test_on_demand_outline_of_a_paper_posted_here(terminal: Terminal) -> None:
    club = terminal
    await club.services.papers.summon_paper(TERMINAL, PAPER)
    outline = await club.services.outlines.outline(PaperInChannel(TERMINAL, PAPER).reference, "ko")
    assert "**🎤 발표자용 개요: Attention Is All You Need**" in outline_post(outline).text
    assert club.outlines() == []  # on demand: shown to whoever asked, never posted


def outline_model(verbatim: str, invented: str) -> Callable[[dict[str, Any]], str]:
    def reply(body: dict[str, Any]) -> str:
        name = body.get("response_format", {}).get("json_schema", {}).get("name")
        if name != "presenter_outline":
            return "NOT IN PAPER: only outlines here."
        return json.dumps(
            {
                "problem": [{"point": "Recurrence is sequential.", "quote": verbatim}],
                "method": [
                    {"point": "Attention only.", "quote": invented},
                    {"point": "An encoder-decoder.", "quote": "the Transformer, based solely"},
                ],
                "results": [
                    {
                        "point": "28.4 BLEU on EN-DE.",
                        "quote": "Our model achieves 28.4 BLEU on the WMT 2014 English-to-German",
                        "reference": "Table 2",
                    }
                ],
                "limitations": [],
                "discussion": [
                    {"question": "Does attention suffice beyond translation?", "quote": invented}
                ],
            }
        )

    return reply


async def test_the_model_outline_keeps_only_items_quoted_from_the_paper(
    make_settings: MakeSettings, openai_server: OpenAIServer
) -> None:
    verbatim = (
        "This inherently sequential nature precludes parallelization within training examples"
    )
    invented = "Attention is the only mechanism any future model will ever need"
    openai_server.reply = outline_model(verbatim, invented)
    settings = make_settings(
        llm="openai",
        openai_api_key="sk-loopback-0123456789",
        openai_base_url=openai_server.base_url,
        llm_retries=1,
        llm_timeout_seconds=5,
    )
    async with bootstrap(settings) as club:
        outline = await club.outlines.outline(PAPER, "en")
        texts = await full_text_passages(club)

    [request] = [
        b
        for b in openai_server.bodies()
        if b.get("response_format", {}).get("json_schema", {}).get("name") == "presenter_outline"
    ]
    schema = request["response_format"]["json_schema"]
    assert schema["strict"] is True
    assert schema["schema"]["required"] == [
        "problem",
        "method",
        "results",
        "limitations",
        "discussion",
    ]
    assert request["max_tokens"] <= 1200 or request.get("max_completion_tokens", 0) <= 1200
    prompt = request["messages"][1]["content"]
    assert "<paper_passages" in prompt and verbatim in " ".join(prompt.split())

    sections = dict(outline.sections)
    assert outline.engine is SummaryEngine.MODEL
    assert [i.text for i in sections["problem"]] == ["Recurrence is sequential."]
    assert [i.text for i in sections["method"]] == ["An encoder-decoder."]  # invented: dropped
    assert [(i.text, i.reference) for i in sections["results"]] == [
        ("28.4 BLEU on EN-DE.", "Table 2")
    ]
    assert sections["discussion"] == ()
    assert outline.notes == ("2 items whose quote is not in the paper were left out.",)
    assert_cited_from(outline, texts)
    assert not any(invented in outline_post(outline).text for _ in [0])


def test_paperclub_outline_json_for_scripts(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    result = paperclub(
        "outline",
        PAPER,
        "--json",
        "--language",
        "ja",
        env=loopback_env(arxiv_server, tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["arxiv_id"] == PAPER and data["language"] == "ja"
    assert data["engine"] == "extractive"
    assert list(data["sections"]) == ["problem", "method", "results", "limitations", "discussion"]
    cited = [i["citation"] for items in data["sections"].values() for i in items]
    assert cited and all(re.search(r"#page=\d+$", c["url"]) for c in cited)
    assert all(c["quote"] for c in cited)


async def test_discord_outline_command_shows_the_outline_to_the_member(world: World) -> None:
    await open_paper(world)
    invocation = await invoke(world.fake, world.channel_a, "outline", {"paper": HEAT_BATH})
    assert invocation.callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    done = await reply_to(world.fake, invocation, lambda text: "Presenter outline" in text)
    content = done.json["content"]
    assert content.startswith(f"**🎤 Presenter outline: {HEAT_BATH_TITLE}**")
    assert "**1." in content  # sections, each item cited: here the abstract, all arXiv has
    assert f"> [Abstract](https://arxiv.org/abs/{HEAT_BATH})" in content


async def test_slack_present_outline_is_for_any_member(club: Club) -> None:
    slack_club = club
    await slack_club.paper()
    shown = await said(slack_club, f"present outline {HEAT_BATH}", user="W999")
    assert shown.startswith(f"*🎤 Presenter outline: {HEAT_BATH_TITLE}*")
    assert "Only workspace admins" not in shown
    assert "> " in shown
    missing = await said(slack_club, "present outline")
    assert "Name the paper: /paperclub present outline <arXiv id or link>" in missing
    alias = await said(slack_club, f"outline https://arxiv.org/abs/{HEAT_BATH}", user="W999")
    assert alias.startswith(f"*🎤 Presenter outline: {HEAT_BATH_TITLE}*")
    assert "`/paperclub outline <arXiv id>`" in await said(slack_club, "help")


def test_a_key_result_reports_a_figure_not_a_model_name_or_a_pointer() -> None:
    reported = ["achieves 28.4 BLEU", "79% of the time", "by up to over 60 points", "3.5x faster"]
    not_reported = [
        "outperformed by QWEN-14B in 3 tasks",
        "better than LLaMA2-70B and GPT-4o",
        "scaling plots are flat (see Section 2.1)",
        "solving 12x/5 = 60 for x",
        "on the WMT 2014 task",
    ]
    assert all(reports_figure(s) for s in reported)
    assert not any(reports_figure(s) for s in not_reported)
