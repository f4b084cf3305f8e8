"""Drivers of developer experience, the answers to them, and the themes tied to them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from storage.models import Driver, DriverAnswer, ThemeDriver
from storage.repositories.base import Repository


class DriverRepository(Repository):
    def add(self, key: str, name: str, description: str = "", position: int = 0) -> Driver:
        driver = Driver(
            workspace_id=self.workspace_id,
            key=key,
            name=name,
            description=description,
            position=position,
        )
        self.session.add(driver)
        self.session.flush()
        return driver

    def by_id(self, driver_id: int) -> Driver | None:
        driver = self.session.get(Driver, driver_id)
        return driver if driver is not None and driver.workspace_id == self.workspace_id else None

    def by_key(self, key: str) -> Driver | None:
        return self.session.scalar(
            select(Driver).where(Driver.workspace_id == self.workspace_id, Driver.key == key)
        )

    def list_all(self) -> list[Driver]:
        """Every driver, retired or not, in the order the workspace gave them."""
        return list(
            self.session.scalars(
                select(Driver)
                .where(Driver.workspace_id == self.workspace_id)
                .order_by(Driver.position, Driver.id)
            )
        )

    def active(self) -> list[Driver]:
        return [driver for driver in self.list_all() if driver.active]


class DriverAnswerRepository(Repository):
    """Answers are reached through their round, which belongs to the workspace."""

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


class ThemeDriverRepository(Repository):
    def of_themes(self, theme_ids: Iterable[int]) -> list[ThemeDriver]:
        wanted = sorted(set(theme_ids))
        if not wanted:
            return []
        return list(
            self.session.scalars(
                select(ThemeDriver)
                .where(
                    ThemeDriver.workspace_id == self.workspace_id,
                    ThemeDriver.theme_id.in_(wanted),
                )
                .order_by(ThemeDriver.id)
            )
        )
