"""One hierarchy for everything the core can refuse or fail at.

Adapters translate library exceptions into these at the boundary; use cases raise
them, and each adapter's one reply path shows `str(error)` to the member: it is always
user-facing text that says what to do next, and never contains a secret.

    PaperclubError
    ├── InvalidPaperId           not an arXiv id or link (bad input)
    ├── InvalidSetting           a value a member gave cannot be used (bad input)
    │   └── NotReady             the request is fine, what it needs is not there yet
    │       └── DigestBusy       another process is posting this channel's digest
    ├── NotAPaperThread          asked outside a paper's thread
    ├── PaperNotFound            arXiv has no such paper
    ├── PaperUnreadable          a paper's file or page holds no text we can read
    ├── SourceUnavailable        a paper source failed after its retries
    ├── LLMUnavailable           the model failed; callers fall back to extractive text
    ├── PlatformUnavailable      Discord or Slack refused or failed a call
    │   ├── PlatformMisconfigured  start-up: a token or setting the host must fix
    │   └── PlatformNotConnected   no connection to that platform is running (yet)
    └── StoreUnavailable         the database cannot be used; names the file and the fix

`NotReady` subclasses `InvalidSetting` because both are refusals a member can act on
(adapters show them the same way); catch `NotReady` to tell "not yet" from "wrong".
"""

from __future__ import annotations

from bot.text import t
from bot.text.mentions import defuse_mass_mentions


class PaperclubError(Exception):
    """Base class: the message is safe to show to a user.

    An error raised with a catalog `key` can say itself in any language (`text`);
    `str(error)` is its English text, for logs and the command line."""

    def __init__(self, message: str = "", *, key: str | None = None, **values: object) -> None:
        super().__init__(message if key is None else t(key, "en", **values))
        self.key = key
        self.values = values

    def text(self, language: str) -> str:
        """What the member reads, in `language` where the catalog has it."""
        return str(self) if self.key is None else t(self.key, language, **self.values)


class InvalidPaperId(PaperclubError):
    def __init__(self, given: str, reason: str = "") -> None:
        shown = given if len(given) <= 80 else given[:77] + "..."
        shown = "".join(c for c in shown if c.isprintable())  # no control or RTL-override chars
        shown = defuse_mass_mentions(shown)
        detail = f" ({reason})" if reason else ""
        super().__init__(key="error_invalid_paper_id", shown=shown, detail=detail)
        self.given = given


class PaperNotFound(PaperclubError):
    def __init__(self, arxiv_id: str) -> None:
        super().__init__(key="error_paper_not_found", arxiv_id=arxiv_id)
        self.arxiv_id = arxiv_id


class SourceUnavailable(PaperclubError):
    """A paper source failed after its retries (HTTP error, timeout, empty or malformed page)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(key="error_source_unavailable", source=source, reason=reason)
        self.source = source
        self.reason = reason


class LLMUnavailable(PaperclubError):
    """The model endpoint failed after retries (rate limit, timeout, 5xx, bad output)."""

    def __init__(self, reason: str) -> None:
        super().__init__(key="error_llm_unavailable", reason=reason)
        self.reason = reason


class PlatformUnavailable(PaperclubError):
    """Discord or Slack refused or failed a call (permissions, rate limits beyond our wait)."""


class PlatformMisconfigured(PlatformUnavailable):
    """A platform cannot start as configured (a missing or rejected token, an intent it
    refused): the message names the setting and where to fix it, on both platforms."""


class PlatformNotConnected(PlatformUnavailable):
    """Nothing is connected to post on this conversation's platform (yet)."""

    def __init__(self, platform: str) -> None:
        super().__init__(key="error_platform_not_connected", platform=platform)
        self.platform = platform


class NotAPaperThread(PaperclubError):
    def __init__(self) -> None:
        super().__init__(key="error_not_a_paper_thread")


class InvalidSetting(PaperclubError):
    """A setting value a member gave cannot be used; the message says which values work."""


class NotReady(InvalidSetting):
    """The club's state does not allow this yet (no votes, a paper not posted here, no
    session); the message says what to do first."""


class DigestBusy(NotReady):
    """Another process is posting this channel's digest right now."""

    def __init__(self) -> None:
        super().__init__(key="error_digest_busy")


class PaperUnreadable(PaperclubError):
    """A paper's file or page holds no text we can read (corrupt PDF, no HTML rendering)."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(key="error_paper_unreadable", what=what, reason=reason)
        self.what = what
        self.reason = reason


class StoreUnavailable(PaperclubError):
    """The database cannot be used: damaged, newer than this code, read-only, disk full,
    held by another paperclub process, or (PostgreSQL) not reachable. One sentence naming
    the database and what to do.

    `kind` is one of the KINDS below, for code that must tell them apart (the message
    is what a person reads).
    """

    KINDS = (
        "damaged",
        "newer",
        "older",
        "missing",
        "permissions",
        "disk_full",
        "io",
        "busy",
        "in_use",
        "unreachable",
        "needs_postgres",
    )

    def __init__(self, path: str, problem: str, what_to_do: str, kind: str) -> None:
        super().__init__(f"The database {path} {problem}: {what_to_do}.")
        self.path = path
        self.problem = problem
        self.what_to_do = what_to_do
        self.kind = kind
