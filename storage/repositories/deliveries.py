from __future__ import annotations

from sqlalchemy import select, update

from storage.models import HandledDelivery, utcnow
from storage.repositories.base import Repository

_KEY = (HandledDelivery.__table__.c.key,)


class DeliveryRepository(Repository):
    def claim(self, key: str) -> bool:
        """Record the delivery ``key`` in the caller's transaction; False if it is taken
        (a retry, a redelivery, another replica's run).

        One ``INSERT … ON CONFLICT DO NOTHING``, no savepoint: the key is stored, or not,
        with whatever else the transaction does. Claim before the change: on PostgreSQL a
        concurrent claim of the same key waits here until the first commits (then finds it
        taken) or rolls back (then takes it).
        """
        values = {"workspace_id": self.workspace_id, "key": key, "handled_at": utcnow()}
        return self.insert_unless_taken(HandledDelivery, values, _KEY) is not None

    def record_answer(self, key: str, answer: str) -> None:
        self.session.execute(
            update(HandledDelivery).where(HandledDelivery.key == key).values(answer=answer)
        )

    def answer_to(self, key: str) -> str | None:
        """What the delivery ``key`` was told the first time (None: not recorded)."""
        return self.session.scalar(
            select(HandledDelivery.answer).where(
                HandledDelivery.key == key, HandledDelivery.workspace_id == self.workspace_id
            )
        )
