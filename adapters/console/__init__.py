"""The terminal adapter: the default channel when no Discord or Slack token is set."""

from adapters.console.chat import ConsoleChat

__all__ = ["ConsoleChat"]
