"""The workspace's people as Slack lists them, kept in the users table.

Refreshed at the start of each pulse round from users.list: names, time zones, bots and
deactivated accounts. One read of the table and one flush, whatever the workspace size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.models import User
from storage.repositories.base import Repository


@dataclass(frozen=True)
class SlackPerson:
    slack_id: str
    name: str
    tz: str | None
    is_bot: bool
    is_deleted: bool


class DirectoryRepository(Repository):
    def sync(self, people: Sequence[SlackPerson]) -> dict[str, User]:
        """Create or refresh a user row per person; returns them all by Slack id.

        Preferences (opt-out, less often), domain and admin flag are Pulseboard's own and
        are kept. A person Slack no longer lists is left as is.
        """
        known = {u.slack_id: u for u in self.rows_of(User)}
        for person in people:
            user = known.get(person.slack_id)
            if user is None:
                user = User(workspace_id=self.workspace_id, slack_id=person.slack_id)
                self.session.add(user)
                known[person.slack_id] = user
            if person.name and user.name != person.name:
                user.name = person.name
            if person.tz and user.tz != person.tz:
                user.tz = person.tz
            if user.is_bot != person.is_bot:
                user.is_bot = person.is_bot
            if user.is_deleted != person.is_deleted:
                user.is_deleted = person.is_deleted
        self.session.flush()
        return known
