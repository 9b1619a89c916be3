"""The normalisation table: every way a paper is written maps to one canonical arXiv id."""

from __future__ import annotations

import pytest

from bot.errors import InvalidPaperId
from bot.sources.ids import ArxivRef, canonical_id, parse_arxiv_ref

VALID = [
    # new style, with and without version
    ("2309.12288", "2309.12288", None),
    ("2309.12288v2", "2309.12288", 2),
    ("  2309.12288v2 \n", "2309.12288", 2),
    ("arXiv:2309.12288", "2309.12288", None),
    ("ARXIV:2309.12288v1", "2309.12288", 1),
    ("0704.0001", "0704.0001", None),
    ("1412.6980v9", "1412.6980", 9),
    # old style, with archive, subject class and version
    ("hep-th/9901001", "hep-th/9901001", None),
    ("HEP-TH/9901001v2", "hep-th/9901001", 2),
    ("cs/0112017", "cs/0112017", None),
    ("math.GT/0309136", "math/0309136", None),
    ("quant-ph/0201082v1", "quant-ph/0201082", 1),
    # arxiv.org links: abs, pdf, html, with and without scheme, any case
    ("https://arxiv.org/abs/2309.12288v2", "2309.12288", 2),
    ("http://arxiv.org/abs/2309.12288", "2309.12288", None),
    ("arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001", 2),
    ("https://arxiv.org/abs/cs/0112017", "cs/0112017", None),
    ("https://arxiv.org/pdf/2309.12288v2.pdf", "2309.12288", 2),
    ("https://arxiv.org/pdf/2309.12288", "2309.12288", None),
    ("https://arxiv.org/html/2309.12288v2#S3", "2309.12288", 2),
    ("https://www.arxiv.org/abs/2412.16241", "2412.16241", None),
    ("https://export.arxiv.org/abs/2309.12288", "2309.12288", None),
    ("HTTPS://ARXIV.ORG/ABS/2309.12288", "2309.12288", None),
    ("https://arxiv.org/abs/2309.12288/", "2309.12288", None),
    ("https://arxiv.org/abs/2309.12288?context=cs.CL", "2309.12288", None),
    ("<https://arxiv.org/abs/2309.12288>", "2309.12288", None),
    # mirrors
    ("https://huggingface.co/papers/2309.12288", "2309.12288", None),
    ("https://huggingface.co/papers/2309.12288#community", "2309.12288", None),
    ("huggingface.co/papers/2309.12288", "2309.12288", None),
    ("https://www.alphaxiv.org/abs/2309.12288", "2309.12288", None),
    ("https://www.alphaxiv.org/overview/2309.12288v1", "2309.12288", 1),
    # arXiv's own DOI
    ("https://doi.org/10.48550/arXiv.2309.12288", "2309.12288", None),
    ("10.48550/arXiv.2309.12288", "2309.12288", None),
]

INVALID = [
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "is not an arXiv paper reference. Use"),
    ("2309.122888", "is not an arXiv paper reference. Use"),
    ("2313.12345", "month out of range"),
    ("2300.12345", "month out of range"),
    ("2309.12288v0", "versions start at v1"),
    ("0704.00011", "0704 have 4 digits"),
    ("1501.0001", "1501 have 5 digits"),
    ("0612.1234", "start in April 2007"),
    ("hep-th/9913001", "month out of range"),
    ("hep-th/1201001", "old-style ids run from 1991"),
    ("x" * 301, "too long"),
    ("https://arxiv.org/list/cs.LG/recent", "must point at /abs/, /pdf/ or /html/"),
    ("https://huggingface.co/papers", "must point at a paper page"),
    ("ftp://arxiv.org/abs/2309.12288", "scheme 'ftp' is not a web link"),
    ("https://doi.org/10.1000/xyz123", "only arXiv DOIs"),
    # non-arXiv hosts are refused, even when the path looks like an id
    ("https://evil.example/abs/2309.12288", "links to evil.example are not accepted"),
    ("https://arxiv.org.evil.example/abs/2309.12288", "links to arxiv.org.evil.example"),
    ("https://owainevans.github.io/reversal_curse.pdf", "links to owainevans.github.io"),
    ("https://openreview.net/forum?id=abc", "links to openreview.net are not accepted"),
]


@pytest.mark.parametrize(("given", "arxiv_id", "version"), VALID)
def test_every_accepted_form_maps_to_the_canonical_id(
    given: str, arxiv_id: str, version: int | None
) -> None:
    assert parse_arxiv_ref(given) == ArxivRef(arxiv_id, version)
    assert canonical_id(given) == arxiv_id


@pytest.mark.parametrize(("given", "reason"), INVALID)
def test_invalid_forms_say_why_and_what_is_accepted(given: str, reason: str) -> None:
    with pytest.raises(InvalidPaperId) as caught:
        parse_arxiv_ref(given)
    message = str(caught.value)
    assert reason in message
    assert "Use an arXiv id such as 2309.12288" in message


def test_a_long_reference_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidPaperId) as caught:
        parse_arxiv_ref("y" * 400)
    assert len(str(caught.value)) < 400
    assert caught.value.given == "y" * 400


def test_version_is_kept_beside_the_canonical_id() -> None:
    assert str(parse_arxiv_ref("https://arxiv.org/pdf/2309.12288v2.pdf")) == "2309.12288v2"
    assert str(parse_arxiv_ref("hep-th/9901001")) == "hep-th/9901001"
