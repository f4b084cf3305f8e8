"""What the pulse tests share: people, a frozen clock, starting a round, reading rows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.services.pulses.rounds import PulseConfig, RoundStart, start_round
from bot.services.pulses.timing import DeliveryWindow
from storage.models import OutboxMessage, PulseInvitation
from storage.repositories.directory import SlackPerson
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WS = "T0PULSE01"
MONDAY = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
CONFIG = PulseConfig(
    question="How well does the platform help you ship?",
    window=DeliveryWindow((1, 2, 3), time(10), time(16)),
    zone=ZoneInfo("Europe/Berlin"),
    open_for=timedelta(days=7),
    remind_after=timedelta(days=2),
    min_gap=timedelta(days=13),
    anonymity=5,
)


def person(n: int, tz: str | None = "Europe/Berlin", **flags: bool) -> SlackPerson:
    return SlackPerson(
        slack_id=f"U{n:08d}",
        name=f"person {n}",
        tz=tz,
        is_bot=flags.get("is_bot", False),
        is_deleted=flags.get("is_deleted", False),
    )


def people(count: int, tz: str | None = "Europe/Berlin") -> list[SlackPerson]:
    return [person(n, tz) for n in range(1, count + 1)]


def start(
    db: Database,
    now: datetime = MONDAY,
    who: list[SlackPerson] | None = None,
    key: str = "schedule:1",
    config: PulseConfig = CONFIG,
    deliver_now: bool = False,
    scheduled: bool = True,
) -> RoundStart:
    with unit_of_work(db.sessions, WS) as uow:
        return start_round(
            uow,
            config,
            now,
            key,
            people=who,
            deliver_at=(lambda _zone, moment, _deadline: moment) if deliver_now else None,
            scheduled=scheduled,
        )


def pulse_messages(db: Database) -> list[OutboxMessage]:
    with unit_of_work(db.sessions) as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind.in_(["pulse", "pulse_reminder"]))
                .order_by(OutboxMessage.id)
            )
        )


def invitations(db: Database) -> list[PulseInvitation]:
    with unit_of_work(db.sessions) as uow:
        return list(uow.session.scalars(select(PulseInvitation).order_by(PulseInvitation.id)))
