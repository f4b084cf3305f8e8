"""A unit of work is all or nothing on both databases, savepoints (insert_once) included.

pysqlite in its legacy transaction mode sends no BEGIN before a SAVEPOINT, so each
``insert_once`` used to commit on its own and a unit of work that failed half-way kept
its first rows (storage/sqlite_writer.py opens the transaction at the first write).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, inspect, select

from bot.services.workspace import transfer as workspace_import
from bot.services.workspace.file import WorkspaceFile
from storage.enums import RequestSource
from storage.models import HandledDelivery, OutboxMessage, User, Vote
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

TEAM = "T0ATOMIC"


class HalfWayError(Exception):
    """The failure a test injects in the middle of a unit of work."""


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def test_a_unit_of_work_that_raises_after_several_insert_once_leaves_nothing(
    database: Database,
) -> None:
    with pytest.raises(HalfWayError), unit_of_work(database.sessions, TEAM) as uow:
        users = uow.users
        first, second = users.get_or_create("U0FIRST"), users.get_or_create("U0SECOND")
        assert uow.deliveries.claim("delivery:1")
        request, _ = uow.requests.log_once(
            idempotency_key="atomic:1",
            title="a request",
            requester_id=first.id,
            source=RequestSource.COMMAND,
        )
        uow.votes.add_once(second.id, request_id=request.id)
        uow.outbox.enqueue_once("atomic:dm", "dm", "U0FIRST", {})
        raise HalfWayError
    for model in (User, HandledDelivery, Vote, OutboxMessage):
        assert count(database.engine, model) == 0, model.__name__


def test_a_conflict_inside_insert_once_still_keeps_the_rest_of_the_unit(
    database: Database,
) -> None:
    with unit_of_work(database.sessions, TEAM) as uow:
        voter = uow.users.get_or_create("U0VOTER")
        request, _ = uow.requests.log_once(
            idempotency_key="atomic:2",
            title="a request",
            requester_id=voter.id,
            source=RequestSource.COMMAND,
        )
        uow.votes.add_once(voter.id, request_id=request.id)
    with unit_of_work(database.sessions, TEAM) as uow:
        _, created = uow.votes.add_once(voter.id, request_id=request.id)
        assert not created
        assert uow.deliveries.claim("delivery:new")
        uow.users.get_or_create("U0AFTER")
    assert count(database.engine, Vote) == 1
    assert count(database.engine, HandledDelivery) == 1
    assert count(database.engine, User) == 2


def test_a_delivery_is_claimed_once(database: Database) -> None:
    with unit_of_work(database.sessions, TEAM) as uow:
        assert uow.deliveries.claim("delivery:taken")
    with unit_of_work(database.sessions, TEAM) as uow:
        assert not uow.deliveries.claim("delivery:taken")
    assert count(database.engine, HandledDelivery) == 1


def test_a_failed_import_leaves_no_users_behind(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = WorkspaceFile.model_validate(
        {
            "workspace": {"id": TEAM},
            "users": [{"id": f"U0IMPORT{n}"} for n in range(5)],
            "requests": [
                {
                    "ref": "r1",
                    "title": "one-click rollback",
                    "requester": "U0IMPORT1",
                    "created_at": "2026-11-02T09:00:00Z",
                }
            ],
            "votes": [{"request": "r1", "user": "U0IMPORT2", "created_at": "2026-11-03T09:00:00Z"}],
        }
    )

    def fail(*_args: object, **_kwargs: object) -> None:
        raise HalfWayError

    monkeypatch.setattr(workspace_import, "regroup", fail)
    with pytest.raises(HalfWayError), unit_of_work(database.sessions, TEAM) as uow:
        workspace_import.import_workspace(uow, data)
    assert count(database.engine, User) == 0
    assert count(database.engine, Vote) == 0


def test_ddl_belongs_to_the_transaction_around_it(database: Database) -> None:
    with pytest.raises(HalfWayError), database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE half_way (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("INSERT INTO half_way (id) VALUES (1)")
        raise HalfWayError
    with database.engine.connect() as connection:
        assert "half_way" not in inspect(connection).get_table_names()
