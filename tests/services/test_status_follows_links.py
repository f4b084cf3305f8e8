"""A theme's status follows its linked items (issue 17, part 3): in progress with the first
started item, shipped when every item is done; one DM per requester and voter through the
PM's path; the PM confirms by default; an item closed as not planned never ships a theme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.errors import NotAllowedError
from bot.services.notifications import STATUS_NOTICE_KIND
from bot.services.roadmap.admin import Actor, merge_themes
from bot.services.roadmap.following import (
    PROPOSAL_KIND,
    WONT_SHIP_KIND,
    FollowMode,
    FollowPolicy,
    confirm_followed_status,
)
from bot.services.roadmap.links import Tracker, Trackers, link_theme, record_item_state
from storage.enums import ThemeStatus
from storage.models import AuditEntry, OutboxMessage, Theme
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database
from tests.integration.app.seed import ASKERS, TEAM, seed_workspace

PM = "U0PMADMIN1"
OTHER_ADMIN = "U0PMADMIN2"
VOTER = "U0VOTER001"
TRACKERS = Trackers(github="github.com", jira="acme.atlassian.net", linear=True)
ISSUE = ("https://github.com/acme/ci/issues/12", "acme/ci#12")
PULL = ("https://github.com/acme/ci/pull/13", "acme/ci#13")
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def policy(mode: FollowMode) -> FollowPolicy:
    return FollowPolicy(mode, frozenset({PM, OTHER_ADMIN}))


def linked_theme(db: Database) -> int:
    """The seeded CI theme (three people asked), a +1 from one more and one who also
    asked, linked to an issue and a pull request by the PM."""
    theme_id = seed_workspace(db).ci_theme
    with unit_of_work(db.sessions, TEAM) as uow:
        for voter in (VOTER, ASKERS[0]):
            user = uow.users.get_or_create(voter, voter.lower())
            uow.votes.add_once(user.id, theme_id=theme_id)
        for url, _ in (ISSUE, PULL):
            link_theme(uow, Actor(TEAM, PM, frozenset({PM})), theme_id, url, TRACKERS)
    return theme_id


def item_moves(db: Database, item: str, state: str, mode: FollowMode, **kwargs: object) -> None:
    with unit_of_work(db.sessions) as uow:
        record_item_state(uow, Tracker.GITHUB, item, state, policy=policy(mode), now=NOW, **kwargs)


def outbox(db: Database, kind: str) -> list[OutboxMessage]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


def status_of(db: Database, theme_id: int) -> ThemeStatus:
    with db.sessions() as session:
        theme = session.get(Theme, theme_id)
        assert theme is not None
        return theme.status


def notices_by_person(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in outbox(db, STATUS_NOTICE_KIND):
        counts[message.channel] = counts.get(message.channel, 0) + 1
    return counts


def test_automatic_mode_moves_the_theme_through_the_pm_path(database: Database) -> None:
    theme_id = linked_theme(database)
    people = set(ASKERS) | {VOTER}

    item_moves(database, ISSUE[1], "open", FollowMode.AUTOMATIC)
    assert status_of(database, theme_id) == ThemeStatus.OPEN

    item_moves(database, ISSUE[1], "in_progress", FollowMode.AUTOMATIC, delivery="d-1")
    assert status_of(database, theme_id) == ThemeStatus.IN_PROGRESS
    assert notices_by_person(database) == dict.fromkeys(people, 1)
    # the same delivery again, and the same state read again by polling: nothing more
    item_moves(database, ISSUE[1], "in_progress", FollowMode.AUTOMATIC, delivery="d-1")
    item_moves(database, ISSUE[1], "in_progress", FollowMode.AUTOMATIC)
    assert notices_by_person(database) == dict.fromkeys(people, 1)

    item_moves(database, ISSUE[1], "done", FollowMode.AUTOMATIC)
    assert status_of(database, theme_id) == ThemeStatus.IN_PROGRESS  # the pull request is open
    item_moves(database, PULL[1], "done", FollowMode.AUTOMATIC)
    assert status_of(database, theme_id) == ThemeStatus.SHIPPED
    assert notices_by_person(database) == dict.fromkeys(people, 2)
    shipped = outbox(database, STATUS_NOTICE_KIND)[-1].payload["args"]["text"]
    assert "has *shipped*" in shipped
    assert "Delivered: GitHub acme/ci#12, GitHub acme/ci#13." in shipped

    with database.sessions() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "theme.status").order_by(AuditEntry.id)
        ).all()
    assert [(a.actor, a.details["to"]) for a in audit] == [
        ("GitHub", "in_progress"),
        ("GitHub", "shipped"),
    ]
    assert outbox(database, PROPOSAL_KIND) == []

    # shipped is a decision: a reopened issue does not move the theme back
    item_moves(database, ISSUE[1], "open", FollowMode.AUTOMATIC)
    assert status_of(database, theme_id) == ThemeStatus.SHIPPED


def test_by_default_the_pm_who_linked_is_asked_and_a_click_makes_the_change(
    database: Database,
) -> None:
    theme_id = linked_theme(database)
    item_moves(database, ISSUE[1], "done", FollowMode.CONFIRM)
    item_moves(database, PULL[1], "done", FollowMode.CONFIRM)
    assert status_of(database, theme_id) == ThemeStatus.OPEN
    assert outbox(database, STATUS_NOTICE_KIND) == []
    proposals = outbox(database, PROPOSAL_KIND)
    # asked once per status: in progress (the first item done), then shipped; only the
    # PM who linked the items, not every admin
    assert [p.channel for p in proposals] == [PM, PM]
    asked = proposals[-1].payload["args"]["text"]
    assert f"All linked items are done: mark #{theme_id} Remote build cache for CI shipped?" in (
        asked
    )
    item_moves(database, PULL[1], "done", FollowMode.CONFIRM)
    assert len(outbox(database, PROPOSAL_KIND)) == 2

    refused = Actor(TEAM, "U0SOMEONE1", frozenset({PM}))
    with (
        pytest.raises(NotAllowedError, match="product managers"),
        unit_of_work(database.sessions, TEAM) as uow,
    ):
        confirm_followed_status(uow, refused, theme_id, ThemeStatus.SHIPPED, key="k0")
    with unit_of_work(database.sessions, TEAM) as uow:
        result = confirm_followed_status(
            uow, Actor(TEAM, PM, frozenset({PM})), theme_id, ThemeStatus.SHIPPED, key="k1"
        )
    assert "is now shipped; 4 people will hear about it" in result.message
    assert status_of(database, theme_id) == ThemeStatus.SHIPPED
    assert notices_by_person(database) == dict.fromkeys(set(ASKERS) | {VOTER}, 1)
    with unit_of_work(database.sessions, TEAM) as uow:
        again = confirm_followed_status(
            uow, Actor(TEAM, PM, frozenset({PM})), theme_id, ThemeStatus.SHIPPED, key="k1"
        )
    assert again.replayed


def test_an_item_closed_as_not_planned_never_ships_the_theme(database: Database) -> None:
    theme_id = linked_theme(database)
    item_moves(database, ISSUE[1], "not_planned", FollowMode.AUTOMATIC)
    item_moves(database, PULL[1], "done", FollowMode.AUTOMATIC)
    assert status_of(database, theme_id) == ThemeStatus.IN_PROGRESS
    [told] = outbox(database, WONT_SHIP_KIND)
    assert told.channel == PM
    assert "GitHub acme/ci#12 was closed as not planned" in told.payload["args"]["text"]
    assert "will not be marked shipped while it is linked" in told.payload["args"]["text"]
    item_moves(database, ISSUE[1], "not_planned", FollowMode.AUTOMATIC)
    assert len(outbox(database, WONT_SHIP_KIND)) == 1


def test_a_merge_carries_the_links_and_the_start_of_work_is_dated(database: Database) -> None:
    seeded = seed_workspace(database)
    with unit_of_work(database.sessions, TEAM) as uow:
        pm = Actor(TEAM, PM, frozenset({PM}))
        link_theme(uow, pm, seeded.rollback_theme, ISSUE[0], TRACKERS)
        link_theme(uow, pm, seeded.ci_theme, ISSUE[0], TRACKERS)
        link_theme(uow, pm, seeded.rollback_theme, PULL[0], TRACKERS)
        merge_themes(uow, pm, seeded.rollback_theme, seeded.ci_theme)
    item_moves(database, PULL[1], "in_progress", FollowMode.AUTOMATIC)
    assert status_of(database, seeded.ci_theme) == ThemeStatus.IN_PROGRESS
    later = NOW + timedelta(days=3)
    with unit_of_work(database.sessions) as uow:
        record_item_state(
            uow, Tracker.GITHUB, PULL[1], "done", policy=policy(FollowMode.CONFIRM), now=later
        )
        links = uow.for_workspace(TEAM).links.of_themes([seeded.ci_theme])
        assert sorted(link.item for link in links) == [ISSUE[1], PULL[1]]
        [pull] = [link for link in links if link.item == PULL[1]]
        assert pull.started_at == NOW


def test_with_no_admins_the_log_says_no_one_is_told(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    theme_id = linked_theme(database)
    nobody = FollowPolicy(FollowMode.CONFIRM, frozenset())
    with unit_of_work(database.sessions) as uow:
        record_item_state(uow, Tracker.GITHUB, ISSUE[1], "in_progress", policy=nobody, now=NOW)
    assert outbox(database, PROPOSAL_KIND) == []
    assert f"linked items of theme {theme_id} moved" in caplog.text
    assert "PULSEBOARD_ADMINS is empty" in caplog.text
