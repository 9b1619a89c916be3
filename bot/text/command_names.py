"""The slash commands' names and descriptions in Japanese and Korean.

Keyed by the English text each command is declared with (discord.py's `locale_str`), so a
platform's translator can look a name up; command and option names must be lowercase and
without spaces (Discord's rule), descriptions at most 100 characters.
"""

from __future__ import annotations

COMMAND_TEXTS: dict[str, dict[str, str]] = {
    # /paper
    "paper": {"ja": "論文", "ko": "논문"},
    "Open a summary thread for an arXiv paper now": {
        "ja": "arXiv 論文の要約スレッドを今すぐ作成します",
        "ko": "arXiv 논문의 요약 스레드를 지금 엽니다",
    },
    "reference": {"ja": "論文id", "ko": "논문id"},
    "An arXiv id such as 2309.12288, or an arxiv.org or huggingface.co/papers link": {
        "ja": "2309.12288 のような arXiv ID、または arxiv.org / huggingface.co/papers のリンク",
        "ko": "2309.12288 같은 arXiv ID 또는 arxiv.org / huggingface.co/papers 링크",
    },
    # /digest
    "digest": {"ja": "ダイジェスト", "ko": "다이제스트"},
    "Run this channel's weekly paper digest now": {
        "ja": "このチャンネルの週間論文ダイジェストを今すぐ実行します",
        "ko": "이 채널의 주간 논문 다이제스트를 지금 실행합니다",
    },
    # /ask
    "ask": {"ja": "質問", "ko": "질문"},
    "Ask about the paper of this thread; the answer cites the paper": {
        "ja": "このスレッドの論文について質問します (回答は論文を引用します)",
        "ko": "이 스레드의 논문에 대해 질문합니다 (답변은 논문을 인용합니다)",
    },
    "question": {"ja": "質問内容", "ko": "질문내용"},
    "Outside a paper's thread: the paper's arXiv id or link": {
        "ja": "論文スレッドの外で使うとき: 論文の arXiv ID またはリンク",
        "ko": "논문 스레드 밖에서 쓸 때: 논문의 arXiv ID 또는 링크",
    },
    "Your question about the paper": {
        "ja": "論文についての質問",
        "ko": "논문에 대한 질문",
    },
    # /subscribe, /unsubscribe
    "subscribe": {"ja": "購読", "ko": "구독"},
    "Get the weekly paper digest in this channel": {
        "ja": "このチャンネルで週間論文ダイジェストを受け取ります",
        "ko": "이 채널에서 주간 논문 다이제스트를 받습니다",
    },
    "unsubscribe": {"ja": "購読解除", "ko": "구독취소"},
    "Stop the weekly paper digest in this channel": {
        "ja": "このチャンネルの週間論文ダイジェストを停止します",
        "ko": "이 채널의 주간 논문 다이제스트를 중지합니다",
    },
    # /settings
    "settings": {"ja": "設定", "ko": "설정"},
    "Show or change this channel's language, schedule, topics and digest size": {
        "ja": "このチャンネルの言語・スケジュール・トピック・件数を表示または変更します",
        "ko": "이 채널의 언어, 일정, 주제, 다이제스트 크기를 보거나 바꿉니다",
    },
    "language": {"ja": "言語", "ko": "언어"},
    "Language of summaries and answers": {
        "ja": "要約と回答の言語",
        "ko": "요약과 답변의 언어",
    },
    "day": {"ja": "曜日", "ko": "요일"},
    "Day of the weekly digest": {"ja": "週間ダイジェストの曜日", "ko": "주간 다이제스트 요일"},
    "time": {"ja": "時刻", "ko": "시각"},
    "Time of the weekly digest, HH:MM (24-hour)": {
        "ja": "週間ダイジェストの時刻 (HH:MM、24時間制)",
        "ko": "주간 다이제스트 시각 (HH:MM, 24시간제)",
    },
    "timezone": {"ja": "タイムゾーン", "ko": "시간대"},
    "IANA time zone such as Asia/Tokyo or Europe/Berlin": {
        "ja": "Asia/Tokyo のような IANA タイムゾーン",
        "ko": "Asia/Seoul 같은 IANA 시간대",
    },
    "topics": {"ja": "トピック", "ko": "주제"},
    "Topics to favour, comma-separated (e.g. LLM agents, diffusion)": {
        "ja": "優先するトピック (カンマ区切り。例: LLM agents, diffusion)",
        "ko": "우선할 주제 (쉼표로 구분. 예: LLM agents, diffusion)",
    },
    "size": {"ja": "件数", "ko": "개수"},
    "Papers per digest": {"ja": "1回のダイジェストの論文数", "ko": "다이제스트당 논문 수"},
    "meeting_day": {"ja": "会の曜日", "ko": "모임요일"},
    "Day of the club's weekly meeting": {"ja": "毎週の会の曜日", "ko": "매주 모임 요일"},
    "Time of the weekly meeting, HH:MM (24-hour)": {
        "ja": "毎週の会の時刻 (HH:MM、24時間制)",
        "ko": "매주 모임 시각 (HH:MM, 24시간제)",
    },
    "auto_pick": {"ja": "自動選出", "ko": "자동선정"},
    "Pick the most-voted paper this many hours before each meeting (0 = off)": {
        "ja": "各回の何時間前に最多得票の論文を自動で選ぶか (0 = オフ)",
        "ko": "모임 몇 시간 전에 최다 득표 논문을 자동으로 고를지 (0 = 끔)",
    },
    "No meeting": {"ja": "会なし", "ko": "모임 없음"},
    "muted": {"ja": "ミュート", "ko": "뮤트"},
    "Topics whose papers are left out, comma-separated (off clears them)": {
        "ja": "除外する論文の主題 (カンマ区切り、off で解除)",
        "ko": "제외할 논문 주제 (쉼표로 구분, off로 해제)",
    },
    "categories": {"ja": "カテゴリ", "ko": "카테고리"},
    "arXiv categories kept, comma-separated, e.g. cs.CL,cs.LG (all = every category)": {
        "ja": "残す arXiv カテゴリ (カンマ区切り、例: cs.CL,cs.LG。all ですべて)",
        "ko": "남길 arXiv 카테고리 (쉼표로 구분, 예: cs.CL,cs.LG. all은 전체)",
    },
    "sources": {"ja": "情報源", "ko": "출처"},
    "Paper sources used: arxiv, huggingface, alphaxiv, hackernews, curated (all = every one)": {
        "ja": "使う情報源: arxiv, huggingface, alphaxiv, hackernews, curated (all ですべて)",
        "ko": "사용할 출처: arxiv, huggingface, alphaxiv, hackernews, curated (all은 전체)",
    },
    "Monday": {"ja": "月曜日", "ko": "월요일"},
    "Tuesday": {"ja": "火曜日", "ko": "화요일"},
    "Wednesday": {"ja": "水曜日", "ko": "수요일"},
    "Thursday": {"ja": "木曜日", "ko": "목요일"},
    "Friday": {"ja": "金曜日", "ko": "금요일"},
    "Saturday": {"ja": "土曜日", "ko": "토요일"},
    "Sunday": {"ja": "日曜日", "ko": "일요일"},
    # /search
    "search": {"ja": "検索", "ko": "검색"},
    "Search the papers this server has already received": {
        "ja": "このサーバーに投稿済みの論文を検索します",
        "ko": "이 서버에 이미 게시된 논문을 검색합니다",
    },
    "words": {"ja": "キーワード", "ko": "키워드"},
    "Words to look for in titles and summaries": {
        "ja": "タイトルや要約から探す語",
        "ko": "제목과 요약에서 찾을 단어",
    },
    # the club's workflow: /vote, /pick, /present, /save, /saved, /read, /recap
    "vote": {"ja": "投票", "ko": "투표"},
    "Vote for a paper posted in this channel to read it next": {
        "ja": "このチャンネルに投稿された論文に、次に読む論文として投票します",
        "ko": "이 채널에 게시된 논문에 다음에 읽을 논문으로 투표합니다",
    },
    "An arXiv id or link of a paper posted in this channel": {
        "ja": "このチャンネルに投稿された論文の arXiv ID またはリンク",
        "ko": "이 채널에 게시된 논문의 arXiv ID 또는 링크",
    },
    "standings": {"ja": "投票状況", "ko": "투표현황"},
    "This week's tally: the papers with votes": {
        "ja": "今週の投票状況: 票のある論文を票の多い順に",
        "ko": "이번 주 투표 현황: 표를 받은 논문을 득표순으로",
    },
    "pick": {"ja": "選出", "ko": "선정"},
    "Announce the most-voted papers for the next session and open reading-session threads": {
        "ja": "最多得票の論文を次回の論文として発表し、輪読会スレッドを作成します",
        "ko": "최다 득표 논문을 다음 모임 논문으로 발표하고 읽기 모임 스레드를 엽니다",
    },
    "count": {"ja": "本数", "ko": "편수"},
    "How many papers to pick (1-5)": {"ja": "選ぶ論文の数 (1〜5)", "ko": "고를 논문 수 (1~5)"},
    "This paper instead of the most voted (one posted in this channel)": {
        "ja": "最多得票の代わりにこの論文 (このチャンネルに投稿されたもの)",
        "ko": "최다 득표 대신 이 논문 (이 채널에 게시된 논문)",
    },
    "meeting_time": {"ja": "日時", "ko": "일시"},
    "Meeting time, YYYY-MM-DD HH:MM in the channel's time zone": {
        "ja": "会の日時 (YYYY-MM-DD HH:MM、チャンネルのタイムゾーン)",
        "ko": "모임 일시 (YYYY-MM-DD HH:MM, 채널 시간대)",
    },
    "present": {"ja": "発表者", "ko": "발표자"},
    "Make a member the presenter of a paper and set the meeting time": {
        "ja": "論文の発表者と会の日時を決めます",
        "ko": "논문 발표자와 모임 일시를 정합니다",
    },
    "member": {"ja": "メンバー", "ko": "멤버"},
    "Who presents the paper": {"ja": "発表するメンバー", "ko": "발표할 멤버"},
    "save": {"ja": "保存", "ko": "저장"},
    "Save a paper to your reading list": {
        "ja": "論文を読書リストに保存します",
        "ko": "논문을 읽기 목록에 저장합니다",
    },
    "The paper's arXiv id or link": {
        "ja": "論文の arXiv ID またはリンク",
        "ko": "논문의 arXiv ID 또는 링크",
    },
    "saved": {"ja": "読書リスト", "ko": "읽기목록"},
    "Show your reading list": {
        "ja": "あなたの読書リストを表示します",
        "ko": "내 읽기 목록을 보여 줍니다",
    },
    "read": {"ja": "既読", "ko": "읽음"},
    "Mark a paper on your reading list as read": {
        "ja": "読書リストの論文を既読にします",
        "ko": "읽기 목록의 논문을 읽음으로 표시합니다",
    },
    "recap": {"ja": "議事メモ", "ko": "회의록"},
    "In a paper's thread: turn its discussion into meeting notes": {
        "ja": "論文スレッドで: 議論を議事メモにまとめます",
        "ko": "논문 스레드에서: 토론을 회의록으로 정리합니다",
    },
    "outline": {"ja": "アウトライン", "ko": "개요"},
    "A presenter's slide outline of a paper, every item cited": {
        "ja": "発表用スライドのアウトライン (各項目に論文の引用付き)",
        "ko": "발표 슬라이드 개요 (각 항목에 논문 인용 포함)",
    },
    # /help
    "help": {"ja": "ヘルプ", "ko": "도움말"},
    "How to use paperclub": {"ja": "paperclub の使い方", "ko": "paperclub 사용법"},
}
