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
    "error_invalid_paper_id": {
        "en": (
            "'{shown}' is not an arXiv paper reference{detail}. Use an arXiv id such as "
            "2309.12288, 2309.12288v2 or hep-th/9901001, or a link on arxiv.org "
            "(abs/pdf/html), huggingface.co/papers or alphaxiv.org."
        ),
        "ja": (
            "'{shown}' は arXiv 論文の指定ではありません{detail}。2309.12288、2309.12288v2、"
            "hep-th/9901001 のような arXiv ID、または arxiv.org (abs/pdf/html)・"
            "huggingface.co/papers・alphaxiv.org のリンクを指定してください。"
        ),
        "ko": (
            "'{shown}'은(는) arXiv 논문 지정이 아닙니다{detail}. 2309.12288, 2309.12288v2, "
            "hep-th/9901001 같은 arXiv ID 또는 arxiv.org (abs/pdf/html), "
            "huggingface.co/papers, alphaxiv.org 링크를 지정하세요."
        ),
    },
    "error_paper_not_found": {
        "en": "arXiv has no paper {arxiv_id}: not found. Check the id on https://arxiv.org.",
        "ja": "arXiv に論文 {arxiv_id} はありません (not found)。https://arxiv.org で ID を確認してください。",
        "ko": "arXiv에 논문 {arxiv_id}이(가) 없습니다 (not found). https://arxiv.org 에서 ID를 확인하세요.",
    },
    "error_digest_busy": {
        "en": "This channel's digest is already being posted (by another run of paperclub); "
        "its papers appear as they are ready. Try again in a few minutes if some are missing.",
        "ja": "このチャンネルのダイジェストは別の処理がすでに投稿中です。準備ができた論文から順に"
        "表示されます。足りない論文があれば数分後にもう一度お試しください。",
        "ko": "이 채널의 다이제스트는 다른 작업이 이미 게시하고 있습니다. 준비된 논문부터 차례로 "
        "올라옵니다. 빠진 논문이 있으면 몇 분 뒤에 다시 시도하세요.",
    },
    "error_source_unavailable": {
        "en": "{source} is unavailable right now: {reason}. Try again in a few minutes.",
        "ja": "{source} は現在利用できません ({reason})。数分後にもう一度お試しください。",
        "ko": "{source}을(를) 지금 사용할 수 없습니다 ({reason}). 몇 분 뒤 다시 시도하세요.",
    },
    "error_llm_unavailable": {
        "en": "The language model is unavailable: {reason}.",
        "ja": "言語モデルを利用できません ({reason})。",
        "ko": "언어 모델을 사용할 수 없습니다 ({reason}).",
    },
    "error_platform_not_connected": {
        "en": "No {platform} connection is running.",
        "ja": "{platform} への接続が動いていません。",
        "ko": "{platform} 연결이 실행 중이 아닙니다.",
    },
    "error_not_a_paper_thread": {
        "en": (
            "This thread is not one of paperclub's paper threads. Ask inside a paper's "
            "thread, or open one with /paper <arXiv id>."
        ),
        "ja": (
            "このスレッドは paperclub の論文スレッドではありません。論文のスレッドで質問するか、"
            "/paper <arXiv ID> でスレッドを作成してください。"
        ),
        "ko": (
            "이 스레드는 paperclub의 논문 스레드가 아닙니다. 논문 스레드에서 질문하거나 "
            "/paper <arXiv ID>로 스레드를 여세요."
        ),
    },
    "error_recap_no_thread": {
        "en": (
            "{arxiv_id} has no thread in this channel, so there is nothing to recap. "
            "Open it with {p}paper {arxiv_id} and discuss it in its thread first."
        ),
        "ja": (
            "{arxiv_id} にはこのチャンネルのスレッドがないため、議事メモを作れません。"
            "{p}paper {arxiv_id} でスレッドを作成し、そこで議論してください。"
        ),
        "ko": (
            "{arxiv_id}은(는) 이 채널에 스레드가 없어 회의록을 만들 수 없습니다. "
            "{p}paper {arxiv_id}로 스레드를 열고 그곳에서 논의하세요."
        ),
    },
    "error_pick_range": {
        "en": "Pick between 1 and {most} papers at a time.",
        "ja": "一度に選べる論文は 1 本から {most} 本です。",
        "ko": "한 번에 1편에서 {most}편까지 고를 수 있습니다.",
    },
    "error_no_votes": {
        "en": (
            "No paper in this channel has a vote yet (or every voted paper was already "
            "picked). React to a paper's post or use {p}vote <arXiv id> first."
        ),
        "ja": (
            "このチャンネルにはまだ票の入った論文がありません (または投票された論文はすべて選出済み)。"
            "先に論文の投稿にリアクションするか、{p}vote <arXiv ID> を使ってください。"
        ),
        "ko": (
            "이 채널에는 아직 표를 받은 논문이 없습니다 (또는 표를 받은 논문이 모두 선정됨). "
            "먼저 논문 게시물에 반응을 달거나 {p}vote <arXiv ID>를 사용하세요."
        ),
    },
    "error_no_session": {
        "en": (
            "{arxiv_id} has no reading session in this channel yet. Use {p}pick to pick the "
            "most-voted papers, or {p}present {arxiv_id} to present it."
        ),
        "ja": (
            "{arxiv_id} にはこのチャンネルの輪読会がまだありません。{p}pick で最多得票の論文を選ぶか、"
            "{p}present {arxiv_id} で発表者になってください。"
        ),
        "ko": (
            "{arxiv_id}은(는) 이 채널에 아직 읽기 모임이 없습니다. {p}pick으로 최다 득표 논문을 "
            "고르거나 {p}present {arxiv_id}로 발표하세요."
        ),
    },
    "error_meeting_needs_zone": {
        "en": "The meeting time needs a time zone.",
        "ja": "会の日時にはタイムゾーンが必要です。",
        "ko": "모임 일시에는 시간대가 필요합니다.",
    },
    "error_meeting_in_past": {
        "en": (
            "The meeting time {when} is in the past; give a future date and time as "
            "YYYY-MM-DD HH:MM."
        ),
        "ja": "会の日時 {when} は過去です。未来の日時を YYYY-MM-DD HH:MM で指定してください。",
        "ko": "모임 일시 {when}은(는) 과거입니다. 앞으로의 일시를 YYYY-MM-DD HH:MM 형식으로 지정하세요.",
    },
    "error_meeting_format": {
        "en": (
            "Unknown meeting time '{given}'. Use YYYY-MM-DD HH:MM in the channel's time zone "
            "({timezone}), e.g. 2027-03-11 18:00."
        ),
        "ja": (
            "会の日時 '{given}' を読めません。チャンネルのタイムゾーン ({timezone}) で "
            "YYYY-MM-DD HH:MM の形式 (例: 2027-03-11 18:00) で指定してください。"
        ),
        "ko": (
            "모임 일시 '{given}'을(를) 읽을 수 없습니다. 채널 시간대 ({timezone}) 기준 "
            "YYYY-MM-DD HH:MM 형식 (예: 2027-03-11 18:00)으로 지정하세요."
        ),
    },
    "error_meeting_not_real": {
        "en": "'{given}' is not a real date and time; use YYYY-MM-DD HH:MM.",
        "ja": "'{given}' は存在しない日時です。YYYY-MM-DD HH:MM で指定してください。",
        "ko": "'{given}'은(는) 존재하지 않는 일시입니다. YYYY-MM-DD HH:MM 형식으로 지정하세요.",
    },
    "error_not_posted_here": {
        "en": (
            "{arxiv_id} was not posted in this channel, so it cannot be voted on or presented "
            "here. Pick a paper from this channel's digest, or post it here first with "
            "{p}paper {arxiv_id}."
        ),
        "ja": (
            "{arxiv_id} はこのチャンネルに投稿されていないため、ここでは投票も発表もできません。"
            "このチャンネルのダイジェストから選ぶか、先に {p}paper {arxiv_id} で投稿してください。"
        ),
        "ko": (
            "{arxiv_id}은(는) 이 채널에 게시되지 않아 여기서 투표하거나 발표할 수 없습니다. "
            "이 채널의 다이제스트에서 고르거나 먼저 {p}paper {arxiv_id}로 게시하세요."
        ),
    },
    "error_search_empty": {
        "en": "Give at least one word to search for, e.g. /search tag:rlhf.",
        "ja": "検索する語を 1 つ以上指定してください (例: /search tag:rlhf)。",
        "ko": "검색할 단어를 하나 이상 지정하세요 (예: /search tag:rlhf).",
    },
    "error_unknown_language": {
        "en": "Unknown language '{given}'. Choose one of: {choices}.",
        "ja": "言語 '{given}' が分かりません。次から選んでください: {choices}。",
        "ko": "언어 '{given}'을(를) 알 수 없습니다. 다음 중에서 고르세요: {choices}.",
    },
    "error_unknown_weekday": {
        "en": "Unknown day '{given}'. Use a weekday name such as Monday or mon.",
        "ja": "曜日 '{given}' が分かりません。Monday、mon、月曜 のように曜日名で指定してください。",
        "ko": "요일 '{given}'을(를) 알 수 없습니다. Monday, mon, 월요일처럼 요일 이름으로 쓰세요.",
    },
    "error_unknown_time": {
        "en": "Unknown time '{given}'. Use 24-hour HH:MM, e.g. 09:00.",
        "ja": "時刻 '{given}' が分かりません。24 時間制の HH:MM（例: 09:00）で指定してください。",
        "ko": "시각 '{given}'을(를) 알 수 없습니다. 24시간제 HH:MM(예: 09:00)으로 쓰세요.",
    },
    "error_too_many_topics": {
        "en": "At most {limit} topics, please.",
        "ja": "トピックは {limit} 個までにしてください。",
        "ko": "주제는 {limit}개까지만 지정하세요.",
    },
    "error_topic_weight_too_large": {
        "en": "A topic's weight goes from 0 to {limit} (e.g. agents:2); '{given}' is too large.",
        "ja": "トピックの重みは 0 から {limit} までです（例: agents:2）。'{given}' は大きすぎます。",
        "ko": "주제 가중치는 0부터 {limit}까지입니다(예: agents:2). '{given}'은(는) 너무 큽니다.",
    },
    "error_unknown_category": {
        "en": "Unknown arXiv category '{given}'. Use names such as cs.CL, cs.LG or stat.ML.",
        "ja": "arXiv カテゴリ '{given}' が分かりません。cs.CL、cs.LG、stat.ML のような名前を使ってください。",
        "ko": "arXiv 분류 '{given}'을(를) 알 수 없습니다. cs.CL, cs.LG, stat.ML 같은 이름을 쓰세요.",
    },
    "error_too_many_categories": {
        "en": "At most {limit} categories, please.",
        "ja": "カテゴリは {limit} 個までにしてください。",
        "ko": "분류는 {limit}개까지만 지정하세요.",
    },
    "error_unknown_source": {
        "en": "Unknown source '{given}'. Choose from: {choices} (or all).",
        "ja": "情報源 '{given}' が分かりません。次から選んでください: {choices}（すべてなら all）。",
        "ko": "출처 '{given}'을(를) 알 수 없습니다. 다음 중에서 고르세요: {choices} (모두는 all).",
    },
    "error_digest_size": {
        "en": "The digest size must be between 1 and 25 papers.",
        "ja": "ダイジェストの件数は 1 から 25 本の間にしてください。",
        "ko": "다이제스트 논문 수는 1에서 25편 사이여야 합니다.",
    },
    "error_not_a_whole_number": {
        "en": "'{given}' is not a whole number.",
        "ja": "'{given}' は整数ではありません。",
        "ko": "'{given}'은(는) 정수가 아닙니다.",
    },
    "error_meeting_needs_day_and_time": {
        "en": "The meeting needs both a day and a time (24-hour HH:MM), e.g. Thursday 18:00.",
        "ja": "輪読会には曜日と時刻（24 時間制 HH:MM）の両方が必要です。例: Thursday 18:00。",
        "ko": "모임에는 요일과 시각(24시간제 HH:MM)이 모두 필요합니다. 예: Thursday 18:00.",
    },
    "error_auto_pick_needs_meeting": {
        "en": "Set the meeting's day and time first (e.g. Thursday 18:00), so the automatic pick knows which meeting to pick for.",
        "ja": "先に輪読会の曜日と時刻を設定してください（例: Thursday 18:00）。自動選出がどの回のためか分かるようにするためです。",
        "ko": "먼저 모임의 요일과 시각을 설정하세요(예: Thursday 18:00). 그래야 자동 선정이 어느 모임을 위한 것인지 압니다.",
    },
    "error_unknown_auto_pick": {
        "en": "Unknown automatic pick '{given}'. Give the hours before the meeting as a whole number from 1 to {limit} (e.g. 24), or 0 to turn it off.",
        "ja": "自動選出 '{given}' が分かりません。輪読会の何時間前かを 1 から {limit} の整数（例: 24）で、止めるなら 0 を指定してください。",
        "ko": "자동 선정 '{given}'을(를) 알 수 없습니다. 모임 몇 시간 전인지 1에서 {limit} 사이의 정수(예: 24)로, 끄려면 0을 쓰세요.",
    },
    "discord_action_post_paper": {
        "en": "post the paper in this channel",
        "ja": "このチャンネルに論文を投稿する",
        "ko": "이 채널에 논문을 게시할",
    },
    "discord_action_start_thread": {
        "en": "start a thread for the paper",
        "ja": "論文のスレッドを作る",
        "ko": "논문 스레드를 만들",
    },
    "discord_action_read_history": {
        "en": "read this channel's history",
        "ja": "このチャンネルの履歴を読む",
        "ko": "이 채널의 기록을 읽을",
    },
    "discord_action_edit_answer": {
        "en": "edit its answer in this thread",
        "ja": "このスレッドの回答を編集する",
        "ko": "이 스레드의 답변을 수정할",
    },
    "discord_action_tidy_answer": {
        "en": "tidy up its answer in this thread",
        "ja": "このスレッドの回答を整える",
        "ko": "이 스레드의 답변을 정리할",
    },
    "discord_action_edit_post": {
        "en": "edit its post in this channel",
        "ja": "このチャンネルの投稿を編集する",
        "ko": "이 채널의 게시물을 수정할",
    },
    "discord_action_post_in_thread": {
        "en": "post in this thread",
        "ja": "このスレッドに投稿する",
        "ko": "이 스레드에 게시할",
    },
    "discord_action_see_channel": {
        "en": "see this channel",
        "ja": "このチャンネルを見る",
        "ko": "이 채널을 볼",
    },
    "discord_action_answer_here": {
        "en": "answer here",
        "ja": "ここで回答する",
        "ko": "여기서 답할",
    },
    "discord_action_open_paper_thread": {
        "en": "open a paper thread here",
        "ja": "ここに論文スレッドを開く",
        "ko": "여기에 논문 스레드를 열",
    },
    "discord_action_answer_in_thread": {
        "en": "answer in this thread",
        "ja": "このスレッドで回答する",
        "ko": "이 스레드에서 답할",
    },
    "discord_action_post_digest": {
        "en": "post the digest here",
        "ja": "ここにダイジェストを投稿する",
        "ko": "여기에 다이제스트를 게시할",
    },
    "discord_action_post_weekly_digest": {
        "en": "post the weekly digest here",
        "ja": "ここに週次ダイジェストを投稿する",
        "ko": "여기에 주간 다이제스트를 게시할",
    },
    "discord_missing_permission": {
        "en": "paperclub could not {action}: it needs these permissions in this channel: {names}. Ask a server admin to grant it to the paperclub role (Server Settings → Roles, or the channel's Edit Channel → Permissions), then try again.",
        "ja": "paperclub は{action}ことができませんでした。このチャンネルで {names} の権限が必要です。サーバー管理者に paperclub ロールへ付与してもらい（サーバー設定 → ロール、またはチャンネルの編集 → 権限）、もう一度お試しください。",
        "ko": "paperclub이 {action} 수 없었습니다. 이 채널에서 {names} 권한이 필요합니다. 서버 관리자에게 paperclub 역할에 권한을 달라고 요청한 뒤(서버 설정 → 역할, 또는 채널 편집 → 권한) 다시 시도하세요.",
    },
    "discord_rate_limited": {
        "en": "Discord is rate limiting paperclub, so it could not {action}. Try again in {seconds} seconds.",
        "ja": "Discord のレート制限のため、paperclub は{action}ことができませんでした。{seconds} 秒後にもう一度お試しください。",
        "ko": "Discord 속도 제한 때문에 paperclub이 {action} 수 없었습니다. {seconds}초 뒤에 다시 시도하세요.",
    },
    "discord_refused": {
        "en": "Discord refused to let paperclub {action} (HTTP {status}, code {code}). Try again in a minute.",
        "ja": "Discord に拒否され、paperclub は{action}ことができませんでした（HTTP {status}, code {code}）。1 分ほどしてからもう一度お試しください。",
        "ko": "Discord가 거절해 paperclub이 {action} 수 없었습니다(HTTP {status}, code {code}). 1분 뒤에 다시 시도하세요.",
    },
    "discord_busy": {
        "en": "Discord is busy right now, so paperclub could not finish. Try again in a minute.",
        "ja": "Discord が混み合っているため、paperclub は最後まで処理できませんでした。1 分ほどしてからもう一度お試しください。",
        "ko": "Discord가 지금 바빠서 paperclub이 작업을 끝내지 못했습니다. 1분 뒤에 다시 시도하세요.",
    },
    "discord_not_connected": {
        "en": "paperclub is not connected to Discord yet. It will post when it is.",
        "ja": "paperclub はまだ Discord に接続していません。接続したら投稿します。",
        "ko": "paperclub이 아직 Discord에 연결되지 않았습니다. 연결되면 게시합니다.",
    },
    "discord_text_channel_only": {
        "en": "paperclub posts papers in text channels; run this command in a text channel.",
        "ja": "paperclub はテキストチャンネルに論文を投稿します。テキストチャンネルでこのコマンドを実行してください。",
        "ko": "paperclub은 텍스트 채널에 논문을 게시합니다. 텍스트 채널에서 이 명령을 실행하세요.",
    },
    "discord_no_direct_messages": {
        "en": "paperclub works in server channels, not in direct messages.",
        "ja": "paperclub はサーバーのチャンネルで使えます。ダイレクトメッセージでは使えません。",
        "ko": "paperclub은 서버 채널에서 작동하며 다이렉트 메시지에서는 작동하지 않습니다.",
    },
    "slack_settings_unknown_word": {
        "en": "I don't understand '{word}'. Use key=value with these keys: language, day, time, timezone, topics, muted, categories, sources, size, meeting, autopick (e.g. {prefix}settings language=ja day=fri time=09:30 meeting=thu 18:00 autopick=24).",
        "ja": "'{word}' が分かりません。key=value の形で次のキーを使ってください: language, day, time, timezone, topics, muted, categories, sources, size, meeting, autopick（例: {prefix}settings language=ja day=fri time=09:30 meeting=thu 18:00 autopick=24）。",
        "ko": "'{word}'을(를) 이해하지 못했습니다. key=value 형식으로 다음 키를 쓰세요: language, day, time, timezone, topics, muted, categories, sources, size, meeting, autopick (예: {prefix}settings language=ja day=fri time=09:30 meeting=thu 18:00 autopick=24).",
    },
    "error_unknown_meeting": {
        "en": "Unknown meeting '{given}'. Give a weekday and a 24-hour time, e.g. meeting=thu 18:00, or meeting=off.",
        "ja": "輪読会 '{given}' が分かりません。曜日と 24 時間制の時刻を指定してください（例: meeting=thu 18:00、止めるなら meeting=off）。",
        "ko": "모임 '{given}'을(를) 알 수 없습니다. 요일과 24시간제 시각을 쓰세요(예: meeting=thu 18:00, 끄려면 meeting=off).",
    },
    "slack_ask_usage": {
        "en": "Use {prefix}ask <arXiv id> <question>, or write your question in a paper's thread.",
        "ja": "{prefix}ask <arXiv id> <質問> の形で使うか、論文のスレッドに質問を書いてください。",
        "ko": "{prefix}ask <arXiv id> <질문> 형식으로 쓰거나, 논문 스레드에 질문을 쓰세요.",
    },
    "slack_name_the_paper": {
        "en": "Name the paper: {prefix}{sub} <arXiv id or link>, e.g. {prefix}{sub} 2309.12288.",
        "ja": "論文を指定してください: {prefix}{sub} <arXiv id またはリンク>（例: {prefix}{sub} 2309.12288）。",
        "ko": "논문을 지정하세요: {prefix}{sub} <arXiv id 또는 링크> (예: {prefix}{sub} 2309.12288).",
    },
    "slack_present_usage": {
        "en": "Use {prefix}present <arXiv id> <@member or me> [YYYY-MM-DD HH:MM], e.g. {prefix}present 2309.12288 @ada 2027-03-11 18:00.",
        "ja": "{prefix}present <arXiv id> <@メンバー または me> [YYYY-MM-DD HH:MM] の形で使ってください（例: {prefix}present 2309.12288 @ada 2027-03-11 18:00）。",
        "ko": "{prefix}present <arXiv id> <@멤버 또는 me> [YYYY-MM-DD HH:MM] 형식으로 쓰세요(예: {prefix}present 2309.12288 @ada 2027-03-11 18:00).",
    },
    "slack_unknown_presenter": {
        "en": "I could not tell who '{who}' is. Pick the presenter from the @ list so Slack sends their member id, or write me to present it yourself.",
        "ja": "'{who}' が誰か分かりませんでした。Slack がメンバー ID を送れるよう @ の一覧から発表者を選ぶか、自分で発表するなら me と書いてください。",
        "ko": "'{who}'이(가) 누구인지 알 수 없었습니다. Slack이 멤버 ID를 보내도록 @ 목록에서 발표자를 고르거나, 직접 발표하려면 me라고 쓰세요.",
    },
    "error_unknown_week": {
        "en": "Unknown week '{given}'. Use an ISO week such as 2023-W39.",
        "ja": "週 '{given}' が分かりません。2023-W39 のような ISO 週で指定してください。",
        "ko": "주 '{given}'을(를) 알 수 없습니다. 2023-W39 같은 ISO 주로 쓰세요.",
    },
    "error_no_such_week": {
        "en": "{year} has no week {week}.",
        "ja": "{year} 年に第 {week} 週はありません。",
        "ko": "{year}년에는 {week}주가 없습니다.",
    },
    "slack_advice_not_in_channel": {
        "en": "Invite the app to this channel first (/invite @paperclub).",
        "ja": "先にこのチャンネルにアプリを招待してください（/invite @paperclub）。",
        "ko": "먼저 이 채널에 앱을 초대하세요(/invite @paperclub).",
    },
    "slack_advice_is_archived": {
        "en": "The channel is archived; unarchive it or use another channel.",
        "ja": "このチャンネルはアーカイブされています。アーカイブを解除するか、別のチャンネルを使ってください。",
        "ko": "이 채널은 보관되었습니다. 보관을 해제하거나 다른 채널을 쓰세요.",
    },
    "slack_advice_missing_scope": {
        "en": "Reinstall the app from slack_manifest.yaml so it has every scope it needs.",
        "ja": "必要なスコープがそろうよう、slack_manifest.yaml からアプリを再インストールしてください。",
        "ko": "필요한 범위를 모두 갖도록 slack_manifest.yaml로 앱을 다시 설치하세요.",
    },
    "slack_advice_invalid_auth": {
        "en": "Check SLACK_BOT_TOKEN (it should start with xoxb-).",
        "ja": "SLACK_BOT_TOKEN を確認してください（xoxb- で始まるはずです）。",
        "ko": "SLACK_BOT_TOKEN을 확인하세요(xoxb-로 시작해야 합니다).",
    },
    "slack_advice_token_revoked": {
        "en": "The app was uninstalled; reinstall it and update SLACK_BOT_TOKEN.",
        "ja": "アプリがアンインストールされています。再インストールして SLACK_BOT_TOKEN を更新してください。",
        "ko": "앱이 제거되었습니다. 다시 설치하고 SLACK_BOT_TOKEN을 갱신하세요.",
    },
    "slack_advice_ratelimited": {
        "en": "Slack is rate-limiting the app; try again in a minute.",
        "ja": "Slack がアプリをレート制限しています。1 分ほどしてからもう一度お試しください。",
        "ko": "Slack이 앱의 요청 속도를 제한하고 있습니다. 1분 뒤에 다시 시도하세요.",
    },
    "slack_advice_not_installed": {
        "en": "paperclub is not installed in this workspace (or was uninstalled); install it again from the app's /slack/install page.",
        "ja": "paperclub はこのワークスペースにインストールされていません（またはアンインストールされました）。アプリの /slack/install ページから再インストールしてください。",
        "ko": "paperclub이 이 워크스페이스에 설치되어 있지 않습니다(또는 제거되었습니다). 앱의 /slack/install 페이지에서 다시 설치하세요.",
    },
    "slack_advice_other": {
        "en": "Try again in a few minutes.",
        "ja": "数分後にもう一度お試しください。",
        "ko": "몇 분 뒤에 다시 시도하세요.",
    },
    "slack_refused": {
        "en": "Slack refused {method} ({error}). {advice}",
        "ja": "Slack が {method} を拒否しました（{error}）。{advice}",
        "ko": "Slack이 {method}을(를) 거절했습니다({error}). {advice}",
    },
    "slack_unreachable": {
        "en": "Slack could not be reached for {method}. Try again in a few minutes.",
        "ja": "{method} のために Slack に接続できませんでした。数分後にもう一度お試しください。",
        "ko": "{method} 요청을 위해 Slack에 연결하지 못했습니다. 몇 분 뒤에 다시 시도하세요.",
    },
    "progress_looking_up": {
        "en": "Looking up {arxiv_id} on arXiv…",
        "ja": "arXiv で {arxiv_id} を探しています…",
        "ko": "arXiv에서 {arxiv_id}을(를) 찾고 있습니다…",
    },
    "progress_reading_paper": {
        "en": "Reading and summarising “{title}”…",
        "ja": "「{title}」を読んで要約しています…",
        "ko": "“{title}”을(를) 읽고 요약하고 있습니다…",
    },
    "progress_thread_opened": {
        "en": "Opened the thread for {arxiv_id}.",
        "ja": "{arxiv_id} のスレッドを開きました。",
        "ko": "{arxiv_id} 스레드를 열었습니다.",
    },
    "progress_finding_week": {
        "en": "Finding this week's papers ({week})…",
        "ja": "今週（{week}）の論文を探しています…",
        "ko": "이번 주({week}) 논문을 찾고 있습니다…",
    },
    "progress_digest_reading": {
        "en": "{arxiv_id}: reading and summarising",
        "ja": "{arxiv_id}: 読んで要約しています",
        "ko": "{arxiv_id}: 읽고 요약하는 중",
    },
    "progress_digest_ready": {
        "en": "{arxiv_id}: summary ready ({done}/{total})",
        "ja": "{arxiv_id}: 要約ができました（{done}/{total}）",
        "ko": "{arxiv_id}: 요약 완료 ({done}/{total})",
    },
    "progress_digest_posted": {
        "en": "{arxiv_id}: posted",
        "ja": "{arxiv_id}: 投稿しました",
        "ko": "{arxiv_id}: 게시함",
    },
    "error_unknown_timezone": {
        "en": "Unknown time zone '{given}'. Use an IANA name such as Asia/Tokyo or Europe/Paris.",
        "ja": "タイムゾーン '{given}' が分かりません。Asia/Tokyo や Europe/Paris のような IANA 名を使ってください。",
        "ko": "시간대 '{given}'을(를) 알 수 없습니다. Asia/Tokyo나 Europe/Paris 같은 IANA 이름을 쓰세요.",
    },
    "error_unknown_timezone_close": {
        "en": "Unknown time zone '{given}'. Did you mean {close}?",
        "ja": "タイムゾーン '{given}' が分かりません。{close} のことですか？",
        "ko": "시간대 '{given}'을(를) 알 수 없습니다. {close}을(를) 말씀하신 건가요?",
    },
    "error_paper_unreadable": {
        "en": (
            "Could not read the paper's {what}: {reason}. Try another version of the paper, "
            "or a local .pdf, .html, .txt or .md file."
        ),
        "ja": (
            "論文の {what} を読めませんでした ({reason})。別のバージョンの論文、またはローカルの "
            ".pdf / .html / .txt / .md ファイルをお試しください。"
        ),
        "ko": (
            "논문의 {what}을(를) 읽지 못했습니다 ({reason}). 논문의 다른 버전이나 로컬 "
            ".pdf, .html, .txt, .md 파일을 사용해 보세요."
        ),
    },
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
    # The model engine: why a model's summary was replaced, what was detected ---------
    "summary_unusable_note": {
        "en": "The model's summary was unusable ({cause}), so this summary is extractive",
        "ja": "モデルの要約が使えなかったため（{cause}）、この要約は抽出型です",
        "ko": "모델의 요약을 쓸 수 없어({cause}) 이 요약은 추출형입니다",
    },
    "cause_not_in_language": {
        "en": "not in {language}",
        "ja": "{language}で書かれていませんでした",
        "ko": "{language}로 쓰이지 않았습니다",
    },
    "cause_tldr_too_short": {
        "en": "its TL;DR said too little",
        "ja": "TL;DR の内容が不十分でした",
        "ko": "TL;DR의 내용이 부족했습니다",
    },
    "cause_key_points_repeat": {
        "en": "its key points were missing or repeated each other",
        "ja": "キーポイントが欠けているか重複していました",
        "ko": "핵심 요점이 없거나 서로 중복되었습니다",
    },
    "cause_no_tags": {
        "en": "it had no tags",
        "ja": "タグがありませんでした",
        "ko": "태그가 없었습니다",
    },
    "cause_repeating": {
        "en": "the model kept repeating itself",
        "ja": "モデルが同じ内容を繰り返しました",
        "ko": "모델이 같은 내용을 반복했습니다",
    },
    "language_name_en": {
        "en": "English",
        "ja": "英語",
        "ko": "영어",
    },
    "language_name_ja": {
        "en": "Japanese",
        "ja": "日本語",
        "ko": "일본어",
    },
    "language_name_ko": {
        "en": "Korean",
        "ja": "韓国語",
        "ko": "한국어",
    },
    "note_local_server_found": {
        "en": "Written by the local {server}, found on this machine",
        "ja": "このマシンで見つかったローカルの {server} が作成しました",
        "ko": "이 컴퓨터에서 찾은 로컬 {server}가 작성했습니다",
    },
    "model_unavailable_note": {
        "en": "The language model was unavailable ({reason}), so this summary is extractive",
        "ja": "言語モデルを利用できなかったため（{reason}）、この要約は抽出型です",
        "ko": "언어 모델을 사용할 수 없어({reason}) 이 요약은 추출형입니다",
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
        "ja": "最多得票の論文を次回の論文として発表し、輪読会スレッドを作成します",
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
        "ja": "輪読会",
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
        "ja": "輪読会: {title}",
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
    "settings_topic_weights": {
        "en": "Topic weights: {weights}",
        "ja": "トピックの重み: {weights}",
        "ko": "주제 가중치: {weights}",
    },
    "settings_muted": {
        "en": "Muted topics (never posted): {topics}",
        "ja": "ミュートしたトピック (投稿しない): {topics}",
        "ko": "음소거한 주제 (게시하지 않음): {topics}",
    },
    "settings_categories": {
        "en": "arXiv categories: {categories}",
        "ja": "arXiv カテゴリ: {categories}",
        "ko": "arXiv 카테고리: {categories}",
    },
    "settings_sources": {
        "en": "Paper sources: {sources}",
        "ja": "論文の情報源: {sources}",
        "ko": "논문 출처: {sources}",
    },
    "open_on_arxiv": {
        "en": "Open on arXiv",
        "ja": "arXiv で開く",
        "ko": "arXiv에서 열기",
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
    "answer_note_passages_do_not_answer": {
        "en": "The passages retrieved from the paper do not answer this.",
        "ja": "論文から取り出した箇所には、この質問への答えがありません。",
        "ko": "논문에서 찾은 구절은 이 질문에 답하지 않습니다.",
    },
    "answer_note_citations_dropped": {
        "en": "{n} {n:citation|citations} could not be found in the paper and {n:was|were} removed.",
        "ja": "論文中に見つからなかった引用 {n} 件を削除しました。",
        "ko": "논문에서 찾을 수 없는 인용 {n}개를 지웠습니다.",
    },
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
    # An extractive answer to a yes/no question whose best sentence plainly settles it.
    "answer_polar_yes": {
        "en": "Yes, the paper says:",
        "ja": "はい。論文の記述 (原文):",
        "ko": "예. 논문의 내용 (원문):",
    },
    "answer_polar_no": {
        "en": "No, the paper says:",
        "ja": "いいえ。論文の記述 (原文):",
        "ko": "아니요. 논문의 내용 (원문):",
    },
    "answer_extractive_intro": {
        "en": "The most relevant sentences in the paper:",
        "ja": "論文中で最も関連する記述 (原文):",
        "ko": "논문에서 가장 관련 있는 문장 (원문):",
    },
    # An answer's progress and notes (issue 19) ------------------------------------------
    "answer_thinking": {
        "en": "Thinking…",
        "ja": "考え中…",
        "ko": "생각 중…",
    },
    "answer_note_model_unavailable": {
        "en": "The language model was unavailable ({reason}).",
        "ja": "言語モデルを利用できませんでした（{reason}）。",
        "ko": "언어 모델을 사용할 수 없었습니다({reason}).",
    },
    "answer_note_unchecked": {
        "en": (
            "The model's answer could not be checked against the paper, "
            "so these are the paper's own sentences."
        ),
        "ja": "モデルの回答を論文と照合できなかったため、論文の原文を示します。",
        "ko": "모델의 답변을 논문과 대조할 수 없어 논문의 원문을 보여 드립니다.",
    },
    "answer_note_model_found_nothing": {
        "en": (
            "The model found no answer in the passages it was given, "
            "so these are the paper's closest sentences."
        ),
        "ja": "モデルは渡された箇所から答えを見つけられなかったため、論文中の最も近い記述を示します。",
        "ko": "모델이 주어진 구절에서 답을 찾지 못해 논문에서 가장 가까운 문장을 보여 드립니다.",
    },
    "answer_note_repeating": {
        "en": "The model started repeating itself, so its answer was cut there.",
        "ja": "モデルが同じ内容を繰り返し始めたため、回答をそこで打ち切りました。",
        "ko": "모델이 같은 내용을 반복하기 시작해 답변을 그곳에서 끊었습니다.",
    },
    "answer_note_cut_chars": {
        "en": "The model's answer was cut at {chars} characters.",
        "ja": "モデルの回答は {chars} 文字で打ち切りました。",
        "ko": "모델의 답변은 {chars}자에서 끊었습니다.",
    },
    "answer_note_too_slow": {
        "en": "The model took longer than {seconds} s, so its answer was cut there.",
        "ja": "モデルが {seconds} 秒を超えたため、回答をそこで打ち切りました。",
        "ko": "모델이 {seconds}초를 넘겨 답변을 그곳에서 끊었습니다.",
    },
    "answer_note_quotes_chosen": {
        "en": "The model gave no checkable quotes; the sources are the passages closest to its answer.",
        "ja": "モデルは照合できる引用を示さなかったため、出典は回答に最も近い論文の箇所です。",
        "ko": "모델이 확인 가능한 인용을 제시하지 않아, 출처는 답변에 가장 가까운 논문 구절입니다.",
    },
    "answer_note_nearest_to_title": {
        "en": (
            "Your question's words could not be matched to the paper's text (it is in English), "
            "so these are the paper's sentences closest to its title."
        ),
        "ja": (
            "質問の語句を論文の本文 (英語) と照合できなかったため、"
            "論文のタイトルに最も近い記述を示します。"
        ),
        "ko": (
            "질문의 단어를 논문 본문(영어)과 대조할 수 없어 "
            "논문 제목에 가장 가까운 문장을 보여 드립니다."
        ),
    },
    "answer_note_abstract_only": {
        "en": "Only the abstract could be read; the full text was unavailable.",
        "ja": "本文を読めなかったため、概要だけを使いました。",
        "ko": "본문을 읽지 못해 초록만 사용했습니다.",
    },
    # Club UI: vote button, standings, App Home, shortcuts (issue 17) -------------------
    "vote_button": {
        "en": "Vote · {votes}",
        "ja": "投票 · {votes}",
        "ko": "투표 · {votes}",
    },
    "unvoted": {
        "en": "🗳️ Your vote for **{title}** was taken back: {votes} in this channel.",
        "ja": "🗳️ **{title}** への投票を取り消しました (このチャンネルで {votes} 票)。",
        "ko": "🗳️ **{title}** 투표를 취소했습니다 (이 채널에서 {votes}표).",
    },
    "standings_heading": {
        "en": "**🗳️ This week's standings**",
        "ja": "**🗳️ 今週の投票状況**",
        "ko": "**🗳️ 이번 주 투표 현황**",
    },
    "standings_at_pick": {
        "en": "**🗳️ The tally at the pick**",
        "ja": "**🗳️ 選定時の投票結果**",
        "ko": "**🗳️ 선정 시점의 투표 결과**",
    },
    "standings_line": {
        "en": "{rank}. **{title}**: {votes} {votes:vote|votes}",
        "ja": "{rank}. **{title}**: {votes} 票",
        "ko": "{rank}. **{title}**: {votes}표",
    },
    "standings_more": {
        "en": "… and {n} more {n:paper|papers} with votes.",
        "ja": "… ほかに票のある論文が {n} 本あります。",
        "ko": "… 그 밖에 표를 받은 논문이 {n}편 있습니다.",
    },
    "standings_empty": {
        "en": (
            "No paper in this channel has a vote yet. Vote with the 🗳️ button on a paper's "
            "post, a reaction on it, or {p}vote <arXiv id>."
        ),
        "ja": (
            "このチャンネルの論文にはまだ票がありません。論文の投稿の 🗳️ ボタン、リアクション、"
            "または {p}vote <arXiv ID> で投票できます。"
        ),
        "ko": (
            "이 채널의 논문에는 아직 표가 없습니다. 논문 게시물의 🗳️ 버튼, 반응 또는 "
            "{p}vote <arXiv ID>로 투표하세요."
        ),
    },
    "help_standings": {
        "en": "this week's tally: the papers with votes, most votes first",
        "ja": "今週の投票状況 (票の多い順)",
        "ko": "이번 주 투표 현황 (득표순)",
    },
    "unknown_subcommand": {
        "en": "`{command}` is not a paperclub command. Here is what it can do:",
        "ja": "`{command}` は paperclub のコマンドではありません。使えるコマンドは次のとおりです:",
        "ko": "`{command}`은(는) paperclub 명령이 아닙니다. 사용할 수 있는 명령은 다음과 같습니다:",
    },
    "home_heading": {
        "en": "Your paper club",
        "ja": "あなたの論文輪読会",
        "ko": "나의 논문 읽기 모임",
    },
    "home_reading_list": {
        "en": "*📚 Your reading list*",
        "ja": "*📚 あなたのリーディングリスト*",
        "ko": "*📚 나의 읽기 목록*",
    },
    "home_reading_empty": {
        "en": "Nothing saved yet. Use “Save to my reading list” on a paper's post, or {p}save <arXiv id>.",
        "ja": "まだ何も保存されていません。論文の投稿で「リーディングリストに保存」を使うか、{p}save <arXiv ID> を使ってください。",
        "ko": "아직 저장한 논문이 없습니다. 논문 게시물에서 “읽기 목록에 저장”을 쓰거나 {p}save <arXiv ID>를 사용하세요.",
    },
    "home_read_mark": {
        "en": "read",
        "ja": "既読",
        "ko": "읽음",
    },
    "home_standings": {
        "en": "*🗳️ This week's standings in <#{channel}>*",
        "ja": "*🗳️ <#{channel}> の今週の投票状況*",
        "ko": "*🗳️ <#{channel}>의 이번 주 투표 현황*",
    },
    "home_no_channels": {
        "en": "No channel in this workspace gets the weekly digest yet: {p}subscribe in a channel starts it.",
        "ja": "このワークスペースには週刊ダイジェストを受け取るチャンネルがまだありません。チャンネルで {p}subscribe を使うと始まります。",
        "ko": "이 워크스페이스에는 아직 주간 다이제스트를 받는 채널이 없습니다. 채널에서 {p}subscribe를 사용하면 시작됩니다.",
    },
    "home_next_session": {
        "en": "*📅 Next session*",
        "ja": "*📅 次回の輪読会*",
        "ko": "*📅 다음 모임*",
    },
    "home_session_line": {
        "en": "{meeting}: *{title}* in <#{channel}>, presented by {presenter}",
        "ja": "{meeting}: <#{channel}> で *{title}* (発表: {presenter})",
        "ko": "{meeting}: <#{channel}>에서 *{title}* (발표: {presenter})",
    },
    "home_no_session": {
        "en": "No session is scheduled yet. {p}pick picks the most-voted paper.",
        "ja": "まだ輪読会の予定はありません。{p}pick で最多得票の論文を選べます。",
        "ko": "아직 예정된 모임이 없습니다. {p}pick으로 최다 득표 논문을 고를 수 있습니다.",
    },
    "ask_modal_title": {
        "en": "Ask paperclub",
        "ja": "paperclub に質問",
        "ko": "paperclub에 질문",
    },
    "ask_modal_label": {
        "en": "Your question about {title}",
        "ja": "{title} についての質問",
        "ko": "{title}에 대한 질문",
    },
    "ask_modal_submit": {
        "en": "Ask",
        "ja": "質問する",
        "ko": "질문하기",
    },
    "ask_modal_cancel": {
        "en": "Cancel",
        "ja": "キャンセル",
        "ko": "취소",
    },
    "shortcut_not_a_paper": {
        "en": (
            "This message is not a paper's post or a message in a paper's thread, so paperclub "
            "cannot tell which paper you mean. Use the shortcut on a paper's post."
        ),
        "ja": (
            "このメッセージは論文の投稿でも論文スレッド内のメッセージでもないため、どの論文か"
            "わかりません。論文の投稿でショートカットを使ってください。"
        ),
        "ko": (
            "이 메시지는 논문 게시물이나 논문 스레드의 메시지가 아니어서 어떤 논문인지 알 수 "
            "없습니다. 논문 게시물에서 바로 가기를 사용하세요."
        ),
    },
    "answer_in_thread": {
        "en": "💬 Your question is answered in the paper's thread: {link}",
        "ja": "💬 質問には論文のスレッドで回答します: {link}",
        "ko": "💬 질문에 대한 답변은 논문 스레드에 있습니다: {link}",
    },
    "thread_link_text": {
        "en": "the paper's thread",
        "ja": "論文のスレッド",
        "ko": "논문 스레드",
    },
    # Paper cards, digest header and citations (issue 14) ------------------------------
    "arxiv_comment": {"en": "Comment", "ja": "コメント", "ko": "코멘트"},
    "card_links": {"en": "Links", "ja": "リンク", "ko": "링크"},
    "link_abstract": {"en": "Abstract", "ja": "概要", "ko": "초록"},
    "link_code": {"en": "Code", "ja": "コード", "ko": "코드"},
    "et_al": {"en": "et al.", "ja": "ほか", "ko": "외"},
    "page_short": {"en": "p. {page}", "ja": "p. {page}", "ko": "p. {page}"},
    "basis_html": {"en": "arXiv HTML", "ja": "arXiv HTML", "ko": "arXiv HTML"},
    "basis_pdf": {"en": "PDF", "ja": "PDF", "ko": "PDF"},
    "basis_abstract": {"en": "abstract only", "ja": "概要のみ", "ko": "초록만"},
    "basis_file": {"en": "local file", "ja": "ローカルファイル", "ko": "로컬 파일"},
    "note_abstract_only": {
        "en": "Neither the arXiv HTML nor the PDF could be read; only the abstract was used",
        "ja": "arXiv HTML も PDF も読めなかったため、概要のみを使いました",
        "ko": "arXiv HTML과 PDF를 모두 읽지 못해 초록만 사용했습니다",
    },
    "note_html_unavailable": {
        "en": "No arXiv HTML version; read from the PDF",
        "ja": "arXiv HTML 版がないため PDF から読みました",
        "ko": "arXiv HTML 버전이 없어 PDF에서 읽었습니다",
    },
    "note_pdf_pages_read": {
        "en": "Only the first {n} pages of the PDF were read",
        "ja": "PDF の最初の {n} ページだけを読みました",
        "ko": "PDF의 처음 {n}쪽만 읽었습니다",
    },
    "note_pdf_pages_of": {
        "en": "Only the first {n} of {total} pages were read",
        "ja": "全 {total} ページのうち最初の {n} ページだけを読みました",
        "ko": "전체 {total}쪽 중 처음 {n}쪽만 읽었습니다",
    },
    "note_pdf_pages_skipped": {
        "en": "Some PDF pages could not be read and were skipped ({pages})",
        "ja": "PDF の一部のページを読めなかったため飛ばしました ({pages})",
        "ko": "PDF의 일부 쪽을 읽지 못해 건너뛰었습니다 ({pages})",
    },
    "note_text_capped": {
        "en": "The paper is very long; only its first part was read",
        "ja": "論文が非常に長いため、前半部分だけを読みました",
        "ko": "논문이 매우 길어 앞부분만 읽었습니다",
    },
    "note_model_unavailable": {
        "en": "The language model was unavailable, so this summary is extractive",
        "ja": "言語モデルを利用できなかったため、この要約は抽出型です",
        "ko": "언어 모델을 사용할 수 없어 이 요약은 추출형입니다",
    },
    "digest_header_title": {
        "en": "Papers of the week {week}",
        "ja": "今週の論文 {week}",
        "ko": "이번 주 논문 {week}",
    },
    "digest_header_intro": {
        "en": "This week's {n} {n:paper|papers}, ranked; each has its own thread below.",
        "ja": "今週の {n} 本をランキング順に紹介します。各論文のスレッドはこの下にあります。",
        "ko": "이번 주 논문 {n}편을 순위대로 소개합니다. 논문마다 아래에 스레드가 있습니다.",
    },
    "reason_trending": {
        "en": "talked about on {sources}",
        "ja": "{sources} で話題",
        "ko": "{sources}에서 화제",
    },
    "reason_topics": {
        "en": "matches this channel's topics",
        "ja": "このチャンネルのトピックに一致",
        "ko": "이 채널의 토픽과 일치",
    },
    "reason_submitted": {
        "en": "submitted by a member",
        "ja": "メンバーの推薦",
        "ko": "멤버 추천",
    },
    "reason_recent": {
        "en": "new this week",
        "ja": "今週の新着",
        "ko": "이번 주 신규",
    },
    "reason_resumed": {
        "en": "carried over from this week's earlier run",
        "ja": "今週の前回の実行から引き継ぎ",
        "ko": "이번 주 이전 실행에서 이어짐",
    },
    # The extractive engine's key-point questions (bot/llm/key_points.py); their answers
    # are the paper's own sentences, in the paper's language.
    "kp_problem": {
        "en": "What problem does the paper address?",
        "ja": "この論文はどんな問題に取り組んでいますか？",
        "ko": "이 논문은 어떤 문제를 다루나요?",
    },
    "kp_proposal": {
        "en": "What do the authors propose?",
        "ja": "著者は何を提案していますか？",
        "ko": "저자들은 무엇을 제안하나요?",
    },
    "kp_method": {
        "en": "How does it work?",
        "ja": "どのような仕組みですか？",
        "ko": "어떻게 작동하나요?",
    },
    "kp_data": {
        "en": "What data or benchmarks are used?",
        "ja": "どのようなデータやベンチマークを使っていますか？",
        "ko": "어떤 데이터나 벤치마크를 사용하나요?",
    },
    "kp_results": {
        "en": "What results do they report, in numbers?",
        "ja": "どのような結果が数値で報告されていますか？",
        "ko": "어떤 결과를 수치로 보고하나요?",
    },
    "kp_finding": {
        "en": "What is the main finding?",
        "ja": "主な発見は何ですか？",
        "ko": "주요 발견은 무엇인가요?",
    },
    "kp_novelty": {
        "en": "What is new compared with earlier work?",
        "ja": "先行研究と比べて何が新しいですか？",
        "ko": "기존 연구와 비교해 무엇이 새로운가요?",
    },
    "kp_limitations": {
        "en": "What are the limitations?",
        "ja": "限界は何ですか？",
        "ko": "한계는 무엇인가요?",
    },
    "kp_impact": {
        "en": "Why does it matter?",
        "ja": "なぜ重要なのですか？",
        "ko": "왜 중요한가요?",
    },
    "kp_availability": {
        "en": "Are code or data available?",
        "ja": "コードやデータは公開されていますか？",
        "ko": "코드나 데이터가 공개되어 있나요?",
    },
    "key_points_quoted": {
        "en": "Key points: questions in the channel's language, answers quoted from the paper",
        "ja": "キーポイント: 質問は日本語、回答は論文の原文 (英語) からの引用です",
        "ko": "핵심 요점: 질문은 한국어, 답변은 논문 원문(영어)에서 인용했습니다",
    },
    # The model engine's key points, each checked against the paper by its quote
    # (bot/llm/key_point_check.py)
    "note_key_points_checked": {
        "en": "{checked} of {total} {total:key point|key points} checked against the paper",
        "ja": "キーポイント {total} 件中 {checked} 件を論文の原文と照合済み",
        "ko": "핵심 요점 {total}개 중 {checked}개를 논문 원문과 대조함",
    },
    "note_key_points_unchecked": {
        "en": (
            "Only {checked} of the model's {total} {total:key point|key points} could be "
            "checked against the paper, so the key points are quoted from the paper"
        ),
        "ja": (
            "モデルのキーポイント {total} 件のうち論文の原文と照合できたのは {checked} 件だけ"
            "だったため、キーポイントは論文からの引用です"
        ),
        "ko": (
            "모델의 핵심 요점 {total}개 중 논문 원문과 대조된 것이 {checked}개뿐이어서 "
            "핵심 요점은 논문에서 인용했습니다"
        ),
    },
    # the Discord settings form (/settings without options); labels at most 45 characters
    "settings_form_title": {
        "en": "This channel's paperclub settings",
        "ja": "このチャンネルの paperclub 設定",
        "ko": "이 채널의 paperclub 설정",
    },
    "settings_form_language": {
        "en": "Language (en, ja or ko)",
        "ja": "言語 (en, ja, ko)",
        "ko": "언어 (en, ja, ko)",
    },
    "settings_form_schedule": {
        "en": "Weekly digest: day and time (Monday 09:00)",
        "ja": "週間ダイジェストの曜日と時刻 (月曜日 09:00)",
        "ko": "주간 다이제스트 요일과 시각 (월요일 09:00)",
    },
    "settings_form_timezone": {
        "en": "Time zone (e.g. Asia/Tokyo)",
        "ja": "タイムゾーン (例: Asia/Tokyo)",
        "ko": "시간대 (예: Asia/Seoul)",
    },
    "settings_form_topics": {
        "en": "Topics, comma-separated (agents:2, diffusion)",
        "ja": "トピック、カンマ区切り (agents:2, diffusion)",
        "ko": "주제, 쉼표로 구분 (agents:2, diffusion)",
    },
    "settings_form_sources": {
        "en": "Paper sources (all, or arxiv, huggingface…)",
        "ja": "論文の取得元 (all、または arxiv, huggingface…)",
        "ko": "논문 출처 (all 또는 arxiv, huggingface…)",
    },
    "settings_form_typed": {
        "en": "Nothing was changed. What you typed, to try again with /settings:",
        "ja": "何も変更していません。入力した内容です (/settings でもう一度どうぞ):",
        "ko": "아무것도 바꾸지 않았습니다. 입력하신 내용입니다 (/settings로 다시 시도하세요):",
    },
    "error_settings_schedule": {
        "en": "Unknown schedule '{given}'. Give a day and a 24-hour time, e.g. Monday 09:00.",
        "ja": "スケジュール「{given}」を読み取れません。曜日と24時間制の時刻を書いてください (例: 月曜日 09:00)。",
        "ko": "일정 '{given}'을(를) 알 수 없습니다. 요일과 24시간제 시각을 적어 주세요 (예: 월요일 09:00).",
    },
    # the paper's key figure, on the card or the first thread reply
    "key_figure": {
        "en": "🖼️ **Key figure**",
        "ja": "🖼️ **主要な図**",
        "ko": "🖼️ **핵심 그림**",
    },
    "key_figure_page": {
        "en": "🖼️ **Key figure** (page {page} of the PDF)",
        "ja": "🖼️ **主要な図** (PDF の {page} ページ)",
        "ko": "🖼️ **핵심 그림** (PDF {page}쪽)",
    },
    # the standings chart attached to /standings
    "standings_chart_title": {
        "en": "This week's standings",
        "ja": "今週の投票状況",
        "ko": "이번 주 투표 현황",
    },
    "standings_chart_votes": {
        "en": "Votes",
        "ja": "票数",
        "ko": "득표수",
    },
    # A presenter's outline (bot/usecases/club/outline.py) -------------------------------
    "outline_heading": {
        "en": "Presenter outline",
        "ja": "発表者向けアウトライン",
        "ko": "발표자용 개요",
    },
    "outline_problem": {"en": "Problem", "ja": "課題", "ko": "문제"},
    "outline_method": {"en": "Method", "ja": "手法", "ko": "방법"},
    "outline_results": {"en": "Key results", "ja": "主な結果", "ko": "주요 결과"},
    "outline_limitations": {"en": "Limitations", "ja": "限界", "ko": "한계"},
    "outline_discussion": {
        "en": "Questions for discussion",
        "ja": "議論したい問い",
        "ko": "토론 질문",
    },
    "outline_ask_limitation": {
        "en": "How much does this limitation matter, and how could it be addressed?",
        "ja": "この限界はどの程度重要で、どうすれば解決できるでしょうか？",
        "ko": "이 한계는 얼마나 중요하며, 어떻게 해결할 수 있을까요?",
    },
    "outline_ask_novelty": {
        "en": "Is this really new compared with earlier work?",
        "ja": "これは先行研究と比べて本当に新しいでしょうか？",
        "ko": "이것이 기존 연구와 비교해 정말 새로운가요?",
    },
    "outline_ask_results": {
        "en": "Do the numbers support the claim, and would they hold on other data?",
        "ja": "この数値は主張を裏付けていますか？別のデータでも成り立つでしょうか？",
        "ko": "이 수치가 주장을 뒷받침하나요? 다른 데이터에서도 성립할까요?",
    },
    "outline_ask_impact": {
        "en": "What would this change for our own work?",
        "ja": "これは私たち自身の研究や仕事に何をもたらすでしょうか？",
        "ko": "이것은 우리 자신의 연구나 일에 무엇을 바꿀까요?",
    },
    "outline_extractive_note": {
        "en": "Extractive outline: every item is a sentence of the paper, quoted as it stands.",
        "ja": "抽出型アウトライン: 各項目は論文の文をそのまま引用しています。",
        "ko": "추출형 개요: 각 항목은 논문의 문장을 그대로 인용한 것입니다.",
    },
    "outline_model_fallback": {
        "en": "The model's outline could not be checked against the paper, so these are the paper's own sentences.",
        "ja": "モデルのアウトラインを論文と照合できなかったため、論文の文をそのまま示しています。",
        "ko": "모델의 개요를 논문과 대조할 수 없어 논문의 문장을 그대로 보여 줍니다.",
    },
    "outline_dropped": {
        "en": "{n} {n:item|items} whose quote is not in the paper {n:was|were} left out.",
        "ja": "引用が論文に見つからなかった {n} 項目を除外しました。",
        "ko": "인용이 논문에서 확인되지 않은 {n}개 항목을 제외했습니다.",
    },
    "outline_empty": {
        "en": "No sentence of the paper clearly states its problem, method or results, so there is no outline to show.",
        "ja": "論文の中に課題・手法・結果をはっきり述べた文が見つからず、アウトラインを作れませんでした。",
        "ko": "논문에서 문제, 방법, 결과를 분명히 밝힌 문장을 찾지 못해 개요를 만들 수 없습니다.",
    },
    "help_outline": {
        "en": "a presenter's slide outline of the paper, every item cited (a picked paper's session thread gets it too)",
        "ja": "論文の発表用スライドのアウトライン (各項目に引用付き。選ばれた論文の輪読会スレッドにも投稿されます)",
        "ko": "논문 발표 슬라이드 개요 (각 항목에 인용 포함. 선정된 논문의 세션 스레드에도 게시됩니다)",
    },
    "outline_working": {
        "en": "Reading the paper and drafting its outline…",
        "ja": "論文を読んでアウトラインを作成しています…",
        "ko": "논문을 읽고 개요를 작성하는 중입니다…",
    },
    # A new version of a paper (bot/usecases/club/new_version.py) ------------------------
    "version_heading": {
        "en": "🆕 arXiv published version {version} of this paper (this thread was about v{old}).",
        "ja": "🆕 arXiv にこの論文のバージョン {version} が公開されました (このスレッドは v{old} についてでした)。",
        "ko": "🆕 arXiv에 이 논문의 버전 {version}이(가) 공개되었습니다 (이 스레드는 v{old} 기준이었습니다).",
    },
    "version_abstract": {
        "en": "Abstract: {added} {added:sentence|sentences} added, {removed} removed.",
        "ja": "アブストラクト: {added} 文追加、{removed} 文削除。",
        "ko": "초록: {added}문장 추가, {removed}문장 삭제.",
    },
    "version_abstract_same": {
        "en": "Abstract: unchanged.",
        "ja": "アブストラクト: 変更なし。",
        "ko": "초록: 변경 없음.",
    },
    "version_sections_added": {
        "en": "Sections added: {names}",
        "ja": "追加されたセクション: {names}",
        "ko": "추가된 섹션: {names}",
    },
    "version_sections_removed": {
        "en": "Sections removed: {names}",
        "ja": "削除されたセクション: {names}",
        "ko": "삭제된 섹션: {names}",
    },
    "version_sections_same": {
        "en": "Sections: the same {n} as before.",
        "ja": "セクション: 以前と同じ {n} 個です。",
        "ko": "섹션: 이전과 같은 {n}개입니다.",
    },
    "version_pages": {
        "en": "Pages: {before} → {after}",
        "ja": "ページ数: {before} → {after}",
        "ko": "페이지 수: {before} → {after}",
    },
    "version_pages_unknown": {"en": "unknown", "ja": "不明", "ko": "알 수 없음"},
    "version_reread": {
        "en": "paperclub has read v{version}: answers in this thread now quote it.",
        "ja": "paperclub は v{version} を読み直しました。このスレッドの回答は今後こちらを引用します。",
        "ko": "paperclub이 v{version}을(를) 다시 읽었습니다. 이제 이 스레드의 답변은 새 버전을 인용합니다.",
    },
    # Slack modals and shortcuts (issue 17) -------------------------------------------
    "slack_modal_close": {"en": "Cancel", "ja": "キャンセル", "ko": "취소"},
    "slack_modal_save": {"en": "Save", "ja": "保存", "ko": "저장"},
    "slack_ask_modal_title": {
        "en": "Ask paperclub",
        "ja": "paperclub に質問",
        "ko": "paperclub에 질문",
    },
    "slack_ask_modal_submit": {"en": "Ask", "ja": "質問する", "ko": "질문하기"},
    "slack_ask_modal_paper": {
        "en": "About *{title}*",
        "ja": "*{title}* について",
        "ko": "*{title}*에 대해",
    },
    "slack_ask_modal_label": {"en": "Your question", "ja": "質問", "ko": "질문"},
    "slack_ask_modal_placeholder": {
        "en": "What would you like to know about this paper?",
        "ja": "この論文について知りたいことは？",
        "ko": "이 논문에 대해 무엇이 궁금한가요?",
    },
    "slack_ask_modal_hint": {
        "en": "The answer is posted in the paper's thread, from the paper's own text.",
        "ja": "回答は論文の本文にもとづき、論文のスレッドに投稿されます。",
        "ko": "답변은 논문 본문을 근거로 논문 스레드에 게시됩니다.",
    },
    "slack_ask_question_empty": {
        "en": "Write a question first.",
        "ja": "先に質問を書いてください。",
        "ko": "먼저 질문을 입력하세요.",
    },
    "slack_asked_in_thread": {
        "en": "❓ {member} asked:\n{question}",
        "ja": "❓ {member} さんの質問:\n{question}",
        "ko": "❓ {member} 님의 질문:\n{question}",
    },
    "slack_ask_answering": {
        "en": "Answering in the paper's thread…",
        "ja": "論文のスレッドで回答しています…",
        "ko": "논문 스레드에서 답변하는 중…",
    },
    "slack_ask_answered_in_thread": {
        "en": "💬 Answered in {link}.",
        "ja": "💬 {link}で回答しました。",
        "ko": "💬 {link}에 답변했습니다.",
    },
    "slack_shortcut_not_a_paper": {
        "en": (
            "This message is not in one of paperclub's paper threads. Use the shortcut on "
            "a paper's post or on a reply in its thread."
        ),
        "ja": (
            "このメッセージは paperclub の論文スレッドのものではありません。論文の投稿か、"
            "そのスレッド内の返信でショートカットを使ってください。"
        ),
        "ko": (
            "이 메시지는 paperclub 논문 스레드에 있지 않습니다. 논문 게시물이나 그 스레드의 "
            "답글에서 바로 가기를 사용하세요."
        ),
    },
    "slack_settings_modal_title": {
        "en": "Channel settings",
        "ja": "チャンネル設定",
        "ko": "채널 설정",
    },
    "slack_settings_label_language": {"en": "Language", "ja": "言語", "ko": "언어"},
    "slack_settings_label_weekday": {
        "en": "Weekly digest: day",
        "ja": "週間ダイジェストの曜日",
        "ko": "주간 다이제스트 요일",
    },
    "slack_settings_label_time": {
        "en": "Weekly digest: time",
        "ja": "週間ダイジェストの時刻",
        "ko": "주간 다이제스트 시각",
    },
    "slack_settings_label_timezone": {"en": "Time zone", "ja": "タイムゾーン", "ko": "시간대"},
    "slack_settings_label_size": {
        "en": "Papers per digest",
        "ja": "ダイジェストの論文数",
        "ko": "다이제스트 논문 수",
    },
    "slack_settings_label_topics": {"en": "Topics", "ja": "トピック", "ko": "주제"},
    "slack_settings_label_muted": {
        "en": "Muted topics",
        "ja": "除外するトピック",
        "ko": "제외할 주제",
    },
    "slack_settings_label_categories": {
        "en": "arXiv categories",
        "ja": "arXiv カテゴリ",
        "ko": "arXiv 카테고리",
    },
    "slack_settings_label_sources": {"en": "Sources", "ja": "論文の取得元", "ko": "논문 출처"},
    "slack_settings_label_meeting_day": {
        "en": "Meeting day",
        "ja": "輪読会の曜日",
        "ko": "모임 요일",
    },
    "slack_settings_label_meeting_time": {
        "en": "Meeting time",
        "ja": "輪読会の時刻",
        "ko": "모임 시각",
    },
    "slack_settings_label_auto_pick": {
        "en": "Automatic pick: hours before the meeting",
        "ja": "自動選出: 輪読会の何時間前か",
        "ko": "자동 선정: 모임 몇 시간 전",
    },
    "slack_settings_no_meeting": {"en": "No meeting", "ja": "輪読会なし", "ko": "모임 없음"},
    "slack_settings_hint_topics": {
        "en": "Comma-separated; a weight after a colon counts a topic more (agents:2).",
        "ja": "カンマ区切り。コロンの後の重みでトピックを重視できます (agents:2)。",
        "ko": "쉼표로 구분합니다. 콜론 뒤의 가중치로 주제를 더 중시합니다 (agents:2).",
    },
    "slack_settings_hint_muted": {
        "en": "Papers on these topics are left out of the digest.",
        "ja": "これらのトピックの論文はダイジェストから外します。",
        "ko": "이 주제의 논문은 다이제스트에서 뺍니다.",
    },
    "slack_settings_hint_categories": {
        "en": "Such as cs.CL, cs.LG or stat.ML; empty keeps every category.",
        "ja": "cs.CL、cs.LG、stat.ML など。空欄ならすべてのカテゴリ。",
        "ko": "cs.CL, cs.LG, stat.ML 등. 비워 두면 모든 카테고리.",
    },
    "slack_settings_hint_sources": {
        "en": "None chosen: every configured source.",
        "ja": "未選択なら設定済みのすべての取得元。",
        "ko": "선택하지 않으면 설정된 모든 출처.",
    },
    "slack_settings_hint_auto_pick": {
        "en": "The most-voted paper is picked this long before each meeting; 0 turns it off.",
        "ja": "各輪読会のこの時間前に最多得票の論文を選びます。0 でオフ。",
        "ko": "각 모임 이 시간 전에 최다 득표 논문을 선정합니다. 0이면 끕니다.",
    },
    "slack_picker_label_paper": {"en": "Paper", "ja": "論文", "ko": "논문"},
    "slack_picker_placeholder_paper": {
        "en": "Type a title or an arXiv id",
        "ja": "タイトルか arXiv ID を入力",
        "ko": "제목이나 arXiv ID 입력",
    },
    "slack_picker_label_presenter": {"en": "Presenter", "ja": "発表者", "ko": "발표자"},
    "slack_picker_label_meeting": {
        "en": "Meeting (YYYY-MM-DD HH:MM)",
        "ja": "輪読会の日時 (YYYY-MM-DD HH:MM)",
        "ko": "모임 일시 (YYYY-MM-DD HH:MM)",
    },
    "slack_picker_title_vote": {"en": "Vote for a paper", "ja": "論文に投票", "ko": "논문에 투표"},
    "slack_picker_title_present": {
        "en": "Choose a presenter",
        "ja": "発表者を決める",
        "ko": "발표자 정하기",
    },
    "slack_picker_title_save": {"en": "Save a paper", "ja": "論文を保存", "ko": "논문 저장"},
    "slack_picker_title_read": {
        "en": "Mark a paper read",
        "ja": "読了にする",
        "ko": "읽음으로 표시",
    },
    "slack_picker_submit_vote": {"en": "Vote", "ja": "投票", "ko": "투표"},
    "slack_picker_submit_present": {"en": "Assign", "ja": "決定", "ko": "지정"},
    "slack_picker_submit_save": {"en": "Save", "ja": "保存", "ko": "저장"},
    "slack_picker_submit_read": {"en": "Mark read", "ja": "読了", "ko": "읽음"},
    "slack_picker_title_pick": {
        "en": "Pick the next paper",
        "ja": "次の論文を選ぶ",
        "ko": "다음 논문 선정",
    },
    "slack_picker_submit_pick": {"en": "Pick", "ja": "選出", "ko": "선정"},
    "slack_picker_hint_pick": {
        "en": "Leave it empty to pick the most-voted paper.",
        "ja": "空欄なら最多得票の論文を選びます。",
        "ko": "비워 두면 최다 득표 논문을 선정합니다.",
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
    ("club", "{p}standings", "help_standings", "", None),
    ("club", "{p}pick [count] [YYYY-MM-DD HH:MM]", "help_pick", "", None),
    ("club", "{p}present <arXiv id> <member> [YYYY-MM-DD HH:MM]", "help_present", "", None),
    ("club", "{p}outline <arXiv id>", "help_outline", "", None),
    ("club", "{p}save <arXiv id>, {p}read <arXiv id>", "help_save", "", None),
    ("club", "{p}saved", "help_saved", "", None),
    ("club", "{p}recap", "help_recap", "{p}recap <arXiv id>", "help_recap_outside"),
    ("club", "{p}help", "help_help", "", None),
)
