"""The scheduled work: firing polls, digests, nudges and closes when they are due. May
import everything below the wiring except ``handlers``."""
