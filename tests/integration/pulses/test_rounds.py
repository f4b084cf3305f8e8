"""Starting rounds: audience, opt-out, ask-less, delivery windows, one round per firing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database
from tests.integration.pulses.helpers import (
    MONDAY,
    WS,
    invitations,
    people,
    person,
    pulse_messages,
    start,
)


def test_round_invites_each_human_once_in_their_local_window(database: Database) -> None:
    who = [
        person(1, "Europe/Berlin"),
        person(2, "America/Los_Angeles"),
        person(3, None),  # unknown: the workspace zone (Berlin)
        person(4, is_bot=True),
        person(5, is_deleted=True),
        person(6, "Asia/Tokyo"),
    ]
    started = start(database, who=who)
    assert started.created
    assert started.invited == 4
    messages = {m.channel: m for m in pulse_messages(database)}
    assert set(messages) == {"U00000001", "U00000002", "U00000003", "U00000006"}
    zones = {"U00000001": "Europe/Berlin", "U00000002": "America/Los_Angeles"}
    zones |= {"U00000003": "Europe/Berlin", "U00000006": "Asia/Tokyo"}
    for channel, message in messages.items():
        assert message.dedupe_key == f"pulse:{started.round_id}:{channel}"
        there = message.next_attempt_at.astimezone(ZoneInfo(zones[channel]))
        assert there.weekday() in (1, 2, 3)
        assert 10 <= there.hour < 16
    assert {i.scheduled_for for i in invitations(database)} == {
        m.next_attempt_at for m in messages.values()
    }


def test_same_firing_twice_starts_one_round(database: Database) -> None:
    first = start(database, who=people(3), key="schedule:2026-03-02T09:00Z")
    second = start(database, who=people(3), key="schedule:2026-03-02T09:00Z")
    assert first.created
    assert not second.created
    assert len(pulse_messages(database)) == 3


def test_one_open_round_at_a_time_and_the_minimum_gap(database: Database) -> None:
    assert start(database, who=people(2), key="a").created
    refused = start(database, now=MONDAY + timedelta(days=1), who=people(2), key="b")
    assert not refused.created
    assert "open until" in refused.reason
    too_soon = start(database, now=MONDAY + timedelta(days=10), who=people(2), key="c")
    assert not too_soon.created
    assert "skipping" in too_soon.reason
    manual = start(
        database, now=MONDAY + timedelta(days=10), who=people(2), key="d", scheduled=False
    )
    assert manual.created
    assert start(database, now=MONDAY + timedelta(days=24), who=people(2), key="e").created


def test_opted_out_people_are_never_asked_and_ask_less_skips_a_round(database: Database) -> None:
    start(database, who=people(3), key="r1")
    with unit_of_work(database.sessions, WS) as uow:
        users = uow.users
        users.by_slack_id("U00000001").pulse_opt_out = True  # type: ignore[union-attr]
        users.by_slack_id("U00000002").pulse_less_often = True  # type: ignore[union-attr]
    second = start(database, now=MONDAY + timedelta(days=14), who=people(3), key="r2")
    third = start(database, now=MONDAY + timedelta(days=28), who=people(3), key="r3")
    with unit_of_work(database.sessions, WS) as uow:
        pulses = uow.pulses
        users = uow.users
        asked = {
            n: {users.by_id(i).slack_id for i in pulses.invited_user_ids(r)}  # type: ignore[union-attr]
            for n, r in (("second", second.round_id), ("third", third.round_id))
        }
    assert asked["second"] == {"U00000003"}  # 1 opted out, 2 asked last round: skips
    assert asked["third"] == {"U00000002", "U00000003"}


def test_audience_limits_to_configured_members(database: Database) -> None:
    from bot.services.pulses.rounds import start_round
    from tests.integration.pulses.helpers import CONFIG

    with unit_of_work(database.sessions, WS) as uow:
        started = start_round(
            uow, CONFIG, MONDAY, "k", people=people(5), audience={"U00000002", "U00000004"}
        )
    assert started.invited == 2
    assert {m.channel for m in pulse_messages(database)} == {"U00000002", "U00000004"}
