"""Text work runs in worker processes (bot/text_processes.py): not on the loop's thread,
not in the bot's process, at a lower priority, and never lost when a worker dies."""

from __future__ import annotations

import multiprocessing
import os
import signal

from bot.llm.key_points import key_points
from bot.reading.model import Passage
from bot.text_processes import run_text_work


def where_and_how_nice() -> tuple[int, int]:
    return os.getpid(), os.nice(0)


def die_in_a_worker(value: int) -> int:
    """Killed when run in a worker process; `value` back when run anywhere else."""
    if multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return value


async def test_text_work_runs_in_another_process_at_a_lower_priority() -> None:
    pid, niceness = await run_text_work(where_and_how_nice)
    assert pid != os.getpid()
    assert niceness > os.nice(0)


async def test_a_killed_worker_loses_nothing_and_the_next_call_gets_a_new_pool() -> None:
    assert await run_text_work(die_in_a_worker, 7) == 7  # ran again, in a thread
    pid, _ = await run_text_work(where_and_how_nice)
    assert pid != os.getpid()


async def test_key_points_come_back_from_a_worker_as_they_are_made_here() -> None:
    passages = (
        Passage(
            "We introduce the reversal curse: models trained on A is B fail to learn that "
            "B is A. We find that GPT-4 answers 79% of questions about celebrities' parents "
            "correctly but only 33% in the reverse direction.",
            "Abstract",
            kind="abstract",
        ),
    )
    here = key_points(passages, "en", authors=("Lukas Berglund",), title="The Reversal Curse")
    there = await run_text_work(
        key_points, passages, "en", authors=("Lukas Berglund",), title="The Reversal Curse"
    )
    assert there == here
    assert there
