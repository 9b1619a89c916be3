"""What a model endpoint's failure is called in a note: the kind of failure, and for a
refused request the server's own words (a context overflow says how many tokens)."""

from __future__ import annotations

import openai


def describe_api_error(error: openai.APIError) -> str:
    """Why the endpoint failed, in one line a member can read (notes, fallbacks)."""
    if isinstance(error, openai.RateLimitError):
        return "rate-limited by the model provider (HTTP 429) after retries"
    if isinstance(error, openai.APITimeoutError):
        return "the model did not answer in time"
    if isinstance(error, openai.APIConnectionError):
        return "could not connect to the model endpoint"
    if isinstance(error, openai.APIStatusError):
        said = _server_message(error)
        if said and (400 <= error.status_code < 500 or "context" in said.lower()):
            return f"the model endpoint answered HTTP {error.status_code}: {said}"
        return f"the model endpoint answered HTTP {error.status_code}"
    return "the model endpoint failed"


def _server_message(error: openai.APIStatusError) -> str:
    """The server's own words ("request (6330 tokens) exceeds the available context size
    (4096 tokens)"), on one line, at most 200 characters."""
    body = error.body
    message: object = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
    if not isinstance(message, str) or not message:
        message = error.message if isinstance(error.message, str) else ""
    return " ".join(str(message).split())[:200]
