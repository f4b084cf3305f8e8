"""A small workspace for app tests: domains, objectives and a few themed requests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.requests import NewRequest, log_request
from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work
from tests.fakes import slack_ids as ids
from tests.fixtures.databases import Database

TEAM = ids.TEAM_ID
ASKERS = ["U0BOB00001", "U0CAROL001", "U0DAVE0001"]
CI_ASKS = [
    "CI builds are way too slow, please add a remote build cache",
    "cache dependencies between CI builds, every build downloads the world",
    "our CI pipelines take 40 minutes, build caching would fix most of it",
]
ROLLBACK_ASKS = [
    "one-click rollback of a bad deploy",
    "let me roll back a deployment from the deploy UI",
]


@dataclass(frozen=True)
class Seeded:
    ci_theme: int
    rollback_theme: int
    ci_requests: list[int]


def seed_workspace(db: Database) -> Seeded:
    """Two themes placed by hand (what a re-grouping would produce), so app tests do not
    depend on how the clustering treats five requests."""
    with unit_of_work(db.sessions, TEAM) as uow:
        domains = uow.domains
        ci = domains.add("ci", "CI pipelines and builds")
        domains.add("deploys", "deployments and releases")
        uow.objectives.add(
            "Faster time-to-market", "ship changes to production sooner", 0.6, ["fast", "ship"]
        )
        uow.users.get_or_create(ids.USER_ID, "alice").domain_id = ci.id
        themes = uow.themes
        ci_theme = themes.add("Remote build cache for CI").id
        rollback_theme = themes.add("One-click deploy rollback").id
    ci_requests = []
    for number, text in enumerate(CI_ASKS + ROLLBACK_ASKS):
        with unit_of_work(db.sessions, TEAM) as uow:
            logged = log_request(
                uow,
                NewRequest(
                    requester_slack_id=ASKERS[number % len(ASKERS)],
                    text=text,
                    source=RequestSource.COMMAND,
                    idempotency_key=f"seed:{number}",
                ),
            )
            request = uow.requests.by_id(logged.id)
            assert request is not None
            request.theme_id = ci_theme if text in CI_ASKS else rollback_theme
        if text in CI_ASKS:
            ci_requests.append(logged.id)
    return Seeded(ci_theme, rollback_theme, ci_requests)
