"""Drivers of developer experience, the things a pulse DM asks about besides the main
question: the defaults a workspace starts with, and admins editing them from Slack.

A driver is never deleted, only retired (``active`` false): its answers stay with it, and
results over past rounds keep their meaning. Every change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.driver_views import DriverInput, DriverSummary
from bot.services.errors import NotFoundError, UserFacingError
from bot.services.roadmap.admin import Actor, ChangeResult, admin_change
from storage.models import Driver
from storage.unit_of_work import UnitOfWork

MAX_NAME = 80
MAX_DESCRIPTION = 300
MAX_KEY = 40


@dataclass(frozen=True)
class DefaultDriver:
    key: str
    name: str
    description: str


# Each description is what a developer lives through, so it reads as the question itself.
DEFAULT_DRIVERS = (
    DefaultDriver(
        "build_speed",
        "Build speed",
        "I get feedback from builds and CI quickly enough to stay in flow.",
    ),
    DefaultDriver(
        "deploy_confidence",
        "Deploy confidence",
        "I can ship a change to production without worrying that it will break something.",
    ),
    DefaultDriver(
        "documentation",
        "Documentation",
        "I can find accurate docs for the platform when I need them.",
    ),
    DefaultDriver(
        "onboarding",
        "Onboarding",
        "Getting started with a new service, tool or team is quick and well guided.",
    ),
    DefaultDriver(
        "on_call_load",
        "On-call load",
        "On-call is sustainable: few pages, and the ones I get are actionable.",
    ),
    DefaultDriver(
        "finding_data",
        "Finding data",
        "I can find the data I need, and know who owns it and whether to trust it.",
    ),
)


def ensure_defaults(uow: UnitOfWork) -> None:
    """Give a workspace that has never had drivers the defaults (on first use: a round
    starting, an admin listing them). One whose admins retired them all keeps none."""
    drivers = uow.drivers
    if drivers.list_all():
        return
    for position, default in enumerate(DEFAULT_DRIVERS):
        drivers.add_once(default.key, default.name, default.description, position)


def driver_list(uow: UnitOfWork) -> list[DriverSummary]:
    """Every driver, the active ones first, each group in the workspace's order."""
    ensure_defaults(uow)
    drivers = uow.drivers.list_all()
    return [summary(d) for d in sorted(drivers, key=lambda d: not d.active)]


def driver_summary(uow: UnitOfWork, driver_id: int) -> DriverSummary:
    return summary(driver_or_fail(uow, driver_id))


def driver_or_fail(uow: UnitOfWork, driver_id: int) -> Driver:
    driver = uow.drivers.by_id(driver_id)
    if driver is None:
        raise NotFoundError("That driver does not exist any more.")
    return driver


def save_driver(
    uow: UnitOfWork,
    actor: Actor,
    driver_id: int | None,
    values: DriverInput,
    *,
    key: str | None = None,
) -> ChangeResult:
    """Add a driver (``driver_id`` None) or change one; once per invocation ``key``."""
    return admin_change(uow, actor, key, lambda: _save(uow, actor, driver_id, values))


def _save(
    uow: UnitOfWork, actor: Actor, driver_id: int | None, values: DriverInput
) -> ChangeResult:
    name = " ".join(values.name.split())
    description = " ".join(values.description.split())
    if not name:
        raise UserFacingError("A driver needs a name.")
    if len(name) > MAX_NAME:
        raise UserFacingError(f"Keep the name under {MAX_NAME} characters.")
    if len(description) > MAX_DESCRIPTION:
        raise UserFacingError(f"Keep the description under {MAX_DESCRIPTION} characters.")
    drivers = uow.drivers
    found = None if driver_id is None else driver_or_fail(uow, driver_id)
    clash = drivers.by_name(name)
    if clash is not None and (found is None or clash.id != found.id):
        raise UserFacingError(f"There is already a driver called “{name}”.")
    if found is None:
        driver = drivers.add(new_key(uow, name), name, description, drivers.next_position())
        before: dict[str, object] = {}
        action = "driver.add"
    else:
        driver, before = found, recorded(found)
        driver.name, driver.description = name, description
        action = "driver.edit"
    if values.retired and driver.active:
        driver.active, action = False, "driver.retire"
    elif not values.retired and not driver.active:
        driver.active, action = True, "driver.restore"
    uow.session.flush()
    uow.audit.record(
        actor.slack_id,
        action,
        "driver",
        driver.id,
        {"name": name, "from": before, "to": recorded(driver)},
    )
    state = "saved" if driver.active else "retired: pulses no longer ask about it"
    return ChangeResult(f"Driver “{name}” {state}.")


def new_key(uow: UnitOfWork, name: str) -> str:
    """A stable slug for a new driver (its name may change later; the key does not)."""
    base = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[: MAX_KEY - 4] or "driver"
    key, n = base, 2
    while uow.drivers.by_key(key) is not None:
        key, n = f"{base}_{n}", n + 1
    return key


def summary(driver: Driver) -> DriverSummary:
    return DriverSummary(
        id=driver.id,
        key=driver.key,
        name=driver.name,
        description=driver.description,
        active=driver.active,
    )


def recorded(driver: Driver) -> dict[str, object]:
    return {"name": driver.name, "description": driver.description, "active": driver.active}
