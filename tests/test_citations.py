"""Citations a member can check (issue 14): each links to its place (the arXiv HTML
anchor of its paragraph, the PDF's page), quotes end on a sentence or clause boundary
(long ones elided in the middle), PDF text is mended where lines broke words, and one
format is used everywhere."""

from __future__ import annotations

from bot.domain import Answer, Citation, SummaryEngine
from bot.llm.grounding import ELISION, bounded_quote, cite
from bot.reading.extract_html import passages_from_html
from bot.reading.extract_pdf import passages_from_pdf
from bot.reading.fetch import placed
from bot.reading.model import Passage, passage_from_json, passage_to_json
from bot.render import answer_post, format_citation
from tests.loopback.fixtures import fixtures_dir

HTML_BASE = "https://arxiv.org/html/2501.11120v1"
PDF_BASE = "https://arxiv.org/pdf/1706.03762v7"


def html_fixture() -> str:
    path = (
        fixtures_dir() / "papers" / "html" / "arxiv-html-2501.11120v1-tell-me-about-yourself.html"
    )
    return path.read_text("utf-8")


def attention_pdf_text() -> list[Passage]:
    data = (fixtures_dir() / "papers" / "attention-is-all-you-need-1706.03762.pdf").read_bytes()
    return list(placed(passages_from_pdf(data).passages, PDF_BASE))


def test_html_passages_link_to_their_paragraphs_anchor() -> None:
    html = html_fixture()
    passages = placed(passages_from_html(html).passages, HTML_BASE)
    body = [p for p in passages if p.kind == "body"]
    anchored = [p for p in body if "#" in p.url]
    assert len(anchored) >= 0.9 * len(body)
    for passage in anchored[:50]:
        base, anchor = passage.url.split("#")
        assert base == HTML_BASE
        assert f'id="{anchor}"' in html  # the place exists on the page
    first = next(p for p in anchored if p.section.startswith("1"))
    assert first.url == f"{HTML_BASE}#S1.p1"
    assert passage_from_json(passage_to_json(first)) == first  # kept by the text cache


def test_pdf_passages_link_to_their_page() -> None:
    passages = attention_pdf_text()
    assert all(p.url == f"{PDF_BASE}#page={p.page}" for p in passages)
    results = next(p for p in passages if "28.4 BLEU" in p.text)
    citation = cite(results, "The Transformer achieves 28.4 BLEU")
    assert citation.url == f"{PDF_BASE}#page={results.page}" and citation.page == results.page


def test_pdf_text_is_mended_where_lines_broke_words() -> None:
    text = " ".join(p.text for p in attention_pdf_text())
    assert "Englishto-German" not in text and "English-to-German" in text
    assert "dmodel" not in text and "d_model" in text
    assert "https://github.com/tensorflow/tensor2tensor" in text
    assert "\ufffc" not in text and "\ufffe" not in text
    assert "generalizes well" in text  # words hyphenated at a break are still joined


def test_a_quote_cut_mid_clause_ends_at_its_sentence_end() -> None:
    text = (
        "We propose the Transformer, a model architecture eschewing recurrence and instead "
        "relying entirely on an attention mechanism to draw global dependencies. It is fast."
    )
    quote = bounded_quote("We propose the Transformer, a model architecture eschewing", text)
    assert quote.endswith("global dependencies.")
    assert quote in text


def test_a_long_quote_is_elided_in_the_middle_at_clause_boundaries() -> None:
    sentence = " ".join(
        f"clause {i} of the method, with its own words and numbers {i * 7}," for i in range(30)
    )
    sentence = sentence.rstrip(",") + "."
    quote = bounded_quote(sentence, sentence, limit=300)
    assert len(quote) <= 300
    head, tail = quote.split(ELISION)
    assert sentence.startswith(head) and sentence.endswith(tail)
    assert tail.endswith(".")  # the sentence's own end
    assert sentence[len(head)] in ",;:"  # the start stops before a clause mark
    assert sentence[len(sentence) - len(tail) - 1] == " "  # the end starts at a word


def test_one_format_everywhere_and_extractive_sources_do_not_repeat_the_quote() -> None:
    passage = Passage("The mixing time is bounded by n squared.", "3 Results", 6, url="u#page=6")
    citation = cite(passage, "The mixing time is bounded by n squared.")
    assert format_citation(citation, "en", 1) == (
        "[1] [3 Results, p. 6](u#page=6): “The mixing time is bounded by n squared.”"
    )
    assert format_citation(citation, "en", quote=False) == "[3 Results, p. 6](u#page=6)"
    extractive = Answer(
        "From the paper:\n> The mixing time is bounded by n squared. [1]",
        True,
        (citation,),
        SummaryEngine.EXTRACTIVE,
    )
    text = answer_post(extractive, "en").text
    assert text.count("The mixing time is bounded") == 1  # the quote once, not again in Sources
    assert "[1] [3 Results, p. 6](u#page=6)" in text
    model = Answer("It is quadratic [1].", True, (citation,), SummaryEngine.MODEL)
    assert "“The mixing time is bounded by n squared.”" in answer_post(model, "en").text
    assert Citation("q", "s", None).url == ""  # older citations (cached) have no link
