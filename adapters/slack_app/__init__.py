"""Slack adapter (slack-bolt async): Socket Mode by default, HTTP mode optional. See docs/slack.md."""

from adapters.slack_app.app import build_slack_app
from adapters.slack_app.chat import SlackChat
from adapters.slack_app.runner import make_client, run_slack, serve_http

__all__ = ["SlackChat", "build_slack_app", "make_client", "run_slack", "serve_http"]
