"""The Web API client every call to Slack goes through, at ``SLACK_API_URL``."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)


def web_client(api_url: str, token: str | None) -> WebClient:
    """A Web API client: every call, Bolt's ``auth.test`` included, goes to ``api_url``.

    With a single bot token it is the one client. With multi-workspace installs the app's
    client has no token (it only makes ``oauth.v2.access`` and Bolt's ``auth.test``), and each
    workspace gets one like it with its own token (``Workspaces.client_for``).
    """
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
