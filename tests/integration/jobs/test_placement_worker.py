"""The placement worker: queued requests are placed in themes once, each asker is told
(through the command's response_url, else by DM), and a bad row cannot block the rest."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from slack_sdk import WebClient
from sqlalchemy import update

from bot.jobs import placement
from bot.jobs.placement import PlacementThread, PlacementWorker
from bot.services.requests import NewRequest, log_request
from bot.services.themes.placement import Placed, claim_pending, embed_claimed, place_claimed
from bot.services.themes.similar import SimilarRequests
from scoring import ScoringConfig, ThemeConfig
from storage.enums import RequestSource
from storage.models import PendingPlacement, utcnow
from storage.repositories import EmbeddingRepository
from storage.repositories.placements import PlacementQueue
from storage.repositories.themes import ThemeRepository
from storage.unit_of_work import unit_of_work
from tests.fakes.embedder import CountingEmbedder
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, valid_blocks

WS = "T0PLACE"
ASKS = [
    "remote build cache for CI",
    "CI builds are too slow, add a build cache",
    "one-click rollback of a deploy",
    "GPU nodes for notebooks",
]


def log(database: Database, text: str, number: int, response_url: str | None) -> int:
    with unit_of_work(database.sessions, WS) as uow:
        logged = log_request(
            uow,
            NewRequest(
                requester_slack_id=f"U0ASK{number:03d}",
                text=text,
                source=RequestSource.COMMAND,
                idempotency_key=f"command:{WS}:{number}",
                confirm_to=f"U0ASK{number:03d}",
                response_url=response_url,
            ),
        )
    return logged.id


def worker(database: Database, slack: FakeSlackAPI) -> PlacementWorker:
    return PlacementWorker(database.sessions, WebClient(base_url=slack.url, token="xoxb-t"))


def theme_of(database: Database, request_id: int) -> int | None:
    with unit_of_work(database.sessions, WS) as uow:
        request = uow.requests.by_id(request_id)
        assert request is not None
        return request.theme_id


def place_pending(database: Database, similar: SimilarRequests) -> list[Placed]:
    """What a worker does with one batch, in one thread."""
    claimed = claim_pending(database.sessions, limit=50, hold=timedelta(minutes=1))
    embed_claimed(database.sessions, similar, claimed)
    return place_claimed(database.sessions, similar, claimed)


def depth(database: Database) -> int:
    with unit_of_work(database.sessions) as uow:
        return uow.queue_depths.placements().waiting


@pytest.fixture
def slack() -> FakeSlackAPI:
    with FakeSlackAPI() as fake:
        yield fake


def test_a_drain_places_every_queued_request_and_answers_each_asker(
    database: Database, slack: FakeSlackAPI
) -> None:
    ids = [log(database, ask, n, slack.response_url(f"r{n}")) for n, ask in enumerate(ASKS)]
    assert worker(database, slack).drain() == len(ASKS)
    assert depth(database) == 0
    assert None not in [theme_of(database, request_id) for request_id in ids]
    for number, request_id in enumerate(ids):
        [reply] = slack.responses(f"r{number}")
        assert reply.param("replace_original") is True
        assert f"request *{request_id}*" in all_text(valid_blocks(reply.param("blocks")))
    second = all_text(slack.responses("r1")[0].param("blocks"))
    assert "Part of the theme" in second
    assert worker(database, slack).drain() == 0
    assert len(slack.calls("response_url")) == len(ASKS), "nobody is told twice"


def test_without_a_response_url_the_asker_gets_a_dm(
    database: Database, slack: FakeSlackAPI
) -> None:
    request_id = log(database, "faster CI please", 7, None)
    worker(database, slack).drain()
    [dm] = slack.calls("chat.postMessage")
    assert dm.param("channel") == "U0ASK007"
    assert f"request *{request_id}*" in all_text(valid_blocks(dm.param("blocks")))


def test_a_request_that_cannot_be_placed_is_dropped_and_the_others_go_on(
    database: Database, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [log(database, ask, n, slack.response_url(f"r{n}")) for n, ask in enumerate(ASKS)]
    place_batch = SimilarRequests.place_batch

    def broken_for_the_second(self: SimilarRequests, uow, request_ids):  # type: ignore[no-untyped-def]
        if ids[1] in request_ids:
            raise ValueError("a bug placing this one")
        return place_batch(self, uow, request_ids)

    monkeypatch.setattr(SimilarRequests, "place_batch", broken_for_the_second)
    assert worker(database, slack).drain() == len(ASKS) - 1
    assert depth(database) == 0
    assert theme_of(database, ids[1]) is None, "left for the next re-grouping"
    assert slack.responses("r1") == []
    assert all(theme_of(database, i) is not None for i in (ids[0], ids[2], ids[3]))


def test_a_slack_failure_loses_the_answer_not_the_placement(
    database: Database, slack: FakeSlackAPI
) -> None:
    request_id = log(database, "faster CI please", 1, slack.response_url("r"))
    slack.fail_next("response_url", status=500, times=10)
    assert worker(database, slack).drain() == 1
    assert theme_of(database, request_id) is not None
    assert depth(database) == 0


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_it_expires(
    database: Database, slack: FakeSlackAPI
) -> None:
    request_id = log(database, "faster CI please", 1, slack.response_url("r"))
    with unit_of_work(database.sessions) as uow:
        uow.placements.claim(10, utcnow(), timedelta(minutes=5))  # then "dies"
    assert worker(database, slack).drain() == 0
    with unit_of_work(database.sessions) as uow:
        uow.session.execute(update(PendingPlacement).values(claimed_until=utcnow() - timedelta(1)))
    assert worker(database, slack).drain() == 1
    assert theme_of(database, request_id) is not None


def test_the_thread_runner_places_when_woken_and_stops_when_closed(
    database: Database, slack: FakeSlackAPI
) -> None:
    runner = PlacementThread(worker(database, slack))
    try:
        request_id = log(database, "faster CI please", 1, slack.response_url("r"))
        runner.wake()
        slack.wait_for("response_url", timeout=10)
        assert theme_of(database, request_id) is not None
    finally:
        runner.close()
    assert not any(t.name == "pulseboard-placement" for t in threading.enumerate())


def test_a_new_workspace_index_is_refitted_for_each_request_while_small(
    database: Database, slack: FakeSlackAPI
) -> None:
    placer = worker(database, slack)
    for number in range(6):
        log(database, f"{ASKS[number % len(ASKS)]} ({number})", number, None)
        placer.drain()
    [cached] = placer.similar._cache.values()
    assert cached.built_size == 5, "fitted on every request before the last, not on none"


def test_a_worker_woken_in_a_burst_waits_for_it_to_pass_but_not_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(placement, "QUIET_SECONDS", 0.1)
    monkeypatch.setattr(placement, "MAX_DEFER_SECONDS", 1.5)
    stop, wake = threading.Event(), threading.Event()

    def burst(seconds: float) -> None:
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            wake.set()
            time.sleep(0.01)

    # (burst, waited at least, waited less than): a short burst ends the wait soon after
    # it passes; a long one is cut short by the cap, well before it ends
    for length, at_least, at_most in ((0.5, 0.5, 1.5), (3.0, 1.5, 2.9)):
        requests = threading.Thread(target=burst, args=(length,))
        started = time.monotonic()
        requests.start()
        placement.settle(wake, stop)
        waited = time.monotonic() - started
        requests.join()
        assert at_least <= waited <= at_most, (length, waited)


def test_a_burst_that_begins_while_the_queue_drains_passes_before_the_next_batch(
    database: Database, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number, ask in enumerate(ASKS[:3]):
        log(database, ask, number, None)
    placer = PlacementWorker(
        database.sessions, WebClient(base_url=slack.url, token="xoxb-t"), batch_size=1
    )
    stop, wake = threading.Event(), threading.Event()
    placed_when_waiting: list[int] = []
    answered: list[int] = []
    reply = placer.reply

    def reply_while_a_request_arrives(placed: placement.Placed) -> None:
        reply(placed)
        answered.append(placed.request_id)
        if len(answered) == 1:
            wake.set()
        if len(answered) == 3:
            stop.set()  # the loop ends after this drain

    def settle(woken: threading.Event, _stop: threading.Event) -> None:
        placed_when_waiting.append(len(answered))
        woken.clear()

    monkeypatch.setattr(placer, "reply", reply_while_a_request_arrives)
    monkeypatch.setattr(placement, "settle", settle)
    monkeypatch.setattr(placement, "POLL_SECONDS", 0.05)
    runner = threading.Thread(target=placer.run, args=(stop, wake), daemon=True)
    runner.start()
    runner.join(timeout=30)  # a placement that fails would otherwise never set `stop`
    stop.set()
    assert placed_when_waiting == [1], "one wait, after the first batch and before the second"
    assert len(answered) == 3


def test_a_claimed_batch_is_embedded_in_one_call_and_each_vector_stored(
    database: Database, slack: FakeSlackAPI
) -> None:
    fake = CountingEmbedder()
    config = replace(ScoringConfig(), themes=ThemeConfig(embedder=fake))
    ids = [log(database, ask, number, None) for number, ask in enumerate(ASKS)]
    placer = PlacementWorker(
        database.sessions, WebClient(base_url=slack.url, token="xoxb-t"), config
    )
    assert placer.drain() == len(ASKS)
    assert fake.batches == [len(ASKS)], "one batch for the claim, none per placement"
    with unit_of_work(database.sessions, WS) as uow:
        stored = uow.embeddings.stored(fake.model_id, ids)
    assert sorted(stored) == ids


class CountingSpace:
    """A theme index's vector space that counts the texts of each ``transform`` call."""

    def __init__(self, space: object) -> None:
        self.space = space
        self.calls: list[int] = []

    def transform(self, texts: list[str], embeddings: object = None) -> object:
        self.calls.append(len(texts))
        return self.space.transform(texts, embeddings)  # type: ignore[attr-defined]


def test_a_claimed_batch_is_vectorised_for_the_index_in_one_call(
    database: Database, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = replace(ScoringConfig(), themes=ThemeConfig(embedder=CountingEmbedder()))
    placer = PlacementWorker(
        database.sessions, WebClient(base_url=slack.url, token="xoxb-t"), config
    )
    for number in range(24):
        log(database, f"{ASKS[number % len(ASKS)]} ({number})", number, None)
    placer.drain()
    [cached] = placer.similar._cache.values()
    counting = CountingSpace(cached.index._space)
    cached.index._space = counting  # type: ignore[assignment]
    batch = [log(database, f"{ASKS[n % len(ASKS)]} ({n})", n, None) for n in range(24, 32)]
    reads: list[int] = []
    stored = EmbeddingRepository.stored

    def counted(self: EmbeddingRepository, model: str, ids: Iterable[int]) -> dict[int, bytes]:
        ids = list(ids)
        reads.append(len(ids))
        return stored(self, model, ids)

    monkeypatch.setattr(EmbeddingRepository, "stored", counted)
    assert placer.drain() == len(batch)
    assert counting.calls == [len(batch)], "one call for the batch, none per placement"
    assert reads == [len(batch), len(batch)], "vectors read for the batch, not per request"
    assert all(theme_of(database, request_id) is not None for request_id in batch)


def test_a_batch_is_placed_in_one_transaction_and_its_duplicates_share_the_theme_it_started(
    database: Database, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = replace(ScoringConfig(), themes=ThemeConfig(embedder=CountingEmbedder()))
    similar = SimilarRequests(config)
    for number in range(24):  # past SMALL_INDEX: the batch needs no refit on the way
        log(database, f"{ASKS[number % len(ASKS)]} ({number})", number, None)
    place_pending(database, similar)
    finished: list[int] = []
    finish = PlacementQueue.finish

    def counted(self: PlacementQueue, placement_ids: list[int], claimed_by: str) -> int:
        finished.append(len(placement_ids))
        return finish(self, placement_ids, claimed_by)

    monkeypatch.setattr(PlacementQueue, "finish", counted)
    ask = "rotate the kafka credentials automatically"
    batch = [log(database, ask, number, None) for number in range(100, 103)]
    placed = place_pending(database, similar)
    assert finished == [3], "one transaction for the batch, not one per request"
    first, second, third = (p.placement for p in placed)
    assert [p.request_id for p in placed] == batch
    assert [p.joined_existing for p in (first, second, third)] == [False, True, True]
    assert {theme_of(database, request_id) for request_id in batch} == {first.theme_id}
    with unit_of_work(database.sessions, WS) as uow:
        theme = uow.themes.by_id(first.theme_id)
        assert theme is not None
        assert theme.label == first.theme_label
    assert [(s.theme_id, s.requesters) for s in third.suggestions[:1]] == [(first.theme_id, 2)]


def test_the_next_batch_is_embedded_while_the_one_before_it_is_placed(
    database: Database, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    second_embedding_began = threading.Event()
    embedded_in: list[str] = []

    class SignallingEmbedder(CountingEmbedder):
        def __call__(self, texts: Sequence[str], /) -> np.ndarray:
            embedded_in.append(threading.current_thread().name)
            if len(self.batches) == 1:
                second_embedding_began.set()
            return super().__call__(texts)

    config = replace(ScoringConfig(), themes=ThemeConfig(embedder=SignallingEmbedder()))
    placer = PlacementWorker(
        database.sessions, WebClient(base_url=slack.url, token="xoxb-t"), config, batch_size=2
    )
    overlapped: list[bool] = []
    place_batch = SimilarRequests.place_batch

    def place_waiting_for_the_next_embedding(self: SimilarRequests, uow, request_ids):  # type: ignore[no-untyped-def]
        if not overlapped:
            overlapped.append(second_embedding_began.wait(timeout=5))
        return place_batch(self, uow, request_ids)

    monkeypatch.setattr(SimilarRequests, "place_batch", place_waiting_for_the_next_embedding)
    for number, ask in enumerate(ASKS):
        log(database, ask, number, None)
    assert placer.drain() == len(ASKS)
    assert overlapped == [True], "the second batch was embedded while the first was placed"
    assert all(name.startswith("pulseboard-embedding") for name in embedded_in)


def test_a_batch_resolves_each_theme_it_meets_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = replace(ScoringConfig(), themes=ThemeConfig(embedder=CountingEmbedder()))
    similar = SimilarRequests(config)
    for number in range(24):
        log(database, f"{ASKS[number % len(ASKS)]} ({number})", number, None)
    place_pending(database, similar)
    resolved: list[int] = []
    resolve = ThemeRepository.resolve

    def counted(self: ThemeRepository, theme_id: int) -> object:
        resolved.append(theme_id)
        return resolve(self, theme_id)

    monkeypatch.setattr(ThemeRepository, "resolve", counted)
    for number in range(100, 108):
        log(database, f"{ASKS[0]} ({number})", number, None)
    assert len(place_pending(database, similar)) == 8
    assert resolved, "the batch met the themes it joined and suggested"
    assert len(resolved) == len(set(resolved)), "each theme read once for the batch"
