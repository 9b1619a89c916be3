"""Our CommonMark subset -> Slack mrkdwn, with every untrusted character escaped.

Slack treats `<...>` as control sequences (`<!channel>`, `<@U123>`, `<#C123>`,
`<url|label>`) and `&` as the start of an entity, so paper, model and member
text has `&`, `<` and `>` replaced by entities everywhere (code included). The
only `<`/`>` that survive are the links and quote markers this module writes.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*```")
_HEADING = re.compile(r"^(\s*)#{1,6}\s+(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_QUOTE = re.compile(r"^(\s*)>\s?(.*)$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_INLINE = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|__(?P<bold2>.+?)__"
    r"|~~(?P<strike>.+?)~~"
    r"|(?<![\w*])\*(?P<italic>[^\s*](?:.*?[^\s*])?)\*(?![\w*])"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"
)


def escape(text: str) -> str:
    """Slack's three control characters as entities (api.slack.com formatting, 'Escaping text')."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    lines: list[str] = []
    in_fence = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            lines.append("```")
            continue
        lines.append(escape(line) if in_fence else _line(line))
    return "\n".join(lines)


def _line(line: str) -> str:
    if m := _HEADING.match(line):
        return f"{m[1]}*{_inline(m[2])}*"
    if m := _BULLET.match(line):
        return f"{m[1]}• {_inline(m[2])}"
    if m := _QUOTE.match(line):
        return f"{m[1]}>{' ' if m[2] else ''}{_inline(m[2])}"
    return _inline(line)


def _inline(text: str) -> str:
    """Code spans keep their content verbatim (escaped); the rest gets bold/italic/links."""
    out: list[str] = []
    last = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_styled(text[last : m.start()]))
        out.append(f"`{escape(m[2])}`")
        last = m.end()
    out.append(_styled(text[last:]))
    return "".join(out)


def _styled(text: str) -> str:
    return _INLINE.sub(_replace, escape(text))


def _replace(m: re.Match[str]) -> str:
    if m["bold"] is not None or m["bold2"] is not None:
        return f"*{_INLINE.sub(_replace, m['bold'] or m['bold2'])}*"
    if m["strike"] is not None:
        return f"~{m['strike']}~"
    if m["italic"] is not None:
        return f"_{m['italic']}_"
    url = m["url"].replace("|", "%7C")
    return f"<{url}|{m['label']}>"


_CONTROL = re.compile(r"<([^<>]*)>")


def from_slack(text: str, *, bot_user_id: str = "") -> str:
    """What a member typed, from Slack's encoded form: our own mention dropped, links
    reduced to what was written, entities decoded."""

    def plain(m: re.Match[str]) -> str:
        target, _, label = m[1].partition("|")
        if bot_user_id and target == f"@{bot_user_id}":
            return ""
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:])
        if target.startswith("!"):  # !channel, !here, !subteam^S123
            return label or "@" + target[1:]
        return label or target

    decoded = _CONTROL.sub(plain, text)
    return decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
