"""Drivers in pulse DMs, against the database: defaults on first use, at most two drivers
per DM, everyone asked every driver over a few rounds, importance once a quarter, answers
kept with the domain at answer time, changed while open, refused once closed."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.services.driver_views import IMPORTANCE, SATISFACTION
from bot.services.drivers import DEFAULT_DRIVERS, ensure_defaults
from bot.services.errors import NotAllowedError, NotFoundError, UserFacingError
from bot.services.pulses import rounds
from bot.services.pulses.delivery import remind
from bot.slack.blocks.drivers import parse_driver_value
from storage.models import DriverAnswer, OutboxMessage
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database
from tests.integration.app.checks import valid_blocks
from tests.integration.pulses.helpers import CONFIG, MONDAY, WS, people, pulse_messages, start

ROUND_GAP = timedelta(days=14)


def asked_in(message: OutboxMessage) -> dict[int, set[str]]:
    """The drivers a DM asks about (driver id → the kinds it asks), read from its buttons."""
    blocks = valid_blocks(message.payload["args"]["blocks"])
    asked: dict[int, set[str]] = {}
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        if block["type"] == "actions" and block_id.startswith("driver_"):
            parsed = parse_driver_value(block["elements"][0]["value"])
            assert parsed is not None
            asked.setdefault(parsed[1], set()).add(block_id.rsplit("_", 1)[1])
    return asked


def dms_of_round(db: Database, round_id: int | None) -> dict[str, dict[int, set[str]]]:
    prefix = f"pulse:{round_id}:"
    return {
        m.channel: asked_in(m)
        for m in pulse_messages(db)
        if m.dedupe_key.startswith(prefix) and m.kind == "pulse"
    }


def run_rounds(db: Database, count: int, who: Any) -> list[int]:
    ids = []
    for n in range(count):
        started = start(db, now=MONDAY + n * ROUND_GAP, who=who, key=f"r{n}")
        assert started.created
        assert started.round_id is not None
        ids.append(started.round_id)
    return ids


def answer(
    db: Database, round_id: int, slack_id: str, driver_id: int, kind: str, value: int, at: datetime
) -> rounds.DriverAnswered:
    with unit_of_work(db.sessions, WS) as uow:
        return rounds.record_driver_answer(uow, round_id, slack_id, driver_id, kind, value, at)


def test_defaults_on_first_round_and_at_most_two_drivers_per_dm(database: Database) -> None:
    started = start(database, who=people(12))
    with unit_of_work(database.sessions, WS) as uow:
        drivers = uow.drivers.list_all()
    assert [d.key for d in drivers] == [d.key for d in DEFAULT_DRIVERS]
    assert all(d.description.endswith(".") for d in drivers)
    dms = dms_of_round(database, started.round_id)
    assert len(dms) == 12
    for asked in dms.values():
        assert len(asked) == 2
        assert all(kinds == {SATISFACTION, IMPORTANCE} for kinds in asked.values())


def test_everyone_is_asked_every_driver_within_half_n_rounds(database: Database) -> None:
    who = people(15)
    window = math.ceil(len(DEFAULT_DRIVERS) / 2)
    round_ids = run_rounds(database, window, who)
    with unit_of_work(database.sessions, WS) as uow:
        every = {d.id for d in uow.drivers.active()}
    seen: dict[str, set[int]] = {}
    for round_id in round_ids:
        for person, asked in dms_of_round(database, round_id).items():
            seen.setdefault(person, set()).update(asked)
    assert len(seen) == 15
    assert all(drivers == every for drivers in seen.values())


def test_importance_is_asked_once_a_quarter(database: Database) -> None:
    [person] = people(1)
    first = start(database, who=[person], key="q1")
    assert first.round_id is not None
    asked = dms_of_round(database, first.round_id)[person.slack_id]
    driver_id = next(iter(asked))
    answered = answer(
        database,
        first.round_id,
        person.slack_id,
        driver_id,
        IMPORTANCE,
        4,
        MONDAY + timedelta(hours=3),
    )
    # Answered in this round, it stays asked here (so it can be changed), showing the choice.
    [shown] = [q for q in answered.drivers if q.driver_id == driver_id]
    assert shown.ask_importance
    assert shown.importance == 4
    within, after = [], []  # what the DMs ask of that driver, < 90 days later and after
    for n in range(1, 10):
        later = start(database, now=MONDAY + n * ROUND_GAP, who=[person], key=f"q{n + 1}")
        dm = dms_of_round(database, later.round_id)[person.slack_id]
        if driver_id in dm:
            (within if n * ROUND_GAP < timedelta(days=90) else after).append(dm[driver_id])
    assert within, "the rotation comes back to the driver within the quarter"
    assert all(kinds == {SATISFACTION} for kinds in within)
    assert after, "and after it"
    assert all(kinds == {SATISFACTION, IMPORTANCE} for kinds in after)


def test_a_driver_answer_is_one_click_and_changes_while_open(database: Database) -> None:
    started = start(database, who=people(3))
    assert started.round_id is not None
    slack_id = "U00000002"
    driver_id = next(iter(dms_of_round(database, started.round_id)[slack_id]))
    with unit_of_work(database.sessions, WS) as uow:
        ci = uow.domains.add("ci")
        uow.users.by_slack_id(slack_id).domain_id = ci.id  # type: ignore[union-attr]
        ci_id = ci.id
    at = MONDAY + timedelta(hours=2)
    first = answer(database, started.round_id, slack_id, driver_id, SATISFACTION, 2, at)
    assert first.answer is None  # the main question is still unanswered: the DM again
    assert [q.satisfaction for q in first.drivers if q.driver_id == driver_id] == [2]
    with unit_of_work(database.sessions, WS) as uow:
        uow.users.by_slack_id(slack_id).domain_id = None  # type: ignore[union-attr]
        rounds.record_score(uow, started.round_id, slack_id, 4, at)
    changed = answer(database, started.round_id, slack_id, driver_id, SATISFACTION, 5, at)
    assert changed.answer is not None
    assert changed.answer.score == 4
    assert [q.satisfaction for q in changed.answer.drivers if q.driver_id == driver_id] == [5]
    with database.sessions() as session:
        [row] = session.query(DriverAnswer).all()
    assert (row.value, row.kind) == (5, SATISFACTION)
    assert row.domain_id is None  # the domain at the latest answer
    with unit_of_work(database.sessions, WS) as uow:
        uow.users.by_slack_id(slack_id).domain_id = ci_id  # type: ignore[union-attr]
    answer(database, started.round_id, slack_id, driver_id, SATISFACTION, 3, at)
    with database.sessions() as session:
        [row] = session.query(DriverAnswer).all()
    assert (row.value, row.domain_id) == (3, ci_id)


def test_closed_round_refuses_and_strangers_and_retired_drivers_are_refused(
    database: Database,
) -> None:
    started = start(database, who=people(2))
    assert started.round_id is not None
    round_id = started.round_id
    driver_id = next(iter(dms_of_round(database, round_id)["U00000001"]))
    with pytest.raises(rounds.RoundClosedError):
        answer(
            database, round_id, "U00000001", driver_id, SATISFACTION, 3, MONDAY + CONFIG.open_for
        )
    with pytest.raises(NotAllowedError):
        answer(database, round_id, "U0STRANGER", driver_id, SATISFACTION, 3, MONDAY)
    with pytest.raises(UserFacingError):
        answer(database, round_id, "U00000001", driver_id, SATISFACTION, 6, MONDAY)
    with unit_of_work(database.sessions, WS) as uow:
        uow.drivers.by_id(driver_id).active = False  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):
        answer(database, round_id, "U00000001", driver_id, SATISFACTION, 3, MONDAY)
    with database.sessions() as session:
        assert session.query(DriverAnswer).count() == 0


def test_retired_drivers_are_not_asked_and_reminders_carry_the_drivers(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        ensure_defaults(uow)
        drivers = uow.drivers.list_all()
        for driver in drivers[1:]:
            driver.active = False
        kept = drivers[0].id
    started = start(database, who=people(4), deliver_now=True)
    dms = dms_of_round(database, started.round_id)
    assert all(set(asked) == {kept} for asked in dms.values())  # n = 1: one driver
    with unit_of_work(database.sessions, WS) as uow:
        queued = remind(
            uow, CONFIG, MONDAY + CONFIG.remind_after + timedelta(hours=1), random.Random(1)
        )
    assert queued == 4
    reminders = [m for m in pulse_messages(database) if m.kind == "pulse_reminder"]
    assert all(set(asked_in(m)) == {kept} for m in reminders)


def test_a_driver_added_mid_round_keeps_the_answered_one_and_two_at_most(
    database: Database,
) -> None:
    started = start(database, who=people(6))
    assert started.round_id is not None
    dms = dms_of_round(database, started.round_id)
    at = MONDAY + timedelta(hours=1)
    answered: dict[str, int] = {}
    for slack_id, asked in dms.items():
        answered[slack_id] = next(iter(asked))
        answer(database, started.round_id, slack_id, answered[slack_id], SATISFACTION, 3, at)
    with unit_of_work(database.sessions, WS) as uow:
        uow.drivers.add("flaky_tests", "Flaky tests", "My tests fail only for real.", 99)
    for slack_id, driver_id in answered.items():
        shown = answer(database, started.round_id, slack_id, driver_id, SATISFACTION, 4, at)
        assert len(shown.drivers) <= 2
        [kept] = [q for q in shown.drivers if q.driver_id == driver_id]
        assert kept.satisfaction == 4
