"""A PM's decisions survive every re-grouping (issue 14, part 4).

The reported sequence: on the sample workspace, `/roadmap merge A B`, then the digest
(which re-groups) moved B's own requests to a new open theme and changed B's label. Then
a scripted month of PM actions, with new requests arriving and a digest every week: after
each week, everything a PM did is still so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.runtime.settings import Settings
from bot.sample import load_sample
from bot.services.digest_posting import queue_digests
from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.admin import (
    Actor,
    change_status,
    merge_themes,
    rename_theme,
    set_effort,
    split_request,
)
from bot.services.themes.regroup import regroup
from bot.services.workspace.transfer import import_workspace
from storage.enums import Effort, RequestSource, ThemeStatus
from storage.models import Request, Theme
from storage.repositories import ThemeRepository
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

ADMIN = "U0PMADMIN1"
CHANNEL = "C0DIGEST01"
MONDAY = datetime(2026, 4, 6, 9, tzinfo=UTC)
NEW_ASKS = [
    "one-click rollback of a bad deploy",
    "remote build cache so CI stops rebuilding everything",
    "search the data catalog by column name",
    "rotate service credentials automatically",
    "kafka topic self-service without a ticket",
    "dashboards per service with latency and errors",
    "undo the last deploy from slack",
    "faster CI builds for the monorepo",
]


def import_sample(db: Database) -> str:
    with unit_of_work(db.sessions) as uow:
        return import_workspace(uow, load_sample()).workspace_id


def admin(workspace_id: str) -> Actor:
    return Actor(workspace_id, ADMIN, frozenset({ADMIN}))


def weekly_digest(db: Database, workspace_id: str, week: int) -> None:
    """What `pulseboard digest` and the scheduler do: re-group, then queue the digest."""
    firing = MONDAY + timedelta(weeks=week)
    settings = Settings(digest_channel=CHANNEL, database_url=db.url)
    queue_digests(db.sessions, workspace_id, settings, firing, firing)


def members(db: Database, theme_id: int) -> set[int]:
    with db.sessions() as session:
        return set(
            session.scalars(
                select(Request.id).where(
                    Request.theme_id == theme_id, Request.withdrawn_at.is_(None)
                )
            )
        )


def theme(db: Database, theme_id: int) -> Theme:
    with db.sessions() as session:
        found = session.get(Theme, theme_id)
        assert found is not None
        return found


def live_themes_by_size(db: Database, workspace_id: str) -> list[int]:
    with db.sessions() as session:
        live = ThemeRepository(session, workspace_id).live()
        sizes = {t.id: len(members(db, t.id)) for t in live}
    return sorted((t for t in sizes if sizes[t] >= 3), key=lambda t: (-sizes[t], t))


def test_a_merge_survives_the_digest(database: Database) -> None:
    """The reported bug, replayed: merge, digest, and the merged theme is whole."""
    workspace_id = import_sample(database)
    target, source = live_themes_by_size(database, workspace_id)[:2]
    own = members(database, target)
    moved = members(database, source)
    label = theme(database, target).label
    with unit_of_work(database.sessions, workspace_id) as uow:
        merge_themes(uow, admin(workspace_id), source, target)

    weekly_digest(database, workspace_id, 0)
    weekly_digest(database, workspace_id, 1)

    kept = theme(database, target)
    assert kept.merged_into_id is None
    assert kept.deleted_at is None
    assert kept.label == label
    assert own | moved <= members(database, target)
    assert theme(database, source).merged_into_id == target


@dataclass
class Decisions:
    """What the PM did, to check after every week."""

    merged: dict[int, int] = field(default_factory=dict)  # source → target
    held: dict[int, set[int]] = field(default_factory=dict)  # theme → requests it must keep
    labels: dict[int, str] = field(default_factory=dict)
    statuses: dict[int, ThemeStatus] = field(default_factory=dict)
    efforts: dict[int, Effort] = field(default_factory=dict)
    apart: list[tuple[int, int]] = field(default_factory=list)  # split from, split into

    def acted_on(self, db: Database, theme_id: int) -> None:
        self.held[theme_id] = members(db, theme_id)
        self.labels[theme_id] = theme(db, theme_id).label


def check(db: Database, workspace_id: str, done: Decisions) -> None:
    for source, target in done.merged.items():
        assert theme(db, source).merged_into_id == target
        assert theme(db, target).merged_into_id is None
    for theme_id, requests in done.held.items():
        assert requests <= members(db, theme_id), f"#{theme_id} lost requests"
        assert theme(db, theme_id).label == done.labels[theme_id], f"#{theme_id} relabelled"
    for theme_id, status in done.statuses.items():
        assert theme(db, theme_id).status == status
    for theme_id, effort in done.efforts.items():
        assert theme(db, theme_id).effort == effort
    for left, right in done.apart:
        assert not (members(db, left) & members(db, right))


def new_request(db: Database, workspace_id: str, number: int) -> None:
    with unit_of_work(db.sessions, workspace_id) as uow:
        log_request(
            uow,
            NewRequest(
                requester_slack_id=f"U0NEW{number:05d}",
                text=NEW_ASKS[number % len(NEW_ASKS)] + f" (team {number})",
                source=RequestSource.COMMAND,
                idempotency_key=f"month:{number}",
            ),
        )


def test_a_month_of_pm_decisions_survives_weekly_regrouping(sqlite_database: Database) -> None:
    db = sqlite_database
    workspace_id = import_sample(db)
    pm = admin(workspace_id)
    done = Decisions()
    themes = live_themes_by_size(db, workspace_id)
    weekly_digest(db, workspace_id, 0)  # labels shown once: they stay from now on

    # week 1: a merge and a status
    target, source = themes[0], themes[1]
    with unit_of_work(db.sessions, workspace_id) as uow:
        merge_themes(uow, pm, source, target)
        change_status(uow, pm, themes[2], ThemeStatus.PLANNED)
    done.merged[source] = target
    done.statuses[themes[2]] = ThemeStatus.PLANNED
    for theme_id in (target, themes[2]):
        done.acted_on(db, theme_id)
    for number in range(0, 4):
        new_request(db, workspace_id, number)
    weekly_digest(db, workspace_id, 1)
    check(db, workspace_id, done)

    # week 2: a split (with and without a label) and an effort
    split_from = themes[3]
    moved_out = sorted(members(db, split_from))[:2]
    with unit_of_work(db.sessions, workspace_id) as uow:
        split_request(uow, pm, moved_out[0], "Dependency caching")
        split_request(uow, pm, moved_out[1])
        set_effort(uow, pm, themes[4], Effort.L)
    done.efforts[themes[4]] = Effort.L
    with db.sessions() as session:
        into = [session.get(Request, r).theme_id for r in moved_out]  # type: ignore[union-attr]
    for theme_id in (split_from, *into, themes[4]):
        assert theme_id is not None
        done.acted_on(db, theme_id)
        done.apart.extend((split_from, t) for t in into if t is not None)
    for number in range(4, 8):
        new_request(db, workspace_id, number)
    weekly_digest(db, workspace_id, 2)
    check(db, workspace_id, done)

    # week 3: a rename, moving a request by merging its split-off theme, shipping
    with unit_of_work(db.sessions, workspace_id) as uow:
        rename_theme(uow, pm, themes[5], "Self-service Kafka topics")
        change_status(uow, pm, target, ThemeStatus.IN_PROGRESS)
    done.statuses[target] = ThemeStatus.IN_PROGRESS
    done.acted_on(db, themes[5])
    assert done.labels[themes[5]] == "Self-service Kafka topics"
    for number in range(8, 12):
        new_request(db, workspace_id, number)
    with unit_of_work(db.sessions, workspace_id) as uow:
        regroup(uow)  # an import or an operator's extra re-grouping
    weekly_digest(db, workspace_id, 3)
    check(db, workspace_id, done)

    # week 4: ship, more requests, two more digests
    with unit_of_work(db.sessions, workspace_id) as uow:
        change_status(uow, pm, target, ThemeStatus.SHIPPED, "out in 2.3")
    done.statuses[target] = ThemeStatus.SHIPPED
    for number in range(12, 16):
        new_request(db, workspace_id, number)
    weekly_digest(db, workspace_id, 4)
    weekly_digest(db, workspace_id, 5)
    check(db, workspace_id, done)


def test_a_label_shown_in_a_digest_stays(sqlite_database: Database) -> None:
    """No PM touched these themes; their labels were shown, so re-grouping keeps them."""
    db = sqlite_database
    workspace_id = import_sample(db)
    weekly_digest(db, workspace_id, 0)
    with db.sessions() as session:
        shown = {
            t.id: t.label
            for t in session.scalars(select(Theme).where(Theme.label_shown_at.is_not(None)))
        }
    assert shown
    for number in range(8):
        new_request(db, workspace_id, number)
    weekly_digest(db, workspace_id, 1)
    with db.sessions() as session:
        for theme_id, label in shown.items():
            found = session.get(Theme, theme_id)
            assert found is not None
            if found.merged_into_id is None and members(db, theme_id):
                assert found.label == label


@pytest.mark.parametrize("label", ["Build caching", "  Build   caching "])
def test_rename_sets_a_label_that_regrouping_keeps(sqlite_database: Database, label: str) -> None:
    db = sqlite_database
    workspace_id = import_sample(db)
    theme_id = live_themes_by_size(db, workspace_id)[0]
    with unit_of_work(db.sessions, workspace_id) as uow:
        result = rename_theme(uow, admin(workspace_id), theme_id, label)
    assert "Build caching" in result.message
    with unit_of_work(db.sessions, workspace_id) as uow:
        again = rename_theme(uow, admin(workspace_id), theme_id, label)
    assert "already" in again.message
    held = members(db, theme_id)
    with unit_of_work(db.sessions, workspace_id) as uow:
        regroup(uow)
    assert theme(db, theme_id).label == "Build caching"
    assert held <= members(db, theme_id)
