"""Text work runs in worker processes (bot/text_processes.py): not on the loop's thread,
not in the bot's process, at a lower priority, and never lost when a worker dies."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys

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


USE_THE_POOL = """
import asyncio, os, sys
sys.path.insert(0, os.getcwd())
from bot.text_processes import run_text_work
from tests.test_text_processes import where_and_how_nice

async def main():
    pid, _ = await run_text_work(where_and_how_nice)
    print(pid, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


async def test_workers_end_when_the_bot_is_killed() -> None:
    """SIGKILL leaves the bot no chance to stop its pool: the workers end by themselves."""
    bot_process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", USE_THE_POOL, stdout=asyncio.subprocess.PIPE
    )
    assert bot_process.stdout is not None
    worker = int((await asyncio.wait_for(bot_process.stdout.readline(), 60)).decode())
    assert _alive(worker)  # the worker lives while the bot does
    bot_process.kill()
    await bot_process.wait()
    for _ in range(200):  # up to 20 s
        if not _alive(worker):
            break
        await asyncio.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has ended, only not yet reaped
        return stat.read().split(")")[-1].split()[0] != "Z"
