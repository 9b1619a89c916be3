"""Slack's modals (issue 17), through the real slack-bolt AsyncApp in Socket Mode against
the loopback Slack: the "Ask paperclub about this paper" shortcut (message_action ->
views.open -> view_submission -> the answer streamed in the paper's thread),
`/paperclub ask` in a channel landing in the paper's thread, `/paperclub settings` as a
modal (good and bad submissions), and the paper pickers (block_suggestion, submission).
Payloads are built from Slack's recorded fixtures (tests/loopback/slack_payloads.py);
every modal is checked by the loopback's views.open against Slack's documented limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import yaml  # type: ignore[import-untyped]
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack_app import build_slack_app, make_client, serve_http
from adapters.slack_app.ask_ui import ASK_SHORTCUT, ASK_VIEW, ask_modal
from adapters.slack_app.pickers import PICKED, PICKER_VIEW, picker_modal
from adapters.slack_app.settings_ui import SETTINGS_VIEW, settings_modal
from adapters.slack_app.shortcuts import SAVE_SHORTCUT
from adapters.slack_app.views import ModalContext
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.domain import Author, ConversationRef, Platform
from bot.text import SUPPORTED_LANGUAGES, t
from tests.loopback.slack_payloads import (
    block_suggestion,
    message_shortcut,
    slash_command,
    view_submission,
)
from tests.loopback.slack_server import (
    Ack,
    FakeSlack,
    StoredMessage,
    Workspace,
    check_modal,
    eventually,
    signed_headers,
)
from tests.test_slack_adapter import REPO
from tests.test_slack_club_ui import PAPER, TITLE, TOKEN, Club

C1 = ConversationRef(Platform.SLACK, "T111", "C111")
QUESTION = "What does the paper prove about mixing?"
WITHIN = 20.0  # generous: two busy cores; conditions are awaited, never timed


@pytest.fixture
async def club(make_settings: Callable[..., Settings]) -> AsyncIterator[Club]:
    workspace = Workspace("T111", "Club One", TOKEN)
    workspace.members = {"W222": {"is_admin": True}, "W333": {}}
    async with FakeSlack.running(workspaces=[workspace]) as slack:
        async with bootstrap(make_settings()) as paper_club:
            client = make_client(TOKEN, api_url=slack.api_url)
            app, chat = build_slack_app(paper_club, client, post_interval=0.0, workspaces=("T111",))
            paper_club.chats.attach(Platform.SLACK, chat)
            handler = AsyncSocketModeHandler(app, slack.app_token)
            await handler.connect_async()  # type: ignore[no-untyped-call]
            try:
                yield Club(slack, paper_club)
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]


async def opened(club: Club, count: int) -> dict[str, Any]:
    await eventually(lambda: len(club.slack.opened_views) >= count, WITHIN)
    return club.slack.opened_views[count - 1]


async def submit(club: Club, view: dict[str, Any], values: dict[str, Any], user: str) -> Ack:
    body = view_submission(view, values, user=user)
    return await club.slack.wait_ack(await club.slack.send_interactive(body), within=WITHIN)


async def bare_command(club: Club, text: str, user: str = "W222") -> Ack:
    """`/paperclub <text>` whose answer is a modal: acked with nothing to show."""
    form = slash_command(
        "/paperclub", text, response_url=club.slack.response_url(text), user_id=user
    )
    return await club.slack.wait_ack(await club.slack.send_command(form), within=WITHIN)


def streamed_answer(club: Club, root: StoredMessage, after: int) -> StoredMessage | None:
    """The answer posted in the thread after the question was shown, once it is final."""
    replies = club.slack.thread("T111", "C111", root.ts)[after:]
    if len(replies) < 2 or "asked" not in replies[0].text:
        return None
    answer = replies[1]
    final = "Sources" in json.dumps(answer.blocks) or "Extractive" in json.dumps(answer.blocks)
    return answer if final else None


def placeholder_then_edit(club: Club, answer: StoredMessage) -> bool:
    """Streamed like a thread answer: first posted as '…', then edited with chat.update."""
    posted = [c for c in club.slack.calls_to("chat.postMessage") if c.params.get("text") == "…"]
    edited = [c for c in club.slack.calls_to("chat.update") if c.params.get("ts") == answer.ts]
    return bool(posted) and bool(edited)


# ---- the "Ask paperclub about this paper" shortcut ----------------------------------------------


async def test_ask_shortcut_opens_a_modal_and_the_answer_streams_in_the_papers_thread(
    club: Club,
) -> None:
    root = await club.paper()
    replies = club.slack.thread("T111", "C111", root.ts)
    on_a_reply = message_shortcut(ASK_SHORTCUT, replies[0].ts, thread_ts=root.ts, user="W333")
    ack = await club.slack.wait_ack(await club.slack.send_interactive(on_a_reply))
    assert ack.payload is None  # a shortcut's ack carries nothing; the modal follows
    view = await opened(club, 1)
    assert view["callback_id"] == ASK_VIEW
    assert view["title"]["text"] == "Ask paperclub"
    assert view["submit"]["text"] == "Ask"
    assert f"About *{TITLE}*" in json.dumps(view["blocks"], ensure_ascii=False)
    [call] = club.slack.calls_to("views.open")
    assert call.params["trigger_id"] == on_a_reply["trigger_id"]  # the shortcut's own trigger

    blank = await submit(
        club, view, {"question": {"type": "plain_text_input", "value": "  "}}, "W333"
    )
    assert blank.payload == {
        "response_action": "errors",
        "errors": {"question": "Write a question first."},
    }

    before = len(club.slack.thread("T111", "C111", root.ts))
    typed = {"question": {"type": "plain_text_input", "value": QUESTION}}
    done = await submit(club, view, typed, "W333")
    assert done.payload is None  # the modal closes
    await eventually(lambda: streamed_answer(club, root, before) is not None, WITHIN)
    question, answer = club.slack.thread("T111", "C111", root.ts)[before : before + 2]
    assert question.text.startswith("❓ w333 asked:")
    assert QUESTION in question.text
    assert answer is streamed_answer(club, root, before)
    assert placeholder_then_edit(club, answer)
    assert len(club.slack.top_level("T111", "C111")) == 1  # no second thread
    assert [m.text for m in club.slack.top_level("T111", "C111")] == [root.text]


async def test_the_ask_shortcut_outside_a_paper_thread_says_so_in_the_channels_language(
    club: Club,
) -> None:
    await club.club.channels.update_settings(C1, language="ko")
    elsewhere = message_shortcut(ASK_SHORTCUT, "1583636382.000300", user="W333")
    await club.slack.wait_ack(await club.slack.send_interactive(elsewhere))
    await eventually(lambda: bool(club.slack.ephemerals), WITHIN)
    [note] = club.slack.ephemerals
    assert note["user"] == "W333"
    assert "이 메시지는 paperclub 논문 스레드에 있지 않습니다" in note["text"]
    assert club.slack.opened_views == []


# ---- /paperclub ask in a channel ---------------------------------------------------------------


async def test_ask_in_a_channel_is_answered_in_the_papers_thread_and_links_it(club: Club) -> None:
    first = await club.result(await club.command(f"ask {PAPER} {QUESTION}"), within=WITHIN)
    [root] = club.slack.top_level("T111", "C111")  # no thread yet: one opened with the card
    assert root.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": TITLE, "emoji": False},
    }
    await eventually(lambda: _answered(club, root), WITHIN)
    thread = club.slack.thread("T111", "C111", root.ts)
    [asked] = [m for m in thread if "asked:" in m.text]
    answer = thread[thread.index(asked) + 1]
    assert placeholder_then_edit(club, answer)
    permalink = f"https://clubone.slack.com/archives/C111/p{root.ts.replace('.', '')}"
    assert [c.params["message_ts"] for c in club.slack.calls_to("chat.getPermalink")] == [root.ts]
    text = first.body["blocks"][0]["text"]["text"]
    assert text == f"💬 Answered in <{permalink}|the paper's thread>."
    assert first.body["response_type"] == "ephemeral"

    # Asked again: the same thread, a second answer in it.
    before = len(club.slack.thread("T111", "C111", root.ts))
    await club.result(await club.command(f"ask {PAPER} Why heat-bath?"), within=WITHIN)
    await eventually(lambda: streamed_answer(club, root, before) is not None, WITHIN)
    assert len(club.slack.top_level("T111", "C111")) == 1


def _answered(club: Club, root: StoredMessage) -> bool:
    """The card's own replies come first; the question and its final answer follow them."""
    thread = club.slack.thread("T111", "C111", root.ts)
    asked = [i for i, m in enumerate(thread) if "asked:" in m.text]
    return bool(asked) and streamed_answer(club, root, asked[0]) is not None


# ---- /paperclub settings as a modal ------------------------------------------------------------


def initial(view: dict[str, Any], block_id: str) -> Any:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    element = block["element"]
    for key in ("initial_option", "initial_options", "initial_value", "initial_time"):
        if key in element:
            value = element[key]
            if key == "initial_option":
                return value["value"]
            if key == "initial_options":
                return [o["value"] for o in value]
            return value
    return None


def settings_values(**changed: Any) -> dict[str, Any]:
    """A submission as Slack sends each element's state; `changed` overrides the defaults."""
    fields: dict[str, Any] = {
        "language": "en",
        "weekday": "0",
        "time": "09:00",
        "timezone": "UTC",
        "size": "5",
        "topics": "",
        "muted": "",
        "categories": "",
        "sources": [],
        "meeting_day": "off",
        "meeting_time": None,
        "auto_pick": "0",
    }
    fields.update(changed)
    state: dict[str, Any] = {}
    for block, value in fields.items():
        if block in ("language", "weekday", "meeting_day"):
            state[block] = {"type": "static_select", "selected_option": {"value": value}}
        elif block in ("time", "meeting_time"):
            state[block] = {"type": "timepicker", "selected_time": value}
        elif block in ("size", "auto_pick"):
            state[block] = {"type": "number_input", "value": value}
        elif block == "sources":
            state[block] = {
                "type": "multi_static_select",
                "selected_options": [{"value": v} for v in value],
            }
        else:
            state[block] = {"type": "plain_text_input", "value": value}
    return state


async def test_settings_modal_prefilled_refuses_bad_values_per_field_and_saves_good_ones(
    club: Club,
) -> None:
    await club.club.channels.update_settings(C1, language="ja", topics="llm, agents:2")
    ack = await bare_command(club, "settings")
    assert ack.payload is None  # no "Working on…": the modal is the answer
    view = await opened(club, 1)
    assert view["callback_id"] == SETTINGS_VIEW
    assert view["title"]["text"] == "チャンネル設定"
    assert initial(view, "language") == "ja"
    assert initial(view, "timezone") == "UTC"
    assert initial(view, "time") == "09:00"
    assert initial(view, "topics") == "llm, agents:2"
    assert initial(view, "meeting_day") == "off"

    bad = settings_values(
        language="ja", timezone="Tokyo", topics="agents:9", categories="not a category!"
    )
    refused = await submit(club, view, bad, "W222")
    assert refused.payload is not None and refused.payload["response_action"] == "errors"
    errors = refused.payload["errors"]
    assert set(errors) == {"timezone", "topics", "categories"}
    assert "Asia/Tokyo" in errors["timezone"]  # "did you mean", in Japanese
    assert (
        errors["topics"]
        == "トピックの重みは 0 から 5 までです（例: agents:2）。'9' は大きすぎます。"
    )
    assert errors["categories"].startswith("arXiv カテゴリ '")  # quoting what was typed
    assert (await club.club.channels.channel_settings(C1)).timezone == "UTC"  # nothing saved

    no_time = await submit(club, view, settings_values(language="ja", meeting_day="3"), "W222")
    assert no_time.payload == {
        "response_action": "errors",
        "errors": {"meeting_time": t("error_meeting_needs_day_and_time", "ja")},
    }

    good = settings_values(
        language="ko",
        weekday="4",
        time="07:30",
        timezone="Asia/Seoul",
        size="7",
        topics="llm, agents:2",
        categories="cs.cl",
        sources=["arxiv", "huggingface"],
        meeting_day="3",
        meeting_time="18:00",
        auto_pick="24",
    )
    saved = await submit(club, view, good, "W222")
    assert saved.payload is None
    await eventually(lambda: bool(club.slack.ephemerals), WITHIN)
    s = await club.club.channels.channel_settings(C1)
    assert (s.language, s.weekday, s.time, s.timezone, s.digest_size) == (
        "ko",
        4,
        "07:30",
        "Asia/Seoul",
        7,
    )
    assert s.topics == ("llm", "agents") and s.topic_weights == (("agents", 2.0),)
    assert s.categories == ("cs.CL",) and s.sources == ("arxiv", "huggingface")
    assert (s.meeting_weekday, s.meeting_time, s.auto_pick_hours) == (3, "18:00", 24)
    [confirmation] = club.slack.ephemerals
    assert confirmation["user"] == "W222"
    assert "설정을 저장했습니다" in confirmation["text"]


async def test_settings_stay_text_for_members_who_may_not_change_them(club: Club) -> None:
    form = slash_command(
        "/paperclub", "settings", response_url=club.slack.response_url("member"), user_id="W333"
    )
    await club.slack.wait_ack(await club.slack.send_command(form), within=WITHIN)
    result = await club.result("member", within=WITHIN)
    assert "Settings for this channel" in json.dumps(result.body)
    assert club.slack.opened_views == []
    # The text form keeps working for an admin.
    changed = await club.result(await club.command("settings timezone=Asia/Tokyo"), within=WITHIN)
    assert "Asia/Tokyo" in json.dumps(changed.body)


async def test_a_settings_submission_from_a_member_who_may_not_change_them_is_refused(
    club: Club,
) -> None:
    await bare_command(club, "settings")
    view = await opened(club, 1)
    refused = await submit(club, view, settings_values(language="ja"), "W333")
    assert refused.payload is not None
    assert refused.payload["errors"]["language"].startswith("Only workspace admins")
    assert (await club.club.channels.channel_settings(C1)).language == "en"


# ---- paper pickers --------------------------------------------------------------------------


async def suggestions(club: Club, view: dict[str, Any], typed: str) -> list[dict[str, Any]]:
    body = block_suggestion(view, "paper", typed)
    ack = await club.slack.wait_ack(await club.slack.send_interactive(body), within=WITHIN)
    assert ack.payload is not None
    options: list[dict[str, Any]] = ack.payload["options"]
    return options


def picked(option: dict[str, Any]) -> dict[str, Any]:
    return {"paper": {"type": "external_select", "selected_option": option}}


async def test_vote_picker_suggests_the_channels_papers_and_votes_for_the_one_picked(
    club: Club,
) -> None:
    root = await club.paper()
    ack = await bare_command(club, "vote", user="W333")
    assert ack.payload is None
    view = await opened(club, 1)
    assert view["callback_id"] == PICKER_VIEW
    assert view["title"]["text"] == "Vote for a paper"
    [block] = view["blocks"]
    assert block["element"]["type"] == "external_select"
    assert block["element"]["min_query_length"] == 0

    everything = await suggestions(club, view, "")
    assert everything == [
        {
            "text": {"type": "plain_text", "text": f"{PAPER} · {TITLE}", "emoji": True},
            "value": PAPER,
        }
    ]
    assert await suggestions(club, view, "heat-bath") == everything
    assert await suggestions(club, view, "diffusion transformers") == []

    done = await submit(club, view, picked(everything[0]), "W333")
    assert done.payload is None
    await eventually(lambda: bool(club.slack.ephemerals), WITHIN)
    assert club.slack.ephemerals[-1]["user"] == "W333"
    assert f"Your vote for *{TITLE}* counts: 1" in club.slack.ephemerals[-1]["text"]
    [tally] = await club.club.votes.standings(C1)
    assert tally.votes == 1
    await eventually(lambda: "🗳️ Vote · 1" in json.dumps(root.blocks, ensure_ascii=False), WITHIN)

    # The text command's vote moves the card's count as well.
    await club.result(await club.command(f"vote {PAPER}", user="W444"), within=WITHIN)
    await eventually(lambda: "🗳️ Vote · 2" in json.dumps(root.blocks, ensure_ascii=False), WITHIN)


async def test_present_picker_names_the_presenter_chosen_and_save_picker_saves(
    club: Club,
) -> None:
    await club.paper()
    await bare_command(club, "present")
    view = await opened(club, 1)
    assert [b["block_id"] for b in view["blocks"]] == ["paper", "presenter", "meeting"]
    assert view["blocks"][1]["element"]["initial_user"] == "W222"  # the member who typed it
    [option] = await suggestions(club, view, "")
    values = {
        **picked(option),
        "presenter": {"type": "users_select", "selected_user": "W333"},
        "meeting": {"type": "plain_text_input", "value": "2099-03-11 18:00"},
    }
    await submit(club, view, values, "W222")
    await eventually(lambda: bool(club.slack.ephemerals), WITHIN)
    assert club.slack.ephemerals[-1]["text"].startswith(f"🎤 w333 presents *{TITLE}*")
    session = await club.club.sessions.session(C1, PAPER)
    assert session.presenter == "w333"

    await bare_command(club, "save", user="W333")
    save = await opened(club, 2)
    [option] = await suggestions(club, save, "markov")
    await submit(club, save, picked(option), "W333")
    member = Author("W333", "w333")

    async def saved() -> bool:
        return [e.arxiv_id for e in await club.club.reading_list.saved(C1, member)] == [PAPER]

    await eventually(lambda: len(club.slack.ephemerals) >= 2, WITHIN)
    assert await saved()


async def test_pick_picker_picks_the_most_voted_or_the_paper_chosen_for_the_channel(
    club: Club,
) -> None:
    root = await club.paper()
    await club.click(root, "W333")
    await bare_command(club, "pick")
    view = await opened(club, 1)
    assert view["title"]["text"] == "Pick the next paper"
    [paper, meeting] = view["blocks"]
    assert paper["optional"] is True and meeting["block_id"] == "meeting"
    before = len(club.slack.top_level("T111", "C111"))
    values = {"meeting": {"type": "plain_text_input", "value": "2099-03-11 18:00"}}
    await submit(club, view, values, "W222")  # no paper chosen: the most-voted one
    await eventually(lambda: len(club.slack.top_level("T111", "C111")) >= before + 2, WITHIN)
    session, announcement = club.slack.top_level("T111", "C111")[before : before + 2]
    assert f"Reading session: {TITLE}" in session.text
    assert f"Picked for the next session: *{TITLE}* (1 vote)" in announcement.text  # public
    shown = "\n".join(b["text"]["text"] for b in announcement.blocks if "text" in b)
    assert f"*🗳️ The tally at the pick*\n1. *{TITLE}*: 1 vote" in shown


async def test_pick_with_a_paper_named_in_text_picks_it_without_votes(club: Club) -> None:
    await club.paper()
    pick = await club.result(await club.command(f"pick {PAPER} 2099-03-11 18:00"), within=WITHIN)
    assert pick.body["response_type"] == "in_channel"
    assert f"Picked for the next session: *{TITLE}* (0 votes)" in json.dumps(
        pick.body, ensure_ascii=False
    )


async def test_present_picker_is_for_admins_only(club: Club) -> None:
    form = slash_command(
        "/paperclub", "present", response_url=club.slack.response_url("p"), user_id="W333"
    )
    await club.slack.wait_ack(await club.slack.send_command(form), within=WITHIN)
    result = await club.result("p", within=WITHIN)
    assert "Only workspace admins" in json.dumps(result.body)
    assert club.slack.opened_views == []


# ---- every modal fits Slack's limits in every language ------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
async def test_every_modal_fits_slacks_limits_in_every_language(club: Club, language: str) -> None:
    context = ModalContext("T111", "C111", "1.000100", "vote")
    settings = await club.club.channels.update_settings(
        C1, language=language, meeting_weekday="thu", meeting_time="18:00"
    )
    views = [
        ask_modal("A" * 400, language, context),
        settings_modal(settings, language, context),
        *(picker_modal(sub, "W222", language, context) for sub in PICKED),
    ]
    for view in views:
        assert check_modal(view) == "", (view["callback_id"], check_modal(view))
    titles = {v["title"]["text"] for v in views}
    assert len(titles) == len(views)  # each modal says what it is for


# ---- the manifest declares the shortcuts and interactivity ---------------------------------


def test_manifest_declares_both_shortcuts_within_slacks_manifest_schema() -> None:
    """Limits from slackapi/manifest-schema (schemas/manifest.schema.1.0.0.json):
    a shortcut's name 1-24 characters, its description 1-150, a usage hint 1-1,000, a long description 175-4,000."""
    manifest = yaml.safe_load((REPO / "slack_manifest.yaml").read_text())
    shortcuts = {s["callback_id"]: s for s in manifest["features"]["shortcuts"]}
    assert set(shortcuts) == {ASK_SHORTCUT, SAVE_SHORTCUT}
    for shortcut in shortcuts.values():
        assert shortcut["type"] == "message"
        assert 1 <= len(shortcut["name"]) <= 24, shortcut["name"]
        assert 1 <= len(shortcut["description"]) <= 150
    [command] = manifest["features"]["slash_commands"]
    assert 1 <= len(command["usage_hint"]) <= 1000
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}  # Socket Mode
    display = manifest["display_information"]
    assert 175 <= len(display["long_description"]) <= 4000
    assert len(display["description"]) <= 140


# ---- HTTP mode: the options load URL ---------------------------------------------------------

SECRET = "loopback-signing-secret"


async def test_http_mode_answers_block_suggestion_and_view_submission_at_the_one_endpoint(
    make_settings: Callable[..., Settings],
) -> None:
    """The manifest's `message_menu_options_url` is bolt's /slack/events: a signed
    block_suggestion gets the options as JSON in the HTTP response itself, and a bad
    submission gets `response_action: errors` the same way."""
    workspace = Workspace("T111", "Club One", TOKEN)
    async with FakeSlack.running(workspaces=[workspace]) as slack, bootstrap(make_settings()) as s:
        client = make_client(TOKEN, api_url=slack.api_url)
        app, chat = build_slack_app(s, client, signing_secret=SECRET, post_interval=0.0)
        s.chats.attach(Platform.SLACK, chat)
        runner, port = await serve_http(app, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{port}/slack/events"

        async def post(body: bytes, content_type: str) -> tuple[int, str]:
            headers = signed_headers(SECRET, body, content_type=content_type)
            async with http.post(url, data=body, headers=headers) as response:
                return response.status, await response.text()

        def interactive(payload: dict[str, Any]) -> bytes:
            return urlencode({"payload": json.dumps(payload)}).encode()

        form_type = "application/x-www-form-urlencoded"
        try:
            async with aiohttp.ClientSession() as http:
                paper = slash_command(
                    "/paperclub", f"paper {PAPER}", response_url=slack.response_url("h")
                )
                assert (await post(urlencode(paper).encode(), form_type))[0] == 200
                await eventually(lambda: len(slack.top_level("T111", "C111")) == 1, WITHIN)
                vote = slash_command("/paperclub", "vote", response_url=slack.response_url("v"))
                status, text = await post(urlencode(vote).encode(), form_type)
                assert (status, text) == (200, "")  # the modal is the answer
                await eventually(lambda: len(slack.opened_views) == 1, WITHIN)
                view = slack.opened_views[0]

                status, text = await post(
                    interactive(block_suggestion(view, "paper", "")), form_type
                )
                assert status == 200
                assert [o["value"] for o in json.loads(text)["options"]] == [PAPER]

                await bare_settings(post, slack)
                settings_view = slack.opened_views[1]
                bad = view_submission(settings_view, settings_values(size="99"))
                status, text = await post(interactive(bad), form_type)
                assert status == 200
                assert json.loads(text) == {
                    "response_action": "errors",
                    "errors": {"size": "The digest size must be between 1 and 25 papers."},
                }
        finally:
            await runner.cleanup()


async def bare_settings(post: Any, slack: FakeSlack) -> None:
    form = slash_command("/paperclub", "settings", response_url=slack.response_url("s"))
    assert (await post(urlencode(form).encode(), "application/x-www-form-urlencoded"))[0] == 200
    await eventually(lambda: len(slack.opened_views) == 2, WITHIN)


async def test_a_modal_slack_refuses_to_open_is_explained_to_the_member(club: Club) -> None:
    """The trigger lives 3 s; when views.open is refused (expired_trigger_id), the member
    is told in the command's private reply instead of seeing nothing."""
    club.slack.fail_next("views.open", status=200, error="expired_trigger_id")
    name = "late"
    form = slash_command("/paperclub", "settings", response_url=club.slack.response_url(name))
    await club.slack.wait_ack(await club.slack.send_command(form), within=WITHIN)
    result = await club.result(name, within=WITHIN)
    text = json.dumps(result.body)
    assert "Slack refused views.open (expired_trigger_id)" in text and "Try again" in text
    assert club.slack.opened_views == []
