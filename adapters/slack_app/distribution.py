"""A distributed Slack app: bolt's OAuth install flow on paperclub's database, and the
per-team tokens that come out of it (docs/slack-distribution.md).

Configured by PAPERCLUB_SLACK_CLIENT_ID and PAPERCLUB_SLACK_CLIENT_SECRET (with the
optional PAPERCLUB_SLACK_SCOPES and PAPERCLUB_SLACK_REDIRECT_URI). bolt serves
`/slack/install` (a redirect to Slack's authorize page carrying a fresh state, also set
as a cookie) and `/slack/oauth_redirect` (the state checked against the cookie and
consumed, `oauth.v2.access`, the installation stored); every request then runs with the
token of its own team, which bolt looks up in the installation store.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from adapters.slack_app.installations import Installations, SlackInstallations
from adapters.slack_app.team_clients import ClientFactory, InstalledTeams
from bot.config import SLACK_BOT_SCOPES, Settings
from bot.errors import PlatformMisconfigured

AUTHORIZE_PATH = "/oauth/v2/authorize"


@dataclass(frozen=True, slots=True)
class SlackDistribution:
    """What `build_slack_app` needs to serve many workspaces."""

    oauth_settings: AsyncOAuthSettings
    installations: Installations
    teams: InstalledTeams


def oauth_configured(settings: Settings) -> bool:
    """Both the Client ID and the Client Secret are set (either alone is refused)."""
    client_id = (settings.slack_client_id or "").strip()
    secret = settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else ""
    if bool(client_id) != bool(secret.strip()):
        missing = "PAPERCLUB_SLACK_CLIENT_SECRET" if client_id else "PAPERCLUB_SLACK_CLIENT_ID"
        raise PlatformMisconfigured(
            f"{missing} is not set: a distributed Slack app needs both its Client ID and "
            "Client Secret (Basic Information > App Credentials); see "
            "docs/slack-distribution.md."
        )
    return bool(client_id)


def client_id_of(settings: Settings) -> str:
    return (settings.slack_client_id or "").strip()


def authorization_url(api_url: str) -> str:
    """Slack's authorize page on the host of its Web API (slack.com, slack-gov.com ...)."""
    parts = urlsplit(api_url)
    return urlunsplit((parts.scheme, parts.netloc, AUTHORIZE_PATH, "", ""))


def distribution(
    settings: Settings, stores: SlackInstallations, make_client: ClientFactory
) -> SlackDistribution:
    """bolt's OAuth settings over `stores`, and the per-team clients for posting."""
    secret = settings.slack_client_secret
    assert secret is not None  # oauth_configured(settings) was checked
    oauth_settings = AsyncOAuthSettings(
        client_id=client_id_of(settings),
        client_secret=secret.get_secret_value(),
        scopes=list(settings.slack_scopes or SLACK_BOT_SCOPES),
        user_scopes=[],
        redirect_uri=(settings.slack_redirect_uri or "").strip() or None,
        # /slack/install redirects straight to Slack (no intermediate page to click through)
        install_page_rendering_enabled=False,
        authorization_url=authorization_url(settings.slack_api_url),
        installation_store=stores.installation_store,
        installation_store_bot_only=True,
        state_store=stores.state_store,
        state_expiration_seconds=stores.state_store.expiration_seconds,
    )
    teams = InstalledTeams(stores.installation_store, make_client)
    return SlackDistribution(oauth_settings, stores.installation_store, teams)
