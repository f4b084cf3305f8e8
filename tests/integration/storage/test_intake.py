"""The ack path's lean store (storage/intake.py) writes exactly what the unit-of-work path
writes, once per idempotency key, and fails like any other database call."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError

from storage.db import unit_of_work
from storage.enums import RequestSource
from storage.intake import IntakeRow, RequestIntake
from storage.models import PendingPlacement, Request
from storage.repositories import DomainRepository, PlacementQueue, RequestRepository
from storage.repositories.users import UserRepository
from tests.conftest import Database

TEAM = "T0INTAKE"
WHEN = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)


def person_in_domain(db: Database, slack_id: str = "U0ASKER") -> tuple[int, int]:
    """(user id, domain id) of a person whose last domain is known."""
    with unit_of_work(db.sessions) as session:
        domain = DomainRepository(session, TEAM).add("payments")
        user = UserRepository(session, TEAM).get_or_create(slack_id)
        user.domain_id = domain.id
        return user.id, domain.id


def row(requester_id: int, key: str = "command:T0INTAKE:1", **changes: object) -> IntakeRow:
    values: dict[str, object] = {
        "workspace_id": TEAM,
        "idempotency_key": key,
        "title": "Rollback in one click 🚀 & <!channel>",
        "body": "second line",
        "requester_id": requester_id,
        "source": RequestSource.COMMAND,
        "created_at": WHEN,
        "reply_to": "U0ASKER",
        "response_url": "http://127.0.0.1:9/response",
    }
    return IntakeRow(**(values | changes))  # type: ignore[arg-type]


def test_a_request_reads_back_as_the_unit_of_work_path_writes_it(database: Database) -> None:
    requester, domain = person_in_domain(database)
    new_id = RequestIntake(database.engine).store(row(requester))
    with unit_of_work(database.sessions) as session:
        twin, created = RequestRepository(session, TEAM).log_once(
            idempotency_key="command:T0INTAKE:2",
            title="Rollback in one click 🚀 & <!channel>",
            body="second line",
            requester_id=requester,
            source=RequestSource.COMMAND,
            created_at=WHEN,
            domain_of_requester=True,
        )
        assert created
        PlacementQueue(session).enqueue(TEAM, twin.id, "U0ASKER", "http://127.0.0.1:9/response")
    with unit_of_work(database.sessions) as session:
        stored, reference = session.get(Request, new_id), session.get(Request, twin.id)
        assert stored is not None
        assert reference is not None
        own = {"id", "idempotency_key"}
        columns = [c.key for c in Request.__table__.columns if c.key not in own]
        assert {c: getattr(stored, c) for c in columns} == {
            c: getattr(reference, c) for c in columns
        }
        assert stored.domain_id == domain
        assert stored.created_at == WHEN
        assert stored.pinned_to_theme is False
        assert stored.source is RequestSource.COMMAND
        queued = session.scalars(
            select(PendingPlacement).where(PendingPlacement.request_id == new_id)
        ).one()
        assert (queued.workspace_id, queued.reply_to, queued.response_url) == (
            TEAM,
            "U0ASKER",
            "http://127.0.0.1:9/response",
        )
        assert queued.enqueued_at == WHEN
        assert queued.claimed_until is None


def test_a_requester_without_a_domain_gets_none(database: Database) -> None:
    with unit_of_work(database.sessions) as session:
        requester = UserRepository(session, TEAM).get_or_create("U0NODOMAIN").id
    new_id = RequestIntake(database.engine).store(row(requester, response_url=None))
    with unit_of_work(database.sessions) as session:
        stored = session.get(Request, new_id)
        assert stored is not None
        assert stored.domain_id is None


def test_a_taken_key_writes_nothing_and_says_so(database: Database) -> None:
    requester, _ = person_in_domain(database)
    intake = RequestIntake(database.engine)
    first = intake.store(row(requester))
    assert first is not None
    assert intake.store(row(requester, title="a retry with other text")) is None
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count(Request.id))) == 1
        assert connection.scalar(select(func.count(PendingPlacement.id))) == 1
        assert connection.scalar(select(Request.title)) == "Rollback in one click 🚀 & <!channel>"


def test_a_failing_write_is_a_dbapi_error_and_leaves_nothing(database: Database) -> None:
    requester, _ = person_in_domain(database)
    intake = RequestIntake(database.engine)
    with pytest.raises(DBAPIError):
        intake.store(row(requester + 1000))  # no such user: the foreign key refuses it
    assert intake.store(row(requester)) is not None  # the pool and the lock are fine
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count(Request.id))) == 1
        assert connection.scalar(select(func.count(PendingPlacement.id))) == 1


def test_sqlite_intake_writers_queue_with_the_engines_other_writers(
    sqlite_database: Database,
) -> None:
    """With SQLite's busy timeout at zero, intake writes from several threads, beside
    unit-of-work writes, all succeed: the intake takes the engine's writer lock."""
    db = sqlite_database
    requester, _ = person_in_domain(db)
    db.engine.dispose()
    event.listen(db.engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=0"))
    intake, errors = RequestIntake(db.engine), []

    def intake_writer(thread: int) -> None:
        try:
            for number in range(30):
                intake.store(row(requester, key=f"intake:{thread}:{number}"))
        except BaseException as error:
            errors.append(error)

    def session_writer() -> None:
        try:
            for number in range(30):
                with unit_of_work(db.sessions) as session:
                    RequestRepository(session, TEAM).log_once(
                        idempotency_key=f"session:{number}",
                        title="a write",
                        requester_id=requester,
                        source=RequestSource.COMMAND,
                        created_at=WHEN + timedelta(seconds=number),
                    )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=intake_writer, args=(n,)) for n in range(4)]
    threads.append(threading.Thread(target=session_writer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count(Request.id))) == 4 * 30 + 30


def test_rows_stored_together_are_committed_together(database: Database) -> None:
    requester, _ = person_in_domain(database)
    intake = RequestIntake(database.engine)
    first, taken, second = intake.store_all(
        [
            row(requester, key="command:T0INTAKE:a"),
            row(requester, key="command:T0INTAKE:a"),
            row(requester, key="command:T0INTAKE:b"),
        ]
    )
    assert first is not None
    assert second is not None
    assert taken is None, "the second row with a key taken in the same transaction"
    with pytest.raises(DBAPIError):
        intake.store_all(
            [row(requester, key="command:T0INTAKE:c"), row(987654, key="command:T0INTAKE:d")]
        )
    with database.engine.connect() as connection:
        stored = connection.scalar(select(func.count(Request.id)))
        queued = connection.scalar(select(func.count(PendingPlacement.id)))
    assert (stored, queued) == (2, 2), "the failed pair left nothing behind"
