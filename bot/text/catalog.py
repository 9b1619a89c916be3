"""Every member-visible string of paperclub, in each supported language.

One entry per key: {language: text}. `{name}` is filled from the caller's values;
`{n:one|other}` picks the singular when the value `n` is 1 (English needs it; Japanese
and Korean do not inflect). `{p}` is the platform's command prefix ("/" on Discord,
"/paperclub " on Slack). ML terms stay as the field writes them in every language.
tests/test_text_catalog.py checks that every key has every language and the same
placeholders in each.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # Errors ---------------------------------------------------------------------------
    "apology": {
        "en": (
            "Sorry, something went wrong inside paperclub. It has been logged; please try "
            "again in a minute, and if it keeps happening, tell whoever runs the bot."
        ),
        "ja": (
            "申し訳ありません。paperclub の内部でエラーが起きました (記録済みです)。"
            "少し待ってからもう一度お試しください。続く場合はボットの運用者に知らせてください。"
        ),
        "ko": (
            "죄송합니다. paperclub 내부에서 오류가 발생했습니다 (기록되었습니다). "
            "잠시 후 다시 시도해 주세요. 계속되면 봇 운영자에게 알려 주세요."
        ),
    },
    # Help ----------------------------------------------------------------------------
    "help_title": {
        "en": "**paperclub** — the paper club's bot",
        "ja": "**paperclub** — 論文クラブのボット",
        "ko": "**paperclub** — 논문 클럽 봇",
    },
    "help_papers_heading": {
        "en": "Papers and questions",
        "ja": "論文と質問",
        "ko": "논문과 질문",
    },
    "help_club_heading": {
        "en": "The club's week",
        "ja": "クラブの活動",
        "ko": "클럽 활동",
    },
    "help_paper": {
        "en": "open a thread on one paper now",
        "ja": "論文1本のスレッドを今すぐ作成します",
        "ko": "논문 한 편의 스레드를 지금 엽니다",
    },
    "help_digest": {
        "en": "post this week's top papers in this channel now",
        "ja": "今週の注目論文をこのチャンネルに今すぐ投稿します",
        "ko": "이번 주 주요 논문을 이 채널에 지금 게시합니다",
    },
    "help_ask": {
        "en": "in a paper's thread (or just write there): an answer from the paper, with citations",
        "ja": "論文スレッドで質問します (スレッドに書き込むだけでも可)。論文を引用して回答します",
        "ko": "논문 스레드에서 질문합니다 (스레드에 그냥 써도 됩니다). 논문을 인용해 답합니다",
    },
    "help_ask_outside": {
        "en": "an answer from the paper, with citations (or write your question in the paper's thread)",
        "ja": "論文を引用して回答します (論文スレッドに質問を書き込んでも可)",
        "ko": "논문을 인용해 답합니다 (논문 스레드에 질문을 써도 됩니다)",
    },
    "help_subscribe": {
        "en": "turn the weekly digest in this channel on or off",
        "ja": "このチャンネルの週間ダイジェストをオン/オフします",
        "ko": "이 채널의 주간 다이제스트를 켜거나 끕니다",
    },
    "help_settings": {
        "en": "language (en, ja, ko), day, time, time zone, topics, digest size; the weekly meeting and an automatic pick of the most-voted paper before it",
        "ja": "言語 (en, ja, ko)・曜日・時刻・タイムゾーン・トピック・件数、毎週の会とその前の最多得票論文の自動選出",
        "ko": "언어 (en, ja, ko), 요일, 시각, 시간대, 주제, 다이제스트 크기, 매주 모임과 그 전의 최다 득표 논문 자동 선정",
    },
    "help_search": {
        "en": "papers already discussed here",
        "ja": "ここで扱った論文を検索します",
        "ko": "이곳에서 다룬 논문을 검색합니다",
    },
    "help_vote": {
        "en": "vote for a paper posted in this channel (a reaction on its post counts too; removing it takes the vote back)",
        "ja": "このチャンネルの論文に投票します (論文の投稿へのリアクションも1票。外すと取り消し)",
        "ko": "이 채널에 게시된 논문에 투표합니다 (논문 게시물에 반응을 달아도 1표, 지우면 취소)",
    },
    "help_pick": {
        "en": "announce the most-voted paper(s) for the next session and open a reading-session thread",
        "ja": "最多得票の論文を次回の論文として発表し、読書会スレッドを作成します",
        "ko": "최다 득표 논문을 다음 모임 논문으로 발표하고 읽기 모임 스레드를 엽니다",
    },
    "help_present": {
        "en": "make a member the paper's presenter and set the meeting time (a reminder is posted before it)",
        "ja": "発表者と会の日時を決めます (開始前にリマインダーを投稿します)",
        "ko": "발표자와 모임 일시를 정합니다 (시작 전에 알림을 게시합니다)",
    },
    "help_save": {
        "en": "add a paper to your reading list; mark it read",
        "ja": "論文を読書リストに保存します / 既読にします",
        "ko": "논문을 읽기 목록에 저장합니다 / 읽음으로 표시합니다",
    },
    "help_saved": {
        "en": "your reading list",
        "ja": "あなたの読書リスト",
        "ko": "내 읽기 목록",
    },
    "help_recap": {
        "en": "in a paper's thread: meeting notes (key points, open questions, who asked what)",
        "ja": "論文スレッドで: 議事メモ (要点・未解決の質問・誰が何を質問したか)",
        "ko": "논문 스레드에서: 회의록 (핵심, 열린 질문, 누가 무엇을 물었는지)",
    },
    "help_recap_outside": {
        "en": "meeting notes in the paper's thread (key points, open questions, who asked what)",
        "ja": "論文スレッドに議事メモを投稿します (要点・未解決の質問・誰が何を質問したか)",
        "ko": "논문 스레드에 회의록을 게시합니다 (핵심, 열린 질문, 누가 무엇을 물었는지)",
    },
    "help_help": {
        "en": "this list",
        "ja": "この一覧",
        "ko": "이 목록",
    },
    # Labels of posts -----------------------------------------------------------------
    "authors": {
        "en": "Authors",
        "ja": "著者",
        "ko": "저자",
    },
    "published": {
        "en": "Published",
        "ja": "公開日",
        "ko": "게시일",
    },
    "updated": {
        "en": "Updated",
        "ja": "更新日",
        "ko": "수정일",
    },
    "category": {
        "en": "Category",
        "ja": "カテゴリ",
        "ko": "카테고리",
    },
    "summary": {
        "en": "Summary",
        "ja": "要約",
        "ko": "요약",
    },
    "key_points": {
        "en": "Key points (Q&A)",
        "ja": "論文のポイント (Q&A)",
        "ko": "핵심 포인트 (Q&A)",
    },
    "tags": {
        "en": "Tags",
        "ja": "タグ",
        "ko": "태그",
    },
    "sources": {
        "en": "Sources",
        "ja": "出典",
        "ko": "출처",
    },
    "basis": {
        "en": "read from",
        "ja": "参照した本文",
        "ko": "참조한 본문",
    },
    "model_note": {
        "en": "Written by",
        "ja": "作成モデル:",
        "ko": "작성 모델:",
    },
    "extractive_note": {
        "en": "Extractive summary: the paper's own sentences, no language model",
        "ja": "抽出型の要約: 言語モデルなしで論文の原文 (英語) から抜粋",
        "ko": "추출 요약: 언어 모델 없이 논문 원문(영어)에서 발췌",
    },
    "extractive_answer_note": {
        "en": "Extractive answer: the paper's closest passages, no language model",
        "ja": "抽出型の回答: 言語モデルなしで論文の該当箇所を引用",
        "ko": "추출 답변: 언어 모델 없이 논문의 관련 구절을 인용",
    },
    "ask_hint": {
        "en": "Ask a question in this thread and paperclub answers from the paper.",
        "ja": "このスレッドで質問すると、論文に基づいて回答します。",
        "ko": "이 스레드에서 질문하면 논문을 근거로 답합니다.",
    },
    "no_new_papers": {
        "en": "No new papers this week",
        "ja": "今週は新しい論文がありません",
        "ko": "이번 주에는 새 논문이 없습니다",
    },
    "sources_down": {
        "en": "Unavailable sources this run",
        "ja": "今回利用できなかった情報源",
        "ko": "이번에 사용할 수 없었던 출처",
    },
    "not_in_paper": {
        "en": "The paper does not say this in the passages I found.",
        "ja": "見つかった箇所には、論文中にその記述はありません。",
        "ko": "찾은 구절에서는 논문이 이에 대해 언급하지 않습니다.",
    },
    # Replies, refusals and notices ---------------------------------------------------
    "voted": {
        "en": "🗳️ Your vote for **{title}** counts: {votes} in this channel.",
        "ja": "🗳️ **{title}** に投票しました (このチャンネルで {votes} 票)。",
        "ko": "🗳️ **{title}**에 투표했습니다 (이 채널에서 {votes}표).",
    },
    "picked": {
        "en": "📚 Picked for the next session: **{title}** ({votes} {votes:vote|votes}): {link}",
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
        "en": "📝 Meeting notes posted in the thread: {points} {points:key point|key points}, {questions} {questions:open question|open questions}.",
        "ja": "📝 スレッドに議事メモを投稿しました: 要点 {points} 件、未解決の質問 {questions} 件。",
        "ko": "📝 스레드에 회의록을 게시했습니다: 핵심 {points}개, 열린 질문 {questions}개.",
    },
    "session_reading": {
        "en": "Reading session",
        "ja": "読書会",
        "ko": "읽기 모임",
    },
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
    "session_paper": {
        "en": "Paper",
        "ja": "論文",
        "ko": "논문",
    },
    "session_votes": {
        "en": "Votes",
        "ja": "得票",
        "ko": "득표",
    },
    "session_presenter": {
        "en": "Presenter",
        "ja": "発表者",
        "ko": "발표자",
    },
    "session_meeting": {
        "en": "Meeting",
        "ja": "日時",
        "ko": "일시",
    },
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
        "en": "**📚 No paper picked for the meeting on {meeting}**: no paper has votes yet; react to a paper's post to vote.",
        "ja": "**📚 {meeting} の会の論文は選ばれませんでした**: まだ票の入った論文がありません。論文の投稿にリアクションして投票してください。",
        "ko": "**📚 {meeting} 모임 논문을 고르지 못했습니다**: 아직 표를 받은 논문이 없습니다. 논문 게시물에 반응을 달아 투표하세요.",
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
    "recap_key_points": {
        "en": "Key points",
        "ja": "要点",
        "ko": "핵심",
    },
    "recap_no_key_points": {
        "en": "(none yet: no answer in this thread was backed by the paper)",
        "ja": "(まだありません: このスレッドに論文で裏付けられた回答はありません)",
        "ko": "(아직 없음: 이 스레드에 논문으로 뒷받침된 답변이 없습니다)",
    },
    "recap_open_questions": {
        "en": "Open questions",
        "ja": "未解決の質問",
        "ko": "열린 질문",
    },
    "recap_none": {
        "en": "none",
        "ja": "なし",
        "ko": "없음",
    },
    "recap_asked_by": {
        "en": "asked by",
        "ja": "質問者",
        "ko": "질문자",
    },
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
    "ranked_by_recency": {
        "en": "Ranked by recency only: {sources} were unavailable",
        "ja": "新しさのみで順位付け: {sources} を利用できませんでした",
        "ko": "최신순으로만 순위를 매겼습니다: {sources}을(를) 사용할 수 없었습니다",
    },
    "source_format_changed": {
        "en": "{source} answered in a changed format; its signal is missing from this ranking",
        "ja": "{source} の応答形式が変わったため、この順位にはその指標が含まれていません",
        "ko": "{source}의 응답 형식이 바뀌어 이번 순위에는 그 지표가 빠져 있습니다",
    },
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
    "digest_on": {
        "en": "on",
        "ja": "オン",
        "ko": "켜짐",
    },
    "digest_off": {
        "en": "off (turn it on with {p}subscribe)",
        "ja": "オフ ({p}subscribe でオンにします)",
        "ko": "꺼짐 ({p}subscribe로 켭니다)",
    },
    "settings_language": {
        "en": "Language: {name}",
        "ja": "言語: {name}",
        "ko": "언어: {name}",
    },
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
    "topics_any": {
        "en": "any",
        "ja": "指定なし",
        "ko": "제한 없음",
    },
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
    "meeting_not_set": {
        "en": "not set",
        "ja": "未設定",
        "ko": "미설정",
    },
    "settings_change": {
        "en": "Change with",
        "ja": "変更するには",
        "ko": "변경하려면",
    },
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
    "admin_only": {
        "en": "Only members who can **Manage Channels** here may use /{command}. Ask a server admin or moderator to run it, or to give you that permission.",
        "ja": "/{command} を使えるのは、このチャンネルで **チャンネルの管理** 権限を持つメンバーだけです。サーバーの管理者かモデレーターに実行を頼むか、権限を付与してもらってください。",
        "ko": "/{command} 명령은 이 채널에서 **채널 관리하기** 권한이 있는 멤버만 쓸 수 있습니다. 서버 관리자나 운영진에게 실행을 부탁하거나 권한을 받으세요.",
    },
    "slack_managers_only": {
        "en": "Only workspace admins and owners, and members listed in PAPERCLUB_SLACK_ADMIN_USERS, can run {command}. Ask one of them to run it, or ask whoever runs the bot to add you to that list.",
        "ja": "{command} を実行できるのは、ワークスペースの管理者とオーナー、PAPERCLUB_SLACK_ADMIN_USERS に登録されたメンバーだけです。その人たちに実行を頼むか、ボットの運用者に登録を頼んでください。",
        "ko": "{command}는 워크스페이스 관리자와 소유자, PAPERCLUB_SLACK_ADMIN_USERS에 등록된 멤버만 실행할 수 있습니다. 그분들께 실행을 부탁하거나, 봇 운영자에게 목록에 추가해 달라고 요청하세요.",
    },
    "slack_other_workspace": {
        "en": "paperclub is installed for another Slack workspace and does nothing here. Ask whoever runs the bot to install it for this workspace.",
        "ja": "paperclub は別の Slack ワークスペース用にインストールされているため、ここでは動作しません。ボットの運用者にこのワークスペースへのインストールを頼んでください。",
        "ko": "paperclub은 다른 Slack 워크스페이스용으로 설치되어 있어 여기서는 동작하지 않습니다. 봇 운영자에게 이 워크스페이스에 설치해 달라고 요청하세요.",
    },
    "answer_interrupted": {
        "en": "This answer was interrupted (paperclub restarted); please ask again.",
        "ja": "この回答は中断されました (paperclub が再起動しました)。もう一度質問してください。",
        "ko": "이 답변은 중단되었습니다 (paperclub이 다시 시작됨). 다시 질문해 주세요.",
    },
    # Exports -------------------------------------------------------------------------
    "export_title": {
        "en": "Top ML Papers of the Week",
        "ja": "今週の注目ML論文",
        "ko": "이번 주 주목할 ML 논문",
    },
    "export_papers": {
        "en": "This week's papers",
        "ja": "今週の論文",
        "ko": "이번 주 논문",
    },
    "export_no_summary": {
        "en": "No summary was stored in this language.",
        "ja": "この言語の要約は保存されていません。",
        "ko": "이 언어로 저장된 요약이 없습니다.",
    },
    # Answers -------------------------------------------------------------------------
    "answer_not_found": {
        "en": "The paper does not seem to say: none of the passages I found answer this question.",
        "ja": "論文には記載がないようです。見つかった箇所には、この質問に答える記述がありませんでした。",
        "ko": "논문에는 관련 내용이 없는 것 같습니다. 찾은 구절 중 이 질문에 답하는 내용이 없습니다.",
    },
    "answer_cross_language_hint": {
        "en": "Your question shares no words with the paper's text; asking in English may help.",
        "ja": "質問の語句が論文 (英語) の本文と一致しませんでした。英語で質問すると見つかる場合があります。",
        "ko": "질문의 단어가 논문(영어) 본문과 일치하지 않았습니다. 영어로 질문하면 찾을 수 있습니다.",
    },
    "answer_extractive_intro": {
        "en": "The most relevant sentences in the paper:",
        "ja": "論文中で最も関連する記述 (原文):",
        "ko": "논문에서 가장 관련 있는 문장 (원문):",
    },
}

HELP_LINES: tuple[tuple[str, str, str, str, str | None], ...] = (
    # (section, usage, key, usage outside a thread, key outside a thread)
    ("papers", "{p}paper <arXiv id or link>", "help_paper", "", None),
    ("papers", "{p}digest", "help_digest", "", None),
    ("papers", "{p}ask <question>", "help_ask", "{p}ask <arXiv id> <question>", "help_ask_outside"),
    ("papers", "{p}subscribe, {p}unsubscribe", "help_subscribe", "", None),
    ("papers", "{p}settings", "help_settings", "", None),
    ("papers", "{p}search <words>, {p}search tag:rlhf", "help_search", "", None),
    ("club", "{p}vote <arXiv id>", "help_vote", "", None),
    ("club", "{p}pick [count] [YYYY-MM-DD HH:MM]", "help_pick", "", None),
    ("club", "{p}present <arXiv id> <member> [YYYY-MM-DD HH:MM]", "help_present", "", None),
    ("club", "{p}save <arXiv id>, {p}read <arXiv id>", "help_save", "", None),
    ("club", "{p}saved", "help_saved", "", None),
    ("club", "{p}recap", "help_recap", "{p}recap <arXiv id>", "help_recap_outside"),
    ("club", "{p}help", "help_help", "", None),
)
