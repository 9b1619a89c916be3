"""A loopback fake Discord: REST routes + gateway websocket on 127.0.0.1, for the real discord.py.

It speaks the wire format discord.py 2.7 expects (see ../shared/DISCORD_LOOPBACK.md), builds
every payload it sends from the official example payloads in ../shared/fixtures/discord, records
every REST call, and can fail the next call to a route with a 429 or a 403.

    async with FakeDiscord() as fake:
        guild = fake.add_guild("Club A")
        channel = fake.add_text_channel(guild, "papers")
        async with run_client(make_client(), fake) as client:
            await fake.dispatch("MESSAGE_CREATE", fake.message_payload(channel, "hi", user))
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, WSMsgType, web

from tests.loopback.threaded import bound_port

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "discord"
DOCS = FIXTURES / "discord-api-docs"

API = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
ALL_PERMISSIONS = (1 << 51) - 1
EPHEMERAL = 1 << 6
HAS_THREAD = 1 << 5
UPLOAD_LIMIT = 10 * 2**20  # a server without boosts: 10 MiB of uploads per message
LOADING = 1 << 7


def load_fixture(name: str) -> dict[str, Any]:
    """One official example payload; a missing fixture is an error, never a skip."""
    path = DOCS / name
    if not path.is_file():
        raise FileNotFoundError(f"Discord fixture missing: {path} (expected ../shared/fixtures)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py compares the Content-Type exactly: web.json_response's "; charset" breaks it.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(slots=True)
class RestCall:
    """One REST request as the fake received it."""

    method: str
    path: str  # concrete, without /api/v10: "/channels/123/messages"
    route: str  # template: "/channels/{channel_id}/messages"
    query: dict[str, str]
    json: Any
    received_at: float  # time.monotonic()
    status: int = 0
    response: Any = None  # the JSON the fake answered with
    # multipart uploads (files[n]): name, filename, content_type, data
    files: list[dict[str, Any]] = field(default_factory=list)
    authorization: str = ""  # "Bot <token>": which process made the call


CALL = web.RequestKey("call", RestCall)


@dataclass(slots=True)
class _Failure:
    method: str
    route: str
    status: int
    retry_after: float
    code: int
    message: str
    is_global: bool
    skip: int = 0  # matching calls answered normally first


@dataclass(slots=True)
class _Interaction:
    id: str
    token: str
    channel_id: str
    guild_id: str
    original_id: str = ""
    ephemeral: bool = False
    acknowledged: bool = False
    component: bool = False  # a button click: @original is the message the button is on


@dataclass(slots=True)
class _Session:
    ws: web.WebSocketResponse
    seq: int = 0
    identified: bool = False
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    shard: tuple[int, int] | None = None  # IDENTIFY's [shard_id, num_shards]


@dataclass(frozen=True, slots=True)
class Identify:
    """One IDENTIFY as the fake received it."""

    shard: tuple[int, int] | None
    received_at: float  # time.monotonic()
    token: str


def shard_of(guild_id: str | int, shard_count: int) -> int:
    """Discord's rule: `(guild_id >> 22) % num_shards`."""
    return (int(guild_id) >> 22) % shard_count


class FakeDiscord:
    """The fake. State lives in plain dicts keyed by snowflake strings."""

    def __init__(
        self, *, echo_messages: bool = True, recommended_shards: int = 1, max_concurrency: int = 1
    ) -> None:
        self.echo_messages = echo_messages
        # GET /gateway/bot: the shard count Discord recommends, and IDENTIFY buckets per 5 s.
        self.recommended_shards = recommended_shards
        self.max_concurrency = max_concurrency
        self.identifies: list[Identify] = []
        self.websockets_opened = 0
        self.ready_sessions = 0  # sessions sent their READY and GUILD_CREATEs
        self.dispatched: list[tuple[tuple[int, int] | None, str]] = []  # (shard, event) sent
        self.identify_close_code: int | None = None  # e.g. 4014: disallowed (privileged) intents
        self.bot_user: dict[str, Any] = {
            "id": self.snowflake(),
            "username": "paperclub",
            "global_name": "paperclub",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
        }
        self.application_id = self.bot_user["id"]
        self.guilds: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.calls: list[RestCall] = []
        self.tokens_seen: set[str] = set()
        self.identified = asyncio.Event()
        self._interactions: dict[str, _Interaction] = {}
        self._failures: list[_Failure] = []
        self._sessions: list[_Session] = []
        self._call_added = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record_and_fail])
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = bound_port(site)

    async def stop(self) -> None:
        for session in list(self._sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- world building ----------------------------------------------------------------------

    _counter = 0

    @classmethod
    def snowflake(cls) -> str:
        cls._counter = (cls._counter + 1) % 4096
        return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | cls._counter)

    def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> dict[str, Any]:
        """A guild; `shard=(i, n)` picks an id that Discord routes to shard i of n."""
        guild_id = self.snowflake()
        if shard is not None:
            index, count = shard
            stamp = int(guild_id) >> 22
            guild_id = str(((stamp - stamp % count + index) << 22) | (int(guild_id) & 0xFFF))
        guild = {
            "id": guild_id,
            "name": name,
            "icon": None,
            "owner_id": self.snowflake(),
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [
                {
                    "id": guild_id,
                    "name": "@everyone",
                    "color": 0,
                    "hoist": False,
                    "position": 0,
                    "permissions": str(ALL_PERMISSIONS),
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "preferred_locale": "en-US",
            "member_count": 1,
            "unavailable": False,
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
        self.guilds[guild_id] = guild
        return guild

    def add_text_channel(self, guild: dict[str, Any], name: str) -> dict[str, Any]:
        channel = load_fixture("channel_guild_text_example.json")
        channel.update(
            id=self.snowflake(),
            guild_id=guild["id"],
            name=name,
            parent_id=None,
            nsfw=False,
            rate_limit_per_user=0,
            last_message_id=None,
            default_auto_archive_duration=1440,
        )
        self.channels[channel["id"]] = channel
        return channel

    def add_thread(self, channel: dict[str, Any], name: str, thread_id: str = "") -> dict[str, Any]:
        """A thread that exists before the bot connects (sent in GUILD_CREATE)."""
        thread = self._thread_payload(channel, name, thread_id or self.snowflake(), owner="")
        self.channels[thread["id"]] = thread
        return thread

    def user(self, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": self.snowflake(),
            "username": name,
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            **({"bot": True} if bot else {}),
        }

    # -- payload builders (from the fixtures) ------------------------------------------------

    def _thread_payload(
        self, parent: dict[str, Any], name: str, thread_id: str, owner: str
    ) -> dict[str, Any]:
        thread = load_fixture("channel_thread_example.json")
        thread.update(
            id=thread_id,
            guild_id=parent["guild_id"],
            parent_id=parent["id"],
            owner_id=owner or self.bot_user["id"],
            name=name,
            rate_limit_per_user=0,
            message_count=0,
            member_count=1,
            total_message_sent=0,
            last_message_id=None,
        )
        thread["thread_metadata"]["archive_timestamp"] = _now_iso()
        return thread

    def _member(self, user: dict[str, Any]) -> dict[str, Any]:
        # discord.py reads member["flags"]; the docs examples leave it out.
        return {
            "user": user,
            "roles": [],
            "nick": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
        }

    def _message(
        self,
        channel_id: str,
        author: dict[str, Any],
        *,
        content: str = "",
        embeds: list[dict[str, Any]] | None = None,
        nonce: str | None = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        message = load_fixture("message_example.json")
        message.pop("reactions", None)
        message.update(
            id=self.snowflake(),
            channel_id=channel_id,
            author=author,
            content=content,
            embeds=embeds or [],
            timestamp=_now_iso(),
            edited_timestamp=None,
            mentions=[],
            mention_roles=[],
            mention_everyone=False,
            components=[],
            flags=flags,
        )
        if nonce is not None:
            message["nonce"] = nonce
        return message

    def message_payload(
        self, channel: dict[str, Any], content: str, author: dict[str, Any]
    ) -> dict[str, Any]:
        """The `d` of a MESSAGE_CREATE from `author` in `channel` (a text channel or thread)."""
        message = self._message(channel["id"], author, content=content)
        message["guild_id"] = channel["guild_id"]
        message["member"] = {k: v for k, v in self._member(author).items() if k != "user"}
        message["channel_type"] = channel["type"]
        return message

    def reaction_payload(
        self,
        channel: dict[str, Any],
        message_id: str,
        user: dict[str, Any],
        *,
        emoji: str = "👍",
        removed: bool = False,
    ) -> dict[str, Any]:
        """The `d` of a MESSAGE_REACTION_ADD (or _REMOVE, which carries no member) by `user`
        on message `message_id` in `channel`, with a Unicode emoji, as the API docs describe."""
        message = self.messages.get(message_id)
        payload: dict[str, Any] = {
            "user_id": user["id"],
            "channel_id": channel["id"],
            "message_id": message_id,
            "guild_id": channel["guild_id"],
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        if not removed:
            payload["member"] = self._member(user)
            payload["burst_colors"] = []
            if message is not None:
                payload["message_author_id"] = message["author"]["id"]
        return payload

    def thread_create_payload(self, thread: dict[str, Any]) -> dict[str, Any]:
        return {**copy.deepcopy(thread), "newly_created": True}

    def interaction_payload(
        self,
        channel: dict[str, Any],
        command: str,
        options: dict[str, Any] | None = None,
        *,
        user: dict[str, Any] | None = None,
        locale: str = "en-US",
        app_permissions: int = ALL_PERMISSIONS,
        member_permissions: int | None = None,
    ) -> dict[str, Any]:
        """The `d` of an INTERACTION_CREATE for slash command `/command` in `channel`.

        The member's resolved permissions are the fixture's (every permission up to bit 30,
        Manage Channels and Administrator among them) unless `member_permissions` is given.
        """
        interaction = load_fixture("interaction_create_slash_command.json")
        token = f"tok-{self.snowflake()}"
        member = interaction["member"]
        if member_permissions is not None:
            member["permissions"] = str(member_permissions)
        member["user"] = user or self.user("member")
        member["flags"] = 0
        member["roles"] = []
        command_data = next((c for c in self.commands if c["name"] == command), None)
        interaction.update(
            id=self.snowflake(),
            token=token,
            application_id=self.application_id,
            version=1,
            attachment_size_limit=8 * 1024 * 1024,
            guild_id=channel["guild_id"],
            channel_id=channel["id"],
            channel={k: v for k, v in channel.items() if k != "last_message_id"},
            context=0,
            locale=locale,
            app_permissions=str(app_permissions),
            data={
                "type": 1,
                "id": command_data["id"] if command_data else self.snowflake(),
                "name": command,
                "guild_id": channel["guild_id"],
                "options": [
                    {"type": _option_type(value), "name": name, "value": _option_value(value)}
                    for name, value in (options or {}).items()
                ],
            },
        )
        users = [v for v in (options or {}).values() if _is_user(v)]
        if users:  # a USER option carries the id; the user and member come in `resolved`
            interaction["data"]["resolved"] = {
                "users": {u["id"]: u for u in users},
                "members": {
                    u["id"]: {k: v for k, v in self._member(u).items() if k != "user"}
                    for u in users
                },
            }
        self._interactions[token] = _Interaction(
            id=interaction["id"],
            token=token,
            channel_id=channel["id"],
            guild_id=channel["guild_id"],
        )
        return interaction

    def autocomplete_payload(
        self, channel: dict[str, Any], command: str, options: dict[str, Any], focused: str
    ) -> dict[str, Any]:
        """The `d` of an INTERACTION_CREATE for autocomplete (type 4) while typing `focused`."""
        interaction = self.interaction_payload(channel, command, options)
        request = load_fixture("interaction_autocomplete_request.json")
        interaction["type"] = request["type"]
        for option in interaction["data"]["options"]:
            if option["name"] == focused:
                option["focused"] = True
        return interaction

    def component_payload(
        self,
        channel: dict[str, Any],
        message_id: str,
        custom_id: str,
        *,
        user: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """The `d` of an INTERACTION_CREATE for a click (type 3, MESSAGE_COMPONENT) on the
        button `custom_id` of message `message_id`, which the payload carries whole, as the
        interactions docs describe (data: custom_id + component_type)."""
        interaction = self.interaction_payload(channel, "", user=user, locale=locale)
        message = copy.deepcopy(self.messages[message_id])
        interaction.update(type=3, message=message)
        interaction["data"] = {"custom_id": custom_id, "component_type": 2}
        self._interactions[interaction["token"]].original_id = message_id
        self._interactions[interaction["token"]].component = True
        return interaction

    def modal_submit_payload(
        self,
        channel: dict[str, Any],
        modal: dict[str, Any],
        values: dict[str, str] | None = None,
        *,
        user: dict[str, Any] | None = None,
        locale: str = "en-US",
        member_permissions: int | None = None,
    ) -> dict[str, Any]:
        """The `d` of an INTERACTION_CREATE for the submission (type 5, MODAL_SUBMIT) of
        `modal`, the `data` of the bot's type 9 (MODAL) callback. Each text input comes back
        inside its label (type 18) with the value it was prefilled with, unless `values`
        (keyed by the label's text) replaces it, as the interactions docs describe
        (data: custom_id + components)."""
        interaction = self.interaction_payload(
            channel, "", user=user, locale=locale, member_permissions=member_permissions
        )
        changed = values or {}
        submitted = []
        for component in modal["components"]:
            if component["type"] == 18:  # a label around one text input
                field = component["component"]
                value = changed.get(component["label"], field.get("value") or "")
                submitted.append(
                    {
                        "type": 18,
                        "id": component.get("id", 0),
                        "component": {
                            "type": field["type"],
                            "id": field.get("id", 0),
                            "custom_id": field["custom_id"],
                            "value": value,
                        },
                    }
                )
        interaction.update(type=5)
        interaction["data"] = {"custom_id": modal["custom_id"], "components": submitted}
        return interaction

    # -- gateway -----------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch (op 0) to every identified gateway session that receives it: a
        sharded session gets only its guilds' events (DMs go to shard 0), as Discord routes."""
        for session in list(self._sessions):
            if session.identified and _routed_to(session, data.get("guild_id")):
                self.dispatched.append((session.shard, event))
                await self._send_event(session, event, data)

    async def _send_event(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        envelope = load_fixture("gateway_event_payload_example.json")
        async with session.send_lock:
            session.seq += 1
            envelope.update(t=event, s=session.seq, d=data)
            await session.ws.send_str(json.dumps(envelope))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = _Session(ws)
        self._sessions.append(session)
        self.websockets_opened += 1
        try:
            await ws.send_str(json.dumps(load_fixture("gateway_hello.json")))
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                op = payload.get("op")
                if op == 1:
                    await ws.send_str(json.dumps(load_fixture("gateway_heartbeat_ack.json")))
                elif op == 2:
                    self.tokens_seen.add(payload["d"]["token"])
                    shard = payload["d"].get("shard")
                    session.shard = (int(shard[0]), int(shard[1])) if shard else None
                    self.identifies.append(
                        Identify(session.shard, time.monotonic(), payload["d"]["token"])
                    )
                    if self.identify_close_code is not None:
                        await ws.close(
                            code=self.identify_close_code, message=b"Disallowed intent(s)."
                        )
                        break
                    await self._identify(session)
                elif op == 6:
                    await self._send_event(session, "RESUMED", {})
        finally:
            self._sessions.remove(session)
        return ws

    async def _identify(self, session: _Session) -> None:
        session.identified = True
        guilds = [g for g in self.guilds.values() if _routed_to(session, g["id"])]
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "session_id": f"session-{self.snowflake()}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": 0},
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        await self._send_event(session, "READY", ready)
        for guild in guilds:
            await self._send_event(session, "GUILD_CREATE", self._guild_create(guild))
        self.ready_sessions += 1
        self.identified.set()

    def _guild_create(self, guild: dict[str, Any]) -> dict[str, Any]:
        channels = [c for c in self.channels.values() if c["guild_id"] == guild["id"]]
        return {
            **guild,
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"} for c in channels if c["type"] == 0
            ],
            "threads": [c for c in channels if c["type"] == 11],
            "members": [self._member(self.bot_user)],
        }

    # -- failure injection and call log -------------------------------------------------------

    def fail_next(
        self,
        method: str,
        route: str,
        *,
        status: int,
        retry_after: float = 0.5,
        code: int = 0,
        message: str = "",
        is_global: bool = False,
        skip: int = 0,
    ) -> None:
        """Answer the next `method route` call (after `skip` answered normally) with a 429
        (rate limited) or an error status.

        `route` is a template as recorded in RestCall.route, e.g.
        "/channels/{channel_id}/messages/{message_id}/threads". A 429 carries a `Via` header and
        a JSON `retry_after` (what discord.py needs to retry); a 403 defaults to Missing
        Permissions (code 50013).
        """
        if status == 403 and not code:
            code, message = 50013, message or "Missing Permissions"
        self._failures.append(
            _Failure(method, route, status, retry_after, code, message, is_global, skip)
        )

    def calls_to(self, method: str, route: str) -> list[RestCall]:
        return [c for c in self.calls if c.method == method and c.route == route]

    def calls_to_interaction(self, interaction_id: str) -> list[RestCall]:
        """The callbacks (initial responses) made to one interaction."""
        return [
            c
            for c in self.calls_to("POST", "/interactions/{interaction_id}/{token}/callback")
            if c.path.split("/")[2] == interaction_id
        ]

    async def wait_for_call(
        self, predicate: Callable[[RestCall], bool], *, within: float = 5.0, count: int = 1
    ) -> list[RestCall]:
        """Wait until at least `count` recorded calls match; return the matching calls."""
        async with self._call_added:
            await asyncio.wait_for(
                self._call_added.wait_for(
                    lambda: len([c for c in self.calls if predicate(c)]) >= count
                ),
                within,
            )
        return [c for c in self.calls if predicate(c)]

    @web.middleware
    async def _record_and_fail(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if not request.path.startswith(API):
            response: web.StreamResponse = await handler(request)
            return response
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else request.path
        body: Any = None
        files: list[dict[str, Any]] = []
        if request.can_read_body:
            body, files = await _read_body(request)
        call = RestCall(
            method=request.method,
            path=request.path[len(API) :],
            route=template[len(API) :],
            query=dict(request.query),
            json=body,
            received_at=time.monotonic(),
            files=files,
            authorization=request.headers.get("Authorization", ""),
        )
        self.tokens_seen.add(request.headers.get("Authorization", ""))
        failure = next(
            (f for f in self._failures if f.method == call.method and f.route == call.route), None
        )
        if failure is not None and failure.skip:
            failure.skip -= 1
            failure = None
        if failure is not None:
            self._failures.remove(failure)
            response = self._failure_response(failure)
        else:
            request[CALL] = call
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                response = _error(exc.status, 0, exc.reason)
        call.status = response.status
        if isinstance(response, web.Response) and response.content_type == "application/json":
            assert isinstance(response.body, bytes)
            call.response = json.loads(response.body)
        async with self._call_added:
            self.calls.append(call)
            self._call_added.notify_all()
        return response

    @staticmethod
    def _failure_response(failure: _Failure) -> web.Response:
        if failure.status == 429:
            return _json(
                {
                    "message": "You are being rate limited.",
                    "retry_after": failure.retry_after,
                    "global": failure.is_global,
                },
                status=429,
                headers={
                    "Via": "1.1 google",
                    "Retry-After": str(max(1, round(failure.retry_after))),
                    "X-RateLimit-Scope": "shared" if not failure.is_global else "global",
                },
            )
        return _error(failure.status, failure.code, failure.message or "Error")

    # -- REST ----------------------------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/gateway", self._gateway)
        router.add_get(API + "/gateway", self._get_gateway)
        router.add_get(API + "/gateway/bot", self._get_gateway_bot)
        router.add_get(API + "/users/@me", self._get_me)
        router.add_get(API + "/oauth2/applications/@me", self._get_application)
        commands = API + "/applications/{application_id}/commands"
        guild_commands = API + "/applications/{application_id}/guilds/{guild_id}/commands"
        router.add_put(commands, self._put_commands)
        router.add_get(commands, self._get_commands)
        router.add_put(guild_commands, self._put_commands)
        router.add_get(guild_commands, self._get_commands)
        channel = API + "/channels/{channel_id}"
        router.add_get(channel, self._get_channel)
        router.add_post(channel + "/messages", self._create_message)
        router.add_get(channel + "/messages", self._list_messages)
        router.add_get(channel + "/messages/{message_id}", self._get_message)
        router.add_patch(channel + "/messages/{message_id}", self._edit_message)
        router.add_delete(channel + "/messages/{message_id}", self._delete_message)
        router.add_put(
            channel + "/messages/{message_id}/reactions/{emoji}/@me", self._add_own_reaction
        )
        router.add_post(channel + "/messages/{message_id}/threads", self._start_thread)
        router.add_post(channel + "/typing", self._no_content)
        hook = API + "/webhooks/{application_id}/{token}"
        router.add_post(API + "/interactions/{interaction_id}/{token}/callback", self._callback)
        router.add_post(hook, self._followup)
        router.add_get(hook + "/messages/{message_id}", self._get_hook_message)
        router.add_patch(hook + "/messages/{message_id}", self._edit_hook_message)
        router.add_delete(hook + "/messages/{message_id}", self._delete_hook_message)

    async def _no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": f"ws://127.0.0.1:{self.port}/gateway"})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": f"ws://127.0.0.1:{self.port}/gateway",
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - len(self.identifies),
                    "reset_after": 0,
                    "max_concurrency": self.max_concurrency,
                },
            }
        )

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json(self.bot_user)

    async def _get_application(self, request: web.Request) -> web.Response:
        owner = self.user("owner")
        return _json(
            {
                "id": self.application_id,
                "name": "paperclub",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        call: RestCall = request[CALL]
        app_id = request.match_info["application_id"]
        guild_id = request.match_info.get("guild_id")
        registered = []
        for command in call.json or []:
            registered.append(
                {
                    **command,
                    "id": self.snowflake(),
                    "application_id": app_id,
                    "version": self.snowflake(),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        self.commands = registered
        return _json(registered)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self.commands)

    def _channel_or_404(self, channel_id: str) -> dict[str, Any] | None:
        return self.channels.get(channel_id)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel_or_404(request.match_info["channel_id"])
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        return _json(channel)

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self._channel_or_404(request.match_info["channel_id"])
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        body: dict[str, Any] = request[CALL].json or {}
        error = _validate_message(body)
        if error:
            return _error(400, 50035, error)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for existing in self.messages.values():
                if (
                    existing["channel_id"] == channel["id"]
                    and existing.get("nonce") == nonce
                    and existing["author"]["id"] == self.bot_user["id"]
                ):
                    return _json(existing)
        files = request[CALL].files
        if sum(len(f["data"]) for f in files) > UPLOAD_LIMIT:
            return _error(413, 40005, "Request entity too large")
        attachments = _attachments(channel["id"], body, files, self.snowflake)
        embeds = copy.deepcopy(body.get("embeds") or [])
        _resolve_attachment_images(embeds, attachments)
        message = self._message(
            channel["id"],
            self.bot_user,
            content=body.get("content") or "",
            embeds=embeds,
            nonce=nonce,
        )
        message["attachments"] = attachments
        message["components"] = body.get("components") or []
        self.messages[message["id"]] = message
        channel["last_message_id"] = message["id"]
        if self.echo_messages:
            await self.dispatch("MESSAGE_CREATE", self._echo(message, channel))
        return _json(message)

    def _echo(self, message: dict[str, Any], channel: dict[str, Any]) -> dict[str, Any]:
        echoed = copy.deepcopy(message)
        echoed["guild_id"] = channel["guild_id"]
        echoed["member"] = {k: v for k, v in self._member(self.bot_user).items() if k != "user"}
        echoed["channel_type"] = channel["type"]
        return echoed

    async def _list_messages(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        if channel_id not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        limit = int(request.query.get("limit", "50"))
        before = int(request.query.get("before", str(1 << 63)))
        found = sorted(
            (
                m
                for m in self.messages.values()
                if m["channel_id"] == channel_id and int(m["id"]) < before
            ),
            key=lambda m: int(m["id"]),
            reverse=True,
        )
        return _json(found[:limit])

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message_id"])
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return _error(404, 10008, "Unknown Message")
        return _json(message)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message_id"])
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return _error(404, 10008, "Unknown Message")
        body: dict[str, Any] = request[CALL].json or {}
        error = _validate_message(body)
        if error:
            return _error(400, 50035, error)
        _apply_edit(message, body)
        return _json(message)

    async def _delete_message(self, request: web.Request) -> web.Response:
        message = self.messages.pop(request.match_info["message_id"], None)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return web.Response(status=204)

    async def _add_own_reaction(self, request: web.Request) -> web.Response:
        """PUT .../reactions/{emoji}/@me: the bot reacts (204, as the API documents)."""
        if request.match_info["message_id"] not in self.messages:
            return _error(404, 10008, "Unknown Message")
        return web.Response(status=204)

    async def _start_thread(self, request: web.Request) -> web.Response:
        channel = self._channel_or_404(request.match_info["channel_id"])
        message = self.messages.get(request.match_info["message_id"])
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if message is None or message["channel_id"] != channel["id"]:
            return _error(404, 10008, "Unknown Message")
        if message["id"] in self.channels:
            return _error(400, 160004, "A thread has already been created for this message")
        body: dict[str, Any] = request[CALL].json or {}
        name = str(body.get("name", ""))
        if not 1 <= len(name) <= 100:
            return _error(400, 50035, "Invalid Form Body: name must be 1-100 characters")
        thread = self._thread_payload(channel, name, message["id"], owner=self.bot_user["id"])
        thread["thread_metadata"]["auto_archive_duration"] = body.get("auto_archive_duration", 1440)
        self.channels[thread["id"]] = thread
        message["thread"] = thread
        message["flags"] = message.get("flags", 0) | HAS_THREAD
        await self.dispatch("THREAD_CREATE", self.thread_create_payload(thread))
        return _json(thread, status=201)

    async def _callback(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        interaction = self._interactions.get(token)
        if interaction is None or interaction.id != request.match_info["interaction_id"]:
            return _error(404, 10062, "Unknown interaction")
        if interaction.acknowledged:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        interaction.acknowledged = True
        body: dict[str, Any] = request[CALL].json or {}
        data = body.get("data") or {}
        if body.get("type") == 7 and interaction.component:  # UPDATE_MESSAGE: edit it now
            _apply_edit(self.messages[interaction.original_id], data)
        if body.get("type") not in (4, 5):  # autocomplete results and modals post no message
            return _json(
                {
                    "interaction": {"id": interaction.id, "type": 4},
                    "resource": {"type": body.get("type")},
                }
            )
        interaction.ephemeral = bool(int(data.get("flags", 0)) & EPHEMERAL)
        flags = (EPHEMERAL if interaction.ephemeral else 0) | (
            LOADING if body.get("type") == 5 else 0
        )
        original = self._message(
            interaction.channel_id,
            self.bot_user,
            content=data.get("content") or "",
            embeds=data.get("embeds"),
            flags=flags,
        )
        original["type"] = 20
        interaction.original_id = original["id"]
        self.messages[original["id"]] = original
        return _json(
            {
                "interaction": {
                    "id": interaction.id,
                    "type": 2,
                    "response_message_id": original["id"],
                    "response_message_loading": body.get("type") == 5,
                    "response_message_ephemeral": interaction.ephemeral,
                },
                "resource": {"type": body.get("type", 5)},
            }
        )

    def _hook_message(self, request: web.Request) -> dict[str, Any] | web.Response:
        interaction = self._interactions.get(request.match_info["token"])
        if interaction is None:
            return _error(401, 50027, "Invalid Webhook Token")
        message_id = request.match_info["message_id"]
        if message_id == "@original":
            message_id = interaction.original_id
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return message

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self._interactions.get(request.match_info["token"])
        if interaction is None:
            return _error(401, 50027, "Invalid Webhook Token")
        if not interaction.original_id:
            return _error(404, 10015, "Unknown Webhook")
        body: dict[str, Any] = request[CALL].json or {}
        error = _validate_message(body)
        if error:
            return _error(400, 50035, error)
        message = self._message(
            interaction.channel_id,
            self.bot_user,
            content=body.get("content") or "",
            embeds=body.get("embeds"),
            flags=int(body.get("flags", 0)),
        )
        self.messages[message["id"]] = message
        return _json(message)

    async def _get_hook_message(self, request: web.Request) -> web.Response:
        found = self._hook_message(request)
        return found if isinstance(found, web.Response) else _json(found)

    async def _edit_hook_message(self, request: web.Request) -> web.Response:
        found = self._hook_message(request)
        if isinstance(found, web.Response):
            return found
        body: dict[str, Any] = request[CALL].json or {}
        error = _validate_message(body)
        if error:
            return _error(400, 50035, error)
        files = request[CALL].files
        if sum(len(f["data"]) for f in files) > UPLOAD_LIMIT:
            return _error(413, 40005, "Request entity too large")
        _apply_edit(found, body)
        if "attachments" in body:  # the list given is what the message keeps, uploads included
            found["attachments"] = _attachments(found["channel_id"], body, files, self.snowflake)
        found["flags"] = found.get("flags", 0) & ~LOADING
        return _json(found)

    async def _delete_hook_message(self, request: web.Request) -> web.Response:
        found = self._hook_message(request)
        if isinstance(found, web.Response):
            return found
        self.messages.pop(found["id"], None)
        return web.Response(status=204)


def _routed_to(session: _Session, guild_id: str | None) -> bool:
    if session.shard is None:
        return True
    index, count = session.shard
    return (shard_of(guild_id, count) if guild_id else 0) == index


def _is_user(value: Any) -> bool:
    return isinstance(value, dict) and "username" in value


def _option_value(value: Any) -> Any:
    return value["id"] if _is_user(value) else value


def _option_type(value: Any) -> int:
    if _is_user(value):
        return 6  # USER
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


async def _read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
    """The JSON body (a multipart's payload_json), and the files a multipart carries."""
    if request.content_type == "application/json":
        return await request.json(), []
    if request.content_type.startswith("multipart/"):
        files: list[dict[str, Any]] = []
        payload: Any = None
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.filename is not None:
                data = bytes(await part.read())
                kind = part.headers.get("Content-Type", "application/octet-stream")
                files.append(
                    {
                        "name": part.name,
                        "filename": part.filename,
                        "content_type": kind,
                        "data": data,
                    }
                )
        return payload, files
    text = await request.text()
    return text or None, []


def _attachments(
    channel_id: str, body: dict[str, Any], files: list[dict[str, Any]], snowflake: Callable[[], str]
) -> list[dict[str, Any]]:
    """Discord's attachment objects for the uploaded `files` (payload_json's `attachments`
    name them by index: files[n] is attachment id n), as a message carries them."""
    described = {str(a.get("id")): a for a in body.get("attachments") or []}
    made = []
    for upload in files:
        index = str(upload["name"]).removeprefix("files[").removesuffix("]")
        meta = described.get(index, {})
        attachment_id = snowflake()
        filename = meta.get("filename") or upload["filename"]
        made.append(
            {
                "id": attachment_id,
                "filename": filename,
                "size": len(upload["data"]),
                "content_type": upload["content_type"],
                "url": f"https://cdn.discordapp.com/attachments/{channel_id}/{attachment_id}/{filename}",
                "proxy_url": f"https://media.discordapp.net/attachments/{channel_id}/{attachment_id}/{filename}",
            }
        )
    return made


def _resolve_attachment_images(
    embeds: list[dict[str, Any]], attachments: list[dict[str, Any]]
) -> None:
    """An embed image `attachment://name` shows the upload of that name, as Discord does."""
    by_name = {a["filename"]: a for a in attachments}
    for embed in embeds:
        image = embed.get("image") or {}
        url = str(image.get("url", ""))
        if url.startswith("attachment://") and url.removeprefix("attachment://") in by_name:
            upload = by_name[url.removeprefix("attachment://")]
            embed["image"] = {"url": upload["url"], "proxy_url": upload["proxy_url"]}


def _apply_edit(message: dict[str, Any], body: dict[str, Any]) -> None:
    if "content" in body:
        message["content"] = body["content"] or ""
    if "embeds" in body:
        message["embeds"] = body["embeds"] or []
    if "components" in body:
        message["components"] = body["components"] or []
    message["edited_timestamp"] = _now_iso()


def _validate_message(body: dict[str, Any]) -> str:
    """Discord's documented size limits; the real API answers 400 (code 50035) past them."""
    content = body.get("content") or ""
    if len(content) > 2000:
        return "Invalid Form Body: content must be 2000 or fewer in length."
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return "Invalid Form Body: embeds must be 10 or fewer."
    total = 0
    for embed in embeds:
        description = embed.get("description") or ""
        if len(description) > 4096:
            return "Invalid Form Body: embed description must be 4096 or fewer in length."
        if len(embed.get("title") or "") > 256:
            return "Invalid Form Body: embed title must be 256 or fewer in length."
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return "Invalid Form Body: embed fields must be 25 or fewer."
        total += len(embed.get("title") or "") + len(description)
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
        for f in fields:
            if len(f.get("name") or "") > 256 or len(f.get("value") or "") > 1024:
                return "Invalid Form Body: embed field name/value too long."
            total += len(f.get("name") or "") + len(f.get("value") or "")
    if total > 6000:
        return "Invalid Form Body: embeds exceed the maximum size of 6000."
    return ""


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Any:
    """Point discord.py's REST base and gateway URL at the fake; restore them afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def run_client(
    client: discord.Client,
    fake: FakeDiscord,
    *,
    token: str = "loopback-token",
    ready_timeout: float = 10.0,
) -> AsyncIterator[discord.Client]:
    """Start the real `client` against `fake`, wait for it to be ready, close it afterwards."""
    with pointed_at(fake):
        task = asyncio.create_task(client.start(token))
        try:
            ready = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait(
                {task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                ready.cancel()
                task.result()  # raises the start-up error
                raise RuntimeError("discord client stopped before it was ready")
            if ready not in done:
                ready.cancel()
                raise TimeoutError("discord client did not become ready against the fake")
            yield client
        finally:
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 5)
