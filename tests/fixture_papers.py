"""The fixture papers as the core reads them: arXiv metadata (title, authors, the abstract
the paper itself prints) and the full text from the real PDF or arXiv HTML, each passage
linked to its place the way bot/reading/fetch.py links it (HTML anchor, PDF #page=N).

Loud when a fixture is missing: the tests that use them must not pass without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from bot.domain import Paper
from bot.reading.extract_html import passages_from_html
from bot.reading.extract_pdf import passages_from_pdf
from bot.reading.fetch import placed
from bot.reading.model import PaperText, TextSource
from tests.loopback.fixtures import fixtures_dir


@dataclass(frozen=True, slots=True)
class FixturePaper:
    arxiv_id: str
    file: str  # under fixtures/papers (html/ for HTML)
    title: str
    authors: tuple[str, ...]
    category: str
    published: datetime


FIXTURE_PAPERS: tuple[FixturePaper, ...] = (
    FixturePaper(
        "1706.03762",
        "attention-is-all-you-need-1706.03762.pdf",
        "Attention Is All You Need",
        ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones"),
        "cs.CL",
        datetime(2017, 6, 12, tzinfo=UTC),
    ),
    FixturePaper(
        "2309.12288",
        "reversal-curse-2309.12288.pdf",
        "The Reversal Curse: LLMs trained on “A is B” fail to learn “B is A”",
        ("Lukas Berglund", "Meg Tong", "Max Kaufmann", "Mikita Balesni", "Owain Evans"),
        "cs.CL",
        datetime(2023, 9, 21, tzinfo=UTC),
    ),
    FixturePaper(
        "2501.11120",
        "html/arxiv-html-2501.11120v1-tell-me-about-yourself.html",
        "Tell me about yourself: LLMs are aware of their learned behaviors",
        ("Jan Betley", "Xuchan Bao", "Martín Soto", "Anna Sztyber-Betley", "James Chua"),
        "cs.CL",
        datetime(2025, 1, 19, tzinfo=UTC),
    ),
)
PAPER_IDS = tuple(p.arxiv_id for p in FIXTURE_PAPERS)  # the three of issue 14's matrix
QWEN = FixturePaper(  # the longest fixture (214 passages): what a prompt budget must choose from
    "2309.16609",
    "qwen-technical-report-2309.16609.pdf",
    "Qwen Technical Report",
    ("Jinze Bai", "Shuai Bai", "Yunfei Chu", "Zeyu Cui", "Kai Dang"),
    "cs.CL",
    datetime(2023, 9, 28, tzinfo=UTC),
)


@cache
def fixture_paper(arxiv_id: str) -> tuple[Paper, PaperText]:
    """The paper's metadata and its full text (parsed once per test session)."""
    spec = next(p for p in (*FIXTURE_PAPERS, QWEN) if p.arxiv_id == arxiv_id)
    path = fixtures_dir() / "papers" / spec.file
    if not path.is_file():
        raise FileNotFoundError(f"fixture paper missing: {path}")
    if spec.file.endswith(".html"):
        read_html = passages_from_html(path.read_text("utf-8"))
        source, title, passages = TextSource.HTML, read_html.title, read_html.passages
        base = f"https://arxiv.org/html/{arxiv_id}v1"
    else:
        read_pdf = passages_from_pdf(path.read_bytes())
        source, title, passages = TextSource.PDF, read_pdf.title, read_pdf.passages
        base = f"https://arxiv.org/pdf/{arxiv_id}"
    abstract = " ".join(
        p.text for p in passages if p.kind == "abstract" or p.section.lower() == "abstract"
    )[:1_500]
    paper = Paper(
        arxiv_id,
        1,
        spec.title,
        spec.authors,
        abstract,
        spec.published,
        spec.published,
        spec.category,
        (spec.category,),
    )
    return paper, PaperText(arxiv_id, source, title or spec.title, placed(passages, base))
