"""Drivers of developer experience, the answers to them, and the themes tied to them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select

from storage.models import Driver, DriverAnswer, PulseInvitation, PulseRound, User
from storage.repositories.base import Repository


class DriverRepository(Repository):
    def add(self, key: str, name: str, description: str = "", position: int = 0) -> Driver:
        return self.add_row(self._new(key, name, description, position))

    def by_id(self, driver_id: int) -> Driver | None:
        return self.row_by_id(Driver, driver_id)

    def by_key(self, key: str) -> Driver | None:
        return self.first_of(Driver, Driver.key == key)

    def list_all(self) -> list[Driver]:
        """Every driver, retired or not, in the order the workspace gave them."""
        return self.rows_of(Driver, order_by=[Driver.position, Driver.id])

    def active(self) -> list[Driver]:
        return [driver for driver in self.list_all() if driver.active]

    def add_once(self, key: str, name: str, description: str, position: int) -> Driver:
        """The driver ``key``, added unless it exists (two replicas adding the defaults at
        once store each one once)."""
        row = self._new(key, name, description, position)
        driver, _ = self.insert_once(row, lambda: self.by_key(key))
        return driver

    def _new(self, key: str, name: str, description: str, position: int) -> Driver:
        return Driver(
            workspace_id=self.workspace_id,
            key=key,
            name=name,
            description=description,
            position=position,
        )

    def by_name(self, name: str) -> Driver | None:
        wanted = name.casefold()
        return next((d for d in self.list_all() if d.name.casefold() == wanted), None)

    def next_position(self) -> int:
        last = self.session.scalar(
            select(func.max(Driver.position)).where(Driver.workspace_id == self.workspace_id)
        )
        return 0 if last is None else int(last) + 1


@dataclass(frozen=True)
class DriverAnswerToAdd:
    """One answer of an imported round (domain as it was when answered); its fields are
    columns of ``driver_answers`` (see add_all)."""

    user_id: int
    driver_id: int
    kind: str
    value: int
    domain_id: int | None
    answered_at: datetime


class DriverAnswerRepository(Repository):
    """Answers are reached through their round, which belongs to the workspace."""

    def record(
        self, round_id: int, user_id: int, driver_id: int, kind: str, value: int, at: datetime
    ) -> DriverAnswer:
        """Store or change one answer; it keeps the domain its author is in now, as a pulse
        answer does, so moving domain later moves no closed round's figures."""
        user = self.session.get(User, user_id)
        domain_id = user.domain_id if user is not None else None
        answer = self.find(round_id, user_id, driver_id, kind)
        if answer is None:
            row = DriverAnswer(
                round_id=round_id,
                user_id=user_id,
                driver_id=driver_id,
                domain_id=domain_id,
                kind=kind,
                value=value,
                answered_at=at,
                updated_at=at,
            )
            answer, created = self.insert_once(
                row, lambda: self.find(round_id, user_id, driver_id, kind)
            )
            if created:
                return answer
        answer.domain_id = domain_id
        answer.value = value
        answer.updated_at = at
        self.session.flush()
        return answer

    def of_person(self, round_id: int, user_id: int) -> list[DriverAnswer]:
        return list(
            self.session.scalars(
                select(DriverAnswer)
                .where(DriverAnswer.round_id == round_id, DriverAnswer.user_id == user_id)
                .order_by(DriverAnswer.id)
            )
        )

    def importance_since(
        self, since: datetime, other_than_round: int, user_ids: Iterable[int] | None = None
    ) -> set[tuple[int, int]]:
        """(person, driver) pairs with an importance answer from ``since`` on, in rounds of
        the workspace other than ``other_than_round``."""
        query = (
            select(DriverAnswer.user_id, DriverAnswer.driver_id)
            .join(PulseRound, PulseRound.id == DriverAnswer.round_id)
            .where(
                PulseRound.workspace_id == self.workspace_id,
                DriverAnswer.round_id != other_than_round,
                DriverAnswer.kind == "importance",
                DriverAnswer.answered_at >= since,
            )
        )
        if user_ids is not None:
            query = query.where(DriverAnswer.user_id.in_(sorted(set(user_ids))))
        return {(int(row[0]), int(row[1])) for row in self.session.execute(query)}

    def rounds_asked_before(
        self, started_at: datetime, user_ids: Iterable[int] | None = None
    ) -> dict[int, int]:
        """How many of the workspace's rounds started before ``started_at`` asked each
        person: their own place in the driver rotation."""
        query = (
            select(PulseInvitation.user_id, func.count())
            .join(PulseRound, PulseRound.id == PulseInvitation.round_id)
            .where(
                PulseRound.workspace_id == self.workspace_id,
                PulseRound.started_at < started_at,
            )
            .group_by(PulseInvitation.user_id)
        )
        if user_ids is not None:
            query = query.where(PulseInvitation.user_id.in_(sorted(set(user_ids))))
        return {int(row[0]): int(row[1]) for row in self.session.execute(query)}

    def add_all(self, round_id: int, answers: Sequence[DriverAnswerToAdd]) -> None:
        """The answers of a round created in this same transaction (an import): nothing can
        conflict, so one bulk insert; ``answers`` name each (person, driver, kind) once."""
        self.session.add_all(
            DriverAnswer(round_id=round_id, updated_at=a.answered_at, **asdict(a)) for a in answers
        )
        self.session.flush()

    def find(self, round_id: int, user_id: int, driver_id: int, kind: str) -> DriverAnswer | None:
        return self.session.scalar(
            select(DriverAnswer).where(
                DriverAnswer.round_id == round_id,
                DriverAnswer.user_id == user_id,
                DriverAnswer.driver_id == driver_id,
                DriverAnswer.kind == kind,
            )
        )

    def of_rounds(self, round_ids: Iterable[int]) -> list[DriverAnswer]:
        wanted = sorted(set(round_ids))
        if not wanted:
            return []
        return list(
            self.session.scalars(
                select(DriverAnswer)
                .where(DriverAnswer.round_id.in_(wanted))
                .order_by(DriverAnswer.id)
            )
        )
