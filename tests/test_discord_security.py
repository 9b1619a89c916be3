"""Discord security (issue 13), each through the real discord.py client and the loopback
Discord: admin commands are for managers, /search never shows another channel's threads,
/ask never reads a path, and nothing the adapter writes carries a secret or pings."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.discord_bot import PaperclubBot
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.domain import ConversationRef, Platform
from tests.loopback.discord_server import EPHEMERAL, FakeDiscord, RestCall, run_client
from tests.loopback.openai_server import OpenAIServer, echo_model
from tests.test_discord_adapter import PAPER, PAPER_WORD, invoke, message_calls, reply_to

MANAGE_CHANNELS = 1 << 4
ADMINISTRATOR = 1 << 3
FIXTURE_MEMBER_PERMISSIONS = 2147483647  # the recorded interaction's member: bits 0-30
PLAIN_MEMBER = FIXTURE_MEMBER_PERMISSIONS & ~MANAGE_CHANNELS & ~ADMINISTRATOR
ADMIN_COMMANDS = {"subscribe", "unsubscribe", "settings", "digest", "pick", "present"}
OPENAI_KEY = "sk-discord-secret-0123456789abcdef"
DISCORD_TOKEN = "discord-token-MTIzNDU2Nzg5.secret"
SECRETS = (OPENAI_KEY, DISCORD_TOKEN)
LIVE_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
NOT_A_PAPER = "is not an arXiv paper reference"


@dataclass
class Guild:
    fake: FakeDiscord
    club: Services
    guild: dict[str, Any]
    public: dict[str, Any]
    private: dict[str, Any]


async def _guild(settings: Settings) -> AsyncIterator[Guild]:
    async with FakeDiscord() as fake, bootstrap(settings) as club:
        guild = fake.add_guild("Club A")
        public = fake.add_text_channel(guild, "papers")
        private = fake.add_text_channel(guild, "staff-only")
        bot = PaperclubBot(club, guild_ready_timeout=0.05)
        club.chats.attach(Platform.DISCORD, bot.chat)
        async with run_client(bot, fake):
            yield Guild(fake, club, guild, public, private)


@pytest.fixture
async def managers(make_settings: Callable[..., Settings]) -> AsyncIterator[Guild]:
    async for world in _guild(make_settings()):
        yield world


@pytest.fixture
async def everyone(make_settings: Callable[..., Settings]) -> AsyncIterator[Guild]:
    async for world in _guild(make_settings(admin_rule="everyone")):
        yield world


async def open_paper(world: Guild, channel: dict[str, Any]) -> str:
    invocation = await invoke(world.fake, channel, "paper", {"reference": PAPER})
    done = await reply_to(world.fake, invocation, lambda t: "<#" in t)
    return str(done.json["content"]).split("<#", 1)[1].split(">", 1)[0]


def bodies(calls: list[RestCall]) -> str:
    return "\n".join(json.dumps(c.json, ensure_ascii=False) for c in calls if c.json is not None)


# -- 1. admin commands -----------------------------------------------------------------------


async def test_exactly_the_admin_commands_carry_default_member_permissions(
    managers: Guild,
) -> None:
    [put] = managers.fake.calls_to("PUT", "/applications/{application_id}/commands")
    defaults = {c["name"]: c.get("default_member_permissions") for c in put.json}
    assert {name for name, value in defaults.items() if value is not None} == ADMIN_COMMANDS
    for name in ADMIN_COMMANDS:
        assert int(defaults[name]) == MANAGE_CHANNELS, name


ADMIN_INVOCATIONS: dict[str, dict[str, Any]] = {
    "subscribe": {},
    "unsubscribe": {},
    "settings": {"size": 3},
    "digest": {},
    "pick": {},
    "present": {"paper": PAPER, "member": None},  # member filled in per test
}


@pytest.mark.parametrize("command", sorted(ADMIN_INVOCATIONS))
async def test_a_member_without_manage_channels_is_refused_before_any_work(
    managers: Guild, command: str
) -> None:
    fake = managers.fake
    options = dict(ADMIN_INVOCATIONS[command])
    if "member" in options:
        options["member"] = fake.user("carol")
    conversation = ConversationRef(Platform.DISCORD, managers.guild["id"], managers.public["id"])
    before = await managers.club.channels.channel_settings(conversation)
    start = len(fake.calls)
    invocation = await invoke(
        fake, managers.public, command, options, member_permissions=PLAIN_MEMBER, locale="en-US"
    )
    callback = invocation.callback.json
    assert callback["type"] == 4 and callback["data"]["flags"] == EPHEMERAL  # only to them
    text = callback["data"]["content"]
    assert "**Manage Channels**" in text and f"/{command}" in text
    assert "Ask a server admin" in text
    assert [c for c in fake.calls[start:] if c.route != invocation.callback.route] == []
    assert await managers.club.channels.channel_settings(conversation) == before


async def test_the_refusal_speaks_the_members_language(managers: Guild) -> None:
    invocation = await invoke(
        managers.fake, managers.public, "digest", member_permissions=PLAIN_MEMBER, locale="ja"
    )
    assert "チャンネルの管理" in invocation.callback.json["data"]["content"]


async def test_manage_channels_alone_is_enough(managers: Guild) -> None:
    invocation = await invoke(
        managers.fake,
        managers.public,
        "subscribe",
        member_permissions=PLAIN_MEMBER | MANAGE_CHANNELS,
    )
    assert invocation.callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}  # deferred
    await reply_to(managers.fake, invocation, lambda t: bool(t))
    conversation = ConversationRef(Platform.DISCORD, managers.guild["id"], managers.public["id"])
    assert (await managers.club.channels.channel_settings(conversation)).subscribed


async def test_admin_rule_everyone_lets_any_member_run_admin_commands(everyone: Guild) -> None:
    invocation = await invoke(
        everyone.fake, everyone.public, "settings", {"size": 4}, member_permissions=PLAIN_MEMBER
    )
    await reply_to(everyone.fake, invocation, lambda t: bool(t))
    conversation = ConversationRef(Platform.DISCORD, everyone.guild["id"], everyone.public["id"])
    assert (await everyone.club.channels.channel_settings(conversation)).digest_size == 4


# -- 2. /search stays in its channel ---------------------------------------------------------


async def test_search_never_lists_a_thread_of_another_channel(managers: Guild) -> None:
    fake = managers.fake
    private_thread = await open_paper(managers, managers.private)
    start = len(fake.calls)
    invocation = await invoke(fake, managers.public, "search", {"words": PAPER_WORD})
    answer = await reply_to(fake, invocation, lambda t: bool(t))
    assert "No paper in this server's archive" in answer.json["content"]
    shown = bodies(fake.calls[start:])
    assert private_thread not in shown and PAPER not in shown

    here = await invoke(fake, managers.private, "search", {"words": PAPER_WORD})
    found = await reply_to(fake, here, lambda t: PAPER in t)
    assert f"<#{private_thread}>" in found.json["content"]


# -- 3. /ask reads arXiv papers only ---------------------------------------------------------


async def test_ask_with_a_path_is_refused_and_never_reads_the_file(
    managers: Guild, tmp_path: Path
) -> None:
    fake = managers.fake
    marker = "MARKER-7f3a9c-never-read"
    secret_file = tmp_path / "notes.md"
    secret_file.write_text(f"# Notes\n{marker}\nWe show that the diameter is bounded.\n")
    start = len(fake.calls)
    for path in (str(secret_file), "/etc/passwd", "~/notes.md", f"file://{secret_file}"):
        invocation = await invoke(
            fake, managers.public, "ask", {"question": "What does it say?", "paper": path}
        )
        note = await reply_to(fake, invocation, lambda t: NOT_A_PAPER in t)
        assert note.json["flags"] == EPHEMERAL
    shown = bodies(fake.calls[start:])
    assert marker not in shown and "root:" not in shown


async def test_ask_about_a_named_paper_answers_with_citations(managers: Guild) -> None:
    invocation = await invoke(
        managers.fake,
        managers.public,
        "ask",
        {"question": "What is a Markov basis?", "paper": PAPER},
    )
    assert invocation.callback.json == {"type": 5}  # public, like /ask in a thread
    done = await reply_to(managers.fake, invocation, lambda t: t.startswith("> What is"))
    assert "\n\n" in done.json["content"]


# -- every message the adapter writes is cleaned ---------------------------------------------


def leaky_model(body: dict[str, Any]) -> str:
    """Cites the paper verbatim (so the answer is shown) and echoes every secret."""
    if body.get("response_format"):
        return echo_model(body)
    quote = "We show that the diameter of these graphs on fibers"
    return (
        f"The key is {OPENAI_KEY} and the token {DISCORD_TOKEN}. Ping @everyone and @here. "
        f'The paper says [1] that the diameter is bounded.\n[1] "{quote}"'
    )


async def test_no_secret_or_mass_mention_in_anything_ask_sends(
    make_settings: Callable[..., Settings],
) -> None:
    model = OpenAIServer(reply=leaky_model).start()
    try:
        settings = make_settings(
            llm="openai",
            openai_api_key=OPENAI_KEY,
            openai_base_url=model.base_url,
            discord_token=DISCORD_TOKEN,
            llm_retries=0,
            llm_timeout_seconds=5,
        )
        async with FakeDiscord() as fake, bootstrap(settings) as club:
            guild = fake.add_guild("Club A")
            channel = fake.add_text_channel(guild, "papers")
            bot = PaperclubBot(club, guild_ready_timeout=0.05)
            club.chats.attach(Platform.DISCORD, bot.chat)
            async with run_client(bot, fake, token=DISCORD_TOKEN):
                world = Guild(fake, club, guild, channel, channel)
                thread_id = await open_paper(world, channel)
                question = f"Is {OPENAI_KEY} the key? @everyone"
                named = await invoke(fake, channel, "ask", {"question": question, "paper": PAPER})
                answered = await reply_to(fake, named, lambda t: "diameter is bounded" in t)
                in_thread = await invoke(
                    fake, fake.channels[thread_id], "ask", {"question": question}
                )
                quoted = await reply_to(fake, in_thread, lambda t: t.startswith(">"))
                await fake.wait_for_call(
                    lambda c: (
                        c.method == "PATCH"
                        and c.path.startswith(f"/channels/{thread_id}/messages/")
                        and "diameter is bounded" in (c.json or {}).get("content", "")
                    ),
                    within=15,
                )
    finally:
        model.stop()
    assert "[redacted]" in answered.json["content"]  # the model's text shown, cleaned
    assert "@\u200beveryone" in answered.json["content"]
    assert "[redacted]" in quoted.json["content"]  # the member's question, quoted, cleaned
    sent = bodies(fake.calls)
    for secret in SECRETS:
        assert secret not in sent
    assert LIVE_MASS_MENTION.search(sent) is None
    for call in message_calls(fake):
        assert call.json["allowed_mentions"] == {"parse": []}, (call.method, call.path)


# -- the last-resort handlers say nothing of the failure itself ------------------------------


async def test_an_unexpected_failure_answering_a_message_is_an_apology_not_its_details(
    managers: Guild, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = managers.fake
    thread_id = await open_paper(managers, managers.public)

    async def broken(*args: object) -> None:
        raise RuntimeError(f"internal detail {OPENAI_KEY}")

    monkeypatch.setattr(managers.club.answers, "answer", broken)
    start = len(fake.calls)
    member = fake.user("alice")
    thread = fake.channels[thread_id]
    await fake.dispatch("MESSAGE_CREATE", fake.message_payload(thread, "What is it?", member))
    [apology] = await fake.wait_for_call(
        lambda c: (
            c.method == "POST"
            and c.path == f"/channels/{thread_id}/messages"
            and fake.calls.index(c) >= start
        )
    )
    assert apology.json["content"].startswith("Sorry, something went wrong inside paperclub")
    assert "internal detail" not in bodies(fake.calls[start:])
    assert apology.json["allowed_mentions"] == {"parse": []}
    [logged] = [r for r in caplog.records if "on_message event failed" in r.getMessage()]
    assert logged.exc_info is not None  # the details are in the log, with the traceback


def test_the_documented_invite_integer_is_what_the_bot_asks_for() -> None:
    from adapters.discord_bot.permissions import INVITE_PERMISSIONS

    documented = (Path(__file__).parents[1] / "docs" / "discord.md").read_text("utf-8")
    assert f"permissions={INVITE_PERMISSIONS.value}" in documented
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    assert f"`{INVITE_PERMISSIONS.value}`" in readme
