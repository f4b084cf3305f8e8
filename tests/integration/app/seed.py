"""A small workspace for app tests: domains, objectives and a few themed requests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.requests import NewRequest, log_request
from bot.services.similar import SimilarRequests
from storage.db import unit_of_work
from storage.enums import RequestSource
from storage.repositories import DomainRepository, ObjectiveRepository, UserRepository
from tests.conftest import Database
from tests.fakes import slack_ids as ids

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
    similar = SimilarRequests()
    with unit_of_work(db.sessions) as session:
        domains = DomainRepository(session, TEAM)
        ci = domains.add("ci", "CI pipelines and builds")
        domains.add("deploys", "deployments and releases")
        ObjectiveRepository(session, TEAM).add(
            "Faster time-to-market", "ship changes to production sooner", 0.6, ["fast", "ship"]
        )
        UserRepository(session, TEAM).get_or_create(ids.USER_ID, "alice").domain_id = ci.id
    themes: dict[str, int] = {}
    ci_requests = []
    for number, text in enumerate(CI_ASKS + ROLLBACK_ASKS):
        with unit_of_work(db.sessions) as session:
            logged = log_request(
                session,
                NewRequest(
                    workspace_id=TEAM,
                    requester_slack_id=ASKERS[number % len(ASKERS)],
                    text=text,
                    source=RequestSource.COMMAND,
                    idempotency_key=f"seed:{number}",
                ),
            )
            placement = similar.place(session, TEAM, logged.id)
        group = "ci" if text in CI_ASKS else "rollback"
        themes.setdefault(group, placement.theme_id)
        assert themes[group] == placement.theme_id, f"{text!r} did not join its theme"
        if group == "ci":
            ci_requests.append(logged.id)
    assert themes["ci"] != themes["rollback"]
    return Seeded(themes["ci"], themes["rollback"], ci_requests)
