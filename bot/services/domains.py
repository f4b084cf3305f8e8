"""Domains from Slack: admins add, rename and retire them and set each one's owner and
digest channel; each person picks their own, the default domain of their requests."""

from __future__ import annotations

from datetime import datetime

from bot.services.domain_views import DomainInput, DomainSummary
from bot.services.errors import NotFoundError, UserFacingError
from bot.services.roadmap.admin import Actor, ChangeResult, admin_change
from storage.models import Domain
from storage.unit_of_work import UnitOfWork

MAX_NAME = 80


def domain_list(uow: UnitOfWork) -> list[DomainSummary]:
    """Every domain, the active ones first, each by name."""
    domains = uow.domains.list_all()
    return sorted((summary(d) for d in domains), key=lambda d: (d.retired, d.name.casefold()))


def domain_summary(uow: UnitOfWork, domain_id: int) -> DomainSummary:
    return summary(domain_or_fail(uow, domain_id))


def domain_or_fail(uow: UnitOfWork, domain_id: int) -> Domain:
    domain = uow.domains.by_id(domain_id)
    if domain is None:
        raise NotFoundError("That domain does not exist any more.")
    return domain


def save_domain(
    uow: UnitOfWork,
    actor: Actor,
    domain_id: int | None,
    values: DomainInput,
    now: datetime,
    *,
    key: str | None = None,
) -> ChangeResult:
    """Add a domain (``domain_id`` None) or change one; every change is audited."""
    return admin_change(uow, actor, key, lambda: _save(uow, actor, domain_id, values, now))


def _save(
    uow: UnitOfWork, actor: Actor, domain_id: int | None, values: DomainInput, now: datetime
) -> ChangeResult:
    name = " ".join(values.name.split())
    if not name:
        raise UserFacingError("A domain needs a name.")
    if len(name) > MAX_NAME:
        raise UserFacingError(f"Keep the name under {MAX_NAME} characters.")
    domains = uow.domains
    found = None if domain_id is None else domain_or_fail(uow, domain_id)
    clash = domains.by_name(name)
    if clash is not None and (found is None or clash.id != found.id):
        raise UserFacingError(f"There is already a domain called “{name}”.")
    if found is None:
        domain = domains.add(name, values.description.strip(), values.owner, values.digest_channel)
        before: dict[str, object] = {}
        action = "domain.add"
    else:
        domain, before = found, recorded(found)
        domain.name = name
        domain.description = values.description.strip()
        domain.owner_slack_id = values.owner
        domain.digest_channel = values.digest_channel
        action = "domain.edit"
    if values.retired and domain.retired_at is None:
        domain.retired_at, action = now, "domain.retire"
    elif not values.retired and domain.retired_at is not None:
        domain.retired_at, action = None, "domain.restore"
    uow.session.flush()
    uow.audit.record(
        actor.slack_id,
        action,
        "domain",
        domain.id,
        {"name": name, "from": before, "to": recorded(domain)},
    )
    state = "retired" if domain.retired_at else "saved"
    return ChangeResult(f"Domain “{name}” {state}.")


def set_own_domain(uow: UnitOfWork, user_slack_id: str, domain_id: int | None) -> str:
    """The person's own domain (None: none); their next requests default to it."""
    user = uow.users.get_or_create(user_slack_id)
    if domain_id is None:
        user.domain_id = None
        return "You are in no domain now."
    domain = uow.domains.by_id(domain_id)
    if domain is None or domain.retired_at is not None:
        raise NotFoundError("That domain does not exist any more; pick another.")
    user.domain_id = domain.id
    return f"Your domain is now “{domain.name}”: your requests will carry it."


def summary(domain: Domain) -> DomainSummary:
    return DomainSummary(
        id=domain.id,
        name=domain.name,
        description=domain.description,
        owner=domain.owner_slack_id,
        digest_channel=domain.digest_channel,
        retired=domain.retired_at is not None,
    )


def recorded(domain: Domain) -> dict[str, object]:
    return {
        "name": domain.name,
        "owner": domain.owner_slack_id,
        "digest_channel": domain.digest_channel,
        "retired": domain.retired_at is not None,
    }
