"""The `openai.AsyncOpenAI` client the engine talks through, on aiohttp.

The client's default HTTP stack (httpx2 over httpcore2 and h11) hands a streamed body
over one SSE event at a time, each through five async generators, and re-checks every
pooled connection with a `select` whenever a request starts or ends: 65-75 µs of the
event loop's CPU per streamed chunk, measured with ten summaries arriving at once
(bench/digest.py). On the client's own aiohttp transport (`openai.DefaultAioHttpClient`,
aiohttp's C parser undoing the chunked encoding) one read returns every event already
buffered, and the same stream costs 24-36 µs a chunk. Requests, auth, retries, timeouts
and errors are the client's either way; aiohttp's failures reach the engine as the
client's `APIConnectionError`/`APITimeoutError`.
"""

from __future__ import annotations

from openai import AsyncOpenAI, DefaultAioHttpClient


def model_client(
    *, api_key: str, base_url: str | None, timeout: float, max_retries: int
) -> AsyncOpenAI:
    """A client for the endpoint at `base_url` (None: the OpenAI API); close it when done."""
    return AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        http_client=DefaultAioHttpClient(timeout=timeout),
    )
