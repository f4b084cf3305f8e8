"""The feature request modal: what it offers a given person, and its submission."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.services.errors import UserFacingError
from bot.services.request_views import FormChoices
from bot.services.requests import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    LoggedRequest,
    NewRequest,
    log_request,
)
from storage.enums import RequestSource
from storage.unit_of_work import UnitOfWork


def form_choices(uow: UnitOfWork, user_slack_id: str) -> FormChoices:
    """Known domains and objectives; the domain preselected is the person's own (App Home,
    or the first they picked), else the one they used last."""
    domains = [d.name for d in uow.domains.active()]
    default = None
    user = uow.users.by_slack_id(user_slack_id)
    if user is not None and user.domain is not None:
        default = user.domain.name
    else:
        latest = next(iter(uow.requests.by_requester(user_slack_id)), None)
        if latest is not None and latest.domain is not None:
            default = latest.domain.name
    if default not in domains:
        default = None
    objectives = [o.name for o in uow.objectives.list_active()]
    return FormChoices(domains=domains, default_domain=default, objectives=objectives)


class FormField(StrEnum):
    TITLE = "title"
    DETAILS = "details"
    DOMAIN = "domain"
    PAIN = "pain"
    OBJECTIVE = "objective"


PAIN_ANSWERS = frozenset({"1", "2", "3", "4", "5"})


@dataclass(frozen=True)
class RequestForm:
    """A submitted feature request modal, as typed: ``submitter`` sent it, on behalf of
    ``requester`` (the author of the message it was logged from, or themselves)."""

    submitter: str
    requester: str
    source: RequestSource
    idempotency_key: str
    title: str
    details: str = ""
    domain: str | None = None
    pain: str | None = None
    objective: str | None = None


@dataclass(frozen=True)
class FormResult:
    """Either what is wrong, per field (nothing was stored), or the request logged."""

    errors: Mapping[FormField, str] = field(default_factory=dict)
    logged: LoggedRequest | None = None


def check_fields(form: RequestForm) -> dict[FormField, str]:
    """What is wrong with the form on its own, before anything is looked up."""
    errors: dict[FormField, str] = {}
    title = form.title.strip()
    if not title:
        errors[FormField.TITLE] = "Give your request a short title."
    elif len(title) > MAX_TITLE_CHARS:
        errors[FormField.TITLE] = f"Keep the title under {MAX_TITLE_CHARS} characters."
    if len(form.details) > MAX_TEXT_CHARS:
        errors[FormField.DETAILS] = f"Keep the details under {MAX_TEXT_CHARS:,} characters."
    if form.pain is not None and form.pain not in PAIN_ANSWERS:
        errors[FormField.PAIN] = "Pick one of the five answers."
    return errors


def submit_form(uow: UnitOfWork, form: RequestForm) -> FormResult:
    """Check the form, then log the request once per idempotency key.

    The domain and the objective must still exist (the modal may be older than an
    admin's change); a request that :func:`log_request` refuses is told on its title.
    """
    errors = check_fields(form)
    if form.domain is not None and form.domain not in {d.name for d in uow.domains.active()}:
        errors[FormField.DOMAIN] = "That domain does not exist any more; pick another."
    objective_id = None
    if form.objective is not None:
        found = uow.objectives.by_name(form.objective)
        if found is None or not found.active:
            errors[FormField.OBJECTIVE] = "That objective is not active any more."
        else:
            objective_id = found.id
    if errors:
        return FormResult(errors=errors)
    try:
        logged = log_request(uow, new_request(form))
    except UserFacingError as error:
        return FormResult(errors={FormField.TITLE: str(error)})
    if objective_id is not None:
        request = uow.requests.by_id(logged.id)
        assert request is not None
        request.objective_id = objective_id
    return FormResult(logged=logged)


def new_request(form: RequestForm) -> NewRequest:
    return NewRequest(
        requester_slack_id=form.requester,
        logged_by_slack_id=form.submitter if form.source == RequestSource.SHORTCUT else None,
        text=form.title.strip(),
        body=form.details,
        source=form.source,
        idempotency_key=form.idempotency_key,
        domain=form.domain,
        pain=int(form.pain) if form.pain else None,
        confirm_to=form.submitter,
    )
