"""The unit of work on both backends: it commits, rolls back, and scopes its repositories
to its workspace; a unit of work for no workspace reaches the deployment's only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.enums import RequestSource
from storage.models import User
from storage.repositories import RequestRepository, UserRepository
from storage.unit_of_work import NoWorkspaceError, UnitOfWork, unit_of_work
from tests.fixtures.databases import Database

WS = "T0UOW"
OTHER = "T0OTHER"


class HalfWayError(Exception):
    """The failure a test injects in the middle of a unit of work."""


def users_in(database: Database, workspace_id: str) -> list[str]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(User.slack_id).where(User.workspace_id == workspace_id).order_by(User.id)
            )
        )


def test_it_commits_when_the_block_ends(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        uow.users.get_or_create("U0ONE")
    assert users_in(database, WS) == ["U0ONE"]


def test_it_rolls_back_when_the_block_raises(database: Database) -> None:
    with pytest.raises(HalfWayError), unit_of_work(database.sessions, WS) as uow:
        uow.users.get_or_create("U0ONE")
        uow.session.flush()
        raise HalfWayError
    assert users_in(database, WS) == []


def test_repositories_are_built_once_lazily_and_scoped_to_its_workspace(
    database: Database,
) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        assert "requests" not in vars(uow)
        requests = uow.requests
        assert isinstance(requests, RequestRepository)
        assert uow.requests is requests
        assert requests.session is uow.session
        assert requests.workspace_id == WS == uow.workspace_id
        user = uow.users.get_or_create("U0ONE")
        uow.requests.log_once(
            idempotency_key="uow:1",
            title="dark mode",
            requester_id=user.id,
            source=RequestSource.COMMAND,
        )
    with unit_of_work(database.sessions, OTHER) as uow:
        assert uow.users.by_slack_id("U0ONE") is None
        assert len(uow.requests.live()) == 0
    with unit_of_work(database.sessions, WS) as uow:
        assert len(uow.requests.live()) == 1


def test_for_workspace_shares_the_session_and_the_transaction(database: Database) -> None:
    with pytest.raises(HalfWayError), unit_of_work(database.sessions) as uow:
        for workspace_id in (WS, OTHER):
            scoped = uow.for_workspace(workspace_id)
            assert scoped.session is uow.session
            assert isinstance(scoped.users, UserRepository)
            scoped.users.get_or_create("U0SAME")
        uow.session.flush()
        raise HalfWayError
    assert users_in(database, WS) == users_in(database, OTHER) == []
    with unit_of_work(database.sessions) as uow:
        for workspace_id in (WS, OTHER):
            uow.for_workspace(workspace_id).users.get_or_create("U0SAME")
        assert uow.workspace_ids() == sorted([WS, OTHER])
    assert users_in(database, WS) == users_in(database, OTHER) == ["U0SAME"]


def test_for_its_own_workspace_it_is_itself(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        assert uow.for_workspace(WS) is uow
        assert uow.for_workspace(OTHER).workspace_id == OTHER


def test_for_no_workspace_it_reaches_only_the_deployments_repositories(
    database: Database,
) -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with unit_of_work(database.sessions) as uow:
        with pytest.raises(NoWorkspaceError, match="for_workspace"):
            _ = uow.requests
        with pytest.raises(NoWorkspaceError):
            _ = uow.workspace_id
        assert uow.queue_depths.placements().waiting == 0
        assert uow.queue_depths.outbox().waiting == 0
        uow.leases.add("digest", "replica-1", now + timedelta(minutes=5))
    with unit_of_work(database.sessions) as uow:
        assert not uow.leases.take("digest", "replica-2", now, now + timedelta(minutes=5))


def test_it_can_wrap_a_session_of_its_callers(database: Database) -> None:
    with database.sessions() as session:
        uow = UnitOfWork(session, WS)
        uow.users.get_or_create("U0ONE")
        session.commit()
        count = session.scalar(select(func.count()).select_from(User))
    assert count == 1
