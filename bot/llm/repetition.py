"""A guard that notices a model repeating itself in a stream.

Small models, greedy decoding and a grammar that allows it: the same sentence (or the
same JSON object) again and again until `max_tokens` or the context runs out. Measured
with SmolLM2-135M on llama-server, two answers ran to the end of a 4,096 context that
way. `RepetitionGuard.feed` keeps the stream's last characters and reports a loop when
they end in one piece of text repeated back to back: at least `MIN_REPEATS` copies
covering at least `MIN_SPAN` characters, a piece between `MIN_PERIOD` and `MAX_PERIOD`
characters long. Prose and tables almost never do that; a loop does it at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

MIN_PERIOD = 6
MAX_PERIOD = 400
MIN_REPEATS = 3
MIN_SPAN = 240
CHECK_EVERY = 32  # characters between checks (a check costs ~MAX_PERIOD comparisons)


class RepetitionGuard:
    def __init__(
        self,
        *,
        min_span: int = MIN_SPAN,
        min_repeats: int = MIN_REPEATS,
        max_period: int = MAX_PERIOD,
    ) -> None:
        self._tail = ""
        self._since_check = 0
        self._min_span = min_span
        self._min_repeats = min_repeats
        self._max_period = max_period
        self._keep = max(max_period * (min_repeats + 1), min_span * 2)
        self.tripped = False
        self.period = 0

    def feed(self, text: str) -> bool:
        """Add streamed text; True once the stream is looping (and from then on)."""
        if self.tripped:
            return True
        self._tail = (self._tail + text)[-self._keep :]
        self._since_check += len(text)
        if self._since_check < CHECK_EVERY:
            return False
        self._since_check = 0
        self.period = looping_period(
            self._tail,
            min_span=self._min_span,
            min_repeats=self._min_repeats,
            max_period=self._max_period,
        )
        self.tripped = self.period > 0
        return self.tripped


def looping_period(
    text: str,
    *,
    min_span: int = MIN_SPAN,
    min_repeats: int = MIN_REPEATS,
    max_period: int = MAX_PERIOD,
) -> int:
    """The length of the piece `text` ends repeating, or 0 when it does not loop.

    The shortest such piece. A piece repeated back to back ends with the same
    `MIN_PERIOD` characters as the text, one period earlier: `str.rfind` finds those
    places (in C), so only they are compared, not every period up to `max_period` (a
    check ran on every 32 streamed characters, ~1 ms each in Python)."""
    end = text.rstrip()
    n = len(end)
    longest = min(max_period, n // min_repeats)
    if min_repeats < 2:
        periods: Iterable[int] = range(MIN_PERIOD, longest + 1)
    else:
        periods = _candidate_periods(end, longest)
    for period in periods:
        unit = end[n - period :]
        repeats = 1
        at = n - period
        while at - period >= 0 and end[at - period : at] == unit:
            repeats += 1
            at -= period
        if repeats >= min_repeats and repeats * period >= min_span:
            return period
    return 0


def _candidate_periods(end: str, longest: int) -> Iterator[int]:
    """Periods from `MIN_PERIOD` to `longest`, shortest first, at which `end`'s last
    `MIN_PERIOD` characters occur one period earlier."""
    n = len(end)
    if longest < MIN_PERIOD:
        return
    tail = end[n - MIN_PERIOD :]
    low = max(0, n - longest - MIN_PERIOD)
    high = n - MIN_PERIOD  # an occurrence ends at most one MIN_PERIOD before the end
    while (found := end.rfind(tail, low, high)) >= 0:
        yield n - MIN_PERIOD - found
        high = found + MIN_PERIOD - 1


def without_loop(text: str, period: int) -> str:
    """`text` with the trailing repeats of its looping piece cut to one copy."""
    if period <= 0:
        return text
    end = text.rstrip()
    unit = end[-period:]
    at = len(end) - period
    while at - period >= 0 and end[at - period : at] == unit:
        at -= period
    return end[: at + period]
