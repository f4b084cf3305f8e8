"""A PM ties a theme to a driver, or unties it: `/roadmap tie N <driver key>`, `/roadmap
untie N <driver key>`. Audited, once per invocation, and locking the theme like every PM
decision; an untie keeps a suggestion away for good (bot/services/roadmap/driver_ties.py).
"""

from __future__ import annotations

from bot.services.errors import NotFoundError
from bot.services.roadmap.admin import Actor, ChangeResult, admin_change, live_theme_or_fail
from storage.models import Driver
from storage.repositories.driver_results import UNTIED
from storage.unit_of_work import UnitOfWork


def driver_by_key(uow: UnitOfWork, key: str) -> Driver:
    driver = uow.drivers.by_key(key.strip().lower())
    if driver is None:
        known = ", ".join(f"`{d.key}`" for d in uow.drivers.active()) or "none yet"
        raise NotFoundError(f"There is no driver `{key}`. Drivers: {known}.")
    return driver


def tie_driver(
    uow: UnitOfWork, actor: Actor, theme_id: int, key: str, *, invocation: str | None = None
) -> ChangeResult:
    return admin_change(
        uow, actor, invocation, lambda: _decide(uow, actor, theme_id, key, actor.slack_id)
    )


def untie_driver(
    uow: UnitOfWork, actor: Actor, theme_id: int, key: str, *, invocation: str | None = None
) -> ChangeResult:
    return admin_change(uow, actor, invocation, lambda: _decide(uow, actor, theme_id, key, UNTIED))


def _decide(uow: UnitOfWork, actor: Actor, theme_id: int, key: str, tied_by: str) -> ChangeResult:
    theme = live_theme_or_fail(uow, theme_id)
    driver = driver_by_key(uow, key)
    previous = uow.driver_results.decide(theme.id, driver.id, tied_by)
    theme.locked = True
    tie = tied_by != UNTIED
    uow.audit.record(
        actor.slack_id,
        "theme.driver_tie" if tie else "theme.driver_untie",
        "theme",
        theme.id,
        {"driver": driver.key, "from": previous},
    )
    if tie:
        return ChangeResult(f"Theme #{theme.id} now addresses “{driver.name}”.")
    return ChangeResult(
        f"Theme #{theme.id} no longer addresses “{driver.name}” (not suggested again)."
    )
