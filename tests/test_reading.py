"""Full text: real arXiv HTML and PDFs extracted, and fetched over a loopback arXiv host."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from functools import cache
from pathlib import Path

import aiohttp
import pytest

from bot.errors import PaperUnreadable
from bot.reading.chunking import chunk_passages
from bot.reading.extract_html import HtmlPaper, is_no_html_page, passages_from_html, readable_tex
from bot.reading.extract_pdf import PdfPaper, _drop_running_furniture, passages_from_pdf
from bot.reading.extract_text import passages_from_text
from bot.reading.fetch import fetch_paper_text, load_local_file
from bot.reading.model import PaperText, Passage, TextSource
from tests.loopback.fulltext_server import (
    ATTENTION_PDF,
    BLOOMBERG_HTML,
    NO_HTML_PAGE,
    QWEN_PDF,
    REVERSAL_PDF,
    TELL_ME_HTML,
    FullTextServer,
    Scripted,
    html_file,
    paper_file,
    write_temp,
)

ABSTRACT = "We expose a surprising failure of generalization in auto-regressive LLMs."


@cache
def html_paper(name: str) -> HtmlPaper:
    return passages_from_html(html_file(name).decode("utf-8"))


@cache
def pdf_paper(name: str) -> PdfPaper:
    return passages_from_pdf(paper_file(name))


def all_text(passages: Iterable[Passage]) -> str:
    return " ".join(p.text for p in passages)


# arXiv HTML --------------------------------------------------------------------------


def test_arxiv_html_gives_sections_captions_and_tables_without_references() -> None:
    paper = html_paper(TELL_ME_HTML)
    assert paper.title == "Tell me about yourself: LLMs are aware of their learned behaviors"
    sections = [p.section for p in paper.passages]
    assert sections[0] == "Abstract" and paper.passages[0].kind == "abstract"
    for heading in ("1 Introduction", "3.1.1 Design", "3.2.2 Evaluation > Baselines"):
        assert heading in sections
    kinds = [p.kind for p in paper.passages]
    assert kinds.count("caption") >= 80 and kinds.count("table") >= 40
    text = all_text(paper.passages)
    assert "References" not in sections
    # A bibliography entry, the TOC and the LaTeXML footer are all gone.
    assert "Taken out of context: On measuring situational awareness" not in text
    assert "Generated on" not in text and "LaTeXML" not in text
    # Appendices after the bibliography are kept.
    assert "B.5.4 What is Quanta-Lingua?" in sections


def test_ar5iv_html_keeps_table_cells_and_readable_math() -> None:
    paper = html_paper(BLOOMBERG_HTML)
    assert paper.title == "BloombergGPT: A Large Language Model for Finance"
    tables = [p.text for p in paper.passages if p.kind == "table"]
    assert any("Number of Layers | 70" in t for t in tables)
    captions = [p.text for p in paper.passages if p.kind == "caption"]
    assert any(c.startswith("Table 4: A summary of the hyper-parameters") for c in captions)
    text = all_text(paper.passages)
    assert "where SA is multi-head self-attention, LN is layer-normalization" in text
    assert "\\mathrm" not in text and "\\mathop" not in text
    assert "ar5iv" not in text.lower()
    # Text drawn inside a figure (example prompts) and a table outside any figure.
    figures = [p.text for p in paper.passages if p.kind == "figure"]
    assert any("Input: Get me the last price and market cap for Apple" in f for f in figures)
    assert any("Fully shuffle any data not seen by the model" in t for t in tables)


def test_tex_is_made_readable() -> None:
    assert readable_tex(r"\mathop{\mathrm{SA}}\nolimits") == "SA"
    assert readable_tex(r"\bar{h}_{1}=\text{LN}(h_{0})") == "h_1=LN(h_0)"


def test_no_html_page_is_recognised_not_read_as_a_paper() -> None:
    page = html_file(NO_HTML_PAGE).decode("utf-8")
    assert is_no_html_page(page)
    assert not is_no_html_page(html_file(TELL_ME_HTML).decode("utf-8"))
    with pytest.raises(PaperUnreadable, match="no HTML rendering"):
        passages_from_html(page)


# PDF -----------------------------------------------------------------------------------


def test_pdf_passages_carry_pages_and_numbered_sections() -> None:
    paper = pdf_paper(ATTENTION_PDF)
    assert paper.title == "Attention Is All You Need" and paper.pages == 15
    by_text = {p.text[:60]: p for p in paper.passages}
    caption = next(p for t, p in by_text.items() if t.startswith("Figure 2: (left) Scaled"))
    assert caption.kind == "caption" and caption.page == 4 and caption.section == "3.2 Attention"
    sections = {(p.section, p.page) for p in paper.passages}
    assert ("3.2.1 Scaled Dot-Product Attention", 4) in sections
    assert ("5.3 Optimizer", 7) in sections
    assert all(p.page is not None and 1 <= p.page <= 15 for p in paper.passages)


def test_pdf_drops_references_keeps_appendix_and_mends_hyphens() -> None:
    paper = pdf_paper(REVERSAL_PDF)
    text = all_text(paper.passages)
    assert "Backward recall and benchmark effects of working memory" not in text
    assert "A.1 Dataset" in {p.section for p in paper.passages}
    assert "\ufffe" not in text
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", text)
    assert "(GPT-3.5 and GPT-4)" in text
    assert "generalization" in text and "gener- alization" not in text
    assert not any(p.text.strip().isdigit() for p in paper.passages)  # page numbers


def test_pdf_table_of_contents_is_not_taken_for_headings() -> None:
    paper = pdf_paper(QWEN_PDF)
    sections = {p.section for p in paper.passages}
    assert "2.2 TOKENIZATION" in sections and "3.1.1 DATA" in sections
    assert not any(s.endswith((" 4", " 9", " 16")) for s in sections)


def test_running_headers_page_numbers_and_arxiv_stamps_are_dropped() -> None:
    header = "Under review as a conference paper at ICLR 2024"
    pages = [
        [
            header,
            f"Body text of page {n} that says something.",
            f"More on {'abcdef'[n - 1]}.",
            str(n),
        ]
        for n in range(1, 7)
    ]
    pages[0].insert(1, "arXiv:2309.12288v4 [cs.CL] 4 Apr 2024")
    cleaned = _drop_running_furniture(pages)
    assert cleaned[0] == ["Body text of page 1 that says something.", "More on a."]
    assert all(header not in lines for lines in cleaned)
    assert "arXiv:1706.03762v5 [cs.CL] 6 Dec 2017" not in all_text(
        pdf_paper(ATTENTION_PDF).passages
    )


def test_truncated_pdf_keeps_the_pages_it_can_read() -> None:
    data = paper_file(REVERSAL_PDF)
    paper = passages_from_pdf(data[: int(len(data) * 0.9)])
    pages = {p.page for p in paper.passages}
    assert {1, 2, 6, 9} <= pages and 18 not in pages
    assert paper.notes == ["pages 15-18 of the PDF could not be read and were skipped"]


@pytest.mark.parametrize("data", [b"", b"%PDF-1.5\n garbage \x00" * 50, b"<html>no</html>"])
def test_damaged_pdf_raises_a_clear_error(data: bytes) -> None:
    with pytest.raises(PaperUnreadable, match="damaged or not a PDF"):
        passages_from_pdf(data)


def test_long_tables_are_chunked_by_whole_rows() -> None:
    tables = [p for p in html_paper(BLOOMBERG_HTML).passages if p.kind == "table"]
    long_table = max(tables, key=lambda p: len(p.text.split()))
    rows = set(long_table.text.split("\n"))
    chunks = chunk_passages([long_table])
    assert len(chunks) > 1
    assert all(set(c.text.split("\n")) <= rows for c in chunks)


def test_pdf_chunks_keep_page_and_section() -> None:
    chunks = chunk_passages(pdf_paper(REVERSAL_PDF).passages)
    assert all(c.page is not None for c in chunks)
    assert any(c.section == "2.1.2 Results" and c.page == 5 for c in chunks)


# Plain text ----------------------------------------------------------------------------


def test_text_heading_lines_mark_sections() -> None:
    text = (
        "Abstract\nWe study things.\n\n1 Introduction\nModels are large. They are\n"
        "hyphen-\nated here.\n\n2.1 Setup\nWe train for 3 epochs.\n\nConclusion\nDone."
    )
    passages = passages_from_text(text)
    assert [(p.section, p.text) for p in passages] == [
        ("Abstract", "We study things."),
        ("1 Introduction", "Models are large. They are hyphenated here."),
        ("2.1 Setup", "We train for 3 epochs."),
        ("Conclusion", "Done."),
    ]


def test_hard_wrapped_paragraph_lines_are_not_taken_for_headings() -> None:
    text = (
        "Introduction\nLarge language models have recently attracted a large amount of\n"
        "attention from everyone.\n\nWe Release Models Under An Open License\n"
        "today, for everyone.\n\nTraining Details Are Given Below In The\nNext Section.\n"
    )
    passages = passages_from_text(text)
    assert {p.section for p in passages} == {"Introduction"}
    assert len(passages) == 3


# Local files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected_section"),
    [
        ("paper.pdf", paper_file(REVERSAL_PDF), "2.1.2 Results"),
        ("paper.html", html_file(TELL_ME_HTML), "3.1.1 Design"),
        ("memo.md", paper_file("qwen-tech-memo.md"), "Pretraining > Data"),
        ("notes.txt", b"Method\nWe use BM25.\n\nResults\nIt works.", "Results"),
    ],
)
def test_local_files_are_read_by_type(
    tmp_path: Path, name: str, data: bytes, expected_section: str
) -> None:
    text = load_local_file(write_temp(tmp_path, name, data))
    assert text.source is TextSource.FILE and text.key.startswith("file:")
    assert expected_section in {p.section for p in text.passages}


def test_local_file_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PaperUnreadable, match=r"not a \.pdf, \.html, \.txt or \.md"):
        load_local_file(write_temp(tmp_path, "paper.docx", b"x"))
    with pytest.raises(PaperUnreadable, match="cannot be opened"):
        load_local_file(tmp_path / "missing.pdf")
    with pytest.raises(PaperUnreadable, match="damaged"):
        load_local_file(write_temp(tmp_path, "bad.pdf", b"%PDF-1.4 nope"))


# Fetching over loopback --------------------------------------------------------------


@pytest.fixture
async def server() -> AsyncIterator[FullTextServer]:
    server = await FullTextServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def fetch(
    server: FullTextServer,
    http: aiohttp.ClientSession,
    arxiv_id: str = "2309.12288",
    version: int | None = 1,
    **overrides: float,
) -> PaperText:
    options = {"max_bytes": 5_000_000, "timeout": 5.0, "retries": 1, "backoff": 0.01}
    options.update(overrides)
    return await fetch_paper_text(
        arxiv_id,
        version,
        ABSTRACT,
        "The Reversal Curse",
        http=http,
        html_base=server.html_base,
        pdf_base=server.pdf_base,
        max_bytes=int(options["max_bytes"]),
        timeout=options["timeout"],
        retries=int(options["retries"]),
        backoff=options["backoff"],
    )


async def test_html_is_used_when_arxiv_has_it(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.html["2501.11120v1"] = html_file(TELL_ME_HTML)
    text = await fetch(server, http, "2501.11120", 1)
    assert text.source is TextSource.HTML and text.notes == ()
    assert server.hits == ["/html/2501.11120v1"]


async def test_pdf_is_used_when_html_is_missing(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.pdf["2309.12288v1"] = paper_file(REVERSAL_PDF)
    text = await fetch(server, http)
    assert text.source is TextSource.PDF
    assert text.notes == ("arXiv HTML unavailable (HTTP 404); used the PDF",)
    assert any(p.page == 6 for p in text.passages)
    assert server.hits == ["/html/2309.12288v1", "/pdf/2309.12288v1"]


async def test_pdf_is_used_when_arxiv_answers_with_its_no_html_page(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.html["2309.12288"] = html_file(NO_HTML_PAGE)
    server.pdf["2309.12288"] = paper_file(REVERSAL_PDF)
    text = await fetch(server, http, version=None)
    assert text.source is TextSource.PDF
    assert "no HTML rendering" in text.notes[0]


async def test_abstract_is_the_last_resort_after_retries(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.script("/pdf/2309.12288v1", Scripted(503), Scripted(503))
    text = await fetch(server, http)
    assert text.source is TextSource.ABSTRACT
    assert [p.text for p in text.passages] == [ABSTRACT]
    assert text.notes == (
        "arXiv HTML unavailable (HTTP 404) and PDF unavailable (HTTP 503); "
        "only the abstract was read",
    )
    assert server.hits.count("/pdf/2309.12288v1") == 2  # one retry, then give up


async def test_corrupt_pdf_falls_back_to_the_abstract_with_a_note(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.pdf["2309.12288v1"] = paper_file(REVERSAL_PDF)[:5000]
    text = await fetch(server, http)
    assert text.source is TextSource.ABSTRACT
    assert "damaged or not a PDF" in text.notes[0]


async def test_rate_limit_is_retried_after_the_servers_delay(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.html["2501.11120v1"] = html_file(TELL_ME_HTML)
    server.script("/html/2501.11120v1", Scripted(429, headers={"Retry-After": "0"}))
    text = await fetch(server, http, "2501.11120", 1)
    assert text.source is TextSource.HTML
    assert server.hits == ["/html/2501.11120v1", "/html/2501.11120v1"]


async def test_long_retry_after_is_not_waited_for(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.script("/html/2309.12288v1", Scripted(429, headers={"Retry-After": "3600"}))
    server.pdf["2309.12288v1"] = paper_file(REVERSAL_PDF)
    text = await fetch(server, http)
    assert text.source is TextSource.PDF
    assert "HTTP 429" in text.notes[0]


async def test_size_cap_and_timeout_fall_back(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    server.html["2501.11120v1"] = html_file(TELL_ME_HTML)
    server.script("/pdf/2501.11120v1", Scripted(200, b"%PDF", delay=2.0))
    text = await fetch(server, http, "2501.11120", 1, max_bytes=100_000, timeout=0.3, retries=0)
    assert text.source is TextSource.ABSTRACT
    assert text.notes == (
        "arXiv HTML unavailable (larger than the 0.1 MB cap) and PDF unavailable (timed out); "
        "only the abstract was read",
    )


async def test_redirects_to_other_hosts_are_not_followed(
    server: FullTextServer, http: aiohttp.ClientSession
) -> None:
    other = await FullTextServer().start()
    try:
        other.html["2309.12288v1"] = html_file(TELL_ME_HTML)
        server.script(
            "/html/2309.12288v1",
            Scripted(302, headers={"Location": f"{other.html_base}/2309.12288v1"}),
        )
        server.pdf["2309.12288v1"] = paper_file(REVERSAL_PDF)
        text = await fetch(server, http)
        assert text.source is TextSource.PDF
        assert "redirected to another host" in text.notes[0]
        assert other.hits == []
    finally:
        await other.stop()
