"""A loopback Slack: the Web API methods paperclub uses, the Socket Mode websocket, response URLs.

It speaks the wire format the real `slack_sdk` clients expect (see
../shared/SLACK_LOOPBACK.md): JSON responses, `apps.connections.open` returning a
`ws://` URL, envelopes over the websocket and acks back. It records every call
and ack with a monotonic timestamp, keeps each channel's messages so
`chat.update` and `conversations.history` behave, enforces Slack's documented
Block Kit limits (an oversized message is refused like Slack refuses it), and
can answer the next call of a method with HTTP 429 + Retry-After or `ok: false`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

Handler = Callable[[dict[str, Any], str], Awaitable[web.Response]]

HEADER_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
BLOCKS_PER_MESSAGE = 50
TEXT_LIMIT = 40_000


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    at: float


@dataclass(frozen=True)
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    sent_at: float


@dataclass(frozen=True)
class ResponseUrlPost:
    """A message an app sent to a slash command's `response_url`."""

    path: str
    body: dict[str, Any]
    at: float


@dataclass
class _Failure:
    method: str
    skip: int
    status: int
    error: str
    retry_after: int | None


@dataclass
class Workspace:
    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str = "W111"
    bot_id: str = "B111"
    enterprise_id: str | None = None  # a workspace of an Enterprise Grid org (E111 in the fixtures)
    # users.info flags per member; W222 (the payload builders' default member) is an admin.
    members: dict[str, dict[str, bool]] = field(
        default_factory=lambda: {"W222": {"is_admin": True}}
    )


@dataclass
class Upload:
    """A file announced by files.getUploadURLExternal; its bytes once POSTed to its URL."""

    team_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None
    title: str = ""


@dataclass(frozen=True)
class OAuthApp:
    """A distributed app as Slack knows it: its credentials and its one Redirect URL."""

    client_id: str = "1111.2222"
    client_secret: str = "loopback-client-secret"
    app_id: str = "A111"
    redirect_url: str = ""  # set to the receiver's /slack/oauth_redirect once it listens


@dataclass(frozen=True)
class Authorization:
    """A visit to the authorize page, approved by the workspace it names."""

    team_id: str
    query: dict[str, str]
    code: str


@dataclass
class StoredMessage:
    team_id: str
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    metadata: dict[str, Any] | None
    user: str
    bot_id: str
    files: list[dict[str, Any]] = field(default_factory=list)  # files.completeUploadExternal

    def as_api(self, *, with_metadata: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "bot_id": self.bot_id,
            "text": self.text,
            "ts": self.ts,
            "team": self.team_id,
        }
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = self.files
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


@dataclass
class FakeSlack:
    """Start with `async with FakeSlack.running() as slack`; point clients at `slack.api_url`."""

    app_token: str = "xapp-1-A111-loopback"
    workspaces: list[Workspace] = field(
        default_factory=lambda: [Workspace("T111", "Club One", "xoxb-fake-T111")]
    )
    calls: list[Call] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    responses: list[ResponseUrlPost] = field(default_factory=list)
    messages: dict[tuple[str, str], list[StoredMessage]] = field(default_factory=dict)
    connections_opened: int = 0
    port: int = 0
    oauth_app: OAuthApp = field(default_factory=OAuthApp)

    def __post_init__(self) -> None:
        self._failures: list[_Failure] = []
        self._ts_counter = itertools.count(1)
        self._socket: web.WebSocketResponse | None = None
        self._socket_ready = asyncio.Event()
        self._ack_arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "reactions.add": self._reactions_add,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "users.info": self._users_info,
            "chat.getPermalink": self._permalink,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "oauth.v2.access": self._oauth_v2_access,
        }
        self.ephemerals: list[dict[str, Any]] = []  # chat.postEphemeral: who saw what
        self.home_views: dict[tuple[str, str], dict[str, Any]] = {}  # (team, user) -> view
        self.opened_views: list[dict[str, Any]] = []
        self.uploads: dict[str, Upload] = {}  # file id -> what files_upload_v2 sent
        self.authorizations: list[Authorization] = []
        self._codes: dict[str, Authorization] = {}  # unused codes only: each works once
        self._installs = itertools.count(1)

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def running(cls, **kwargs: Any) -> AsyncIterator[FakeSlack]:
        slack = cls(**kwargs)
        await slack.start()
        try:
            yield slack
        finally:
            await slack.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link/", self._websocket)
        app.router.add_post("/response/{path:.*}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The `base_url` for `AsyncWebClient` (it must end with /api/)."""
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def authorize_url(self) -> str:
        """Slack's authorize page (https://slack.com/oauth/v2/authorize) on the loopback."""
        return f"http://127.0.0.1:{self.port}/oauth/v2/authorize"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def workspace(self, team_id: str) -> Workspace:
        for w in self.workspaces:
            if w.team_id == team_id:
                return w
        raise KeyError(team_id)

    # ---- scripting failures ----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        error: str = "ratelimited",
        skip: int = 0,
    ) -> None:
        """Answer one future call of `method` (after `skip` successful ones) with an error.

        status 429 sends `Retry-After`; status 200 sends `{"ok": false, "error": error}`.
        """
        self._failures.append(_Failure(method, skip, status, error, retry_after))

    # ---- queries for tests -----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_calls(self, method: str, count: int = 1, within: float = 5.0) -> list[Call]:
        """Wait until `method` was called at least `count` times (listeners run after the ack)."""
        await eventually(lambda: len(self.calls_to(method)) >= count, within)
        return self.calls_to(method)

    def channel_messages(self, team_id: str, channel: str) -> list[StoredMessage]:
        return list(self.messages.get((team_id, channel), []))

    def thread(self, team_id: str, channel: str, root_ts: str) -> list[StoredMessage]:
        return [m for m in self.channel_messages(team_id, channel) if m.thread_ts == root_ts]

    def top_level(self, team_id: str, channel: str) -> list[StoredMessage]:
        return [m for m in self.channel_messages(team_id, channel) if m.thread_ts is None]

    # ---- Socket Mode -----------------------------------------------------------------------

    async def wait_connected(self, within: float = 5.0) -> None:
        await asyncio.wait_for(self._socket_ready.wait(), within)

    async def send_envelope(
        self,
        type_: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
    ) -> Envelope:
        await self.wait_connected()
        assert self._socket is not None
        envelope = Envelope(envelope_id or str(uuid.uuid4()), type_, payload, time.monotonic())
        frame: dict[str, Any] = {
            "envelope_id": envelope.envelope_id,
            "payload": payload,
            "type": type_,
            "accepts_response_payload": type_ != "events_api",
        }
        if type_ == "events_api":
            frame["retry_attempt"] = retry_attempt
            frame["retry_reason"] = retry_reason
        self.envelopes.append(envelope)
        await self._socket.send_str(json.dumps(frame))
        return envelope

    async def send_event(
        self, body: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> Envelope:
        return await self.send_envelope(
            "events_api", body, retry_attempt=retry_attempt, retry_reason=retry_reason
        )

    async def send_command(self, form: dict[str, str]) -> Envelope:
        return await self.send_envelope("slash_commands", form)

    async def send_interactive(self, payload: dict[str, Any]) -> Envelope:
        """block_actions, shortcuts, view submissions: Socket Mode's `interactive` envelope."""
        return await self.send_envelope("interactive", payload)

    async def wait_ack(self, envelope: Envelope, within: float = 3.0) -> Ack:
        async with self._ack_arrived:
            await asyncio.wait_for(
                self._ack_arrived.wait_for(lambda: self._ack_of(envelope) is not None), within
            )
        ack = self._ack_of(envelope)
        assert ack is not None
        return ack

    def _ack_of(self, envelope: Envelope) -> Ack | None:
        return next((a for a in self.acks if a.envelope_id == envelope.envelope_id), None)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        assert self._socket is not None
        self._socket_ready.clear()
        await self._socket.send_str(json.dumps({"type": "disconnect", "reason": reason}))

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._socket = ws
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A111"},
                    "debug_info": {"host": "loopback", "approximate_connection_time": 18060},
                }
            )
        )
        self._socket_ready.set()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if "envelope_id" in frame:
                async with self._ack_arrived:
                    self.acks.append(
                        Ack(frame["envelope_id"], frame.get("payload"), time.monotonic())
                    )
                    self._ack_arrived.notify_all()
        return ws

    # ---- response_url ----------------------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(ResponseUrlPost(request.match_info["path"], body, time.monotonic()))
        return web.Response(text="ok")

    # ---- Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(dict(parse_qsl((await request.read()).decode())))
        auth = request.headers.get("Authorization", "")
        token = (
            auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token", "")
        )
        if auth.startswith("Basic "):  # oauth.v2.access: client_id:client_secret
            token = base64.b64decode(auth.removeprefix("Basic ")).decode()
        self.calls.append(Call(method, params, token, time.monotonic()))
        failure = self._take_failure(method)
        if failure is not None:
            if failure.status == 429:
                headers = (
                    {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
                )
                return web.json_response(
                    {"ok": False, "error": failure.error}, status=429, headers=headers
                )
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status)
        handler = self._handlers.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return await handler(params, token)

    def _take_failure(self, method: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.skip > 0:
                failure.skip -= 1
                return None
            self._failures.remove(failure)
            return failure
        return None

    def _bot_workspace(self, token: str, params: dict[str, Any]) -> Workspace | None:
        """The workspace a bot token acts in; org-wide tokens name the team with `team_id`."""
        owner = next((w for w in self.workspaces if w.bot_token == token), None)
        if owner is None:
            return None
        team_id = params.get("team_id")
        if team_id:
            return next((w for w in self.workspaces if w.team_id == team_id), None)
        return owner

    async def _auth_test(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(
            {
                "ok": True,
                "url": f"https://{w.team_name.lower().replace(' ', '')}.slack.com/",
                "team": w.team_name,
                "user": "paperclub",
                "team_id": w.team_id,
                "user_id": w.bot_user_id,
                "bot_id": w.bot_id,
            },
            headers={"x-oauth-scopes": "app_mentions:read,channels:history,chat:write,commands"},
        )

    async def _connections_open(self, params: dict[str, Any], token: str) -> web.Response:
        if token != self.app_token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self.connections_opened += 1
        url = f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4()}&app_id=A111"
        return web.json_response({"ok": True, "url": url})

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts_counter):06d}"

    async def _post_message(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        problem = check_message(params)
        if problem:
            return web.json_response({"ok": False, "error": problem})
        metadata = _json_param(params.get("metadata"))
        message = StoredMessage(
            team_id=w.team_id,
            channel=params["channel"],
            ts=self._new_ts(),
            text=params.get("text", ""),
            blocks=_json_param(params.get("blocks")) or [],
            thread_ts=params.get("thread_ts") or None,
            metadata=metadata,
            user=w.bot_user_id,
            bot_id=w.bot_id,
        )
        self.messages.setdefault((w.team_id, message.channel), []).append(message)
        return web.json_response(
            {
                "ok": True,
                "channel": message.channel,
                "ts": message.ts,
                "message": message.as_api(with_metadata=True),
            }
        )

    async def _update(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        message = self._find(w.team_id, params.get("channel", ""), params.get("ts", ""))
        if message is None:
            return web.json_response({"ok": False, "error": "message_not_found"})
        problem = check_message(params)
        if problem:
            return web.json_response({"ok": False, "error": problem})
        message.text = params.get("text", "")
        message.blocks = _json_param(params.get("blocks")) or []
        return web.json_response(
            {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}
        )

    async def _delete(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        message = self._find(w.team_id, params.get("channel", ""), params.get("ts", ""))
        if message is None:
            return web.json_response({"ok": False, "error": "message_not_found"})
        self.messages[(w.team_id, message.channel)].remove(message)
        return web.json_response({"ok": True, "channel": message.channel, "ts": message.ts})

    async def _reactions_add(self, params: dict[str, Any], token: str) -> web.Response:
        """reactions.add: {ok} for a message of the channel, Slack's errors otherwise."""
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self._find(w.team_id, params.get("channel", ""), params.get("timestamp", "")) is None:
            return web.json_response({"ok": False, "error": "message_not_found"})
        if not params.get("name"):
            return web.json_response({"ok": False, "error": "invalid_name"})
        return web.json_response({"ok": True})

    async def _post_ephemeral(self, params: dict[str, Any], token: str) -> web.Response:
        if self._bot_workspace(token, params) is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        problem = check_message(params)
        if problem:
            return web.json_response({"ok": False, "error": problem})
        self.ephemerals.append(dict(params))
        return web.json_response({"ok": True, "message_ts": self._new_ts()})

    async def _history(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(params.get("limit", 100))
        top = [
            m
            for m in self.messages.get((w.team_id, params.get("channel", "")), [])
            if m.thread_ts is None
        ]
        newest_first = sorted(top, key=lambda m: float(m.ts), reverse=True)[:limit]
        return web.json_response(
            {
                "ok": True,
                "messages": [m.as_api(with_metadata=with_metadata) for m in newest_first],
                "has_more": False,
                "response_metadata": {"next_cursor": ""},
            }
        )

    async def _replies(self, params: dict[str, Any], token: str) -> web.Response:
        """The parent first, then its replies oldest first (Slack's order)."""
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        root = str(params.get("ts", ""))
        stored = self.messages.get((w.team_id, params.get("channel", "")), [])
        parent = [m for m in stored if m.ts == root and m.thread_ts is None]
        if not parent:
            return web.json_response({"ok": False, "error": "thread_not_found"})
        replies = sorted((m for m in stored if m.thread_ts == root), key=lambda m: float(m.ts))
        limit = int(params.get("limit", 1000))
        page = [*parent, *replies][:limit]
        return web.json_response(
            {
                "ok": True,
                "messages": [m.as_api(with_metadata=with_metadata) for m in page],
                "has_more": len(replies) + 1 > limit,
                "response_metadata": {"next_cursor": ""},
            }
        )

    async def _users_info(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        user = str(params.get("user", ""))
        if not user:
            return web.json_response({"ok": False, "error": "user_not_found"})
        flags = w.members.get(user, {})
        return web.json_response(
            {
                "ok": True,
                "user": {
                    "id": user,
                    "team_id": w.team_id,
                    "name": user.lower(),
                    "is_bot": False,
                    "is_admin": flags.get("is_admin", False),
                    "is_owner": flags.get("is_owner", False),
                    "is_primary_owner": flags.get("is_primary_owner", False),
                },
            }
        )

    async def _permalink(self, params: dict[str, Any], token: str) -> web.Response:
        """chat.getPermalink: the documented response, {ok, channel, permalink}."""
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        channel, ts = str(params.get("channel", "")), str(params.get("message_ts", ""))
        message = self._find(w.team_id, channel, ts)
        if message is None:
            return web.json_response({"ok": False, "error": "message_not_found"})
        domain = w.team_name.lower().replace(" ", "")
        link = f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return web.json_response({"ok": True, "channel": channel, "permalink": link})

    async def _views_publish(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        view = _json_param(params.get("view")) or {}
        if view.get("type") != "home" or len(view.get("blocks", [])) > 100:
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        self.home_views[(w.team_id, str(params.get("user_id", "")))] = view
        return web.json_response({"ok": True, "view": {"id": "V111", **view}})

    async def _views_open(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        view = _json_param(params.get("view")) or {}
        if not params.get("trigger_id"):
            return web.json_response({"ok": False, "error": "invalid_trigger_id"})
        problem = check_modal(view)
        if problem:
            return web.json_response({"ok": False, "error": "invalid_arguments", "detail": problem})
        opened = {**view, "id": f"V{len(self.opened_views) + 1:03d}", "team_id": w.team_id}
        opened.setdefault("state", {"values": {}})
        self.opened_views.append(opened)
        return web.json_response({"ok": True, "view": opened})

    async def _views_update(self, params: dict[str, Any], token: str) -> web.Response:
        """views.update: replace an opened modal, named by view_id (or external_id)."""
        if self._bot_workspace(token, params) is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        view = _json_param(params.get("view")) or {}
        problem = check_modal(view)
        if problem:
            return web.json_response({"ok": False, "error": "invalid_arguments", "detail": problem})
        for i, opened in enumerate(self.opened_views):
            if opened["id"] == params.get("view_id") or (
                params.get("external_id") and opened.get("external_id") == params["external_id"]
            ):
                self.opened_views[i] = {**view, "id": opened["id"], "team_id": opened["team_id"]}
                return web.json_response({"ok": True, "view": self.opened_views[i]})
        return web.json_response({"ok": False, "error": "not_found"})

    # ---- files_upload_v2: getUploadURLExternal, POST the bytes, completeUploadExternal -------

    async def _upload_url(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        filename, length = params.get("filename"), str(params.get("length", ""))
        if not filename or not length.isdigit():
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        self.uploads[file_id] = Upload(w.team_id, filename, int(length), params.get("alt_txt"))
        return web.json_response(
            {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                "file_id": file_id,
            }
        )

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload.data = await request.read()
        return web.Response(text=f"OK - {len(upload.data)}")

    async def _complete_upload(self, params: dict[str, Any], token: str) -> web.Response:
        w = self._bot_workspace(token, params)
        if w is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        files = _json_param(params.get("files")) or []
        shared = []
        for item in files:
            upload = self.uploads.get(str(item.get("id")))
            if upload is None or upload.data is None or len(upload.data) != upload.length:
                return web.json_response({"ok": False, "error": "file_upload_not_completed"})
            upload.title = item.get("title") or upload.filename
            shared.append({"id": item["id"], "name": upload.filename, "title": upload.title})
        channel = params.get("channel_id")
        if channel:
            message = StoredMessage(
                team_id=w.team_id,
                channel=channel,
                ts=self._new_ts(),
                text=params.get("initial_comment", ""),
                blocks=[],
                thread_ts=params.get("thread_ts") or None,
                metadata=None,
                user=w.bot_user_id,
                bot_id=w.bot_id,
                files=shared,
            )
            self.messages.setdefault((w.team_id, channel), []).append(message)
        return web.json_response({"ok": True, "files": shared})

    # ---- OAuth v2: the authorize page and oauth.v2.access ------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        """A member of the workspace named by `team` (else the first) approves the install:
        back to the redirect URL with a one-time code and the state, as Slack does."""
        query = dict(request.query)
        app = self.oauth_app
        if query.get("client_id") != app.client_id:
            return web.Response(status=400, text="invalid_client_id")
        redirect = query.get("redirect_uri") or app.redirect_url
        if redirect != app.redirect_url:
            return web.Response(status=400, text="bad_redirect_uri")
        team_id = query.get("team") or self.workspaces[0].team_id
        self.workspace(team_id)
        authorization = Authorization(team_id, query, f"code-{uuid.uuid4().hex}")
        self.authorizations.append(authorization)
        self._codes[authorization.code] = authorization
        back = {"code": authorization.code, "state": query.get("state", "")}
        raise web.HTTPFound(f"{redirect}?{urlencode(back)}")

    async def _oauth_v2_access(self, params: dict[str, Any], credentials: str) -> web.Response:
        """oauth.v2.access as docs.slack.dev/reference/methods/oauth.v2.access answers it for
        a bot-only install: a new bot token for the team, which then works for auth.test and
        every other method."""
        app = self.oauth_app
        client_id, _, secret = credentials.partition(":")
        if client_id != app.client_id:
            return web.json_response({"ok": False, "error": "invalid_client_id"})
        if secret != app.client_secret:
            return web.json_response({"ok": False, "error": "bad_client_secret"})
        authorization = self._codes.pop(str(params.get("code", "")), None)
        if authorization is None:
            return web.json_response({"ok": False, "error": "invalid_code"})
        sent_redirect = params.get("redirect_uri")
        if sent_redirect is not None and sent_redirect != app.redirect_url:
            return web.json_response({"ok": False, "error": "bad_redirect_uri"})
        w = self.workspace(authorization.team_id)
        w.bot_token = f"xoxb-{w.team_id}-{next(self._installs)}-{uuid.uuid4().hex[:12]}"
        return web.json_response(
            {
                "ok": True,
                "access_token": w.bot_token,
                "token_type": "bot",
                "scope": authorization.query.get("scope", ""),
                "bot_user_id": w.bot_user_id,
                "app_id": app.app_id,
                "team": {"name": w.team_name, "id": w.team_id},
                "enterprise": (
                    {"id": w.enterprise_id, "name": "Grid Org"} if w.enterprise_id else None
                ),
                "authed_user": {"id": "W222"},
                "is_enterprise_install": False,
            }
        )

    def _find(self, team_id: str, channel: str, ts: str) -> StoredMessage | None:
        return next((m for m in self.messages.get((team_id, channel), []) if m.ts == ts), None)


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)


def _json_param(value: Any) -> Any:
    """Form-encoded calls carry JSON-valued arguments (blocks, metadata) as strings."""
    if isinstance(value, str) and value:
        return json.loads(value)
    return value


def check_message(params: dict[str, Any]) -> str:
    """Slack's documented message limits; returns the error Slack would give, or ''."""
    if not params.get("channel"):
        return "channel_not_found"
    blocks = _json_param(params.get("blocks")) or []
    text = params.get("text", "")
    if not text and not blocks:
        return "no_text"
    if len(text) > TEXT_LIMIT:
        return "msg_too_long"
    if len(blocks) > BLOCKS_PER_MESSAGE:
        return "invalid_blocks"
    for block in blocks:
        kind = block.get("type")
        if kind == "header" and len(block["text"]["text"]) > HEADER_LIMIT:
            return "invalid_blocks"
        if kind == "section":
            if "text" in block and len(block["text"]["text"]) > SECTION_TEXT_LIMIT:
                return "invalid_blocks"
            fields = block.get("fields", [])
            if len(fields) > FIELDS_PER_SECTION or any(
                len(f["text"]) > FIELD_LIMIT for f in fields
            ):
                return "invalid_blocks"
    return ""


MODAL_TEXT_LIMIT = 24  # title, submit, close
VIEW_BLOCKS = 100
PRIVATE_METADATA_LIMIT = 3000
LABEL_LIMIT = 2000
PLACEHOLDER_LIMIT = 150
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
OPTIONS_PER_SELECT = 100


def check_modal(view: dict[str, Any]) -> str:
    """Slack's documented modal limits (docs.slack.dev/reference/views/modal-views and the
    Block Kit element pages); returns what is wrong, or ''."""
    if view.get("type") != "modal":
        return "type must be modal"
    for key in ("title", "submit", "close"):
        text = (view.get(key) or {}).get("text", "")
        if (key == "title" and not text) or len(text) > MODAL_TEXT_LIMIT:
            return f"{key} must be 1-{MODAL_TEXT_LIMIT} characters: {text!r}"
    blocks = view.get("blocks") or []
    if len(blocks) > VIEW_BLOCKS:
        return "too many blocks"
    if len(view.get("private_metadata") or "") > PRIVATE_METADATA_LIMIT:
        return "private_metadata too long"
    if any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
        return "submit is required with input blocks"
    for block in blocks:
        if block.get("type") != "input":
            continue
        if len(block["label"]["text"]) > LABEL_LIMIT:
            return f"label too long in {block.get('block_id')}"
        problem = check_element(block["element"])
        if problem:
            return f"{block.get('block_id')}: {problem}"
    return ""


def check_element(element: dict[str, Any]) -> str:
    placeholder = (element.get("placeholder") or {}).get("text", "")
    if len(placeholder) > PLACEHOLDER_LIMIT:
        return "placeholder too long"
    options = element.get("options") or []
    if len(options) > OPTIONS_PER_SELECT:
        return "too many options"
    for option in options:
        if len(option["text"]["text"]) > OPTION_TEXT_LIMIT or (
            len(option["value"]) > OPTION_VALUE_LIMIT
        ):
            return "option too long"
    initial = [element["initial_option"]] if "initial_option" in element else []
    if any(o not in options for o in initial + element.get("initial_options", [])):
        return "an initial option is not among the options"
    if element.get("type") == "external_select" and "options" in element:
        return "an external_select's options come from block_suggestion"
    return ""


# ---- HTTP mode helpers ---------------------------------------------------------------------


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers Slack sends with a request: v0 HMAC-SHA256 over `v0:{ts}:{body}`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def signed_headers(
    secret: str,
    body: bytes,
    *,
    content_type: str,
    age_seconds: int = 0,
    retry_num: int | None = None,
) -> dict[str, str]:
    """Headers for a request as Slack would sign it `age_seconds` ago (300+ is stale)."""
    headers = sign(secret, body, int(time.time()) - age_seconds)
    headers["Content-Type"] = content_type
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers
