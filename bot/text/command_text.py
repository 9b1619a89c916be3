"""What the commands say, in each supported language: the help list and the short replies
adapters give after a club command (vote, pick, present, save, read, saved, recap).

Command names stay in English (they are what a member types on every platform); the
descriptions around them are translated. `{p}` in a usage is the platform's command prefix:
"/" on Discord, "/paperclub " on Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import ChannelSettings, DigestReport, ReadingEntry
from bot.text.weekdays import SHORT_DAY_NAMES, day_name


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
            "en": "language (en, ja, ko), day, time, time zone, topics, digest size; the "
            "weekly meeting and an automatic pick of the most-voted paper before it",
            "ja": "言語 (en, ja, ko)・曜日・時刻・タイムゾーン・トピック・件数、毎週の会と"
            "その前の最多得票論文の自動選出",
            "ko": "언어 (en, ja, ko), 요일, 시각, 시간대, 주제, 다이제스트 크기, 매주 모임과 "
            "그 전의 최다 득표 논문 자동 선정",
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


# Posts the club's workflow makes in a channel or thread (sessions, reminders, picks,
# recaps), and the settings and digest confirmations the adapters show.
_REPLIES.update(
    {
        "session_reading": {"en": "Reading session", "ja": "読書会", "ko": "읽기 모임"},
        "session_presenter_set": {
            "en": "Presenter set",
            "ja": "発表者が決まりました",
            "ko": "발표자 지정",
        },
        "session_reminder": {
            "en": "Reminder: the meeting starts in {minutes} min",
            "ja": "リマインダー: あと {minutes} 分で会が始まります",
            "ko": "알림: {minutes}분 후 모임이 시작됩니다",
        },
        "session_thread": {
            "en": "Reading session: {title}",
            "ja": "読書会: {title}",
            "ko": "읽기 모임: {title}",
        },
        "session_paper": {"en": "Paper", "ja": "論文", "ko": "논문"},
        "session_votes": {"en": "Votes", "ja": "得票", "ko": "득표"},
        "session_presenter": {"en": "Presenter", "ja": "発表者", "ko": "발표자"},
        "session_meeting": {"en": "Meeting", "ja": "日時", "ko": "일시"},
        "presenter_none": {
            "en": "nobody yet ({p}present <paper>)",
            "ja": "未定 ({p}present <論文> で決めます)",
            "ko": "미정 ({p}present <논문>으로 정합니다)",
        },
        "meeting_unscheduled": {
            "en": "not scheduled yet ({p}present <paper> <YYYY-MM-DD HH:MM>)",
            "ja": "未定 ({p}present <論文> <YYYY-MM-DD HH:MM> で決めます)",
            "ko": "미정 ({p}present <논문> <YYYY-MM-DD HH:MM>으로 정합니다)",
        },
        "auto_pick_none": {
            "en": "**📚 No paper picked for the meeting on {meeting}**: no paper has votes yet; "
            "react to a paper's post to vote.",
            "ja": "**📚 {meeting} の会の論文は選ばれませんでした**: まだ票の入った論文がありません。"
            "論文の投稿にリアクションして投票してください。",
            "ko": "**📚 {meeting} 모임 논문을 고르지 못했습니다**: 아직 표를 받은 논문이 없습니다. "
            "논문 게시물에 반응을 달아 투표하세요.",
        },
        "auto_pick_none_thread": {
            "en": "No paper picked for {meeting}",
            "ja": "{meeting} の論文は未選出",
            "ko": "{meeting} 논문 미선정",
        },
        "recap_title": {
            "en": "Meeting notes: {title}",
            "ja": "議事メモ: {title}",
            "ko": "회의록: {title}",
        },
        "recap_key_points": {"en": "Key points", "ja": "要点", "ko": "핵심"},
        "recap_no_key_points": {
            "en": "(none yet: no answer in this thread was backed by the paper)",
            "ja": "(まだありません: このスレッドに論文で裏付けられた回答はありません)",
            "ko": "(아직 없음: 이 스레드에 논문으로 뒷받침된 답변이 없습니다)",
        },
        "recap_open_questions": {"en": "Open questions", "ja": "未解決の質問", "ko": "열린 질문"},
        "recap_none": {"en": "none", "ja": "なし", "ko": "없음"},
        "recap_asked_by": {"en": "asked by", "ja": "質問者", "ko": "질문자"},
        "recap_who_asked": {
            "en": "Who asked what",
            "ja": "誰が何を質問したか",
            "ko": "누가 무엇을 물었는지",
        },
        "recap_nobody": {
            "en": "nobody has asked anything in this thread yet",
            "ja": "このスレッドではまだ誰も質問していません",
            "ko": "이 스레드에서는 아직 아무도 질문하지 않았습니다",
        },
        # settings and subscriptions
        "settings_heading": {
            "en": "Settings for this channel",
            "ja": "このチャンネルの設定",
            "ko": "이 채널의 설정",
        },
        "settings_saved": {
            "en": "Settings saved",
            "ja": "設定を保存しました",
            "ko": "설정을 저장했습니다",
        },
        "subscribed": {
            "en": "Subscribed: the weekly digest comes here",
            "ja": "購読しました: 週間ダイジェストがここに届きます",
            "ko": "구독했습니다: 주간 다이제스트가 여기로 옵니다",
        },
        "unsubscribed": {
            "en": "Unsubscribed: no more weekly digests here",
            "ja": "購読を解除しました: 週間ダイジェストはもう届きません",
            "ko": "구독을 취소했습니다: 주간 다이제스트가 더 이상 오지 않습니다",
        },
        "settings_digest": {
            "en": "Weekly digest: {status}, every {day} at {time} ({timezone})",
            "ja": "週間ダイジェスト: {status}、毎週{day} {time} ({timezone})",
            "ko": "주간 다이제스트: {status}, 매주 {day} {time} ({timezone})",
        },
        "digest_on": {"en": "on", "ja": "オン", "ko": "켜짐"},
        "digest_off": {
            "en": "off (turn it on with {p}subscribe)",
            "ja": "オフ ({p}subscribe でオンにします)",
            "ko": "꺼짐 ({p}subscribe로 켭니다)",
        },
        "settings_language": {"en": "Language: {name}", "ja": "言語: {name}", "ko": "언어: {name}"},
        "settings_size": {
            "en": "Papers per digest: {size}",
            "ja": "1回のダイジェストの論文数: {size}",
            "ko": "다이제스트당 논문 수: {size}",
        },
        "settings_topics": {
            "en": "Topics: {topics}",
            "ja": "トピック: {topics}",
            "ko": "주제: {topics}",
        },
        "topics_any": {"en": "any", "ja": "指定なし", "ko": "제한 없음"},
        "settings_meeting": {
            "en": "Meeting: {meeting}",
            "ja": "会: {meeting}",
            "ko": "모임: {meeting}",
        },
        "meeting_weekly": {
            "en": "every {day} at {time} ({timezone})",
            "ja": "毎週{day} {time} ({timezone})",
            "ko": "매주 {day} {time} ({timezone})",
        },
        "meeting_auto_pick": {
            "en": "; the most-voted paper is picked {hours} h before",
            "ja": "。{hours} 時間前に最多得票の論文を自動で選びます",
            "ko": ". {hours}시간 전에 최다 득표 논문을 자동으로 고릅니다",
        },
        "meeting_not_set": {"en": "not set", "ja": "未設定", "ko": "미설정"},
        "settings_change": {"en": "Change with", "ja": "変更するには", "ko": "변경하려면"},
        # digest runs
        "digest_heading": {
            "en": "Digest {week}",
            "ja": "ダイジェスト {week}",
            "ko": "다이제스트 {week}",
        },
        "digest_dry_run": {
            "en": "Dry run: nothing was posted. These would be picked:",
            "ja": "試し実行: 何も投稿していません。選ばれる論文:",
            "ko": "시험 실행: 아무것도 게시하지 않았습니다. 선정될 논문:",
        },
        "digest_posted": {
            "en": "Posted {count}: {ids}",
            "ja": "投稿 {count} 本: {ids}",
            "ko": "게시 {count}편: {ids}",
        },
        "digest_already": {
            "en": "Already posted this week: {ids}",
            "ja": "今週すでに投稿済み: {ids}",
            "ko": "이번 주에 이미 게시됨: {ids}",
        },
        "digest_failed": {
            "en": "Failed {arxiv_id}: {reason}. Run {p}digest again to retry.",
            "ja": "{arxiv_id} を投稿できませんでした: {reason}。{p}digest をもう一度実行してください。",
            "ko": "{arxiv_id} 게시 실패: {reason}. {p}digest를 다시 실행하세요.",
        },
        "digest_source_down": {
            "en": "Source unavailable: {source} ({reason})",
            "ja": "利用できなかった情報源: {source} ({reason})",
            "ko": "사용할 수 없었던 출처: {source} ({reason})",
        },
        "digest_empty": {
            "en": "No new papers: {reason}.",
            "ja": "新しい論文はありません: {reason}。",
            "ko": "새 논문이 없습니다: {reason}.",
        },
    }
)

# Discord's admin commands, refused by the server-side check (settings.admin_rule).
_REPLIES.update(
    {
        "admin_only": {
            "en": "Only members who can **Manage Channels** here may use /{command}. "
            "Ask a server admin or moderator to run it, or to give you that permission.",
            "ja": "/{command} を使えるのは、このチャンネルで **チャンネルの管理** 権限を持つメンバーだけです。"
            "サーバーの管理者かモデレーターに実行を頼むか、権限を付与してもらってください。",
            "ko": "/{command} 명령은 이 채널에서 **채널 관리하기** 권한이 있는 멤버만 쓸 수 있습니다. "
            "서버 관리자나 운영진에게 실행을 부탁하거나 권한을 받으세요.",
        },
    }
)

NATIVE_LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "ko": "한국어"}
PLATFORM_PREFIXES = {"slack": "/paperclub "}  # every other platform: "/"


def reply(key: str, language: str, **values: object) -> str:
    return _pick(_REPLIES[key], language).format(**values)


def command_prefix_for(platform: str) -> str:
    """How members type a command on `platform`: "/" on Discord, "/paperclub " on Slack."""
    return PLATFORM_PREFIXES.get(str(platform), "/")


def meeting_text(moment: datetime, language: str) -> str:
    """A meeting time already in the channel's zone: `Thu 2027-03-11 18:00 JST`,
    `2027-03-11 (木) 18:00 JST`."""
    short = SHORT_DAY_NAMES.get(language)
    if short is None:
        return moment.strftime("%a %Y-%m-%d %H:%M %Z")
    return f"{moment:%Y-%m-%d} ({short[moment.weekday()]}) {moment:%H:%M %Z}"


def settings_lines(
    settings: ChannelSettings, language: str, command_prefix: str = "/"
) -> list[str]:
    """A channel's settings, one per line, in `language`."""
    s = settings
    status = reply("digest_on" if s.subscribed else "digest_off", language, p=command_prefix)
    meeting = reply("meeting_not_set", language)
    if s.meeting_weekday is not None and s.meeting_time is not None:
        meeting = reply(
            "meeting_weekly",
            language,
            day=day_name(s.meeting_weekday, language),
            time=s.meeting_time,
            timezone=s.timezone,
        )
        if s.auto_pick_hours:
            meeting += reply("meeting_auto_pick", language, hours=s.auto_pick_hours)
    return [
        reply(
            "settings_digest",
            language,
            status=status,
            day=day_name(s.weekday, language),
            time=s.time,
            timezone=s.timezone,
        ),
        reply(
            "settings_language", language, name=NATIVE_LANGUAGE_NAMES.get(s.language, s.language)
        ),
        reply("settings_size", language, size=s.digest_size),
        reply(
            "settings_topics", language, topics=", ".join(s.topics) or reply("topics_any", language)
        ),
        reply("settings_meeting", language, meeting=meeting),
    ]


def digest_lines(
    report: DigestReport, language: str, command_prefix: str = "/", *, dry_run: bool = False
) -> list[str]:
    """What a digest run did, for the member who asked for it."""
    lines = [f"**{reply('digest_heading', language, week=report.week)}**"]
    if dry_run:
        lines.append(reply("digest_dry_run", language))
        lines.extend(
            f"{i}. {r.paper.title} ({r.paper.arxiv_id})" for i, r in enumerate(report.ranked, 1)
        )
    if report.posted:
        ids = ", ".join(report.posted)
        lines.append(reply("digest_posted", language, count=len(report.posted), ids=ids))
    if report.already_posted:
        lines.append(reply("digest_already", language, ids=", ".join(report.already_posted)))
    for arxiv_id, reason in report.failed.items():
        lines.append(
            reply("digest_failed", language, arxiv_id=arxiv_id, reason=reason, p=command_prefix)
        )
    for source, reason in report.unavailable_sources.items():
        lines.append(reply("digest_source_down", language, source=source, reason=reason))
    if not report.posted and report.empty_reason:
        lines.append(reply("digest_empty", language, reason=report.empty_reason))
    return lines


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


# The Slack adapter's refusals.
_REPLIES.update(
    {
        "slack_managers_only": {
            "en": (
                "Only workspace admins and owners, and members listed in "
                "PAPERCLUB_SLACK_ADMIN_USERS, can run {command}. Ask one of them to run it, "
                "or ask whoever runs the bot to add you to that list."
            ),
            "ja": (
                "{command} を実行できるのは、ワークスペースの管理者とオーナー、"
                "PAPERCLUB_SLACK_ADMIN_USERS に登録されたメンバーだけです。"
                "その人たちに実行を頼むか、ボットの運用者に登録を頼んでください。"
            ),
            "ko": (
                "{command}는 워크스페이스 관리자와 소유자, PAPERCLUB_SLACK_ADMIN_USERS에 "
                "등록된 멤버만 실행할 수 있습니다. 그분들께 실행을 부탁하거나, 봇 운영자에게 "
                "목록에 추가해 달라고 요청하세요."
            ),
        },
        "slack_other_workspace": {
            "en": (
                "paperclub is installed for another Slack workspace and does nothing here. "
                "Ask whoever runs the bot to install it for this workspace."
            ),
            "ja": (
                "paperclub は別の Slack ワークスペース用にインストールされているため、"
                "ここでは動作しません。ボットの運用者にこのワークスペースへのインストールを頼んでください。"
            ),
            "ko": (
                "paperclub은 다른 Slack 워크스페이스용으로 설치되어 있어 여기서는 동작하지 않습니다. "
                "봇 운영자에게 이 워크스페이스에 설치해 달라고 요청하세요."
            ),
        },
    }
)


_REPLIES.update(
    {
        "answer_interrupted": {
            "en": "This answer was interrupted (paperclub restarted); please ask again.",
            "ja": "この回答は中断されました (paperclub が再起動しました)。もう一度質問してください。",
            "ko": "이 답변은 중단되었습니다 (paperclub이 다시 시작됨). 다시 질문해 주세요.",
        },
    }
)
