"""Pure values and rules: polls, tallies, schedules, digests, the command language, the
words (i18n). Imports nothing of Delight's outside itself, and no Slack, scheduler,
database or server library."""
