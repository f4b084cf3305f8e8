"""A domain's digest lists the themes that domain asked for most, not every theme one of
its people touched."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.ranking import build_roadmap, theme_ids_in_domain
from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WS = "T0DOMAINS"
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
#: (theme, domain, asks): Kafka is the data domain's, though one CI person asked too.
ASKS = [
    ("kafka", "data", "self-service kafka topics"),
    ("kafka", "data", "kafka topic creation without a ticket"),
    ("kafka", "ci", "kafka topics for build events"),
    ("cache", "ci", "remote build cache for CI"),
    ("cache", "ci", "CI rebuilds everything, cache it"),
    ("shared", "ci", "one place to see service owners"),
    ("shared", "data", "who owns this service and dataset"),
]


def test_each_domain_digest_lists_the_themes_it_asked_for_most(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        domain_ids = {name: uow.domains.add(name).id for name in ("ci", "data")}
        theme_ids = {name: uow.themes.add(name).id for name in ("kafka", "cache", "shared")}
    for number, (theme, domain, text) in enumerate(ASKS):
        with unit_of_work(database.sessions, WS) as uow:
            logged = log_request(
                uow,
                NewRequest(
                    requester_slack_id=f"U0ASKER{number}",
                    text=text,
                    source=RequestSource.COMMAND,
                    idempotency_key=f"ask:{number}",
                    domain=domain,
                ),
            )
            request = uow.requests.by_id(logged.id)
            assert request is not None
            request.theme_id = theme_ids[theme]
    with unit_of_work(database.sessions, WS) as uow:
        listed = {
            name: {e.label for e in build_roadmap(uow, NOW, domain_id=domain_id)}
            for name, domain_id in domain_ids.items()
        }
        in_scope = theme_ids_in_domain(uow, domain_ids["ci"])
    assert listed == {"ci": {"cache", "shared"}, "data": {"kafka", "shared"}}
    assert in_scope == {theme_ids["cache"], theme_ids["shared"]}
