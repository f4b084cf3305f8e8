"""Each request is embedded once and its vector stored (issue 14, part 2), and duplicate
suggestions come from the second request on (part 3).

Most tests count what a fake embedder is asked to embed; the suggestion tests run the
real model (the default backend), as `/feedback` does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.runtime.serve import store_missing_vectors
from bot.runtime.settings import Settings
from bot.sample import load_sample
from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.ranking import build_roadmap
from bot.services.scoring_config import scoring_config
from bot.services.themes.regroup import regroup
from bot.services.themes.similar import SMALL_INDEX, Placement, SimilarRequests
from bot.services.themes.vectors import backfill, missing_count, model_key
from bot.services.workspace.transfer import import_workspace
from scoring import ScoringConfig, ThemeConfig
from storage.enums import RequestSource
from storage.repositories import EmbeddingRepository
from storage.unit_of_work import unit_of_work
from tests.fakes.embedder import CountingEmbedder
from tests.fixtures.databases import Database

WS = "T0VECTORS"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def config_with(embedder: CountingEmbedder) -> ScoringConfig:
    return replace(ScoringConfig(), themes=ThemeConfig(embedder=embedder))


def ask(db: Database, number: int, text: str) -> int:
    with unit_of_work(db.sessions, WS) as uow:
        return log_request(
            uow,
            NewRequest(
                requester_slack_id=f"U0ASKER{number:03d}",
                text=text,
                source=RequestSource.COMMAND,
                idempotency_key=f"command:{WS}:{number}",
            ),
        ).id


def place(db: Database, similar: SimilarRequests, request_id: int) -> Placement:
    with unit_of_work(db.sessions, WS) as uow:
        placements, _ = similar.place_batch(uow, [request_id])
    return placements[request_id]


def stored_ids(db: Database, workspace_id: str, model: str) -> set[int]:
    with db.sessions() as session:
        repository = EmbeddingRepository(session, workspace_id)
        return {r.id for r in repository.missing("no-such-model")} - {
            r.id for r in repository.missing(model)
        }


def import_sample(db: Database) -> str:
    with unit_of_work(db.sessions) as uow:
        return import_workspace(uow, load_sample()).workspace_id  # groups by words


def test_a_placed_request_is_embedded_once_and_regrouping_reads_its_vector(
    database: Database,
) -> None:
    fake = CountingEmbedder()
    similar = SimilarRequests(config_with(fake))
    texts = ["remote build cache for CI", "CI builds are slow, cache them", "GPU notebooks"]
    ids = [ask(database, n, text) for n, text in enumerate(texts)]
    for request_id in ids:
        place(database, similar, request_id)
    assert fake.embedded == texts, "each request embedded once, when placed"
    assert stored_ids(database, WS, model_key(fake)) == set(ids)

    with unit_of_work(database.sessions, WS) as uow:
        regroup(uow, config_with(fake))
    objective = "Ship faster quicker builds and deploys"  # embedded once per process
    with unit_of_work(database.sessions, WS) as uow:
        uow.objectives.add("Ship faster", "quicker builds and deploys", 1.0, [])
    with unit_of_work(database.sessions, WS) as uow:
        ranked = build_roadmap(uow, NOW, config_with(fake))
    assert fake.embedded[: len(texts)] == texts
    assert set(fake.embedded[len(texts) :]) <= {objective}, "ranking reads the stored vectors"
    assert any(entry.objectives for entry in ranked), "fit by meaning from the stored vectors"


def test_regrouping_embeds_only_what_has_no_vector_and_stores_it(database: Database) -> None:
    workspace = import_sample(database)
    fake = CountingEmbedder()
    with unit_of_work(database.sessions, workspace) as uow:
        report = regroup(uow, config_with(fake))
    assert len(fake.embedded) == report.requests == len(load_sample().requests)
    with unit_of_work(database.sessions, workspace) as uow:
        regroup(uow, config_with(fake))
    assert len(fake.embedded) == report.requests, "the second re-grouping embeds nothing"


def test_backfill_embeds_the_missing_vectors_once_with_progress(database: Database) -> None:
    workspace = import_sample(database)
    total = len(load_sample().requests)
    fake = CountingEmbedder()
    assert missing_count(database.sessions) == total
    seen: list[tuple[int, int]] = []
    assert backfill(database.sessions, fake, lambda done, of: seen.append((done, of)), 100) == total
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == [0, 100, 200, 300, total]
    assert missing_count(database.sessions) == 0
    assert backfill(database.sessions, fake) == 0, "a second run has nothing to do"
    assert len(fake.embedded) == total

    newer = CountingEmbedder("fake-model:2")
    assert missing_count(database.sessions, newer) == total, "another model's vectors do not count"
    assert backfill(database.sessions, newer) == total
    assert stored_ids(database, workspace, model_key(newer)) != set()
    assert missing_count(database.sessions, fake) == total, "replaced, not kept beside"


@pytest.fixture(scope="module")
def semantic() -> ScoringConfig:
    return scoring_config(Settings(theme_backend="semantic"))


def test_the_second_request_already_gets_a_suggestion_by_meaning(
    sqlite_database: Database, semantic: ScoringConfig
) -> None:
    similar = SimilarRequests(semantic)
    first = ask(sqlite_database, 1, "One-click rollback to the previous release")
    first_theme = place(sqlite_database, similar, first).theme_id
    placed = place(sqlite_database, similar, ask(sqlite_database, 2, "undo deploy"))
    assert [s.theme_id for s in placed.suggestions] == [first_theme]


def test_the_second_request_gets_a_suggestion_with_the_words_backend(
    sqlite_database: Database,
) -> None:
    similar = SimilarRequests(ScoringConfig())
    first = ask(sqlite_database, 1, "remote build cache for CI")
    first_theme = place(sqlite_database, similar, first).theme_id
    placed = place(sqlite_database, similar, ask(sqlite_database, 2, "a build cache for CI jobs"))
    assert [s.theme_id for s in placed.suggestions] == [first_theme]


def test_an_unrelated_second_request_gets_no_suggestion(
    sqlite_database: Database, semantic: ScoringConfig
) -> None:
    similar = SimilarRequests(semantic)
    place(sqlite_database, similar, ask(sqlite_database, 1, "One-click rollback of a release"))
    placed = place(sqlite_database, similar, ask(sqlite_database, 2, "the office wifi drops"))
    assert placed.suggestions == ()


def test_placing_into_an_imported_backlog_embeds_its_missing_vectors_once(
    sqlite_database: Database,
) -> None:
    workspace = import_sample(sqlite_database)  # grouped by words: no vectors stored
    fake = CountingEmbedder()
    similar = SimilarRequests(config_with(fake))
    with unit_of_work(sqlite_database.sessions, workspace) as uow:
        logged = log_request(
            uow,
            NewRequest(
                requester_slack_id="U0NEWASKER",
                text="a remote build cache for CI",
                source=RequestSource.COMMAND,
                idempotency_key="command:new",
            ),
        )
    with unit_of_work(sqlite_database.sessions, workspace) as uow:
        similar.place_batch(uow, [logged.id])
    total = len(load_sample().requests) + 1
    assert len(fake.embedded) == total
    assert missing_count(sqlite_database.sessions, fake) == 0, "all stored by the placement"


def test_an_older_sqlite_database_gets_its_missing_vectors_when_serve_starts(
    sqlite_database: Database,
) -> None:
    import_sample(sqlite_database)  # grouped by words: no vectors stored
    settings = Settings(theme_backend="semantic", database_url=sqlite_database.url)
    total = len(load_sample().requests)
    assert store_missing_vectors(settings, sqlite_database.sessions) == total
    assert missing_count(sqlite_database.sessions) == 0
    assert store_missing_vectors(settings, sqlite_database.sessions) == 0
    words_only = Settings(theme_backend="tfidf", database_url=sqlite_database.url)
    assert store_missing_vectors(words_only, sqlite_database.sessions) == 0


BACKLOG = [
    "remote build cache for CI",
    "one-click rollback of a deploy",
    "self-service kafka topics",
    "fewer noisy alerts at night",
    "rotate secrets automatically",
]


def test_a_request_another_replica_placed_late_is_still_caught_up(database: Database) -> None:
    # two replicas' placement caches; an embedder knows every word, unlike a word space
    first = SimilarRequests(config_with(CountingEmbedder()))
    second = SimilarRequests(config_with(CountingEmbedder()))
    for number in range(SMALL_INDEX + 5):  # large enough not to be refitted below
        place(
            database, first, ask(database, number, f"{BACKLOG[number % len(BACKLOG)]} ({number})")
        )
    late = ask(database, 100, "GPU quota for the notebook cluster")
    other = ask(database, 101, "fewer noisy alerts at night (101)")
    # the first replica places a later request while the second still holds `late`
    place(database, first, other)
    gpu = place(database, second, late)
    assert not gpu.joined_existing
    again = place(database, first, ask(database, 102, "GPU quota for the notebook cluster"))
    assert again.theme_id == gpu.theme_id, "the first replica never saw `late` placed"
    assert again.suggestions[0].theme_id == gpu.theme_id
