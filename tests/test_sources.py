"""Hugging Face daily papers, the curated weekly list, submissions and gathering, over loopback.

The real clients (aiohttp; the `arxiv` package for the arXiv source and title search)
talk to loopback servers that serve the real recorded fixtures.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime

import aiohttp
import pytest

from bot.domain import Author, ConversationRef, Platform, Window
from bot.errors import InvalidPaperId, SourceUnavailable
from bot.sources.arxiv_source import ArxivClient, ArxivSource
from bot.sources.arxiv_titles import ArxivTitleSearch, normalise_title, title_matches
from bot.sources.curated_list import (
    CuratedListSource,
    latest_week,
    parse_weeks,
    week_containing,
    week_overlapping,
)
from bot.sources.gather import gather_candidates
from bot.sources.hf_daily import HuggingFaceDailySource, parse_daily_papers, window_days
from bot.sources.http import RetryPolicy
from bot.sources.submissions import InMemorySubmissions, SubmissionSource
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.papers_server import (
    Answer,
    PapersServer,
    daily_files,
    readme_bytes,
    weekly_lists_dir,
)
from tests.loopback.threaded import Fault

HF_WEEK = Window(datetime(2026, 8, 17, tzinfo=UTC), datetime(2026, 8, 22, tzinfo=UTC))
SEP_2023 = Window(datetime(2023, 9, 25, tzinfo=UTC), datetime(2023, 10, 2, tzinfo=UTC))
FAST = RetryPolicy(timeout=2.0, attempts=3, backoff=0.01, max_retry_after=1.0)
CHANNEL = ConversationRef(Platform.CONSOLE, "local", "papers")


@pytest.fixture
async def server() -> AsyncIterator[PapersServer]:
    papers = await PapersServer().start()
    yield papers
    await papers.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    served = ArxivServer().start()
    assert isinstance(served, ArxivServer)
    yield served
    served.stop()


def arxiv_client(served: ArxivServer) -> ArxivClient:
    return ArxivClient(served.api_url, delay_seconds=0.0, timeout_seconds=5.0, retries=0)


def recorded_counts() -> dict[str, tuple[int, int]]:
    """Largest (upvotes, comments) per paper over the recorded week, read straight from JSON."""
    counts: dict[str, tuple[int, int]] = {}
    for body in daily_files().values():
        for entry in json.loads(body):
            pair = (entry["paper"]["upvotes"], entry["numComments"])
            counts[entry["paper"]["id"]] = max(counts.get(entry["paper"]["id"], pair), pair)
    return counts


def ids_of_day(day: str) -> set[str]:
    return {entry["paper"]["id"] for entry in json.loads(daily_files()[day])}


# --- Hugging Face daily papers ------------------------------------------------------------


async def test_hf_week_gives_every_recorded_paper_with_its_upvotes_and_comments(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    source = HuggingFaceDailySource(server.url, http, policy=FAST)
    candidates = await source.candidates(HF_WEEK)

    got = {c.arxiv_id: (c.upvotes, c.comments) for c in candidates}
    assert got == recorded_counts()
    assert len(got) == 110  # 23 + 29 + 26 + 15 + 17 entries, no paper on two days
    assert got["2608.19880"] == (163, 1)  # EnvHarness, the week's most upvoted
    assert {c.source for c in candidates} == {"Hugging Face"}
    asked = sorted(hit.query["date"] for hit in server.hits)
    assert asked == ["2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"]


def test_window_days_cover_every_utc_day_the_window_touches() -> None:
    window = Window(datetime(2026, 8, 14, 18, tzinfo=UTC), datetime(2026, 8, 17, 0, tzinfo=UTC))
    assert window_days(window) == [date(2026, 8, 14), date(2026, 8, 15), date(2026, 8, 16)]


def test_the_older_response_shape_parses_too() -> None:
    name = "deep-diver-paper-reviewer_daily_papers_2024-10-25_first2.json"
    path = weekly_lists_dir() / "hf_daily_papers" / name
    candidates = parse_daily_papers(path.read_bytes())
    assert [(c.arxiv_id, c.upvotes, c.comments) for c in candidates] == [
        ("2410.17243", 64, 3),
        ("2410.16251", 41, 2),
    ]


async def test_hf_weekend_days_with_no_papers_are_not_failures(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    window = Window(datetime(2026, 8, 15, tzinfo=UTC), datetime(2026, 8, 22, tzinfo=UTC))
    candidates = await HuggingFaceDailySource(server.url, http, policy=FAST).candidates(window)
    assert len(candidates) == 110
    assert server.hits_for("2026-08-15") == 1 and server.hits_for("2026-08-16") == 1


async def test_hf_retries_a_500_and_keeps_the_day(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    server.fail("2026-08-18", Answer(500, b"upstream error"), Answer(502))
    candidates = await HuggingFaceDailySource(server.url, http, policy=FAST).candidates(HF_WEEK)
    assert ids_of_day("2026-08-18") <= {c.arxiv_id for c in candidates}
    assert server.hits_for("2026-08-18") == 3


async def test_hf_honours_retry_after_on_429(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    server.fail("2026-08-19", Answer(429, headers={"Retry-After": "0.3"}))
    candidates = await HuggingFaceDailySource(server.url, http, policy=FAST).candidates(HF_WEEK)
    assert ids_of_day("2026-08-19") <= {c.arxiv_id for c in candidates}
    times = [hit.at for hit in server.hits if hit.query["date"] == "2026-08-19"]
    assert len(times) == 2 and times[1] - times[0] >= 0.3


async def test_hf_gives_up_on_a_day_whose_retry_after_is_too_long(
    server: PapersServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail("2026-08-19", Answer(429, headers={"Retry-After": "120"}))
    with caplog.at_level(logging.WARNING):
        candidates = await HuggingFaceDailySource(server.url, http, policy=FAST).candidates(HF_WEEK)
    assert not ids_of_day("2026-08-19") & {c.arxiv_id for c in candidates}
    assert len(candidates) == 110 - 26
    assert server.hits_for("2026-08-19") == 1
    assert "2026-08-19: HTTP 429, asked to wait 120 s" in caplog.text


async def test_hf_garbage_json_costs_only_that_day(
    server: PapersServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail("2026-08-20", Answer(200, b"<html>Service temporarily unavailable</html>"))
    with caplog.at_level(logging.WARNING):
        candidates = await HuggingFaceDailySource(server.url, http, policy=FAST).candidates(HF_WEEK)
    ids = {c.arxiv_id for c in candidates}
    assert not ids_of_day("2026-08-20") & ids
    assert ids_of_day("2026-08-21") <= ids
    assert "2026-08-20: malformed response (not JSON" in caplog.text


async def test_hf_unavailable_when_every_day_fails_says_why(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    for day in ("2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"):
        server.fail(day, *[Answer(500)] * 3)
    with pytest.raises(SourceUnavailable) as caught:
        await HuggingFaceDailySource(server.url, http, policy=FAST).candidates(HF_WEEK)
    assert "2026-08-17: HTTP 500 after 3 attempts" in caught.value.reason
    assert "Try again in a few minutes" in str(caught.value)


async def test_hf_wrong_json_shape_is_unavailable(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    for day in ("2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"):
        server.fail(day, Answer(200, b'{"error": "Invalid date"}'))
    with pytest.raises(SourceUnavailable, match="expected a JSON list, got dict"):
        await HuggingFaceDailySource(server.url, http, policy=FAST).candidates(HF_WEEK)


async def test_hf_timeout_is_retried_then_reported(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    policy = RetryPolicy(timeout=0.2, attempts=2, backoff=0.01)
    for day in ("2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"):
        server.fail(day, Answer(delay=1.0), Answer(delay=1.0))
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"timed out after 0\.2 s after 2 attempts"):
        await HuggingFaceDailySource(server.url, http, policy=policy).candidates(HF_WEEK)
    assert time.monotonic() - started < 3.0
    assert server.hits_for("2026-08-17") == 2


async def test_hf_empty_week_is_unavailable_not_silent(
    http: aiohttp.ClientSession,
) -> None:
    empty = await PapersServer(days={}).start()
    try:
        with pytest.raises(
            SourceUnavailable, match=r"no papers listed for 2026-08-17 to 2026-08-21"
        ):
            await HuggingFaceDailySource(empty.url, http, policy=FAST).candidates(HF_WEEK)
    finally:
        await empty.stop()


async def test_hf_concurrency_is_bounded(server: PapersServer, http: aiohttp.ClientSession) -> None:
    for day in ("2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"):
        server.fail(day, Answer(200, daily_files()[day], delay=0.2))
    started = time.monotonic()
    source = HuggingFaceDailySource(server.url, http, policy=FAST, concurrency=2)
    candidates = await source.candidates(HF_WEEK)
    # five days, two at a time, 0.2 s each: at least three rounds
    assert time.monotonic() - started >= 0.6
    assert len(candidates) == 110


# --- the curated weekly list ---------------------------------------------------------------


def real_weeks() -> list:
    return parse_weeks(readme_bytes().decode("utf-8"), today=date(2026, 11, 28))


def test_the_readme_has_130_weeks_newest_first_with_inferred_years() -> None:
    weeks = real_weeks()
    assert len(weeks) == 130
    assert (weeks[0].start, weeks[0].end) == (date(2025, 6, 23), date(2025, 6, 29))
    assert (weeks[-1].start, weeks[-1].end) == (date(2023, 1, 1), date(2023, 1, 8))
    # a heading that spans the new year, and the first heading without a year
    spans = {(w.start, w.end) for w in weeks}
    assert (date(2024, 12, 30), date(2025, 1, 5)) in spans
    assert (date(2023, 12, 25), date(2023, 12, 31)) in spans
    assert all(len(week.papers) == 10 for week in weeks)


def test_week_of_september_25_2023_is_exactly_the_listed_papers() -> None:
    week = week_containing(real_weeks(), date(2023, 9, 27))
    assert week is not None
    assert week.heading == "Top ML Papers of the Week (September 25 - October 1)"
    assert [(p.rank, p.title, p.arxiv_id) for p in week.papers] == [
        (1, "The Reversal Curse", None),
        (2, "Effective Long-Context Scaling with LLMs", "2309.16039"),
        (3, "Graph Neural Prompting with LLMs", "2309.15427"),
        (4, "Vision Transformers Need Registers", "2309.16588"),
        (5, "Boolformer", "2309.12207"),
        (6, "LlaVA-RLHF", "2309.14525"),
        (7, "LLM Alignment Survey", "2309.15025"),
        (8, "Qwen LLM", "2309.16609"),
        (9, "MentalLlaMa", "2309.13567"),
        (10, "Logical Chain-of-Thought in LLMs", "2309.13339"),
    ]
    reversal = week.papers[0]
    assert reversal.links[0] == "https://owainevans.github.io/reversal_curse.pdf"
    assert reversal.note.startswith("finds that LLMs trained on sentences of the form “A is B”")
    assert week.papers[4].note == (
        "presents the first Transformer architecture trained to perform end-to-end symbolic "
        "regression of Boolean functions; it can predict compact formulas for complex functions "
        "and be applied to modeling the dynamics of gene regulatory networks."
    )


def test_week_of_june_23_2025_reads_the_two_space_title_style() -> None:
    week = latest_week(real_weeks())
    assert week.heading == "Top ML Papers of the Week (June 23 - June 29) - 2025"
    assert [(p.title, p.arxiv_id) for p in week.papers] == [
        ("Ultra-Fast Diffusion-based Language Models", "2506.17298"),
        ("MEM1", "2506.15841"),
        ("Towards AI Search Paradigm", "2506.17188"),
        ("Reinforcement-Learned Teachers of Test Time Scaling", "2506.08388"),
        ("DeepRare", "2506.20430"),
        ("AlphaGenome", None),
        ("Claude for Affective Use", None),
        ("AI Agent Communication Protocols", "2506.19676"),
        ("Diffusion Steering via RL", "2506.15799"),
        ("Whole-Body Conditioned Egocentric Video Prediction", "2506.21552"),
    ]
    first = week.papers[0]
    assert first.note.startswith("This paper introduces Mercury, a family of large-scale")
    assert "<br>" not in first.note and "●" not in first.note and len(first.note) <= 300


def test_week_of_january_13_2025_reads_the_dash_title_style() -> None:
    week = week_containing(real_weeks(), date(2025, 1, 15))
    assert week is not None
    assert [p.title for p in week.papers[:3]] == ["Self-Adaptive LLMs", "MiniMax-01", "VideoRAG"]
    assert week.papers[0].note.startswith("introduces Transformer^2, a novel self-adaptation")


def test_week_overlapping_a_window_prefers_the_larger_overlap() -> None:
    weeks = real_weeks()
    window = Window(datetime(2023, 9, 30, tzinfo=UTC), datetime(2023, 10, 7, tzinfo=UTC))
    chosen = week_overlapping(weeks, window)
    assert chosen is not None and chosen.start == date(2023, 10, 2)
    assert week_overlapping(weeks, HF_WEEK) is None


@pytest.mark.parametrize(
    "markdown",
    ["", "# Just a title\n\nNo weeks here.", "## Top ML Papers of the Week (Someday - Never)\n"],
)
def test_unreadable_markdown_is_refused(markdown: str) -> None:
    with pytest.raises(ValueError):
        parse_weeks(markdown, today=date(2026, 1, 1))


async def test_curated_source_gives_the_weeks_arxiv_papers_and_logs_the_dropped_one(
    server: PapersServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    source = CuratedListSource(server.readme_url, http, policy=FAST)
    with caplog.at_level(logging.INFO, logger="bot.sources.curated_list"):
        candidates = await source.candidates(SEP_2023)
    assert [c.arxiv_id for c in candidates] == [
        "2309.16039",
        "2309.15427",
        "2309.16588",
        "2309.12207",
        "2309.14525",
        "2309.15025",
        "2309.16609",
        "2309.13567",
        "2309.13339",
    ]
    assert all(c.source == "curated list" and c.curated_note for c in candidates)
    assert "dropped 'The Reversal Curse'" in caplog.text
    assert "owainevans.github.io/reversal_curse.pdf" in caplog.text


async def test_curated_source_latest_or_given_week(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    latest = await CuratedListSource(
        server.readme_url, http, week="latest", policy=FAST
    ).candidates(HF_WEEK)
    assert [c.arxiv_id for c in latest][:2] == ["2506.17298", "2506.15841"]
    assert len(latest) == 8
    given = CuratedListSource(server.readme_url, http, week="2025-01-15", policy=FAST)
    assert (await given.candidates(HF_WEEK))[0].arxiv_id == "2501.06252"


async def test_curated_source_without_a_week_for_the_window_says_which_it_has(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(SourceUnavailable) as caught:
        await CuratedListSource(server.readme_url, http, policy=FAST).candidates(HF_WEEK)
    assert caught.value.reason == (
        "it has no week overlapping 2026-08-17 to 2026-08-22; "
        "its latest week is 2025-06-23 to 2025-06-29"
    )


def test_curated_source_refuses_a_bad_week_setting() -> None:
    with pytest.raises(ValueError):
        CuratedListSource("http://127.0.0.1:9/list.md", None, week="last week")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ([Answer(404, b"404: Not Found")], "HTTP 404"),
        ([Answer(503)] * 3, "HTTP 503 after 3 attempts"),
        ([Answer(200, b"<html><body>rate limited</body></html>")], "unreadable list"),
        ([Answer(200, b"\xff\xfe\x00garbage")], "unreadable list"),
    ],
)
async def test_curated_source_failures_are_unavailable_with_a_reason(
    server: PapersServer, http: aiohttp.ClientSession, answers: list[Answer], reason: str
) -> None:
    server.fail("readme", *answers)
    with pytest.raises(SourceUnavailable) as caught:
        await CuratedListSource(server.readme_url, http, policy=FAST).candidates(SEP_2023)
    assert reason in caught.value.reason


async def test_curated_source_retries_a_503(
    server: PapersServer, http: aiohttp.ClientSession
) -> None:
    server.fail("readme", Answer(503))
    candidates = await CuratedListSource(server.readme_url, http, policy=FAST).candidates(SEP_2023)
    assert len(candidates) == 9


# A list in the README's own format whose papers link off arXiv; their titles are those
# of real entries in the recorded arXiv feed the loopback arXiv serves for a search.
OFF_ARXIV_WEEK = """\
## Top ML Papers of the Week (February 10 - February 16) - 2025
| **Paper**  | **Links** |
| ------------- | ------------- |
| 1) **OpenCat** - improves interoperability of ADS testing. | [Paper](https://example.org/opencat.pdf), [Tweet](https://x.com/a/status/1) |
| 2) **Towards Explainable Test Case Prioritisation** - a near title, not the title. | [Paper](https://example.org/tcp.pdf), [Tweet](https://x.com/a/status/2) |
| 3) **Testing Deep Learning Models** - an exact short name, but a 2022 paper. | [Paper](https://example.org/dl.pdf) |
| 4) **Vision Transformers Need Registers** - linked on arXiv. | [Paper](https://arxiv.org/abs/2309.16588v2) |
"""


async def test_off_arxiv_papers_resolve_only_on_an_exact_title_match(
    http: aiohttp.ClientSession, arxiv_server: ArxivServer, caplog: pytest.LogCaptureFixture
) -> None:
    served = await PapersServer(readme=OFF_ARXIV_WEEK.encode()).start()
    try:
        titles = ArxivTitleSearch(arxiv_client(arxiv_server))
        source = CuratedListSource(served.readme_url, http, titles=titles, week="latest")
        with caplog.at_level(logging.INFO, logger="bot.sources.curated_list"):
            candidates = await source.candidates(HF_WEEK)
    finally:
        await served.stop()
    assert [c.arxiv_id for c in candidates] == ["2502.07719", "2309.16588"]
    opencat = candidates[0].paper
    assert opencat is not None
    assert opencat.title == "OpenCat: Improving Interoperability of ADS Testing"
    assert "dropped 'Towards Explainable Test Case Prioritisation'" in caplog.text
    assert "dropped 'Testing Deep Learning Models': the arXiv paper with that title" in caplog.text
    queries = [r.query.get("search_query", "") for r in arxiv_server.requests]
    assert 'ti:"opencat"' in queries


def test_title_matching_is_exact_after_normalising() -> None:
    full = 'The Reversal Curse: LLMs trained on "A is B" fail to learn "B is A"'
    assert title_matches("The Reversal Curse", full)
    assert title_matches(
        "the reversal curse: llms trained on “A is B” fail to learn “B is A”", full
    )
    assert not title_matches("Reversal Curse", full)
    assert not title_matches("", full)
    assert normalise_title("  Schrödinger’s   Memory ") == "schrodinger s memory"


# --- member submissions --------------------------------------------------------------------


async def test_submissions_join_the_next_digest_once() -> None:
    store = InMemorySubmissions()
    member = Author("U1", "Ada")
    assert await store.add(CHANNEL, "https://arxiv.org/abs/2309.12288v2", member) == "2309.12288"
    await store.add(CHANNEL, "arXiv:2309.12288", Author("U2", "Bob"))
    other = ConversationRef(Platform.CONSOLE, "local", "other")
    source = SubmissionSource(store, CHANNEL)
    pending = await source.candidates(HF_WEEK)
    assert [(c.arxiv_id, c.submitted_by, c.source) for c in pending] == [
        ("2309.12288", "U1", "member submissions")
    ]
    assert await SubmissionSource(store, other).candidates(HF_WEEK) == []
    await store.mark_used(CHANNEL, ["2309.12288"])
    assert await source.candidates(HF_WEEK) == []
    with pytest.raises(InvalidPaperId):
        await store.add(CHANNEL, "https://evil.example/abs/2309.12288", member)


# --- gathering every source ----------------------------------------------------------------


async def all_sources(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> list:
    store = InMemorySubmissions()
    await store.add(CHANNEL, "2309.16609", Author("U1", "Ada"))
    return [
        ArxivSource(arxiv_client(arxiv_server), ["cs.LG"], max_results=10),
        HuggingFaceDailySource(server.url, http, policy=FAST),
        CuratedListSource(server.readme_url, http, week="2023-09-27", policy=FAST),
        SubmissionSource(store, CHANNEL),
    ]


async def test_gather_collects_every_source(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> None:
    candidates, unavailable = await gather_candidates(
        await all_sources(server, http, arxiv_server), HF_WEEK
    )
    assert unavailable == {}
    by_source: dict[str, int] = {}
    for candidate in candidates:
        by_source[candidate.source] = by_source.get(candidate.source, 0) + 1
    assert by_source == {
        "arXiv": 10,
        "Hugging Face": 110,
        "curated list": 9,
        "member submissions": 1,
    }


async def _gather_with(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> tuple[dict[str, int], dict[str, str]]:
    candidates, unavailable = await gather_candidates(
        await all_sources(server, http, arxiv_server), HF_WEEK, per_source_seconds=5.0
    )
    counts: dict[str, int] = {}
    for candidate in candidates:
        counts[candidate.source] = counts.get(candidate.source, 0) + 1
    return counts, unavailable


async def test_hf_down_leaves_the_others_working(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> None:
    for day in ("2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"):
        server.fail(day, *[Answer(503)] * 3)
    counts, unavailable = await _gather_with(server, http, arxiv_server)
    assert list(unavailable) == ["Hugging Face"]
    assert "HTTP 503 after 3 attempts" in unavailable["Hugging Face"]
    assert counts == {"arXiv": 10, "curated list": 9, "member submissions": 1}


async def test_curated_list_malformed_leaves_the_others_working(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> None:
    server.fail("readme", Answer(200, b"# ML Papers of The Week\n\n(moved)\n"))
    counts, unavailable = await _gather_with(server, http, arxiv_server)
    assert list(unavailable) == ["curated list"]
    assert unavailable["curated list"].startswith("unreadable list")
    assert counts == {"arXiv": 10, "Hugging Face": 110, "member submissions": 1}


async def test_arxiv_down_leaves_the_others_working(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> None:
    arxiv_server.faults.append(Fault(status=503))
    counts, unavailable = await _gather_with(server, http, arxiv_server)
    assert list(unavailable) == ["arXiv"]
    assert "503" in unavailable["arXiv"]
    assert counts == {"Hugging Face": 110, "curated list": 9, "member submissions": 1}


async def test_a_slow_source_times_out_alone(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> None:
    server.fail("readme", Answer(delay=1.5))
    sources = await all_sources(server, http, arxiv_server)
    sources[2] = CuratedListSource(
        server.readme_url, http, week="2023-09-27", policy=RetryPolicy(timeout=10.0, attempts=1)
    )
    started = time.monotonic()
    candidates, unavailable = await gather_candidates(sources, HF_WEEK, per_source_seconds=0.5)
    assert time.monotonic() - started < 2.5
    assert unavailable == {"curated list": "no answer within 0.5 s"}
    assert len(candidates) == 10 + 110 + 1


async def test_every_source_down_raises_with_every_reason(
    server: PapersServer, http: aiohttp.ClientSession, arxiv_server: ArxivServer
) -> None:
    arxiv_server.faults.append(Fault(status=503))
    for day in ("2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"):
        server.fail(day, Answer(200, b"not json"))
    server.fail("readme", Answer(404))
    sources = (await all_sources(server, http, arxiv_server))[:3]
    with pytest.raises(SourceUnavailable) as caught:
        await gather_candidates(sources, HF_WEEK)
    assert caught.value.source == "Every paper source"
    for name in ("arXiv", "Hugging Face", "curated list"):
        assert f"{name}: " in caught.value.reason
    assert "HTTP 404" in caught.value.reason
