"""What the commands say, in each supported language: the help list and the short replies
adapters give after a club command (vote, pick, present, save, read, saved, recap).

Command names stay in English (they are what a member types on every platform); the
descriptions around them are translated. `{p}` in a usage is the platform's command prefix:
"/" on Discord, "/paperclub " on Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.store.club_tables import ReadingEntry


@dataclass(frozen=True, slots=True)
class HelpLine:
    usage: str
    text: dict[str, str]
    # Where a command cannot tell which thread it was typed in (Slack's slash commands
    # carry no thread), the paper is named instead.
    usage_outside_thread: str = ""
    text_outside_thread: dict[str, str] | None = None


_TITLE = {
    "en": "**paperclub** — the paper club's bot",
    "ja": "**paperclub** — 論文クラブのボット",
    "ko": "**paperclub** — 논문 클럽 봇",
}

_PAPERS_HEADING = {"en": "Papers and questions", "ja": "論文と質問", "ko": "논문과 질문"}
_CLUB_HEADING = {"en": "The club's week", "ja": "クラブの活動", "ko": "클럽 활동"}

_PAPER_LINES = (
    HelpLine(
        "{p}paper <arXiv id or link>",
        {
            "en": "open a thread on one paper now",
            "ja": "論文1本のスレッドを今すぐ作成します",
            "ko": "논문 한 편의 스레드를 지금 엽니다",
        },
    ),
    HelpLine(
        "{p}digest",
        {
            "en": "post this week's top papers in this channel now",
            "ja": "今週の注目論文をこのチャンネルに今すぐ投稿します",
            "ko": "이번 주 주요 논문을 이 채널에 지금 게시합니다",
        },
    ),
    HelpLine(
        "{p}ask <question>",
        {
            "en": "in a paper's thread (or just write there): an answer from the paper, "
            "with citations",
            "ja": "論文スレッドで質問します (スレッドに書き込むだけでも可)。論文を引用して回答します",
            "ko": "논문 스레드에서 질문합니다 (스레드에 그냥 써도 됩니다). 논문을 인용해 답합니다",
        },
        usage_outside_thread="{p}ask <arXiv id> <question>",
        text_outside_thread={
            "en": "an answer from the paper, with citations (or write your question in the "
            "paper's thread)",
            "ja": "論文を引用して回答します (論文スレッドに質問を書き込んでも可)",
            "ko": "논문을 인용해 답합니다 (논문 스레드에 질문을 써도 됩니다)",
        },
    ),
    HelpLine(
        "{p}subscribe, {p}unsubscribe",
        {
            "en": "turn the weekly digest in this channel on or off",
            "ja": "このチャンネルの週間ダイジェストをオン/オフします",
            "ko": "이 채널의 주간 다이제스트를 켜거나 끕니다",
        },
    ),
    HelpLine(
        "{p}settings",
        {
            "en": "language (en, ja, ko), day, time, time zone, topics, digest size",
            "ja": "言語 (en, ja, ko)・曜日・時刻・タイムゾーン・トピック・件数",
            "ko": "언어 (en, ja, ko), 요일, 시각, 시간대, 주제, 다이제스트 크기",
        },
    ),
    HelpLine(
        "{p}search <words>, {p}search tag:rlhf",
        {
            "en": "papers already discussed here",
            "ja": "ここで扱った論文を検索します",
            "ko": "이곳에서 다룬 논문을 검색합니다",
        },
    ),
)

_CLUB_LINES = (
    HelpLine(
        "{p}vote <arXiv id>",
        {
            "en": "vote for a paper posted in this channel (a reaction on its post counts "
            "too; removing it takes the vote back)",
            "ja": "このチャンネルの論文に投票します (論文の投稿へのリアクションも1票。外すと取り消し)",
            "ko": "이 채널에 게시된 논문에 투표합니다 (논문 게시물에 반응을 달아도 1표, 지우면 취소)",
        },
    ),
    HelpLine(
        "{p}pick [count] [YYYY-MM-DD HH:MM]",
        {
            "en": "announce the most-voted paper(s) for the next session and open a "
            "reading-session thread",
            "ja": "最多得票の論文を次回の論文として発表し、読書会スレッドを作成します",
            "ko": "최다 득표 논문을 다음 모임 논문으로 발표하고 읽기 모임 스레드를 엽니다",
        },
    ),
    HelpLine(
        "{p}present <arXiv id> <member> [YYYY-MM-DD HH:MM]",
        {
            "en": "make a member the paper's presenter and set the meeting time "
            "(a reminder is posted before it)",
            "ja": "発表者と会の日時を決めます (開始前にリマインダーを投稿します)",
            "ko": "발표자와 모임 일시를 정합니다 (시작 전에 알림을 게시합니다)",
        },
    ),
    HelpLine(
        "{p}save <arXiv id>, {p}read <arXiv id>",
        {
            "en": "add a paper to your reading list; mark it read",
            "ja": "論文を読書リストに保存します / 既読にします",
            "ko": "논문을 읽기 목록에 저장합니다 / 읽음으로 표시합니다",
        },
    ),
    HelpLine(
        "{p}saved",
        {
            "en": "your reading list",
            "ja": "あなたの読書リスト",
            "ko": "내 읽기 목록",
        },
    ),
    HelpLine(
        "{p}recap",
        {
            "en": "in a paper's thread: meeting notes (key points, open questions, who asked what)",
            "ja": "論文スレッドで: 議事メモ (要点・未解決の質問・誰が何を質問したか)",
            "ko": "논문 스레드에서: 회의록 (핵심, 열린 질문, 누가 무엇을 물었는지)",
        },
        usage_outside_thread="{p}recap <arXiv id>",
        text_outside_thread={
            "en": "meeting notes in the paper's thread (key points, open questions, "
            "who asked what)",
            "ja": "論文スレッドに議事メモを投稿します (要点・未解決の質問・誰が何を質問したか)",
            "ko": "논문 스레드에 회의록을 게시합니다 (핵심, 열린 질문, 누가 무엇을 물었는지)",
        },
    ),
    HelpLine(
        "{p}help",
        {"en": "this list", "ja": "この一覧", "ko": "이 목록"},
    ),
)


def help_text(language: str = "en", command_prefix: str = "/", *, in_thread: bool = True) -> str:
    """Every command with what it does. `in_thread=False` for platforms whose commands do not
    know the thread they were typed in: /ask and /recap then name the paper."""

    def lines(help_lines: Sequence[HelpLine]) -> list[str]:
        out = []
        for line in help_lines:
            usage = (
                line.usage
                if in_thread or not line.usage_outside_thread
                else (line.usage_outside_thread)
            )
            commands = ", ".join(
                f"`{part.strip().format(p=command_prefix)}`" for part in usage.split(",")
            )
            out.append(f"• {commands}: {_pick(line.text, language)}")
        return out

    return "\n".join(
        [
            _pick(_TITLE, language),
            f"**{_pick(_PAPERS_HEADING, language)}**",
            *lines(_PAPER_LINES),
            f"**{_pick(_CLUB_HEADING, language)}**",
            *lines(_CLUB_LINES),
        ]
    )


_REPLIES: dict[str, dict[str, str]] = {
    "voted": {
        "en": "🗳️ Your vote for **{title}** counts: {votes} in this channel.",
        "ja": "🗳️ **{title}** に投票しました (このチャンネルで {votes} 票)。",
        "ko": "🗳️ **{title}**에 투표했습니다 (이 채널에서 {votes}표).",
    },
    "picked": {
        "en": "📚 Picked for the next session: **{title}** ({votes} votes): {link}",
        "ja": "📚 次回の論文に決まりました: **{title}** ({votes} 票): {link}",
        "ko": "📚 다음 모임 논문으로 선정: **{title}** ({votes}표): {link}",
    },
    "presenter": {
        "en": "🎤 {presenter} presents **{title}** ({meeting}): {link}",
        "ja": "🎤 **{title}** の発表者は {presenter} です ({meeting}): {link}",
        "ko": "🎤 **{title}** 발표자: {presenter} ({meeting}): {link}",
    },
    "no_meeting_time": {
        "en": "meeting time not set yet",
        "ja": "日時は未定",
        "ko": "일시 미정",
    },
    "saved": {
        "en": "🔖 Saved to your reading list: **{title}**",
        "ja": "🔖 読書リストに保存しました: **{title}**",
        "ko": "🔖 읽기 목록에 저장했습니다: **{title}**",
    },
    "read": {
        "en": "✅ Marked as read: **{title}**",
        "ja": "✅ 既読にしました: **{title}**",
        "ko": "✅ 읽음으로 표시했습니다: **{title}**",
    },
    "reading_list": {
        "en": "**Your reading list** ({unread} unread of {total})",
        "ja": "**あなたの読書リスト** (未読 {unread} / 全 {total} 本)",
        "ko": "**내 읽기 목록** (안 읽음 {unread} / 전체 {total})",
    },
    "reading_list_empty": {
        "en": "Your reading list is empty. Add a paper with `{p}save <arXiv id>`.",
        "ja": "読書リストは空です。`{p}save <arXiv id>` で論文を追加できます。",
        "ko": "읽기 목록이 비어 있습니다. `{p}save <arXiv id>`로 논문을 추가하세요.",
    },
    "recap_posted": {
        "en": "📝 Meeting notes posted in the thread: {points} key points, "
        "{questions} open questions.",
        "ja": "📝 スレッドに議事メモを投稿しました: 要点 {points} 件、未解決の質問 {questions} 件。",
        "ko": "📝 스레드에 회의록을 게시했습니다: 핵심 {points}개, 열린 질문 {questions}개.",
    },
}


def reply(key: str, language: str, **values: object) -> str:
    return _pick(_REPLIES[key], language).format(**values)


def reading_list_text(
    entries: Sequence[ReadingEntry],
    language: str,
    command_prefix: str = "/",
    *,
    escape: Callable[[str], str] = str,
) -> str:
    """A member's reading list, unread first; `escape` makes a title safe for the platform."""
    if not entries:
        return reply("reading_list_empty", language, p=command_prefix)
    unread = [e for e in entries if e.read_at is None]
    done = [e for e in entries if e.read_at is not None]
    lines = [reply("reading_list", language, unread=len(unread), total=len(entries))]
    for entry in [*unread, *done]:
        mark = "✅" if entry.read_at is not None else "📄"
        lines.append(
            f"{mark} **{escape(entry.title)}** ({entry.arxiv_id}), "
            f"{entry.saved_at.date().isoformat()}"
        )
    return "\n".join(lines)


def _pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language, texts["en"])
