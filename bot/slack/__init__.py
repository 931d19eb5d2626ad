"""Slack's surfaces: Block Kit and reply text, ids, the Web API client and its errors, look-ups
in a workspace's directory, the outbox's delivery and the drawing of its rows, OAuth installs.
May import the service and everything below it."""
