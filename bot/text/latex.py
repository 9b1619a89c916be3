"""LaTeX in titles and abstracts as text a member can read: `$O(n^2)$` -> `O(n^2)`,
`$\\alpha$-entmax` -> `α-entmax`, `\\textbf{x}` -> `x`.

pylatexenc does the conversion. Only text that looks like LaTeX (a `$` or a backslash
command) is converted, so plain text keeps its `%`, `&` and `_` exactly as written, and
anything pylatexenc cannot parse is left as it was.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

from pylatexenc import latexwalker
from pylatexenc.latex2text import LatexNodes2Text, get_default_latex_context_db

log = logging.getLogger(__name__)

MAX_CONVERTED = 20_000  # longer text is left alone (an abstract is ~2,000 characters)
_LOOKS_LIKE_LATEX = re.compile(r"\$|\\[A-Za-z]+|\\[(\[]")
# `\mathbfθ`: a command glued to a non-ASCII letter (TeX would read `\mathbf` + `θ`)
_GLUED_COMMAND = re.compile(r"(\\[A-Za-z]+)(?=[^\x00-\x7f])")


# pylatexenc's tables of macros (~2,000 objects), built at import: before start-up's heap
# is frozen (bot/heap.py), so no collection walks them, and read-only, so every thread's
# converter shares them instead of building its own.
_TEXT_MACROS = get_default_latex_context_db()
_PARSER_MACROS = latexwalker.get_default_latex_context_db()
_per_thread = threading.local()


def _converter() -> LatexNodes2Text:
    """One converter per thread: rendering runs in worker threads, and pylatexenc's
    handlers (its matrix environments) keep state while they convert."""
    converter: LatexNodes2Text | None = getattr(_per_thread, "converter", None)
    if converter is None:
        converter = LatexNodes2Text(
            latex_context=_TEXT_MACROS,
            math_mode="text",
            keep_comments=True,
            strict_latex_spaces=False,
        )
        _per_thread.converter = converter
    return converter


@lru_cache(maxsize=4096)  # a paper's title and key points render once per channel
def readable(text: str) -> str:
    """`text` with its LaTeX rendered as Unicode text; unchanged when it has none."""
    if len(text) > MAX_CONVERTED or not _LOOKS_LIKE_LATEX.search(text):
        return text
    source = _GLUED_COMMAND.sub(r"\1 ", text)
    try:
        converted = _converter().latex_to_text(source, latex_context=_PARSER_MACROS)
    except Exception as error:  # malformed LaTeX: show it as written
        log.debug("LaTeX left as written: %s", error)
        return text
    converted = converted.replace("\xa0", " ")
    return " ".join(converted.split()) if "\n" not in text else converted.strip()
