"""The placement queue: queued once, claimed by one worker at a time, taken over after a
claim expires, and removed only by the worker holding the claim."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from storage.enums import RequestSource
from storage.models import PendingPlacement, Request, utcnow
from storage.repositories import (
    PlacementQueue,
)
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WS = "T0QUEUE"
HOLD = timedelta(seconds=60)


def queued(database: Database, count: int) -> list[int]:
    ids = []
    with unit_of_work(database.sessions, WS) as uow:
        requester = uow.users.ref("U0ASKER")
        for number in range(count):
            row, _ = uow.requests.log_once(
                idempotency_key=f"k{number}",
                title=f"ask {number}",
                requester_id=requester.id,
                source=RequestSource.COMMAND,
            )
            uow.placements.enqueue(WS, row.id, "U0ASKER", f"http://127.0.0.1/r/{number}")
            ids.append(row.id)
    return ids


def test_queuing_a_request_twice_keeps_one_row(database: Database) -> None:
    [request_id] = queued(database, 1)
    with unit_of_work(database.sessions) as uow:
        uow.placements.enqueue(WS, request_id, "U0ASKER", None)
        assert uow.queue_depths.placements().waiting == 1


def test_a_claim_takes_the_oldest_and_hides_them_from_other_workers(database: Database) -> None:
    ids = queued(database, 5)
    now = utcnow()
    with unit_of_work(database.sessions) as uow:
        first = uow.placements.claim(3, now, HOLD)
    with unit_of_work(database.sessions) as uow:
        second = uow.placements.claim(3, now, HOLD)
    assert [row.request_id for row in first] == ids[:3]
    assert [row.request_id for row in second] == ids[3:]
    assert {row.claimed_by for row in first}.isdisjoint({row.claimed_by for row in second})


def test_an_expired_claim_passes_to_another_worker_and_the_first_removes_nothing(
    database: Database,
) -> None:
    queued(database, 2)
    now = utcnow()
    with unit_of_work(database.sessions) as uow:
        dead = uow.placements.claim(10, now, HOLD)
    with unit_of_work(database.sessions) as uow:
        assert uow.placements.claim(10, now + HOLD / 2, HOLD) == []
        taken = uow.placements.claim(10, now + HOLD * 2, HOLD)
    assert [row.id for row in taken] == [row.id for row in dead]
    with unit_of_work(database.sessions) as uow:
        queue = uow.placements
        assert queue.finish([row.id for row in dead], dead[0].claimed_by or "") == 0
        assert queue.finish([row.id for row in taken], taken[0].claimed_by or "") == 2
        assert uow.queue_depths.placements().waiting == 0


def test_deleting_a_request_drops_its_queue_row(database: Database) -> None:
    [request_id] = queued(database, 1)
    with unit_of_work(database.sessions) as uow:
        uow.session.execute(delete(Request).where(Request.id == request_id))
    with unit_of_work(database.sessions) as uow:
        assert uow.queue_depths.placements().waiting == 0


@pytest.mark.postgres
def test_postgres_workers_claiming_at_once_never_share_a_row(
    postgres_database: Database,
) -> None:
    database = postgres_database
    queued(database, 6)
    now = utcnow()
    with database.sessions() as one, database.sessions() as two:
        mine = PlacementQueue(one).claim(4, now, HOLD)  # rows stay locked until commit
        theirs = PlacementQueue(two).claim(4, now, HOLD)
        two.commit()
        one.commit()
    assert len(mine) == 4
    assert len(theirs) == 2
    assert {r.id for r in mine}.isdisjoint({r.id for r in theirs})
    with unit_of_work(database.sessions) as uow:
        assert uow.session.query(PendingPlacement).count() == 6
