"""Stored request vectors on both backends: upsert by model, missing ones, long id lists."""

from __future__ import annotations

from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WS = "T0VECTORS"


def add_requests(database: Database, count: int) -> list[int]:
    with unit_of_work(database.sessions, WS) as uow:
        user = uow.users.get_or_create("U1")
        requests = uow.requests
        return [
            requests.log_once(
                idempotency_key=f"k{n}",
                title=f"ask {n}",
                requester_id=user.id,
                source=RequestSource.IMPORT,
            )[0].id
            for n in range(count)
        ]


def test_vectors_are_kept_per_model_and_replaced_by_a_new_one(database: Database) -> None:
    first, second = add_requests(database, 2)
    with unit_of_work(database.sessions, WS) as uow:
        vectors = uow.embeddings
        assert [r.id for r in vectors.missing("m1")] == [first, second]
        vectors.store("m1", {first: b"\x00\x00\x80\x3f"})
    with unit_of_work(database.sessions, WS) as uow:
        vectors = uow.embeddings
        assert vectors.stored("m1", [first, second]) == {first: b"\x00\x00\x80\x3f"}
        assert [r.id for r in vectors.missing("m1")] == [second]
        assert vectors.count_missing("m2") == 2
        assert vectors.count_missing(None) == 1
        vectors.store("m2", {first: b"\x00\x00\x00\x40"})
    with unit_of_work(database.sessions, WS) as uow:
        vectors = uow.embeddings
        assert vectors.stored("m1", [first]) == {}, "one vector per request: m2 replaced m1"
        assert vectors.stored("m2", [first]) == {first: b"\x00\x00\x00\x40"}
        assert uow.for_workspace("T0OTHER").embeddings.stored("m2", [first]) == {}


def test_withdrawn_requests_need_no_vector_and_long_id_lists_are_read(
    database: Database,
) -> None:
    ids = add_requests(database, 2000)
    with unit_of_work(database.sessions, WS) as uow:
        uow.embeddings.store("m", {i: i.to_bytes(4, "little") for i in ids})
        request = uow.requests.by_id(ids[0])
        assert request is not None
        uow.requests.withdraw(request)
    with unit_of_work(database.sessions, WS) as uow:
        vectors = uow.embeddings
        stored = vectors.stored("m", ids)
        assert len(stored) == 2000
        assert stored[ids[-1]] == ids[-1].to_bytes(4, "little")
        assert vectors.count_missing("other") == 1999
