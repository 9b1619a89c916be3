"""The garbage collector in a long-running bot: what start-up built is never scanned again.

A full (generation 2) collection walks every tracked object and holds the GIL while it
does, in whichever thread happened to allocate. In a bot that has imported discord.py,
slack_sdk, openai, SQLAlchemy and rich, most of those objects are modules, classes and
functions that live as long as the process, and one pass over them stopped the event
loop for 140-210 ms under the load bench (290 ms with torch loaded): a stall with no hot
frame of its own (bench/gc_pauses.py shows it). `gc.freeze()` moves them to the permanent
generation, so later collections walk only what the bot allocated since: its caches and
requests.
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect what start-up left behind, then freeze the rest. Blocking (a full
    collection): call it once, when start-up is done and before serving."""
    gc.collect()
    gc.freeze()


def freeze_heap() -> None:
    """Freeze what was allocated since (a late import, e.g. the embedding workers' pool
    when it starts): cheap, it scans nothing."""
    gc.freeze()
