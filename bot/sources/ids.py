"""One canonical arXiv id for every way members and sources write a paper.

Canonical means: new style `YYMM.NNNNN` or old style `archive(.SUBJ)?/YYMMNNN`, with
no version suffix; the version, when one was given, is returned beside it. A URL is
only another way to write an id: we accept arxiv.org, export.arxiv.org,
huggingface.co/papers and alphaxiv.org, and refuse every other host (we never fetch
a host a user names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import InvalidPaperId

_NEW_STYLE = re.compile(r"(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?")
# Old-style ids may carry a subject class (math.GT/0309136); arXiv names the paper without it.
_OLD_STYLE = re.compile(
    r"(?P<archive>[a-z][a-z\-]*)(?:\.[A-Z]{2})?/(?P<number>\d{7})(?:v(?P<version>\d+))?",
    re.IGNORECASE,
)
# arXiv's own DOIs (10.48550/arXiv.<id>) name the same paper.
_ARXIV_DOI_PREFIX = "10.48550/arxiv."
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
_ARXIV_HOSTS = {
    "arxiv.org",
    "www.arxiv.org",
    "export.arxiv.org",
    "ar5iv.org",
    "ar5iv.labs.arxiv.org",
}
_MIRROR_HOSTS = {"huggingface.co", "www.huggingface.co", "alphaxiv.org", "www.alphaxiv.org"}
_ARXIV_PATHS = ("abs", "pdf", "html", "format")
_MAX_REFERENCE_LENGTH = 300


@dataclass(frozen=True, slots=True)
class ArxivRef:
    arxiv_id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.arxiv_id if self.version is None else f"{self.arxiv_id}v{self.version}"


def parse_arxiv_ref(reference: str) -> ArxivRef:
    """Parse an id or URL into an `ArxivRef`; raise `InvalidPaperId` saying what is accepted."""
    text = reference.strip().strip("<>").strip()
    if not text:
        raise InvalidPaperId(reference, "empty")
    if len(text) > _MAX_REFERENCE_LENGTH:
        raise InvalidPaperId(reference, "too long")
    if text.lower().startswith("arxiv:"):
        text = text[len("arxiv:") :].strip()
    if text.lower().startswith(_ARXIV_DOI_PREFIX):
        return _parse_bare_id(reference, text[len(_ARXIV_DOI_PREFIX) :])
    if "://" in text or text.lower().startswith(
        ("arxiv.org/", "www.", "export.arxiv.org/", "huggingface.co/", "alphaxiv.org/", "doi.org/")
    ):
        return _parse_url(reference, text)
    return _parse_bare_id(reference, text)


def canonical_id(reference: str) -> str:
    return parse_arxiv_ref(reference).arxiv_id


def _parse_bare_id(original: str, text: str) -> ArxivRef:
    match = _NEW_STYLE.fullmatch(text)
    if match:
        arxiv_id = match["id"]
        _check_new_style(original, arxiv_id)
    else:
        match = _OLD_STYLE.fullmatch(text)
        if not match:
            raise InvalidPaperId(original)
        number = match["number"]
        arxiv_id = f"{match['archive'].lower()}/{number}"
        if not 1 <= int(number[2:4]) <= 12:
            raise InvalidPaperId(original, "month out of range")
        if 7 < int(number[:2]) < 91:
            raise InvalidPaperId(original, "old-style ids run from 1991 to March 2007")
    version = int(match["version"]) if match["version"] else None
    if version == 0:
        raise InvalidPaperId(original, "versions start at v1")
    return ArxivRef(arxiv_id, version)


def _check_new_style(original: str, arxiv_id: str) -> None:
    yymm, number = arxiv_id.split(".")
    if not 1 <= int(yymm[2:]) <= 12:
        raise InvalidPaperId(original, "month out of range")
    if yymm < "0704":
        raise InvalidPaperId(original, "new-style ids start in April 2007")
    expected_digits = 5 if yymm >= "1501" else 4
    if len(number) != expected_digits:
        raise InvalidPaperId(
            original, f"ids from {yymm} have {expected_digits} digits after the dot"
        )


def _parse_url(original: str, text: str) -> ArxivRef:
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:  # "[::1" or a full-width '@'/'#' that NFKC turns into a separator
        raise InvalidPaperId(original, "not a well-formed link") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidPaperId(original, f"scheme {parts.scheme!r} is not a web link")
    segments = [s for s in parts.path.split("/") if s]
    kind = segments[0].lower() if segments else ""
    if host in _DOI_HOSTS:
        doi = "/".join(segments)
        if doi.lower().startswith(_ARXIV_DOI_PREFIX):
            return _parse_bare_id(original, doi[len(_ARXIV_DOI_PREFIX) :])
        raise InvalidPaperId(original, "only arXiv DOIs (10.48550/arXiv.<id>) are accepted")
    if host in _ARXIV_HOSTS:
        if len(segments) >= 2 and kind in _ARXIV_PATHS:
            return _parse_bare_id(original, _strip_suffix("/".join(segments[1:])))
        raise InvalidPaperId(original, "an arxiv.org link must point at /abs/, /pdf/ or /html/")
    if host in _MIRROR_HOSTS:
        if len(segments) >= 2 and kind in ("papers", "abs", "pdf", "overview"):
            return _parse_bare_id(original, _strip_suffix("/".join(segments[1:])))
        raise InvalidPaperId(original, f"a {host} link must point at a paper page")
    raise InvalidPaperId(original, f"links to {host or 'that host'} are not accepted")


def _strip_suffix(path: str) -> str:
    for suffix in (".pdf", ".html"):
        if path.lower().endswith(suffix):
            return path[: -len(suffix)]
    return path
