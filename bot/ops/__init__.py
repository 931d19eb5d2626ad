"""The operator's command line: ``check``, ``export``, the database lock. May import
``bot.transport`` and everything below it, never ``handlers`` or ``schedules``."""
