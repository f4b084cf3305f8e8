"""What the feature request modal offers a given person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.repositories import (
    DomainRepository,
    ObjectiveRepository,
    RequestRepository,
    UserRepository,
)


@dataclass(frozen=True)
class FormChoices:
    """What the modal offers: known domains and objectives, and what is preselected."""

    domains: Sequence[str] = ()
    default_domain: str | None = None
    objectives: Sequence[str] = ()


def form_choices(session: Session, workspace_id: str, user_slack_id: str) -> FormChoices:
    """Known domains and objectives; the domain preselected is the one the person used last."""
    domains = [d.name for d in DomainRepository(session, workspace_id).list_all()]
    default = None
    latest = next(iter(RequestRepository(session, workspace_id).by_requester(user_slack_id)), None)
    if latest is not None and latest.domain is not None:
        default = latest.domain.name
    else:
        user = UserRepository(session, workspace_id).by_slack_id(user_slack_id)
        if user is not None and user.domain is not None:
            default = user.domain.name
    objectives = [o.name for o in ObjectiveRepository(session, workspace_id).list_active()]
    return FormChoices(domains=domains, default_domain=default, objectives=objectives)
