"""The two ways Slack reaches Delight: HTTP (its edge and server) and Socket Mode, and the
request log both share. May import ``bot.slack`` and everything below it."""
