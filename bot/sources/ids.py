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
_OLD_STYLE = re.compile(
    r"(?P<id>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?", re.IGNORECASE
)
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org", "ar5iv.org", "ar5iv.labs.arxiv.org"}
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
    if "://" in text or text.lower().startswith(("arxiv.org/", "www.", "huggingface.co/", "alphaxiv.org/")):
        return _parse_url(reference, text)
    return _parse_bare_id(reference, text)


def canonical_id(reference: str) -> str:
    return parse_arxiv_ref(reference).arxiv_id


def _parse_bare_id(original: str, text: str) -> ArxivRef:
    for pattern in (_NEW_STYLE, _OLD_STYLE):
        match = pattern.fullmatch(text)
        if match:
            arxiv_id = match["id"]
            if pattern is _OLD_STYLE:
                archive, number = arxiv_id.split("/")
                arxiv_id = f"{archive.lower()}/{number}"
                if not 1 <= int(number[2:4]) <= 12:
                    raise InvalidPaperId(original, "month out of range")
            else:
                if not 1 <= int(arxiv_id[2:4]) <= 12:
                    raise InvalidPaperId(original, "month out of range")
            version = int(match["version"]) if match["version"] else None
            if version == 0:
                raise InvalidPaperId(original, "versions start at v1")
            return ArxivRef(arxiv_id, version)
    raise InvalidPaperId(original)


def _parse_url(original: str, text: str) -> ArxivRef:
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise InvalidPaperId(original, f"scheme {parts.scheme!r} is not a web link")
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if host in _ARXIV_HOSTS:
        if len(segments) >= 2 and segments[0] in _ARXIV_PATHS:
            return _parse_bare_id(original, _strip_suffix("/".join(segments[1:])))
        raise InvalidPaperId(original, "an arxiv.org link must point at /abs/, /pdf/ or /html/")
    if host in _MIRROR_HOSTS:
        if len(segments) >= 2 and segments[0] in ("papers", "abs", "pdf", "overview"):
            return _parse_bare_id(original, _strip_suffix("/".join(segments[1:])))
        raise InvalidPaperId(original, f"a {host} link must point at a paper page")
    raise InvalidPaperId(original, f"links to {host or 'that host'} are not accepted")


def _strip_suffix(path: str) -> str:
    for suffix in (".pdf", ".html"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path
