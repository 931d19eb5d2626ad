"""Every name Slack sends back to us, in one place (a test checks the manifest against them)."""

COMMAND = "/delight"

POLL_BLOCK_PREFIX = "delight_poll:"
ANSWER_ACTION_PREFIX = "answer_"
ANSWER_COUNTS = range(6)
ANSWER_MORE_ACTION = "answer_more"

MORE_VIEW = "answer_more_form"
MORE_COUNT_BLOCK = "count"
MORE_COUNT_ACTION = "count_input"

WIN_VIEW = "log_win"
WIN_STORY_BLOCK = "story"
WIN_STORY_ACTION = "story_input"
WIN_KIND_BLOCK = "kind"
WIN_KIND_ACTION = "kind_input"

HOME_LOG_WIN_ACTION = "home_log_win"
# Issue 15: more ways into the win form.
WIN_CHANNEL_BLOCK = "channel"
WIN_CHANNEL_ACTION = "channel_input"
# The "Log a win" button on the poll and on its closing result line.
LOG_WIN_ACTION = "log_win_here"
MESSAGE_SHORTCUT = "log_message_win"
GLOBAL_SHORTCUT = "log_win_anywhere"
