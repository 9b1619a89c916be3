"""Fixed labels of our posts in each supported output language.

Paper content is translated by the model (or left in the paper's own words by the
extractive engine); only the frame around it lives here.
"""

from __future__ import annotations

SUPPORTED_LANGUAGES = ("en", "ja", "ko")

LANGUAGE_NAMES = {"en": "English", "ja": "Japanese", "ko": "Korean"}

_LABELS: dict[str, dict[str, str]] = {
    "authors": {"en": "Authors", "ja": "著者", "ko": "저자"},
    "published": {"en": "Published", "ja": "公開日", "ko": "게시일"},
    "updated": {"en": "Updated", "ja": "更新日", "ko": "수정일"},
    "category": {"en": "Category", "ja": "カテゴリ", "ko": "카테고리"},
    "summary": {"en": "Summary", "ja": "要約", "ko": "요약"},
    "key_points": {
        "en": "Key points (Q&A)",
        "ja": "論文のポイント (Q&A)",
        "ko": "핵심 포인트 (Q&A)",
    },
    "tags": {"en": "Tags", "ja": "タグ", "ko": "태그"},
    "sources": {"en": "Sources", "ja": "出典", "ko": "출처"},
    "basis": {"en": "read from", "ja": "参照した本文", "ko": "참조한 본문"},
    "model_note": {"en": "Written by", "ja": "作成モデル:", "ko": "작성 모델:"},
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
}


def label(key: str, language: str) -> str:
    texts = _LABELS[key]
    return texts.get(language, texts["en"])
