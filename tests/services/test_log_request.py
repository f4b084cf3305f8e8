"""Logging a request (bot/services/requests.py): the one way a request is stored, for
`/feedback`, the form, pulse comments and follow-ups."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services.errors import UserFacingError
from bot.services.requests import NewRequest, log_request
from storage.enums import RequestSource
from storage.models import PendingPlacement
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WS = "T0TEST"


def new_request(key: str, requester: str = "U0ALICE", **changes: object) -> NewRequest:
    values: dict[str, object] = {
        "requester_slack_id": requester,
        "text": "faster CI builds, they take forty minutes",
        "source": RequestSource.COMMAND,
        "idempotency_key": key,
    }
    return NewRequest(**(values | changes))  # type: ignore[arg-type]


def test_a_request_without_a_domain_takes_its_requesters(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        users = uow.users
        ci = uow.domains.add("ci")
        uow.domains.add("data")
        alice = users.id_of("U0ALICE")
        stored = users.by_id(alice)
        assert stored is not None
        stored.domain_id = ci.id
        uow.session.flush()
        plain = log_request(uow, new_request("plain"))
        chosen = log_request(uow, new_request("chosen", domain="data"))
        nobody = log_request(uow, new_request("nobody's", requester="U0NODOMAIN"))
        ci_id = ci.id
    with unit_of_work(database.sessions, WS) as uow:
        requests = uow.requests
        other = uow.domains.by_name("data")
        assert other is not None
        assert getattr(requests.by_id(plain.id), "domain_id", None) == ci_id
        assert getattr(requests.by_id(chosen.id), "domain_id", None) == other.id
        assert getattr(requests.by_id(nobody.id), "domain_id", "unset") is None
        assert uow.users.id_of("U0ALICE") == alice


def test_a_retry_gets_the_first_row_and_is_queued_once(database: Database) -> None:
    ask = new_request("command:T0TEST:1", confirm_to="U0ALICE", response_url="http://x/r")
    with unit_of_work(database.sessions, WS) as uow:
        first = log_request(uow, ask)
    with unit_of_work(database.sessions, WS) as uow:
        again = log_request(uow, ask)
        queued = uow.session.scalars(select(PendingPlacement)).all()
    assert first.created
    assert not again.created
    assert (again.id, again.title) == (first.id, first.title)
    assert [(q.request_id, q.reply_to, q.response_url) for q in queued] == [
        (first.id, "U0ALICE", "http://x/r")
    ]


def test_the_first_domain_a_person_picks_becomes_theirs(database: Database) -> None:
    """Picked once (in the form), it is the default of their later requests; a later
    pick for one request does not move them, and a retired domain is refused."""
    with unit_of_work(database.sessions, WS) as uow:
        data, ci = uow.domains.add("data"), uow.domains.add("ci")
        log_request(uow, new_request("first", requester="U0BOB", domain="data"))
        log_request(uow, new_request("second", requester="U0BOB", domain="ci"))
        later = log_request(uow, new_request("third", requester="U0BOB"))
        data_id, ci_id = data.id, ci.id
    with unit_of_work(database.sessions, WS) as uow:
        bob = uow.users.by_slack_id("U0BOB")
        assert bob is not None
        assert bob.domain_id == data_id != ci_id
        assert getattr(uow.requests.by_id(later.id), "domain_id", None) == data_id
        retired = uow.domains.by_name("ci")
        assert retired is not None
        retired.retired_at = retired.created_at
    with unit_of_work(database.sessions, WS) as uow, pytest.raises(UserFacingError):
        log_request(uow, new_request("fourth", requester="U0BOB", domain="ci"))
