"""What Delight does, in Slack-free terms: polls, answers, wins, reports, schedules. May
import ``bot.storage``, ``bot.settings`` and ``bot.domain``; no Slack library."""
