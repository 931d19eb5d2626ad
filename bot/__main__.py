"""``python -m bot``: see ``bot.main``."""

from bot.main import main

main()
