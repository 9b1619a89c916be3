"""👍/👎 on the bot's answers, through the real discord.py (loopback gateway reaction
events) and slack-bolt (reaction_added / reaction_removed), stored with the question,
the passages and the answer; exported as JSONL that bench/qa_eval.py reads and replays."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from bot.domain import Author, ConversationRef, Platform
from bot.store.feedback import AnswerRecord, FeedbackTables
from bot.usecases.feedback import RatedMessage, Rating
from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_payloads import message_event, reaction_event
from tests.loopback.slack_server import eventually
from tests.test_cli import paperclub
from tests.test_discord_adapter import (
    PAPER,
    World,
    member_says,
    open_paper,
    react,
    until,
    votes_for,
)
from tests.test_discord_adapter import world as world
from tests.test_slack_adapter import Club
from tests.test_slack_adapter import club as club
from tests.test_slack_adapter import slack as slack

REPO = Path(__file__).resolve().parents[1]
QUESTION = "What does the heat-bath random walk converge to?"


async def recorded(tables: FeedbackTables, target: RatedMessage) -> AnswerRecord | None:
    return await tables.find_answer(
        target.platform, target.workspace_id, target.place, target.message_id
    )


async def discord_answer(world: World) -> tuple[str, RatedMessage]:
    """Ask in a paper thread; the answer's message, once the answer is recorded."""
    fake = world.fake
    thread_id = await open_paper(world)
    before = len(fake.calls)
    await member_says(world, thread_id, QUESTION)
    [placeholder] = await fake.wait_for_call(
        lambda c: (
            c.method == "POST"
            and c.path == f"/channels/{thread_id}/messages"
            and fake.calls.index(c) >= before
        )
    )
    answer = RatedMessage(
        Platform.DISCORD, world.guild_a["id"], thread_id, placeholder.response["id"]
    )
    tables = FeedbackTables(world.club.store)

    async def kept() -> bool:
        return await recorded(tables, answer) is not None

    await until(kept, within=20)
    return thread_id, answer


async def test_discord_reactions_on_an_answer_rate_it_and_a_change_replaces_the_rating(
    world: World,
) -> None:
    thread_id, answer = await discord_answer(world)
    offered = await world.fake.wait_for_call(
        lambda c: c.method == "PUT" and c.path.startswith(f"/channels/{thread_id}/messages/"),
        count=2,
    )  # 👍 and 👎 put under the answer, ready to click
    assert [unquote(c.path) for c in offered] == [
        f"/channels/{thread_id}/messages/{answer.message_id}/reactions/{emoji}/@me"
        for emoji in ("👍", "👎")
    ]
    thread = world.fake.channels[thread_id]
    alice, bob = world.fake.user("alice"), world.fake.user("bob")
    feedback = world.club.feedback
    member = Author(alice["id"], "alice")

    async def rating_is(who: Author, expected: Rating | None) -> bool:
        return await feedback.rating_of(answer, who) == expected

    await react(world, answer.message_id, alice, emoji="👍", channel=thread)
    await until(lambda: rating_is(member, Rating.UP))
    await react(world, answer.message_id, alice, emoji="👎", channel=thread)  # changed mind
    await until(lambda: rating_is(member, Rating.DOWN))
    await react(world, answer.message_id, alice, emoji="👍", channel=thread, removed=True)
    await react(world, answer.message_id, bob, emoji="👍🏽", channel=thread)  # a skin tone
    await until(lambda: rating_is(Author(bob["id"], "bob"), Rating.UP))
    assert await feedback.rating_of(answer, member) is Rating.DOWN  # the 👍 removed, not 👎
    [rated] = await feedback.rated()
    assert (rated.ups, rated.downs) == (1, 1)
    assert rated.record.question == QUESTION
    assert rated.record.arxiv_id == PAPER
    assert rated.record.answer and rated.record.passages
    assert all({"text", "section", "page", "score"} <= set(p) for p in rated.record.passages)

    await react(world, answer.message_id, alice, emoji="👎", channel=thread, removed=True)
    await until(lambda: rating_is(member, None))
    # A 👍 on the paper's root is still a vote, never a rating.
    await react(world, thread_id, alice)
    await until(lambda: _equals(votes_for(world, PAPER), 1))
    [still] = await feedback.rated()
    assert (still.ups, still.downs) == (1, 0)


async def _equals(value: Any, expected: int) -> bool:
    return bool(await value == expected)


async def slack_answer(club: Club) -> tuple[str, RatedMessage]:
    root = await club.paper()
    body = message_event(text=QUESTION, thread_ts=root.ts)
    await club.slack.wait_ack(await club.slack.send_event(body))
    tables = FeedbackTables(club.club.store)
    await eventually(lambda: len(club.slack.thread("T111", "C111", root.ts)) > 2)
    answer_ts = club.slack.thread("T111", "C111", root.ts)[-1].ts
    answer = RatedMessage(Platform.SLACK, "T111", "C111", answer_ts)
    for _ in range(400):
        if await recorded(tables, answer) is not None:
            break
        await _pause()
    assert await recorded(tables, answer) is not None
    return root.ts, answer


async def _pause() -> None:
    await asyncio.sleep(0.05)


async def test_slack_reaction_added_and_removed_rate_an_answer(club: Club) -> None:
    _, answer = await slack_answer(club)
    offered = await club.slack.wait_calls("reactions.add", 2)
    assert [(c.params["channel"], c.params["timestamp"], c.params["name"]) for c in offered] == [
        ("C111", answer.message_id, "+1"),
        ("C111", answer.message_id, "-1"),
    ]
    feedback = club.club.feedback
    carol = Author("W333", "W333")

    async def send(reaction: str, *, removed: bool = False) -> None:
        event = reaction_event(
            item_ts=answer.message_id, user="W333", reaction=reaction, removed=removed
        )
        await club.slack.wait_ack(await club.slack.send_event(event))

    async def wait_for(expected: Rating | None) -> None:
        for _ in range(400):
            if await feedback.rating_of(answer, carol) == expected:
                return
            await _pause()
        assert await feedback.rating_of(answer, carol) == expected

    await send("+1")
    await wait_for(Rating.UP)
    await send("-1::skin-tone-3")
    await wait_for(Rating.DOWN)
    await send("+1", removed=True)
    await _pause()
    await wait_for(Rating.DOWN)
    await send("-1::skin-tone-3", removed=True)
    await wait_for(None)
    await send("thumbsup")
    await wait_for(Rating.UP)
    [rated] = await feedback.rated(ConversationRef(Platform.SLACK, "T111", "C111"))
    assert rated.record.question == QUESTION and (rated.ups, rated.downs) == (1, 0)


def load_qa_eval() -> Any:
    spec = importlib.util.spec_from_file_location("qa_eval", REPO / "bench" / "qa_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def test_feedback_export_is_what_qa_eval_reads_and_replays(
    world: World, arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    thread_id, answer = await discord_answer(world)
    thread = world.fake.channels[thread_id]
    alice = world.fake.user("alice")
    await react(world, answer.message_id, alice, emoji="👍", channel=thread)

    async def rated() -> bool:
        return bool(await world.club.feedback.rated())

    await until(rated)
    output = tmp_path / "club-eval.jsonl"
    channel = f"discord:{world.guild_a['id']}:{world.channel_a['id']}"
    env = loopback_env(arxiv_server, tmp_path)
    done = await asyncio.to_thread(
        paperclub,
        "feedback",
        "export",
        "--output",
        str(output),
        "--channel",
        channel,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert f"Wrote 1 rated answers about 1 papers to {output}." in " ".join(done.stdout.split())
    [line] = output.read_text("utf-8").splitlines()
    record = json.loads(line)
    assert record["instructions"] == [QUESTION]
    assert record["ratings"] == ["up"] and record["arxiv_id"] == PAPER
    read = " ".join(record["input"].split())
    assert record["outputs"][0] == record["citations"][0][0]["quote"]  # the first quote
    assert all(c["quote"] in read for c in record["citations"][0])  # spans of the paper
    assert record["passages"][0] and record["answers"][0]

    qa_eval = load_qa_eval()
    [loaded] = qa_eval.load_records(output)
    assert loaded.questions == [QUESTION] and loaded.answers == record["outputs"]

    replay = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "bench/qa_eval.py", "--from-feedback", str(output)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    figures = json.loads(replay.stdout)
    assert figures["liked"] == 1 and figures["disliked"] == 0
    assert figures["liked_recall@1000w"] == 1.0  # the same paper, the same quotes: still found

    other = await asyncio.to_thread(
        paperclub, "feedback", "export", "--channel", "slack:T9:C9", env=env, cwd=tmp_path
    )
    assert other.returncode == 0 and other.stdout == ""
    assert "no rated answer in slack:T9:C9 yet" in other.stderr
