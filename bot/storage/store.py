"""``Storage``: the one object the rest of Delight reads and writes its database through.

``bot.storage`` is the only package that speaks SQL, and each table's SQL is in one module:

    connection   the per-thread connection, the write transaction (``_write``), rows by name
    channels     a channel's settings; which channels Delight knows
    polls        a poll's life: claimed, queued, posted, closed
    answers      answers, and the team numbers they make (the live tally, a day's numbers)
    wins         wins, and how many per day and kind
    webhooks     a channel's inbound webhook
    schedules    the daily poll and weekly digest, skipped days, nudges
    due          the due index: each channel's next poll, digest, nudge and close (issue 17)
    digests      the weekly claim of a scheduled digest
    events       Events API deliveries already seen
    outbox       everything waiting to be sent to Slack
    forgetting   a person's answers, or a whole workspace, deleted across tables
    inspection   what ``python -m bot check`` reads from a database it doesn't migrate
    migrations   the schema, as the ordered list of its upgrades (``due_table`` and
                 ``schedule_rows``: what the one building the due index needs of those tables)

The installs file (multi-workspace tokens) is a database of its own, outside ``Storage``:
``tokens`` (its schema and SQL) and ``slack_sdk_tables`` (moving installs out of slack_sdk's).

Composition: each module's class is a mixin over ``Connection``, and a table whose write also
writes another table's rows in the same transaction takes that table's class as its base
(``Polls`` -> ``Answers`` -> ``Outbox`` -> ``Digests`` -> ``Connection``): ``request_poll``
claims the poll and calls the outbox's ``_enqueue`` inside its own ``_write()`` block, with
nothing in between. ``Storage`` is the union of them. Table objects that ``Storage``
delegated to would need a forwarding method for each of the 80-odd public methods and would
hand each other their connection; mixins keep every method where its SQL is, under the name
its callers know, and the imports between the modules show which tables write together.
"""

from __future__ import annotations

from bot.storage.due import DueIndex
from bot.storage.events import Events
from bot.storage.forgetting import Forgetting
from bot.storage.inspection import Inspection
from bot.storage.polls import Polls
from bot.storage.schedules import Schedules
from bot.storage.webhooks import Webhooks
from bot.storage.wins import Wins


class Storage(Polls, Schedules, Forgetting, Wins, Webhooks, Events, Inspection, DueIndex):
    """The database (``Connection``: ``Storage(path)``, or ``read_only=True`` for the export
    and the check, opened with ``mode=ro`` and not migrated)."""
