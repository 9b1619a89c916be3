"""Hostile input against the core, through the terminal adapter and the real store:
archive search, channel settings, and `ask` naming a path.

(The Discord and Slack adapters are attacked in their own test files; the CLI and the
model in tests/test_hostile_input.py and tests/test_hostile_model.py.)
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console import ConsoleChat
from bot.bootstrap import TERMINAL, Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, QAPair, Summary, SummaryEngine
from bot.errors import InvalidPaperId, InvalidSetting
from bot.render import Post
from tests.test_thread_answers import REVERSAL

MakeSettings = Callable[..., Settings]


@pytest.fixture
async def club(make_settings: MakeSettings, tmp_path: Path) -> AsyncIterator[Services]:
    async with bootstrap(make_settings()) as services:
        services.chats.attach(
            TERMINAL.platform, ConsoleChat(Console(file=io.StringIO()), tmp_path / "t.jsonl")
        )
        await services.store.save_paper(REVERSAL)
        await services.store.save_summary(
            Summary(
                arxiv_id=REVERSAL.arxiv_id,
                language="en",
                tldr="Models trained on A is B do not infer B is A.",
                key_points=(QAPair("What fails?", "Generalisation to the reverse direction."),),
                tags=("rlhf-free", "generalization"),
                engine=SummaryEngine.EXTRACTIVE,
                model="extractive",
                basis="abstract",
            )
        )
        chat = services.chats.for_conversation(TERMINAL)
        thread = await chat.open_thread(
            TERMINAL, Post(text="root"), thread_name="reversal", idempotency_key="k"
        )
        await services.store.mark_root_posted("k", thread, REVERSAL.arxiv_id)
        yield services


async def hits(club: Services, query: str) -> set[str]:
    return {h.arxiv_id for h in await club.archive.search_archive(TERMINAL, query)}


async def test_search_finds_summary_words_and_tags(club: Services) -> None:
    assert await hits(club, "reverse direction") == {REVERSAL.arxiv_id}
    assert await hits(club, "tag:generalization") == {REVERSAL.arxiv_id}


@pytest.mark.parametrize("word", ["key_points", "tldr", "engine", "extractive", "title_translated"])
async def test_search_does_not_match_the_stored_json_around_the_text(
    club: Services, word: str
) -> None:
    assert await hits(club, word) == set()


async def test_full_width_search_words_are_folded(club: Services) -> None:
    assert await hits(club, "ＬＬＭｓ") == {REVERSAL.arxiv_id}


async def test_a_100k_character_search_word_is_capped_not_an_sqlite_error(club: Services) -> None:
    assert await hits(club, "a" * 100_000) == set()
    assert await hits(club, "%" * 100_000 + " reversal") == set()


@pytest.mark.parametrize("day", ["monkey", "thunder", "sunny", "fr1", "mo"])
async def test_a_weekday_must_be_a_real_name_or_exact_abbreviation(
    club: Services, day: str
) -> None:
    with pytest.raises(InvalidSetting, match="Unknown day"):
        await club.channels.update_settings(TERMINAL, weekday=day)
    assert (await club.channels.channel_settings(TERMINAL)).weekday == 0


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        ("Thursday", 3),
        ("thu", 3),
        ("thurs", 3),
        ("木曜日", 3),
        ("木曜", 3),
        ("木", 3),
        ("목요일", 3),
    ],
)
async def test_weekday_names_in_every_language(club: Services, day: str, weekday: int) -> None:
    assert (await club.channels.update_settings(TERMINAL, weekday=day)).weekday == weekday


@pytest.mark.parametrize("time", ["٠٩:٣٠", "０９:３０", "9:3", "24:00", "09:60", "9.30"])
async def test_times_take_ascii_digits_only(club: Services, time: str) -> None:
    with pytest.raises(InvalidSetting, match="Unknown time"):
        await club.channels.update_settings(TERMINAL, time=time)


@pytest.mark.parametrize("zone", ["localtime", "Factory", "x" * 6_000, "../../etc/passwd", ""])
async def test_time_zones_are_checked_by_length_and_against_tzdata(
    club: Services, zone: str
) -> None:
    with pytest.raises(InvalidSetting, match="Unknown time zone") as refusal:
        await club.channels.update_settings(TERMINAL, timezone=zone)
    assert len(str(refusal.value)) < 160  # the echo is capped: no 6,000-character reply


async def test_refusals_echo_at_most_40_characters(club: Services) -> None:
    with pytest.raises(InvalidSetting) as refusal:
        await club.channels.update_settings(TERMINAL, language="q" * 100_000)
    assert "q" * 41 not in str(refusal.value)
    assert "q" * 39 in str(refusal.value)


@pytest.mark.parametrize("form", ["{path}", "file://{path}", "~/../{path}"])
async def test_ask_never_reads_a_local_file(club: Services, tmp_path: Path, form: str) -> None:
    secret = tmp_path / "notes.md"
    secret.write_text("the password is swordfish-7731", encoding="utf-8")
    with pytest.raises(InvalidPaperId):
        await club.answers.ask(form.format(path=secret), "what is the password?", "en")


async def test_the_cli_still_answers_from_a_local_file(club: Services, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nThe reversal curse means models fail on B is A.\n", "utf-8")
    evidence = await club.answers.ask_file(notes, "What is the reversal curse?", "en")
    assert "B is A" in evidence.answer.text


async def test_search_names_only_this_channels_threads(club: Services) -> None:
    private = ConversationRef(TERMINAL.platform, TERMINAL.workspace_id, "private-channel")
    chat = club.chats.for_conversation(private)
    elsewhere = await chat.open_thread(
        private, Post(text="root"), thread_name="reversal", idempotency_key="k2"
    )
    await club.store.mark_root_posted("k2", elsewhere, REVERSAL.arxiv_id)
    found = await club.archive.search_archive(TERMINAL, "reversal")
    assert [hit.thread.conversation for hit in found] == [TERMINAL]
    assert [h.thread for h in await club.archive.search_archive(private, "reversal")] == [elsewhere]


@pytest.mark.parametrize(
    ("given", "suggested"),
    [("asia/tokyo", "Asia/Tokyo"), ("Tokyo", "Asia/Tokyo"), ("Europe/Pariss", "Europe/Paris")],
)
async def test_a_misspelt_time_zone_gets_a_did_you_mean(
    club: Services, given: str, suggested: str
) -> None:
    with pytest.raises(InvalidSetting, match=f"Did you mean {suggested}") as refusal:
        await club.channels.update_settings(TERMINAL, timezone=given)
    assert suggested in refusal.value.text("ja")


async def test_a_refused_zone_is_never_suggested(club: Services) -> None:
    with pytest.raises(InvalidSetting) as refusal:
        await club.channels.update_settings(TERMINAL, timezone="localtime")
    assert "Did you mean" not in str(refusal.value)
