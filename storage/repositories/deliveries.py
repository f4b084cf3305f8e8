from __future__ import annotations

from sqlalchemy import select

from storage.models import HandledDelivery
from storage.repositories.base import Repository


class DeliveryRepository(Repository):
    def first_time(self, key: str) -> bool:
        """Record the delivery ``key``; False when it was recorded before (a retry)."""
        _, created = self.insert_once(
            HandledDelivery(workspace_id=self.workspace_id, key=key),
            lambda: self.session.scalar(select(HandledDelivery).where(HandledDelivery.key == key)),
        )
        return created
