"""arXiv Atom entries for papers the recorded feeds do not hold (the full-text fixture
papers), made from a real recorded entry with its fields replaced: the loopback arXiv
then answers id_list queries for them in the real wire format, at any version."""

from __future__ import annotations

import re
from datetime import datetime
from xml.sax.saxutils import escape

from tests.loopback.arxiv_server import ArxivServer

TEMPLATE_ID = "1605.08386"  # a recorded entry with every field (comment, categories ...)


def register_paper(
    server: ArxivServer,
    arxiv_id: str,
    *,
    version: int,
    title: str,
    abstract: str,
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing"),
    published: datetime,
    updated: datetime,
    comment: str = "",
    category: str = "cs.CL",
) -> str:
    """Serve `arxiv_id` at `version` from now on (a later call replaces it: a new version)."""
    entry = server.entries[TEMPLATE_ID]
    entry = entry.replace(f"{TEMPLATE_ID}v1", f"{arxiv_id}v{version}")
    entry = re.sub(r"<title>.*?</title>", f"<title>{escape(title)}</title>", entry, flags=re.S)
    entry = re.sub(
        r"<summary>.*?</summary>", f"<summary>{escape(abstract)}</summary>", entry, flags=re.S
    )
    entry = re.sub(r"<updated>.*?</updated>", f"<updated>{_stamp(updated)}</updated>", entry)
    entry = re.sub(
        r"<published>.*?</published>", f"<published>{_stamp(published)}</published>", entry
    )
    entry = re.sub(
        r"<arxiv:comment>.*?</arxiv:comment>",
        f"<arxiv:comment>{escape(comment)}</arxiv:comment>",
        entry,
    )
    entry = entry.replace("math.CO", category).replace("math.ST", category)
    people = "".join(
        f"\n    <author>\n      <name>{escape(name)}</name>\n    </author>" for name in authors
    )
    entry = re.sub(r"(\s*<author>.*?</author>)+", people, entry, flags=re.S)
    server.entries[arxiv_id] = entry
    return entry


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
