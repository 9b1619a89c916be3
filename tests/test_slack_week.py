"""The club's week on Slack, end to end (issue 17's "done when"): the weekly digest, votes
by button and by reaction, the standings, the pick (from its picker modal) with the
presenter's outline in the session thread, a question asked with the message shortcut
and answered in the paper's thread, 👍 feedback on that answer, and arXiv's v2 of one
paper noted in its thread. The real bolt AsyncApp in Socket Mode against the loopback
Slack and arXiv; every payload is built from Slack's recorded fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from adapters.slack_app.ask_ui import ASK_SHORTCUT
from bot.domain import ThreadRef
from tests.loopback.arxiv_entries import register_paper
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.slack_payloads import message_shortcut, reaction_event
from tests.loopback.slack_server import StoredMessage, eventually
from tests.test_slack_adapter import until
from tests.test_slack_club_ui import Club
from tests.test_slack_modals import (
    C1,
    WITHIN,
    bare_command,
    opened,
    placeholder_then_edit,
    submit,
)
from tests.test_slack_modals import club as club

QUESTION = "What is the main result?"


def texts(message: StoredMessage) -> str:
    return "\n".join([message.text, *(json.dumps(b, ensure_ascii=False) for b in message.blocks)])


async def test_a_week_of_the_club_on_slack(club: Club, arxiv_server: ArxivServer) -> None:
    slack = club.slack

    # Monday: the digest, one thread per paper.
    await club.club.channels.update_settings(C1, digest_size=3)
    digest = await club.result(await club.command("digest"), within=WITHIN * 2)
    assert "Posted 3" in json.dumps(digest.body)
    header, first, second, _third = slack.top_level("T111", "C111")
    assert "Papers of the week" in header.text
    first_title = first.blocks[0]["text"]["text"]

    # Votes: the card's button and reactions, the card's count follows.
    await club.click(first, "W333")
    await slack.wait_ack(await slack.send_event(reaction_event(item_ts=first.ts, user="W444")))
    await slack.wait_ack(await slack.send_event(reaction_event(item_ts=second.ts, user="W333")))
    await eventually(lambda: "Vote · 2" in json.dumps(first.blocks, ensure_ascii=False), WITHIN)

    standings = await club.result(await club.command("standings"), within=WITHIN)
    board = standings.body["blocks"][0]["text"]["text"]
    assert board.startswith("*🗳️ This week's standings*\n1. *")
    assert ": 2 votes" in board.splitlines()[1] and ": 1 vote" in board.splitlines()[2]

    # The pick, from its modal: the most-voted paper, announced in the channel; the
    # session thread gets the presenter's outline.
    await bare_command(club, "pick")
    picker = await opened(club, 1)
    meeting = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d 18:00")
    await submit(club, picker, {"meeting": {"type": "plain_text_input", "value": meeting}}, "W222")
    await eventually(lambda: len(slack.top_level("T111", "C111")) >= 6, WITHIN)
    session_root, announcement = slack.top_level("T111", "C111")[4:6]
    assert "Picked for the next session" in announcement.text and "(2 votes)" in announcement.text
    assert "Reading session" in session_root.text

    def outline_posted() -> bool:
        return any(
            "Presenter outline" in texts(m) for m in slack.thread("T111", "C111", session_root.ts)
        )

    await eventually(outline_posted, WITHIN * 2)

    # Wednesday: a question by the message shortcut, answered in the paper's thread.
    before = len(slack.thread("T111", "C111", first.ts))
    shortcut = message_shortcut(ASK_SHORTCUT, first.ts, user="W333")
    await slack.wait_ack(await slack.send_interactive(shortcut))
    ask = await opened(club, 2)
    assert first_title[6:40] in json.dumps(ask["blocks"], ensure_ascii=False)  # "[1/3] " off
    await submit(club, ask, {"question": {"type": "plain_text_input", "value": QUESTION}}, "W333")

    def answered() -> StoredMessage | None:
        replies = slack.thread("T111", "C111", first.ts)[before:]
        if len(replies) < 2 or not placeholder_then_edit(club, replies[1]):
            return None
        return replies[1] if "…" != replies[1].text else None

    await eventually(lambda: answered() is not None, WITHIN * 2)
    answer = answered()
    assert answer is not None and QUESTION in slack.thread("T111", "C111", first.ts)[before].text

    # Feedback: paperclub puts 👍 and 👎 under the answer; a member's 👍 is stored with
    # the question (the club's eval set), not counted as a vote.
    def offered() -> list[str]:
        calls = slack.calls_to("reactions.add")
        return [str(c.params["name"]) for c in calls if c.params.get("timestamp") == answer.ts]

    await eventually(lambda: offered() == ["+1", "-1"], WITHIN)
    tally_before = [(x.paper.arxiv_id, x.votes) for x in await club.club.votes.standings(C1)]
    thumbs = reaction_event(item_ts=answer.ts, user="W444", reaction="+1")
    await slack.wait_ack(await slack.send_event(thumbs))

    async def rated() -> bool:
        return len(await club.club.feedback.rated(C1)) == 1

    await until(rated, WITHIN)
    [record] = await club.club.feedback.rated(C1)
    assert record.ups == 1 and record.downs == 0
    assert record.record.question == QUESTION
    tally_after = [(x.paper.arxiv_id, x.votes) for x in await club.club.votes.standings(C1)]
    assert tally_after == tally_before  # a rating is no vote

    # Friday: arXiv publishes v2 of the first paper; one note in its thread, no new thread.
    arxiv_id = await club.club.store.thread_paper(ThreadRef(C1, first.ts))
    assert arxiv_id is not None
    paper = await club.club.papers.known_paper(arxiv_id)
    register_paper(
        arxiv_server,
        arxiv_id,
        version=paper.version + 1,
        title=paper.title,
        abstract=f"{paper.abstract} We add experiments on a second benchmark.",
        published=paper.published,
        updated=datetime.now(UTC),
        comment="v2: a second benchmark",
    )
    roots = len(slack.top_level("T111", "C111"))
    assert await club.club.new_versions.check() == 1
    note = slack.thread("T111", "C111", first.ts)[-1]
    assert f"arXiv published version {paper.version + 1} of this paper" in texts(note)
    assert len(slack.top_level("T111", "C111")) == roots
