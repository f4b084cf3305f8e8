"""Job leases: of replicas racing for one firing, one runs; a dead holder's lease expires."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.jobs.lease import acquire, lease, run_once_with_lease
from tests.fixtures.databases import Database

TTL = timedelta(minutes=4)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REPLICAS = 4
ROUNDS = 5


def test_of_replicas_racing_for_a_firing_exactly_one_runs(database: Database) -> None:
    for round_number in range(ROUNDS):
        name = f"digest-{round_number}"
        ran: list[str] = []
        start = threading.Barrier(REPLICAS)

        def replica(
            holder: str, name: str = name, ran: list[str] = ran, start: threading.Barrier = start
        ) -> None:
            start.wait(timeout=10)
            run_once_with_lease(
                database.sessions, name, TTL, lambda: ran.append(holder), holder=holder
            )

        threads = [
            threading.Thread(target=replica, args=(f"replica-{n}",)) for n in range(REPLICAS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(ran) == 1, f"round {round_number}: {ran}"


def test_a_lease_held_by_a_dead_replica_is_taken_after_it_expires(database: Database) -> None:
    assert acquire(database.sessions, "digest", TTL, "dead", clock=lambda: T0)
    before_expiry = T0 + TTL - timedelta(seconds=1)
    assert not acquire(database.sessions, "digest", TTL, "alive", clock=lambda: before_expiry)
    after_expiry = T0 + TTL + timedelta(seconds=1)
    assert acquire(database.sessions, "digest", TTL, "alive", clock=lambda: after_expiry)
    assert not acquire(database.sessions, "digest", TTL, "dead", clock=lambda: after_expiry)


def test_a_job_keeps_its_lease_so_a_late_replica_does_not_run_it_again(
    database: Database,
) -> None:
    ran: list[str] = []
    assert run_once_with_lease(
        database.sessions, "pulse", TTL, lambda: ran.append("a"), holder="a", clock=lambda: T0
    )
    late = T0 + timedelta(seconds=30)
    assert not run_once_with_lease(
        database.sessions, "pulse", TTL, lambda: ran.append("b"), holder="b", clock=lambda: late
    )
    assert ran == ["a"]


def test_the_context_manager_releases_unless_asked_to_keep(database: Database) -> None:
    with lease(database.sessions, "export", TTL, holder="a") as held:
        assert held
        with lease(database.sessions, "export", TTL, holder="b") as also:
            assert not also
    with lease(database.sessions, "export", TTL, holder="b") as held_after:
        assert held_after


def test_a_failing_job_is_reported_not_raised(database: Database) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    assert not run_once_with_lease(database.sessions, "broken", TTL, broken, holder="a")
