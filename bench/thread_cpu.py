"""Which of a process's threads ran, and which waited for a core, in any window of time.

A sampler in another process reads `/proc/<pid>/task/*/schedstat` (nanoseconds each
thread spent on a core and waiting on a run queue) every 2 ms. It needs nothing from the
watched process, not even its GIL, so it sees a stall that stops every Python thread
there: which thread held the core (and so, most likely, the GIL) while the loop waited.
Linux only. Both processes read the same monotonic clock (`time.perf_counter`).

    with ThreadCPU(os.getpid()) as threads:
        ...
    threads.within(start, end)  # [(thread id, seconds on a core, seconds waiting), ...]
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.connection
import threading
import time
from pathlib import Path

# (when, {tid: (ns on a core, ns waiting for one)}, the machine's stolen time in ticks)
Sample = tuple[float, dict[int, tuple[int, int]], int]
EVERY = 0.002


def _sample(pid: int) -> dict[int, tuple[int, int]]:
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            on_core, waiting, _ = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue  # the thread ended
        found[int(task.name)] = (int(on_core), int(waiting))
    return found


def _stolen() -> int:
    """Ticks (1/100 s) the hypervisor ran something else while this machine wanted a core:
    the `steal` column of /proc/stat."""
    with open("/proc/stat") as stat:
        return int(stat.readline().split()[8])


def _sampler(pid: int, conn: multiprocessing.connection.Connection) -> None:
    samples: list[Sample] = []
    while not conn.poll(EVERY):
        samples.append((time.perf_counter(), _sample(pid), _stolen()))
    conn.send(samples)


class ThreadCPU:
    def __init__(self, pid: int) -> None:
        self.samples: list[Sample] = []
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_sampler, args=(pid, child), daemon=True)

    def __enter__(self) -> ThreadCPU:
        self._process.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._conn.send("stop")
        self.samples = self._conn.recv()
        self._process.join(5)

    def within(self, start: float, end: float) -> list[tuple[int, float, float]]:
        """Each thread's seconds on a core and waiting for one in [start, end], most on a
        core first (from the samples nearest the window's ends)."""
        around = self._around(start, end)
        if len(around) < 2:
            return []
        first, last = around[0][1], around[-1][1]
        spent: list[tuple[int, float, float]] = []
        for tid, (on_core, waiting) in last.items():
            was_on, was_waiting = first.get(tid, (on_core, waiting))
            spent.append((tid, (on_core - was_on) / 1e9, (waiting - was_waiting) / 1e9))
        return sorted(spent, key=lambda s: -s[1])

    def machine(self, start: float, end: float) -> tuple[float, float]:
        """In [start, end]: the longest gap between two samples (the sampler, too, got no
        core) and the time the hypervisor stole from this machine, in seconds."""
        around = self._around(start, end)
        if len(around) < 2:
            return 0.0, 0.0
        gap = max(b[0] - a[0] for a, b in itertools.pairwise(around))
        return gap, (around[-1][2] - around[0][2]) / 100

    def _around(self, start: float, end: float) -> list[Sample]:
        """The samples in [start, end], with the last one before and the first one after."""
        before = [s for s in self.samples if s[0] <= start][-1:]
        after = [s for s in self.samples if s[0] >= end][:1]
        return before + [s for s in self.samples if start < s[0] < end] + after


def thread_names() -> dict[int, str]:
    """The Python name of each thread of this process, by its native id."""
    return {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
