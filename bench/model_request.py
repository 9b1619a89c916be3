"""The loop's CPU to open one streamed chat completion, typed arguments against `as_sent`.

The real `openai` client (on the engine's aiohttp transport, `bot/llm/model_client.py`)
sends an answer-sized request (a system prompt and six passages) to the loopback OpenAI
server, which runs in its own thread, and reads the short reply. Given typed arguments
the client walks every message through its typed-params transform first; `as_sent`
(`bot/llm/chunk_stream.py`) passes the same fields as `extra_body`, which it sends
untouched. Prints the main thread's CPU per request for each, rounds interleaved, and the
ratio.

    python bench/model_request.py [--requests 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openai import AsyncOpenAI

from bot.llm.chunk_stream import as_sent
from bot.llm.model_client import model_client
from tests.loopback.openai_server import OpenAIServer

MESSAGES = [
    {"role": "system", "content": "Answer from the passages only. " * 100},
    *({"role": "user", "content": f"[{i}] passage text " * 100} for i in range(1, 7)),
]
REQUEST: dict[str, Any] = {
    "model": "loopback-model",
    "messages": MESSAGES,
    "stream": True,
    "stream_options": {"include_usage": True},
    "max_tokens": 300,
    "temperature": 0.2,
}


async def cpu_per_request(client: AsyncOpenAI, arguments: dict[str, Any], count: int) -> float:
    """Seconds of this thread's CPU per request, reply read to its end."""

    async def one() -> None:
        async with client.chat.completions.with_streaming_response.create(**arguments) as reply:
            async for _ in reply.iter_bytes():
                pass

    for _ in range(10):  # warm: connections, caches
        await one()
    started = time.thread_time()
    for _ in range(count):
        await one()
    return (time.thread_time() - started) / count


async def measure(requests: int, rounds: int) -> None:
    server = OpenAIServer(reply=lambda body: "A short answer.").start()
    client = model_client(
        api_key="sk-loopback-0123456789", base_url=server.base_url, timeout=10, max_retries=0
    )
    typed: list[float] = []
    sent: list[float] = []
    try:
        for _ in range(rounds):
            typed.append(await cpu_per_request(client, REQUEST, requests))
            sent.append(await cpu_per_request(client, as_sent(REQUEST), requests))
    finally:
        await client.close()
        server.stop()
    t, s = statistics.median(typed), statistics.median(sent)
    print(f"{requests} requests x {rounds} rounds, the loop thread's CPU per request (median):")
    print(f"  typed arguments    {t * 1000:6.2f} ms")
    print(f"  as_sent            {s * 1000:6.2f} ms   ({s / t:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.rounds))


if __name__ == "__main__":
    main()
