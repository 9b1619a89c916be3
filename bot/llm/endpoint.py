"""What a model endpoint is: which server, how much context, how many slots.

Asked once, at start-up, over plain HTTP (the `openai` client has no call for it):

- llama.cpp's `llama-server` answers `GET /props` with its per-slot context
  (`default_generation_settings.n_ctx`) and its slot count (`total_slots`);
- Ollama answers `GET /api/version`; `POST /api/show {"model": ...}` gives the model's
  trained context (`model_info["<arch>.context_length"]`) and a `num_ctx` the model file
  sets. Ollama's OpenAI endpoint runs every model with `num_ctx` (4,096 unless the model
  file or `OLLAMA_CONTEXT_LENGTH` says otherwise), whatever the model could take;
- anything else (vLLM, a hosted API, a proxy) is "openai-compatible": nothing is known.

`detect_local_server` looks for a local Ollama or llama.cpp server that serves a model,
for a bot with no key and no base URL. Every probe is bounded by a short timeout and
never raises: an endpoint that does not answer is simply unknown.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import aiohttp

log = logging.getLogger(__name__)

ServerKind = Literal["llama.cpp", "ollama", "openai-compatible"]
OLLAMA_DEFAULT_NUM_CTX = 4_096
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class EndpointInfo:
    """What the probe learnt; None where the server does not say."""

    kind: ServerKind = "openai-compatible"
    context_tokens: int | None = None
    slots: int | None = None
    model: str | None = None  # the model the server serves (llama.cpp) or was asked about

    @property
    def known(self) -> bool:
        """A local server whose limits we know how to read (llama.cpp or Ollama)."""
        return self.kind != "openai-compatible"


@dataclass(frozen=True, slots=True)
class DetectedServer:
    base_url: str  # the OpenAI-compatible base, ".../v1"
    model: str
    info: EndpointInfo


def server_root(base_url: str) -> str:
    """`http://127.0.0.1:8080/v1` -> `http://127.0.0.1:8080` (where /props and /api live)."""
    parts = urlsplit(base_url.rstrip("/"))
    path = parts.path.removesuffix("/v1")
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")


async def probe_endpoint(base_url: str, model: str, *, seconds: float = 2.0) -> EndpointInfo:
    """Which server `base_url` is, and its context and slots where it says."""
    root = server_root(base_url)
    client_timeout = aiohttp.ClientTimeout(total=seconds)
    try:
        async with aiohttp.ClientSession(timeout=client_timeout) as session:
            props = await _get_json(session, f"{root}/props")
            if isinstance(props, dict) and "default_generation_settings" in props:
                return _llama_info(props)
            version = await _get_json(session, f"{root}/api/version")
            if isinstance(version, dict) and "version" in version:
                return await _ollama_info(session, root, model)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as error:
        log.debug("probing %s failed: %s", root, error)
    return EndpointInfo()


async def detect_local_server(
    ollama_url: str, llama_url: str, *, seconds: float = 1.0
) -> DetectedServer | None:
    """A local Ollama or llama.cpp server that serves a model, else None (looked for once)."""
    client_timeout = aiohttp.ClientTimeout(total=seconds)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        for root, kind in ((ollama_url, "ollama"), (llama_url, "llama.cpp")):
            root = server_root(root)
            try:
                model = await _served_model(session, root, kind)
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as error:
                log.debug("no %s server at %s: %s", kind, root, error)
                continue
            if model:
                base_url = f"{root}/v1"
                info = await probe_endpoint(base_url, model, seconds=seconds * 2)
                return DetectedServer(base_url, model, info)
    return None


async def _served_model(session: aiohttp.ClientSession, root: str, kind: str) -> str | None:
    if kind == "ollama":
        version = await _get_json(session, f"{root}/api/version")
        if not (isinstance(version, dict) and "version" in version):
            return None
        tags = await _get_json(session, f"{root}/api/tags")
        models = tags.get("models", []) if isinstance(tags, dict) else []
        names = [m.get("name") for m in models if isinstance(m, dict)]
        return next((n for n in names if isinstance(n, str) and n), None)
    props = await _get_json(session, f"{root}/props")
    if not (isinstance(props, dict) and "default_generation_settings" in props):
        return None
    listed = await _get_json(session, f"{root}/v1/models")
    data = listed.get("data", []) if isinstance(listed, dict) else []
    ids = [m.get("id") for m in data if isinstance(m, dict)]
    found = next((i for i in ids if isinstance(i, str) and i), None)
    return found or _str(props.get("model_alias")) or "local"


def _llama_info(props: dict[str, Any]) -> EndpointInfo:
    settings = props.get("default_generation_settings") or {}
    n_ctx = _positive(settings.get("n_ctx")) if isinstance(settings, dict) else None
    n_ctx = n_ctx or _positive(props.get("n_ctx"))
    alias = _str(props.get("model_alias")) or _str(props.get("model_path"))
    return EndpointInfo("llama.cpp", n_ctx, _positive(props.get("total_slots")), alias)


async def _ollama_info(session: aiohttp.ClientSession, root: str, model: str) -> EndpointInfo:
    shown = await _post_json(session, f"{root}/api/show", {"model": model})
    trained: int | None = None
    num_ctx: int | None = None
    if isinstance(shown, dict):
        info = shown.get("model_info") or {}
        if isinstance(info, dict):
            trained = next(
                (
                    _positive(v)
                    for k, v in info.items()
                    if str(k).endswith(".context_length") and _positive(v)
                ),
                None,
            )
        parameters = shown.get("parameters")
        if isinstance(parameters, str) and (found := _NUM_CTX.search(parameters)):
            num_ctx = int(found.group(1))
    context = num_ctx or OLLAMA_DEFAULT_NUM_CTX
    if trained:
        context = min(context, trained)
    return EndpointInfo("ollama", context, None, model)


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        if response.status != 200:
            return None
        return json.loads(await response.text())


async def _post_json(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with session.post(url, json=body) as response:
        if response.status != 200:
            return None
        return json.loads(await response.text())


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
