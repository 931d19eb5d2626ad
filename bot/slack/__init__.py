"""Slack's surfaces: Block Kit and reply text, ids, the Web API client and its errors, the
delivery of the outbox, OAuth installs. May import the service and everything below it."""
