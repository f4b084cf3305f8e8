"""Which drivers a person's pulse DM asks about: the rotation, and importance once a quarter.

Each DM keeps its one-click main question and adds at most two drivers, so it stays
short. Which two is deterministic, from plain values:

- the person's **offset**: a stable hash of their Slack id (the same on every replica,
  after an export and import, and between Python runs, unlike ``hash()``);
- their **turn**: how many earlier rounds of the workspace asked them (their own count,
  not the round's: someone who asked to be asked less often skips every other round,
  and stepping by the round's number would then show them the same half of the drivers
  forever when there is an even number of them);
- ``n``, the number of active drivers, in the workspace's order.

They are asked the drivers at ``(offset + 2·turn) mod n`` and the next one. Two
consecutive turns cover four consecutive places, so any ``ceil(n/2)`` consecutive turns
of a person cover all ``n`` drivers; different offsets spread the people over the
drivers in each round, so every driver gets answers every round.

**Importance** ("how much does it matter to you", 1–5) is asked on a driver of the DM
only when the person has no importance answer for it from the 90 days before the round
started. Answers in the round itself do not count, so the question stays on the DM (and
its re-renderings) once answered there, and can still be changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from bot.services.driver_views import IMPORTANCE, SATISFACTION, DriverQuestion
from storage.models import Driver, PulseRound, User
from storage.unit_of_work import UnitOfWork

ASKED_PER_DM = 2
IMPORTANCE_EVERY = timedelta(days=90)


def rotation_offset(slack_id: str) -> int:
    """A person's stable place in the rotation (the first 8 bytes of SHA-256)."""
    return int.from_bytes(hashlib.sha256(slack_id.encode()).digest()[:8], "big")


def rotated(offset: int, turn: int, n: int) -> tuple[int, ...]:
    """The positions (0 … n−1) of the drivers asked at a person's ``turn``: at most two,
    never the same one twice."""
    if n <= 0:
        return ()
    first = offset + ASKED_PER_DM * turn
    return tuple(dict.fromkeys((first + i) % n for i in range(min(ASKED_PER_DM, n))))


def driver_plan(
    uow: UnitOfWork, pulse_round: PulseRound, users: Sequence[User], *, one_person: bool = False
) -> dict[int, tuple[DriverQuestion, ...]]:
    """The driver questions of each person's DM in ``pulse_round`` (user id → questions),
    none chosen yet. ``one_person``: read only the first user's history (a click), not the
    whole workspace's (a round starting)."""
    drivers = uow.drivers.active()
    if not drivers or not users:
        return {}
    answers = uow.driver_answers
    only = [users[0].id] if one_person else None
    turns = answers.rounds_asked_before(pulse_round.started_at, only)
    since = pulse_round.started_at - IMPORTANCE_EVERY
    recent = answers.importance_since(since, pulse_round.id, only)
    plan: dict[int, tuple[DriverQuestion, ...]] = {}
    for user in users[:1] if one_person else users:
        places = rotated(rotation_offset(user.slack_id), turns.get(user.id, 0), len(drivers))
        plan[user.id] = tuple(
            question(drivers[p], ask_importance=(user.id, drivers[p].id) not in recent)
            for p in places
        )
    return plan


def questions_for(
    uow: UnitOfWork, pulse_round: PulseRound, user: User
) -> tuple[DriverQuestion, ...]:
    """A person's driver questions in a round, with what they chose.

    If an admin changed the drivers mid-round, the rotation may now name others than the
    DM did: a driver the person already answered stays (with its answer), and the rest of
    the (at most two) places go to the rotation's, so the DM never grows.
    """
    planned = driver_plan(uow, pulse_round, [user], one_person=True).get(user.id, ())
    given = {
        (a.driver_id, a.kind): a.value
        for a in uow.driver_answers.of_person(pulse_round.id, user.id)
    }
    asked = {q.driver_id for q in planned}
    kept: list[DriverQuestion] = []
    for driver_id in dict.fromkeys(d for d, _ in given):
        driver = uow.drivers.by_id(driver_id)
        if driver_id not in asked and driver is not None and driver.active:
            kept.append(question(driver, ask_importance=(driver_id, IMPORTANCE) in given))
    shown = [*kept, *planned][:ASKED_PER_DM]
    return tuple(
        replace(
            q,
            satisfaction=given.get((q.driver_id, SATISFACTION)),
            importance=given.get((q.driver_id, IMPORTANCE)),
        )
        for q in shown
    )


def question(driver: Driver, *, ask_importance: bool) -> DriverQuestion:
    return DriverQuestion(
        driver_id=driver.id,
        name=driver.name,
        description=driver.description,
        ask_importance=ask_importance,
    )
