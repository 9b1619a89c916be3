"""Splitting long text to a platform's limit, and the paper post's shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain import Paper, QAPair, Summary, SummaryEngine
from bot.render import paper_thread, split_text
from tests.loopback.fixtures import fixtures_dir


def reversal_curse_text() -> str:
    return (fixtures_dir() / "papers" / "reversal-curse-2309.12288.pypdf.txt").read_text("utf-8")


@pytest.mark.parametrize("limit", [150, 2000, 3000, 4096])
def test_split_text_fits_the_limit_and_loses_nothing(limit: int) -> None:
    text = reversal_curse_text()[:20_000]
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(p.replace(" ", "").replace("\n", "") for p in pieces) == text.replace(
        " ", ""
    ).replace("\n", "")


def test_split_text_cuts_at_sentence_ends_not_mid_word() -> None:
    text = " ".join(f"Sentence number {i} talks about reversal." for i in range(200))
    for piece in split_text(text, 500):
        assert piece.endswith("reversal.")


def test_split_text_never_ends_inside_a_code_span() -> None:
    text = "Intro words here. " * 20 + "`" + "code " * 30 + "` after the span. " * 5
    for piece in split_text(text, 200):
        assert piece.count("`") % 2 == 0


def test_paper_thread_holds_every_field_a_member_expects() -> None:
    moment = datetime(2023, 9, 21, tzinfo=UTC)
    paper = Paper(
        "2309.12288",
        2,
        "The Reversal Curse",
        ("Lukas Berglund", "Owain Evans"),
        "Abstract.",
        moment,
        moment,
        "cs.CL",
        ("cs.CL", "cs.AI"),
    )
    summary = Summary(
        "2309.12288",
        "ja",
        "要約です。",
        (QAPair("何？", "これ。"),),
        ("llm",),
        SummaryEngine.MODEL,
        "gpt-4o-mini",
        "abstract only",
        title_translated="逆転の呪い",
    )
    thread = paper_thread(paper, summary)
    card = thread.root.card
    assert card is not None
    # issue 14: the translated title on its own line, not appended to the original
    assert card.title == "The Reversal Curse"
    assert card.subtitle == "逆転の呪い"
    assert card.url == "https://arxiv.org/abs/2309.12288"
    values = {f.name: f.value for f in card.fields}
    assert values["著者"] == "Lukas Berglund, Owain Evans"
    assert values["公開日"] == "2023-09-21"
    assert values["カテゴリ"] == "cs.CL"
    # issue 14: the summary once (on the card); the thread starts with the key points
    assert card.description == "要約です。"
    texts = "\n".join(p.text for p in thread.replies)
    assert "要約です" not in texts
    assert thread.replies[0].text.startswith("**論文のポイント")
    assert "Q1. 何？" in texts and "`#llm`" in texts


async def test_an_abstract_only_extractive_post_still_has_key_points() -> None:
    from bot.llm.extractive import ExtractiveEngine
    from bot.reading.model import PaperText, Passage, TextSource

    moment = datetime(2016, 5, 26, tzinfo=UTC)
    abstract = (
        "Graphs on lattice points are studied whose edges come from a finite set of allowed "
        "moves of arbitrary length. We show that the diameter of these graphs on fibers of a "
        "fixed integer matrix can be bounded from above by a constant. We then study the "
        "mixing behaviour of heat-bath random walks on these graphs."
    )
    paper = Paper(
        "1605.08386",
        1,
        "Heat-bath random walks",
        ("C. Stanley",),
        abstract,
        moment,
        moment,
        "math.CO",
    )
    text = PaperText(
        paper.arxiv_id, TextSource.ABSTRACT, paper.title, (Passage(abstract, "Abstract"),)
    )
    summary = await ExtractiveEngine().summarise(paper, text, "en")
    assert len(summary.key_points) >= 2
    assert all(pair.answer in abstract for pair in summary.key_points)  # verbatim sentences


def _paper(**changes: object) -> Paper:
    moment = datetime(2023, 9, 21, tzinfo=UTC)
    paper = Paper(
        "2309.12288",
        2,
        r"Sampling $X \sim N(\mathbfθ, I_\infty)$ in $O(n^2)$ time",
        tuple(f"Author {i}" for i in range(12)),
        "Abstract.",
        moment,
        moment,
        "cs.LG",
        comment="15 pages, 4 figures, NeurIPS 2023",
        code_url="https://github.com/example/repo",
    )
    return replace(paper, **changes)  # type: ignore[arg-type]


def _summary(language: str, **changes: object) -> Summary:
    summary = Summary(
        "2309.12288",
        language,
        r"We bound $\alpha$-entmax by 95% & more.",
        (QAPair("Q?", "A."),),
        ("llm",),
        SummaryEngine.MODEL,
        "gpt-4o-mini",
        "PDF",
        notes=("arXiv HTML unavailable (HTTP 404); used the PDF",),
    )
    return replace(summary, **changes)  # type: ignore[arg-type]


def test_card_renders_latex_links_authors_and_notes_in_the_channels_language() -> None:
    card = paper_thread(_paper(), _summary("ja")).root.card
    assert card is not None
    assert card.title == "Sampling X ∼ N(θ, I_∞) in O(n^2) time"
    assert card.description == "We bound α-entmax by 95% & more."
    values = {f.name: f.value for f in card.fields}
    assert values["著者"] == "Author 0, Author 1, Author 2, Author 3, Author 4 ほか"
    assert values["コメント"] == "15 pages, 4 figures, NeurIPS 2023"
    assert "更新日" not in values  # the same day as published: not repeated
    links = {link.label: link.url for link in card.links}
    assert links == {
        "概要": "https://arxiv.org/abs/2309.12288",
        "PDF": "https://arxiv.org/pdf/2309.12288",
        "HTML": "https://arxiv.org/html/2309.12288",
        "コード": "https://github.com/example/repo",
    }
    notes = " ".join(card.notes)
    assert "作成モデル: gpt-4o-mini" in notes and "PDF から読みました" in notes
    assert "HTTP" not in notes and "404" not in notes and "Written by" not in notes


def test_digest_header_ranks_each_paper_with_a_reason_and_cards_say_their_rank() -> None:
    from bot.domain import DigestEntry, RankedPaper, ScoreParts
    from bot.render import digest_header, ranking_reason, with_rank

    trending = RankedPaper(
        _paper(), ScoreParts(social=3.0, interest=1.0, by_source=(("Hugging Face", 3.0),)), ()
    )
    assert ranking_reason(trending, "en") == (
        "talked about on Hugging Face · matches this channel's topics"
    )
    submitted = RankedPaper(_paper(), ScoreParts(recency=1.0, submission=10.0), ())
    assert ranking_reason(submitted, "ja") == "メンバーの推薦"
    assert ranking_reason(RankedPaper(_paper(), ScoreParts(recency=1.0), ()), "en") == (
        "new this week"
    )
    entries = [
        DigestEntry(1, 2, "2309.12288", "First paper", "talked about on Hugging Face"),
        DigestEntry(2, 2, "1706.03762", "Second paper", ""),
    ]
    header = digest_header("2026-W48", entries, "en", ("Ranked by recency only.",))
    assert header.text.startswith("**Papers of the week 2026-W48**")
    assert (
        "[1/2] [First paper](https://arxiv.org/abs/2309.12288) — talked about on Hugging Face"
        in header.text
    )
    assert "[2/2] [Second paper](https://arxiv.org/abs/1706.03762)" in header.text
    assert header.text.endswith("_Ranked by recency only._")
    card = with_rank(paper_thread(_paper(), _summary("en")), 3, 10).root.card
    assert card is not None and card.title.startswith("[3/10] Sampling")


def test_one_citation_format_links_to_the_place() -> None:
    from bot.domain import Answer, Citation
    from bot.render import answer_post, format_citation

    html = Citation("the quote.", "3 Method", None, "https://arxiv.org/html/2309.12288#S3.p2")
    pdf = Citation("a quote", "Results", 6, "https://arxiv.org/pdf/2309.12288#page=6")
    assert format_citation(html, "en", 1) == (
        "[1] [3 Method](https://arxiv.org/html/2309.12288#S3.p2): “the quote.”"
    )
    assert format_citation(pdf, "ja") == (
        "[Results, p. 6](https://arxiv.org/pdf/2309.12288#page=6): “a quote”"
    )
    post = answer_post(Answer("Text [1].", True, (html,), SummaryEngine.MODEL), "en")
    assert format_citation(html, "en", 1) in post.text


def test_a_ten_paper_header_fits_one_discord_message_and_one_slack_section() -> None:
    from adapters.discord_bot.messages import marker
    from adapters.discord_bot.messages import render as discord_render
    from adapters.slack_app.blocks import render as slack_render
    from bot.domain import DigestEntry
    from bot.render import digest_header

    reason = "talked about on Hugging Face, alphaXiv, Hacker News · matches this channel's topics"
    entries = [
        DigestEntry(
            i, 10, f"2309.{12280 + i}", "A very long title about language models " * 4, reason
        )
        for i in range(1, 11)
    ]
    header = digest_header("2026-W49", entries, "en", ("Ranked by recency only.",))
    assert len(discord_render(header, footer=marker("digest-header:k"))) == 1
    assert len(slack_render(header)) == 1
    assert header.text.count("[10/10]") == 1


def test_a_long_bilingual_title_keeps_its_translation_whole_on_slack_and_discord() -> None:
    from adapters.discord_bot.messages import marker
    from adapters.discord_bot.messages import render as discord_render
    from adapters.slack_app.blocks import render as slack_render

    long_title = "A Study of " + "Very Long Titles About Language Models " * 5
    translation = "言語モデルについての非常に長いタイトルの研究" * 4  # 88 characters
    thread = paper_thread(
        _paper(title=long_title), _summary("ja", title_translated=translation), rank=(3, 10)
    )
    [first, *_] = slack_render(thread.root)
    header = first.blocks[0]["text"]["text"]
    assert len(header) <= 150 and header.startswith("[3/10] A Study of") and header.endswith("…")
    assert first.blocks[1]["text"]["text"] == f"*{translation}*"  # its own line, whole
    assert first.blocks[-1]["type"] == "context"  # the notes last
    [embed] = discord_render(thread.root, footer=marker("k"))[0].embeds
    assert embed.description is not None and embed.description.startswith(f"**{translation}**\n")
    assert embed.footer.text is not None and "PDF から読みました" in embed.footer.text
    assert "paperclub · " not in embed.footer.text
