"""Drivers, rounds and driver answers written straight through the repositories (the
asking flow is tested on its own), and themes that ship: for driver results tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.admin import set_theme_status
from storage.enums import RequestSource, ThemeStatus
from storage.models import DriverAnswer, PulseRound
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

TEAM = "T0DRIVERS1"
PM = "U0DRVPM001"
T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)
OPEN_FOR = timedelta(days=7)


def person(n: int) -> str:
    return f"U0DRV{n:05d}"


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


class DriverSeed:
    def __init__(self, db: Database, team: str = TEAM) -> None:
        self.db, self.team = db, team

    def driver(self, key: str, name: str, description: str = "", position: int = 0) -> int:
        with unit_of_work(self.db.sessions, self.team) as uow:
            return uow.drivers.add(key, name, description, position).id

    def domain(self, name: str) -> int:
        with unit_of_work(self.db.sessions, self.team) as uow:
            return uow.domains.add(name).id

    def round(self, started: datetime, closed: bool = True) -> int:
        with unit_of_work(self.db.sessions, self.team) as uow:
            row = PulseRound(
                workspace_id=self.team,
                question="How well does the platform help you ship?",
                started_at=started,
                closes_at=started + OPEN_FOR,
                closed_at=started + OPEN_FOR if closed else None,
            )
            uow.session.add(row)
            uow.session.flush()
            return row.id

    def answer(
        self,
        round_id: int,
        n: int,
        driver_id: int,
        value: int,
        kind: str = "satisfaction",
        domain_id: int | None = None,
    ) -> None:
        with unit_of_work(self.db.sessions, self.team) as uow:
            user = uow.users.get_or_create(person(n))
            pulse_round = uow.session.get(PulseRound, round_id)
            assert pulse_round is not None
            uow.session.add(
                DriverAnswer(
                    round_id=round_id,
                    user_id=user.id,
                    driver_id=driver_id,
                    domain_id=domain_id,
                    kind=kind,
                    value=value,
                    answered_at=pulse_round.started_at + timedelta(hours=n % 48),
                )
            )

    def answers(
        self,
        round_id: int,
        driver_id: int,
        values: dict[int, int],
        kind: str = "satisfaction",
        domain_id: int | None = None,
    ) -> None:
        for n, value in values.items():
            self.answer(round_id, n, driver_id, value, kind, domain_id)

    def theme(
        self, label: str, askers: list[int], asked: datetime, domain_id: int | None = None
    ) -> int:
        with unit_of_work(self.db.sessions, self.team) as uow:
            theme = uow.themes.add(label)
            for n in askers:
                logged = log_request(
                    uow,
                    NewRequest(
                        requester_slack_id=person(n),
                        text=f"{label}, asked by {n}",
                        source=RequestSource.COMMAND,
                        idempotency_key=f"{label}:{n}",
                        created_at=asked,
                    ),
                )
                request = uow.requests.by_id(logged.id)
                assert request is not None
                request.theme_id, request.domain_id = theme.id, domain_id
            return theme.id

    def ship(self, theme_id: int, at: datetime) -> None:
        with unit_of_work(self.db.sessions, self.team) as uow:
            theme = uow.themes.by_id(theme_id)
            assert theme is not None
            set_theme_status(uow, PM, theme, ThemeStatus.SHIPPED, "")
            change = theme.status_history[-1]
            change.changed_at = theme.status_changed_at = at
