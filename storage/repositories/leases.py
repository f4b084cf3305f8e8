"""Job leases (the ``leases`` table): which replica runs a scheduled job's firing.

Unlike most repositories this one is not bound to a workspace: a lease names a job of the
whole deployment. Taking a lease is two transactions (bot/services/leases.py): a
conditional update, then, the first time, an insert the primary key lets one writer win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Lease
from storage.repositories.base import affected_rows


class LeaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Hold ``name`` until ``until`` if it is free at ``now``, expired, or ours already.

        False also when no lease row exists yet: then :meth:`add` creates it.
        """
        taken = self.session.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.expires_at <= now, Lease.holder == holder))
            .values(holder=holder, expires_at=until)
        )
        return affected_rows(taken) == 1

    def held_until(self, name: str) -> datetime | None:
        """When ``name``'s lease expires (it may have already); None if it was never taken."""
        return self.session.scalar(select(Lease.expires_at).where(Lease.name == name))

    def add(self, name: str, holder: str, until: datetime) -> None:
        """The lease's first row; its commit fails (IntegrityError) if another replica's won."""
        self.session.add(Lease(name=name, holder=holder, expires_at=until))

    def give_back(self, name: str, holder: str) -> None:
        """Free ``name`` if ``holder`` still holds it."""
        self.session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
