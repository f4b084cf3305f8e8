"""Each replica keeps its own theme index and catches it up with what others placed."""

from __future__ import annotations

from dataclasses import replace

from bot.services.requests import NewRequest, log_request
from bot.services.themes.similar import SMALL_INDEX, Placement, SimilarRequests
from scoring import ScoringConfig, ThemeConfig
from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work
from tests.fakes.embedder import CountingEmbedder
from tests.fixtures.databases import Database

WS = "T0REPLICA"
BACKLOG = [
    "remote build cache for CI",
    "one-click rollback of a deploy",
    "self-service kafka topics",
    "fewer noisy alerts at night",
    "rotate secrets automatically",
]


def ask(db: Database, number: int, text: str) -> int:
    with unit_of_work(db.sessions, WS) as uow:
        return log_request(
            uow,
            NewRequest(
                requester_slack_id=f"U0REP{number:04d}",
                text=text,
                source=RequestSource.COMMAND,
                idempotency_key=f"command:{WS}:{number}",
            ),
        ).id


def replica() -> SimilarRequests:
    """A replica's placement cache, with an embedder (which, unlike a word space fitted
    on the backlog, knows every word)."""
    return SimilarRequests(
        replace(ScoringConfig(), themes=ThemeConfig(embedder=CountingEmbedder()))
    )


def place(db: Database, similar: SimilarRequests, request_id: int) -> Placement:
    with unit_of_work(db.sessions, WS) as uow:
        return similar.place(uow, request_id)


def test_a_request_another_replica_placed_late_is_still_caught_up(database: Database) -> None:
    first, second = replica(), replica()
    for number in range(SMALL_INDEX + 5):  # large enough not to be refitted below
        place(database, first, ask(database, number, f"{BACKLOG[number % 5]} ({number})"))
    late = ask(database, 100, "GPU quota for the notebook cluster")
    other = ask(database, 101, "fewer noisy alerts at night (101)")
    # the first replica places a later request while the second still holds `late`
    place(database, first, other)
    gpu = place(database, second, late)
    assert not gpu.joined_existing
    again = place(database, first, ask(database, 102, "GPU quota for the notebook cluster"))
    assert again.theme_id == gpu.theme_id, "the first replica never saw `late` placed"
    assert again.suggestions[0].theme_id == gpu.theme_id
