"""Member-visible replies and notes keyed by name, in each supported language: `reply`.

Appended to by feature; English is the fallback where a language lacks a text.
"""

from __future__ import annotations

_REPLIES: dict[str, dict[str, str]] = {
    # The model engine (issue 19): why a model's summary was replaced by the extractive one.
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
    "language_name_en": {"en": "English", "ja": "英語", "ko": "영어"},
    "language_name_ja": {"en": "Japanese", "ja": "日本語", "ko": "일본어"},
    "language_name_ko": {"en": "Korean", "ja": "韓国語", "ko": "한국어"},
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
}


def reply(key: str, language: str, /, **values: object) -> str:
    """The text of `key` in `language` (English where a language lacks it), filled in."""
    texts = _REPLIES[key]
    text = texts.get(language, texts["en"])
    return text.format(**values) if values else text
