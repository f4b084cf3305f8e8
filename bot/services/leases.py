"""Taking and giving back a job's lease, the row that lets one replica run a firing.

One conditional UPDATE takes a lease that is free, expired or already ours; the first
time, an INSERT creates it. Both race safely on SQLite and PostgreSQL: the row lock, or
the primary key, lets one writer win. Why jobs keep their lease, and for how long, is
bot/jobs/lease.py's business.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work


def take_lease(
    session_factory: SessionFactory, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Hold ``name`` until ``now + ttl`` if it is free, expired or ours; False if taken."""
    with unit_of_work(session_factory) as uow:
        if uow.leases.take(name, holder, now, until=now + ttl):
            return True
    try:
        with unit_of_work(session_factory) as uow:
            uow.leases.add(name, holder, until=now + ttl)
    except IntegrityError:
        return False
    return True


def give_back_lease(session_factory: SessionFactory, name: str, holder: str) -> None:
    """Free ``name`` early, if ``holder`` still holds it."""
    with unit_of_work(session_factory) as uow:
        uow.leases.give_back(name, holder)
