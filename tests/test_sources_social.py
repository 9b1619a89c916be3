"""Hugging Face by week, alphaXiv, Hacker News, the renamed dair-ai list, and the normalised,
explained, steerable ranking, over loopback (tests/loopback/social_server.py; provenance of
each payload in tests/loopback/SOURCES.md). Nothing here touches the internet."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.domain import Candidate, Paper, Window
from bot.errors import SourceUnavailable
from bot.sources.alphaxiv import AlphaXivSource, parse_feed
from bot.sources.curated_list import CuratedListSource
from bot.sources.gather import gather_candidates
from bot.sources.hackernews import HackerNewsSource
from bot.sources.hf_daily import HuggingFaceDailySource
from bot.sources.http import RetryPolicy
from bot.sources.ranking import explain, merge_candidates, rank
from bot.usecases.digest import _header_notes
from tests.loopback.papers_server import Answer
from tests.loopback.social_server import SocialServer
from tests.test_ranking import hf_week

HF_WEEK = Window(datetime(2026, 8, 17, tzinfo=UTC), datetime(2026, 8, 22, tzinfo=UTC))
FAST = RetryPolicy(timeout=2.0, attempts=2, backoff=0.01, max_retry_after=1.0)


@pytest.fixture
async def social() -> AsyncIterator[SocialServer]:
    server = await SocialServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def all_sources(server: SocialServer, http: aiohttp.ClientSession) -> list:
    return [
        HuggingFaceDailySource(server.url, http, policy=FAST, by_week=True),
        AlphaXivSource(server.url, http, policy=FAST),
        HackerNewsSource(server.url, http, policy=FAST),
    ]


async def test_hf_by_week_asks_one_week_in_pages_not_each_day(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    source = HuggingFaceDailySource(social.url, http, policy=FAST, by_week=True)
    candidates = await source.candidates(HF_WEEK)
    assert len(candidates) == 110
    asked = social.asked["hf"]
    assert [q["week"] for q in asked] == ["2026-W34", "2026-W34"]  # 110 papers, pages of 100
    assert [q["p"] for q in asked] == ["0", "1"] and "date" not in asked[0]
    envharness = next(c for c in candidates if c.arxiv_id == "2608.19880")
    assert (envharness.upvotes, envharness.comments) == (163, 1)
    assert envharness.title.startswith("EnvHarness") and envharness.keywords


async def test_hf_falls_back_to_days_when_the_week_request_fails(
    social: SocialServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    social.fail("hf", Answer(400, b'{"error":"Invalid week"}'))
    with caplog.at_level(logging.WARNING):
        candidates = await HuggingFaceDailySource(
            social.url, http, policy=FAST, by_week=True
        ).candidates(HF_WEEK)
    assert len(candidates) == 110
    assert sorted(q["date"] for q in social.asked["hf"][1:]) == [
        "2026-08-17",
        "2026-08-18",
        "2026-08-19",
        "2026-08-20",
        "2026-08-21",
    ]
    assert "week 2026-W34 failed (HTTP 400); asking day by day" in caplog.text


async def test_hf_a_host_that_answers_nothing_is_not_asked_day_by_day(
    http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens here: every connection is refused
    source = HuggingFaceDailySource(f"http://127.0.0.1:{port}", http, policy=FAST, by_week=True)
    with caplog.at_level(logging.INFO), pytest.raises(SourceUnavailable, match="connection failed"):
        await source.candidates(HF_WEEK)
    assert source.requests == 1  # the one week request; no retry round for each day
    assert "asking day by day" not in caplog.text


async def test_hf_an_api_that_ignores_week_is_detected_and_days_are_asked(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    social.week_supported = False  # answers ?week= like a bare request: no papers of W34
    window = Window(datetime(2026, 8, 24, tzinfo=UTC), datetime(2026, 8, 26, tzinfo=UTC))
    social.fail("hf", Answer(200, (await _day_body("2026-08-17"))))
    with pytest.raises(SourceUnavailable, match="no papers listed"):
        await HuggingFaceDailySource(social.url, http, policy=FAST, by_week=True).candidates(window)
    assert [q.get("date") for q in social.asked["hf"][1:]] == ["2026-08-24", "2026-08-25"]


async def _day_body(day: str) -> bytes:
    from tests.loopback.papers_server import daily_files

    return daily_files()[day]


async def test_alphaxiv_feed_gives_votes_and_asks_hot_7_days(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    candidates = await AlphaXivSource(social.url, http, policy=FAST).candidates(HF_WEEK)
    assert [(c.arxiv_id, c.upvotes, c.comments) for c in candidates][:2] == [
        ("2608.17253", 240, 31),
        ("2608.19880", 95, 12),
    ]
    query = social.asked["alphaxiv"][0]
    assert (query["sort"], query["interval"], query["pageNum"]) == ("Hot", "7 Days", "0")


@pytest.mark.parametrize(
    "body",
    [b'{"data": {"items": []}}', b'[{"paperId": "2608.17253"}]', b'{"papers": [{"id": "x"}]}'],
)
async def test_alphaxiv_changed_format_fails_loudly(
    social: SocialServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    social.fail("alphaxiv", Answer(200, body))
    with caplog.at_level(logging.ERROR), pytest.raises(SourceUnavailable) as caught:
        await AlphaXivSource(social.url, http, policy=FAST).candidates(HF_WEEK)
    assert "payload format changed" in caught.value.reason
    assert "alphaXiv feed: payload format changed" in caplog.text


def test_alphaxiv_parse_keeps_the_better_of_two_groups_of_one_paper() -> None:
    body = (
        b'{"papers": [{"universal_paper_id": "2603.04379", "metrics": {"public_total_votes": 1}},'
        b' {"universal_paper_id": "2603.04379", "metrics": {"public_total_votes": 107}}]}'
    )
    assert [(c.arxiv_id, c.upvotes) for c in parse_feed(body)] == [("2603.04379", 107)]


async def test_hacker_news_stories_add_up_per_paper_and_skip_other_links(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    candidates = await HackerNewsSource(social.url, http, policy=FAST).candidates(HF_WEEK)
    assert {c.arxiv_id: (c.upvotes, c.comments) for c in candidates} == {
        "2608.19880": (412, 188),
        "2608.12209": (69, 23),
    }
    query = social.asked["hn"][0]
    start, end = int(HF_WEEK.start.timestamp()), int(HF_WEEK.end.timestamp())
    assert query["numericFilters"] == f"created_at_i>={start},created_at_i<{end}"
    assert query["tags"] == "story" and query["restrictSearchableAttributes"] == "url"


async def test_hacker_news_changed_format_and_outage_are_reasons(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    social.fail("hn", Answer(200, b'{"results": []}'))
    with pytest.raises(SourceUnavailable, match="payload format changed"):
        await HackerNewsSource(social.url, http, policy=FAST).candidates(HF_WEEK)
    social.fail("hn", Answer(503), Answer(503))
    with pytest.raises(SourceUnavailable, match="HTTP 503 after 2 attempts"):
        await HackerNewsSource(social.url, http, policy=FAST).candidates(HF_WEEK)


async def test_the_renamed_dair_ai_list_by_year(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    window = Window(datetime(2023, 9, 25, tzinfo=UTC), datetime(2023, 10, 2, tzinfo=UTC))
    candidates = await CuratedListSource(social.curated_url, http, policy=FAST).candidates(window)
    assert candidates[0].arxiv_id == "2309.16039" and len(candidates) == 9
    assert social.asked["curated"] == [{}]


async def test_a_week_ranked_from_every_source_is_merged_explained_and_normalised(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    found, unavailable = await gather_candidates(all_sources(social, http), HF_WEEK)
    assert unavailable == {}
    _, papers = hf_week()
    merged = merge_candidates(found)
    assert len(merged) == 110  # alphaXiv's and HN's papers are among Hugging Face's
    ranked = rank(merged, papers, HF_WEEK, (), set(), 10)
    top = {r.paper.arxiv_id: r for r in ranked}
    envharness = top["2608.19880"]
    assert envharness.sources == ("Hugging Face", "alphaXiv", "Hacker News")
    parts = dict(envharness.score.by_source)
    assert set(parts) == {"Hugging Face", "alphaXiv", "Hacker News"}
    assert sum(parts.values()) == pytest.approx(envharness.score.social)
    # normalised: each source's week leader earns the same (HN's leader is EnvHarness)
    assert parts["Hacker News"] == pytest.approx(parts["Hugging Face"])
    co_rl = dict(top["2608.17253"].score.by_source)
    assert co_rl["alphaXiv"] == pytest.approx(parts["Hugging Face"])  # alphaXiv's leader
    table = explain(ranked)
    assert "HF=" in table and "aX=" in table and "HN=" in table


def test_muted_topics_remove_papers_and_topic_weights_scale() -> None:
    candidates, papers = hf_week()
    merged = merge_candidates(candidates)
    plain = [r.paper.arxiv_id for r in rank(merged, papers, HF_WEEK, (), set(), 200)]
    muted = rank(merged, papers, HF_WEEK, (), set(), 200, muted=("agent",))
    assert "2608.19880" in plain and "2608.19880" not in {r.paper.arxiv_id for r in muted}
    # whole words, as topics match: "Agents" is muted, "Agentic" is another word
    assert not any(re.search(r"\bagents?\b", r.paper.title, re.I) for r in muted)
    heavy = rank(merged, papers, HF_WEEK, ("RL",), set(), 200, topic_weights={"rl": 2.0})
    light = rank(merged, papers, HF_WEEK, ("RL",), set(), 200)
    heavy_co = next(r for r in heavy if r.paper.arxiv_id == "2608.17253").score.interest
    light_co = next(r for r in light if r.paper.arxiv_id == "2608.17253").score.interest
    assert heavy_co == pytest.approx(2 * light_co)


def _paper(arxiv_id: str, title: str, categories: tuple[str, ...] = ("cs.CL",)) -> Paper:
    when = datetime(2026, 8, 19, tzinfo=UTC)
    return Paper(arxiv_id, 1, title, ("A",), "An abstract.", when, when, categories[0], categories)


def test_a_resubmission_under_a_new_id_is_one_work_and_never_posted_twice() -> None:
    old = _paper("2608.00001", "Scaling Laws for Paper Clubs")
    new = _paper("2608.09999", "Scaling laws for paper clubs")
    merged = merge_candidates(
        [
            Candidate(old.arxiv_id, "Hugging Face", paper=old, upvotes=10),
            Candidate(new.arxiv_id, "alphaXiv", paper=new, upvotes=3),
            Candidate(new.arxiv_id, "Hacker News", upvotes=50),
        ]
    )
    assert list(merged) == ["2608.09999"] and merged["2608.09999"].also_ids == ("2608.00001",)
    papers = {p.arxiv_id: p for p in (old, new)}
    assert rank(merged, papers, HF_WEEK, (), {"2608.00001"}, 10) == []
    by_title = merge_candidates([Candidate(new.arxiv_id, "alphaXiv", paper=new, upvotes=3)])
    posted = ["Scaling Laws for Paper Clubs"]
    assert rank(by_title, papers, HF_WEEK, (), set(), 10, posted_titles=posted) == []


def test_channel_categories_keep_only_their_papers() -> None:
    cl = _paper("2608.00001", "A language paper about reading", ("cs.CL",))
    cv = _paper("2608.00002", "A vision paper about seeing far", ("cs.CV",))
    merged = merge_candidates([Candidate(p.arxiv_id, "arXiv", paper=p) for p in (cl, cv)])
    kept = rank(merged, {}, HF_WEEK, (), set(), 10, categories=("cs.CV",))
    assert [r.paper.arxiv_id for r in kept] == ["2608.00002"]


async def test_every_social_source_down_says_recency_only_and_names_a_changed_format(
    social: SocialServer, http: aiohttp.ClientSession
) -> None:
    social.fail("hf", *[Answer(500)] * 12)
    social.fail("alphaxiv", Answer(200, b'{"items": []}'))
    social.fail("hn", Answer(500), Answer(500))
    sources = all_sources(social, http)
    with pytest.raises(SourceUnavailable):  # nothing at all came back
        await gather_candidates(sources, HF_WEEK)
    arxiv_like = _paper("2608.00003", "A recent arXiv paper")

    class Recent:
        name = "arXiv"

        async def candidates(self, window: Window) -> list[Candidate]:
            return [Candidate(arxiv_like.arxiv_id, "arXiv", paper=arxiv_like)]

    social.fail("hf", *[Answer(500)] * 12)
    social.fail("alphaxiv", Answer(200, b'{"items": []}'))
    social.fail("hn", Answer(500), Answer(500))
    found, unavailable = await gather_candidates([Recent(), *sources], HF_WEEK)
    assert [c.arxiv_id for c in found] == ["2608.00003"]
    notes = _header_notes(["arXiv", *(s.name for s in sources)], unavailable, "en")
    assert notes == [
        "alphaXiv answered in a changed format; its signal is missing from this ranking",
        "Ranked by recency only: Hugging Face, alphaXiv and Hacker News were unavailable",
    ]
    assert "新しさのみ" in _header_notes([s.name for s in sources], unavailable, "ja")[-1]
