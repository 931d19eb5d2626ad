"""Forgetting (issue 13): a person's answers across a workspace, or everything of a workspace.
These deletes span tables on purpose: what is forgotten goes from every table in one
transaction."""

from __future__ import annotations

from bot.storage.channels import Channels

# Every table with a team_id column, each row of which goes with its workspace.
_TEAM_TABLES = ("outbox", "polls", "wins", "skips", "digests", "channels", "webhooks", "due")


class Forgetting(Channels):
    def forget_person(self, team_id: str, person: str) -> tuple[int, list[int]]:
        """Delete every answer stored under ``person`` in the workspace.

        Only open polls hold answers: a closed one keeps team numbers alone. Returns how many
        were deleted and the ids of the polls that lost one; each removal counts toward its
        poll's next live-tally step (``step_live_tally``), it doesn't redraw the tally itself.
        """
        with self._write():
            open_ids = [
                row["poll_id"]
                for row in self._db.execute(
                    "SELECT a.poll_id FROM answers a JOIN polls p ON p.id = a.poll_id"
                    " WHERE a.person = ? AND p.team_id = ?",
                    [person, team_id],
                ).fetchall()
            ]
            self._db.execute(
                "UPDATE polls SET removed_since_shown = removed_since_shown + 1 WHERE id IN"
                " (SELECT poll_id FROM answers WHERE person = ? AND shown_count IS NOT NULL)"
                " AND team_id = ?",
                [person, team_id],
            )
            cursor = self._db.execute(
                "DELETE FROM answers WHERE person = ?"
                " AND poll_id IN (SELECT id FROM polls WHERE team_id = ?)",
                [person, team_id],
            )
        return cursor.rowcount, open_ids

    def forget_team(self, team_id: str) -> list[str]:
        """Delete everything stored for a workspace; returns the channels it had."""
        channels = self.known_channels(team_id)
        with self._db.atomic():
            self._db.execute(
                "DELETE FROM answers WHERE poll_id IN (SELECT id FROM polls WHERE team_id = ?)",
                [team_id],
            )
            for table in _TEAM_TABLES:
                self._db.execute(f"DELETE FROM {table} WHERE team_id = ?", [team_id])
        self._forget_settings(team_id)
        return channels
