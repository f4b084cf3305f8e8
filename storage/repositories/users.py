from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from storage.models import User
from storage.repositories.base import Repository

_USERS = User.__table__
_USER_REF = select(_USERS.c.id, _USERS.c.domain_id).where(
    _USERS.c.workspace_id == bindparam("workspace_id"), _USERS.c.slack_id == bindparam("slack_id")
)


@dataclass(frozen=True)
class UserRef:
    id: int
    domain_id: int | None


class UserRepository(Repository):
    def by_slack_id(self, slack_id: str) -> User | None:
        return self.first_of(User, User.slack_id == slack_id)

    def by_id(self, user_id: int) -> User | None:
        return self.row_by_id(User, user_id)

    def give_domain_if_none(self, user_id: int, domain_id: int) -> None:
        """The person's domain, unless they have one already (one UPDATE, no read)."""
        self.session.execute(
            update(User)
            .where(User.id == user_id, User.domain_id.is_(None))
            .values(domain_id=domain_id)
        )

    def get_or_create(self, slack_id: str, name: str = "") -> User:
        """The user with this Slack id, created on first sight (a race stores one row)."""
        existing = self.by_slack_id(slack_id)
        if existing is not None:
            return existing
        user, _ = self.insert_once(
            User(workspace_id=self.workspace_id, slack_id=slack_id, name=name),
            lambda: self.by_slack_id(slack_id),
        )
        return user

    def ref(self, slack_id: str) -> UserRef:
        """The user's id and domain, the user created on first sight: lean, for acks."""
        connection = self.session.connection()
        key = {"workspace_id": self.workspace_id, "slack_id": slack_id}
        row = connection.execute(_USER_REF, key).first()
        if row is None:
            self.insert_unless_taken(
                User, {**key, "name": ""}, (_USERS.c.workspace_id, _USERS.c.slack_id)
            )
            row = connection.execute(_USER_REF, key).one()
        return UserRef(row.id, row.domain_id)

    def id_of(self, slack_id: str) -> int:
        """The user's id, the user created on first sight."""
        return self.ref(slack_id).id

    def add_missing(self, slack_ids: Sequence[str]) -> int:
        """Create the users not yet known (an import): how many were new."""
        rows = [
            {"workspace_id": self.workspace_id, "slack_id": slack_id, "name": ""}
            for slack_id in dict.fromkeys(slack_ids)
        ]
        return self.insert_all_unless_taken(User, rows, (_USERS.c.workspace_id, _USERS.c.slack_id))

    def list_all(self) -> list[User]:
        return self.rows_of(User, order_by=[User.id])

    def pulse_audience(self) -> list[User]:
        """Humans who are still here and have not asked to be left alone."""
        return self.rows_of(
            User,
            User.is_bot.is_(False),
            User.is_deleted.is_(False),
            User.pulse_opt_out.is_(False),
            order_by=[User.id],
        )
