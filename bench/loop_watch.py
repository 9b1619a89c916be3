"""What blocks the event loop: a watchdog thread that samples the loop thread's stack.

The loop side is a callback that re-arms itself every `interval` and records when it ran.
A daemon thread checks that time every `interval`; whenever the loop has not ticked for
more than `threshold`, it takes the loop thread's current frame from
`sys._current_frames()` and counts its stack. The report names the hottest frames, each
with its share of all blocked samples: the frames in the project (bot/, adapters/), the
innermost frames anywhere, and whole stacks. Each stall also says how much of it the loop
thread spent on the CPU (its thread CPU clock): a stall the loop spent computing is the
loop's own work; one it spent off the CPU is another thread holding the GIL (their busy
frames are counted too) or the machine giving the process no core.

    with LoopWatch(asyncio.get_running_loop()) as watch:
        ...
    print(watch.report())
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from types import FrameType

ROOT = str(Path(__file__).resolve().parents[1])
OWN = (f"{ROOT}/bot/", f"{ROOT}/adapters/")


class LoopWatch:
    def __init__(
        self, loop: asyncio.AbstractEventLoop, threshold: float = 0.02, interval: float = 0.005
    ) -> None:
        self.loop = loop
        self.threshold = threshold
        self.interval = interval
        self.samples = 0
        self.stacks: Counter[tuple[str, ...]] = Counter()
        self.own: Counter[str] = Counter()
        self.leaves: Counter[str] = Counter()
        self.stalls = 0  # distinct episodes over the threshold
        self.stall_wall = 0.0  # seconds in stalls, and of them on the loop thread's CPU
        self.stall_cpu = 0.0
        # (wall, CPU share, hottest frame, its most sampled stack)
        self.longest: list[tuple[float, float, str, tuple[str, ...]]] = []
        self.others: Counter[str] = Counter()  # other threads' busy frames while stalled
        self._tick = time.perf_counter()
        self._loop_thread = threading.get_ident()
        self._schedstat = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
        self.stall_queued = 0.0  # seconds of the stalls the loop thread waited for a core
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="loop-watch", daemon=True)
        self._handle: asyncio.TimerHandle | None = None

    def _beat(self) -> None:
        self._tick = time.perf_counter()
        self._handle = self.loop.call_later(self.interval, self._beat)

    def _watch(self) -> None:
        clock = time.pthread_getcpuclockid(self._loop_thread)
        stall: Counter[str] | None = None
        stall_stacks: Counter[tuple[str, ...]] = Counter()
        tick = began = cpu_began = queued_began = 0.0
        while not self._stop.wait(self.interval):
            late = time.perf_counter() - self._tick
            if late <= self.threshold:
                if stall is not None:
                    self.stall_queued += self._queued() - queued_began
                    self._close_stall(tick, began, cpu_began, clock, stall, stall_stacks)
                stall = None
                continue
            frames = sys._current_frames()
            frame = frames.get(self._loop_thread)
            if frame is None:
                continue
            if stall is None:
                self.stalls += 1
                stall = Counter()
                stall_stacks = Counter()
                began = time.perf_counter()  # the CPU clock is read from here on
                cpu_began = time.clock_gettime(clock)
                queued_began = self._queued()
                tick = self._tick
            self._count_others(frames)
            stack = traceback.extract_stack(frame)
            names = tuple(f"{_short(f.filename)}:{f.lineno} {f.name}" for f in stack)
            self.samples += 1
            self.stacks[names[-12:]] += 1
            self.leaves[names[-1]] += 1
            own = [n for f, n in zip(stack, names, strict=True) if f.filename.startswith(OWN)]
            for name in dict.fromkeys(own):  # each own frame on the stack, once per sample
                self.own[name] += 1
            stall[own[-1] if own else names[-1]] += 1
            stall_stacks[names[-14:]] += 1

    def _queued(self) -> float:
        """Seconds the loop thread has spent runnable but waiting for a core (Linux)."""
        try:
            return int(self._schedstat.read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0

    def _close_stall(
        self,
        tick: float,
        began: float,
        cpu_began: float,
        clock: int,
        stall: Counter[str],
        stacks: Counter[tuple[str, ...]],
    ) -> None:
        """A stall ended: its length from the last tick; the loop thread's CPU share of it
        from when it was noticed."""
        now = time.perf_counter()
        cpu = time.clock_gettime(clock) - cpu_began
        self.stall_wall += now - began
        self.stall_cpu += cpu
        share = cpu / (now - began) if now > began else 0.0
        hottest = stall.most_common(1)[0][0] if stall else "?"
        stack = stacks.most_common(1)[0][0] if stacks else ()
        self.longest.append((now - tick, share, hottest, stack))
        self.longest = sorted(self.longest, reverse=True)[:8]

    def _count_others(self, frames: dict[int, FrameType]) -> None:
        for ident, frame in frames.items():
            if ident in (self._loop_thread, threading.get_ident()):
                continue
            stack = traceback.extract_stack(frame)
            leaf = stack[-1]
            if leaf.name in IDLE or leaf.filename.endswith(IDLE_FILES) or _idle_worker(leaf):
                continue
            own = [f for f in stack if f.filename.startswith(OWN)]
            where = own[-1] if own else leaf
            self.others[f"{_short(where.filename)}:{where.lineno} {where.name}"] += 1

    def __enter__(self) -> LoopWatch:
        self._tick = time.perf_counter()
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._handle is not None:
            self._handle.cancel()

    def report(self, top: int = 12) -> str:
        if not self.samples:
            return f"loop watch: no stall over {self.threshold * 1000:.0f} ms"
        lines = [
            f"loop watch: {self.stalls} stalls over {self.threshold * 1000:.0f} ms, "
            f"{self.samples} samples every {self.interval * 1000:.0f} ms "
            f"(~{self.samples * self.interval:.2f} s blocked)"
        ]
        if self.stall_wall:
            lines.append(
                f"  {self.stall_wall:.2f} s in stalls: {self.stall_cpu / self.stall_wall:.0%} the "
                f"loop thread on a core, {self.stall_queued / self.stall_wall:.0%} it waiting "
                "for a core (the machine busy), the rest waiting for the GIL or in a syscall"
            )
        lines.append("  longest stalls (length, loop thread on the CPU, hottest frame):")
        lines += [
            f"    {wall * 1000:7.0f} ms  {share:4.0%}  {name}"
            for wall, share, name, _ in self.longest
        ]
        lines.append("  the three longest stalls' most sampled stacks (innermost last):")
        for wall, _, _, stack in self.longest[:3]:
            lines.append(f"    {wall * 1000:.0f} ms")
            lines += [f"        {frame}" for frame in stack]
        lines.append("  project frames on the blocked stack (share of samples):")
        lines += [f"    {n / self.samples:6.1%}  {name}" for name, n in self.own.most_common(top)]
        lines.append("  innermost frames:")
        lines += [
            f"    {n / self.samples:6.1%}  {name}" for name, n in self.leaves.most_common(top)
        ]
        lines.append("  other threads busy while the loop stalled (samples per loop sample):")
        lines += [
            f"    {n / self.samples:6.1%}  {name}" for name, n in self.others.most_common(top)
        ]
        lines.append("  hottest stacks (innermost last):")
        for stack, n in self.stacks.most_common(min(top, 6)):
            lines.append(f"    {n / self.samples:6.1%}")
            lines += [f"        {frame}" for frame in stack]
        return "\n".join(lines)


IDLE = {
    "wait",
    "get",
    "select",
    "poll",
    "_wait_for_tstate_lock",
    "accept",
    "recv",
    "sleep",
    "_recv",
}
IDLE_FILES = ("threading.py", "queue.py", "selectors.py")


def _idle_worker(leaf: traceback.FrameSummary) -> bool:
    """A pool thread waiting for work (its queue's get is C code, so no frame of its own)."""
    if leaf.name == "_connection_worker_thread":  # aiosqlite's thread at its queue
        return True
    return leaf.name == "_worker" and leaf.filename.endswith("concurrent/futures/thread.py")


def _short(filename: str) -> str:
    if filename.startswith(ROOT):
        return filename[len(ROOT) + 1 :]
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1]
    return filename.rsplit("/lib/python", 1)[-1]
