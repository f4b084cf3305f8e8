"""Admin commands received twice: the second delivery changes nothing.

Slack may deliver one invocation twice (a retry with ``X-Slack-Retry-Num``), and anyone
who captured a signed request may send it again within the five minutes its signature
holds. Each admin command is sent as the exact same signed request three times (twice,
then once as Slack's retry); what is stored (themes, requests, statuses, audit rows,
queued DMs, objectives, pulse rounds) after the first delivery stays so, and each later
delivery answers as the first did or says it was done already.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.services.errors import UserFacingError
from bot.services.roadmap.admin import Actor, split_request
from storage.models import (
    AuditEntry,
    Objective,
    OutboxMessage,
    PulseInvitation,
    PulseRound,
    Request,
    Theme,
)
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SignedRequest, slash_command, view_submission
from tests.fixtures.app import ADMIN_ID, RunningApp, serve_app
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.app.seed import TEAM, Seeded, seed_workspace
from tests.integration.app.test_roadmap import objectives_state

ADMIN_COMMANDS = [
    "status {ci} planned",
    "status {ci} declined not this quarter",
    "merge {rollback} {ci}",
    "split {request}",
    "split {request} Dependency caching",
    "effort {ci} L",
    "rename {ci} Build caching",
    "pulse start",
]


@pytest.fixture
def app(slack: FakeSlackAPI, database: Database) -> Iterator[RunningApp]:
    """The app on each database (PostgreSQL when PULSEBOARD_TEST_POSTGRES_URL is set)."""
    yield from serve_app(slack, database)


def state(app: RunningApp) -> dict[str, object]:
    """Everything an admin command can change."""
    with app.db.sessions() as session:
        return {
            "themes": [
                (t.id, t.label, t.status, t.effort, t.merged_into_id, t.pinned)
                for t in session.scalars(select(Theme).order_by(Theme.id))
            ],
            "requests": [
                (r.id, r.theme_id, r.pinned_to_theme)
                for r in session.scalars(select(Request).order_by(Request.id))
            ],
            "audit": [
                (e.action, e.target_id, json.dumps(e.details, sort_keys=True))
                for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            ],
            "outbox": sorted(m.dedupe_key for m in session.scalars(select(OutboxMessage))),
            "objectives": [
                (o.id, o.name, o.weight, o.active, tuple(o.keywords))
                for o in session.scalars(select(Objective).order_by(Objective.id))
            ],
            "pulse_rounds": len(session.scalars(select(PulseRound)).all()),
            "pulse_invitations": len(session.scalars(select(PulseInvitation)).all()),
        }


def command_text(template: str, seeded: Seeded, **more: int) -> str:
    return template.format(
        ci=seeded.ci_theme, rollback=seeded.rollback_theme, request=seeded.ci_requests[1], **more
    )


def theme_ids(app: RunningApp) -> list[int]:
    with app.db.sessions() as session:
        return list(session.scalars(select(Theme.id).order_by(Theme.id)))


def roadmap_request(app: RunningApp, text: str, name: str) -> SignedRequest:
    return slash_command(
        "/roadmap", text, user_id=ADMIN_ID, response_url=app.slack.response_url(name)
    )


def deliver(app: RunningApp, request: SignedRequest, name: str) -> str:
    """Send ``request`` and return the text of the answer it gets through its response URL."""
    before = len(app.slack.responses(name))
    status, body = app.send(request)
    assert (status, body) == (200, "")
    answers = app.slack.wait_for(
        "response_url", count=before + 1, where=lambda c: c.path.endswith(f"/{name}")
    )
    return all_text(valid_blocks(answers[before].param("blocks")))


def same_or_already(first: str, again: str) -> bool:
    return again == first or "already" in again


def seed_for_pulses(app: RunningApp) -> None:
    for n in range(1, 4):
        app.slack.add_user(f"U0PEOPLE{n}", tz="Asia/Tokyo")


@pytest.mark.parametrize("template", ADMIN_COMMANDS)
def test_an_admin_command_received_again_changes_nothing(app: RunningApp, template: str) -> None:
    seeded = seed_workspace(app.db)
    seed_for_pulses(app)
    request = roadmap_request(app, command_text(template, seeded), "cmd")
    before = state(app)
    first = deliver(app, request, "cmd")
    after_one = state(app)
    assert after_one != before, f"the command did nothing: {first}"
    for again in (request, request, request.with_retry(1)):
        answer = deliver(app, again, "cmd")
        assert state(app) == after_one
        assert same_or_already(first, answer), (first, answer)


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("status {ci} planned", "status {ci} in_progress"),
        ("effort {ci} S", "effort {ci} XL"),
        ("rename {ci} Build caching", "rename {ci} Remote cache"),
        ("split {request} Dependency caching", "merge {split} {ci}"),
    ],
)
def test_a_replay_after_a_later_change_does_not_undo_it(
    app: RunningApp, earlier: str, later: str
) -> None:
    seeded = seed_workspace(app.db)
    captured = roadmap_request(app, command_text(earlier, seeded), "earlier")
    deliver(app, captured, "earlier")
    newest = theme_ids(app)[-1]
    deliver(app, roadmap_request(app, command_text(later, seeded, split=newest), "later"), "later")
    after_later = state(app)
    deliver(app, captured, "earlier")
    deliver(app, captured.with_retry(1), "earlier")
    assert state(app) == after_later


def test_two_deliveries_at_once_split_once(app: RunningApp) -> None:
    """A retry that overlaps the first delivery still makes one theme."""
    seeded = seed_workspace(app.db)
    request = roadmap_request(app, f"split {seeded.ci_requests[0]} Cache", "both")
    themes_before = len(theme_ids(app))
    senders = [
        threading.Thread(target=app.send, args=(r,)) for r in (request, request.with_retry(1))
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    answers = app.slack.wait_for("response_url", count=2, where=lambda c: c.path.endswith("/both"))
    assert len(theme_ids(app)) == themes_before + 1
    first, second = (all_text(a.param("blocks")) for a in answers)
    assert "stands alone" in first
    assert same_or_already(first, second)


@pytest.mark.parametrize("new_name", ["", "Cost"])
def test_an_objectives_submission_received_again_changes_nothing(
    app: RunningApp, new_name: str
) -> None:
    seed_workspace(app.db)
    submission = view_submission(
        "objectives_modal", objectives_state("3", new_name=new_name), user_id=ADMIN_ID
    )
    first = app.send(submission)
    assert first == (200, "")
    after_one = state(app)
    for again in (submission, submission, submission.with_retry(1)):
        assert app.send(again) == first
        assert state(app) == after_one


def test_a_change_that_fails_half_way_leaves_its_key_unused(database: Database) -> None:
    """The key is stored with the change: a unit of work that fails after the change
    (a crash, a lost connection) leaves no theme and no key, so the retry does the work."""
    seeded = seed_workspace(database)
    admin = Actor(TEAM, ADMIN_ID, frozenset({ADMIN_ID}))
    request_id = seeded.ci_requests[0]

    def theme_count() -> int:
        with database.sessions() as session:
            return len(session.scalars(select(Theme)).all())

    before = theme_count()
    with pytest.raises(ConnectionError), unit_of_work(database.sessions, TEAM) as uow:
        split_request(uow, admin, request_id, "Cache", key="command:T:trigger-1")
        raise ConnectionError("lost the database before the commit")
    assert theme_count() == before
    with unit_of_work(database.sessions, TEAM) as uow:
        done = split_request(uow, admin, request_id, "Cache", key="command:T:trigger-1")
    with unit_of_work(database.sessions, TEAM) as uow:
        again = split_request(uow, admin, request_id, "Cache", key="command:T:trigger-1")
    assert theme_count() == before + 1
    assert not done.replayed
    assert again.replayed
    assert again.message == done.message


def test_a_refused_change_stores_no_key(database: Database) -> None:
    """An answer that is an error is given again, not remembered as done."""
    seed_workspace(database)
    admin = Actor(TEAM, ADMIN_ID, frozenset({ADMIN_ID}))
    for _ in range(2):
        with (
            pytest.raises(UserFacingError, match="no request 999"),
            unit_of_work(database.sessions, TEAM) as uow,
        ):
            split_request(uow, admin, 999, "Cache", key="command:T:trigger-2")
