"""The database: its connection, its migrations, and each table's SQL. May import
``bot.domain`` and ``bot.settings``; no Slack library."""
