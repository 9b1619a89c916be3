"""Logging that never prints a secret: every record passes through a redacting filter."""

from __future__ import annotations

import logging
import re

from bot.config import Settings

# Slack tokens (bot, user, app-level, refresh ...), including the per-workspace ones a
# distributed app reads from its database, which no setting lists: slack_sdk's debug
# log prints oauth.v2.access's response body, token and all.
SLACK_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SLACK_TOKEN.sub("[redacted]", message)
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(settings.secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("arxiv", "httpx", "discord.http", "discord.gateway"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
