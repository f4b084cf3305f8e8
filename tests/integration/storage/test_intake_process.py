"""The ack's store through a process of its own (storage/intake_process.py): rows stored
there once each, and, whenever the process cannot answer, stored here instead, never lost
and never twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from storage import intake_process
from storage.errors import DatabaseBusyError
from storage.intake import IntakeRow, RequestIntake
from storage.intake_process import IntakeProcess
from storage.models import PendingPlacement, Request
from tests.conftest import Database
from tests.integration.storage.test_intake import person_in_domain, row


class CountingIntake(RequestIntake):
    """The in-process store, counting the rows it was asked to store itself."""

    stored_here = 0

    def store(self, row: IntakeRow, write_timeout: float | None = None) -> int | None:
        self.stored_here += 1
        return super().store(row, write_timeout)


@pytest.fixture
def local(database: Database) -> CountingIntake:
    return CountingIntake(database.engine)


@pytest.fixture
def intake(database: Database, local: CountingIntake) -> Iterator[IntakeProcess]:
    started = IntakeProcess(database.url, local).start()
    yield started
    started.close()


@contextmanager
def hung(intake: IntakeProcess) -> Iterator[None]:
    """The process stopped (SIGSTOP) for the block: alive, but answering nothing."""
    child = intake._process.pid
    assert child is not None
    os.kill(child, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(child, signal.SIGCONT)


def counts(db: Database) -> tuple[int, int]:
    with db.engine.connect() as connection:
        requests = connection.scalar(select(func.count(Request.id)))
        queued = connection.scalar(select(func.count(PendingPlacement.id)))
    return int(requests or 0), int(queued or 0)


def test_rows_are_stored_by_the_process_once_per_key(
    database: Database, intake: IntakeProcess, local: CountingIntake
) -> None:
    requester, _ = person_in_domain(database)
    new_id = intake.store(row(requester))
    assert new_id is not None
    assert intake.store(row(requester)) is None, "a Slack retry's key is taken"
    assert counts(database) == (1, 1)
    assert local.stored_here == 0


def test_many_threads_at_once_each_get_their_own_id(
    database: Database, intake: IntakeProcess, local: CountingIntake
) -> None:
    requester, _ = person_in_domain(database)
    ids: list[int | None] = []

    def ask(thread: int) -> None:
        for number in range(15):
            ids.append(intake.store(row(requester, key=f"command:T0INTAKE:{thread}.{number}")))

    threads = [threading.Thread(target=ask, args=(thread,)) for thread in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in ids
    assert len(set(ids)) == 90
    assert counts(database) == (90, 90)
    assert local.stored_here == 0


def test_when_the_process_is_gone_rows_are_stored_here(
    database: Database, intake: IntakeProcess, local: CountingIntake
) -> None:
    requester, _ = person_in_domain(database)
    assert intake.store(row(requester, key="command:T0INTAKE:1")) is not None
    intake._process.kill()
    intake._process.join(timeout=10)
    assert intake.store(row(requester, key="command:T0INTAKE:2")) is not None
    assert intake.store(row(requester, key="command:T0INTAKE:3")) is not None
    assert counts(database) == (3, 3)
    assert local.stored_here == 2


def test_a_row_the_process_answers_late_is_stored_once(
    database: Database,
    intake: IntakeProcess,
    local: CountingIntake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requester, _ = person_in_domain(database)
    assert intake.store(row(requester, key="command:T0INTAKE:warm")) is not None
    monkeypatch.setattr(intake_process, "ANSWER_TIMEOUT_SECONDS", 0.3)
    with hung(intake):
        late = intake.store(row(requester, key="command:T0INTAKE:late"))
    assert late is not None, "stored here when the process did not answer in time"
    assert local.stored_here == 1
    assert intake.store(row(requester, key="command:T0INTAKE:after")) is not None
    assert counts(database) == (3, 3), "the late row, stored here first, was not stored twice"


def test_a_database_error_is_raised_here_as_without_the_process(
    database: Database, intake: IntakeProcess, local: CountingIntake
) -> None:
    with pytest.raises(DBAPIError):
        intake.store(row(requester_id=987654))
    assert local.stored_here == 1, "the process could not store it; this process tried"
    assert counts(database) == (0, 0)


def test_closing_stops_the_process_and_removes_its_socket(
    database: Database, local: CountingIntake
) -> None:
    started = IntakeProcess(database.url, local).start()
    socket_directory = started._directory
    assert socket_directory.exists()
    started.close()
    assert not started._process.is_alive()
    assert not socket_directory.exists()


def test_a_connection_postgresql_drops_costs_the_process_one_row(
    database: Database, local: CountingIntake
) -> None:
    """The process's pool does not pre-ping: the row that finds its connection dead is
    stored here, and the process stores the next on a new connection."""
    if database.backend != "postgresql":
        pytest.skip("only PostgreSQL drops a connection; SQLite has none to lose")
    name = f"pulseboard-intake-test-{os.getpid()}"
    url = make_url(database.url).update_query_dict({"application_name": name})
    intake = IntakeProcess(url.render_as_string(hide_password=False), local).start()
    try:
        requester, _ = person_in_domain(database)
        assert intake.store(row(requester, key="command:T0INTAKE:1")) is not None
        with database.engine.begin() as connection:
            dropped = connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": name},
            )
        assert dropped == 1
        assert intake.store(row(requester, key="command:T0INTAKE:2")) is not None
        assert local.stored_here == 1
        assert intake.store(row(requester, key="command:T0INTAKE:3")) is not None
        assert local.stored_here == 1, "the process stores again"
        assert counts(database) == (3, 3)
    finally:
        intake.close()


def test_one_bad_row_among_rows_that_arrived_together_fails_alone(database: Database) -> None:
    requester, _ = person_in_domain(database)
    rows = [
        row(requester, key="command:T0INTAKE:1"),
        row(987654, key="command:T0INTAKE:2"),
        row(requester, key="command:T0INTAKE:3"),
    ]
    answers = intake_process._store(RequestIntake(database.engine), rows)
    assert [outcome for outcome, _ in answers] == ["stored", "failed", "stored"]
    assert answers[1][1] == "IntegrityError", "the error's name, not its text"
    assert counts(database) == (2, 2)


def test_a_thread_that_first_asks_a_hung_process_stores_the_row_itself(
    database: Database,
    intake: IntakeProcess,
    local: CountingIntake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requester, _ = person_in_domain(database)
    monkeypatch.setattr(intake_process, "ANSWER_TIMEOUT_SECONDS", 0.3)
    with hung(intake):
        stored = intake.store(row(requester, key="command:T0INTAKE:hung"))
    assert stored is not None
    assert local.stored_here == 1
    assert counts(database) == (1, 1)


PARENT = """
import sys, time
from storage.db import make_engine
from storage.intake import RequestIntake
from storage.intake_process import IntakeProcess

if __name__ == "__main__":
    started = IntakeProcess(sys.argv[1], RequestIntake(make_engine(sys.argv[1]))).start()
    print(started._directory, flush=True)
    time.sleep(60)
"""


def test_the_process_outlives_a_killed_server_by_a_moment_and_tidies_up(
    database: Database, tmp_path: Path
) -> None:
    script = tmp_path / "server.py"
    script.write_text(PARENT)
    server = subprocess.Popen(
        [sys.executable, str(script), database.url], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    socket_directory = Path(server.stdout.readline().strip())
    assert socket_directory.exists()
    server.kill()
    server.wait(timeout=10)
    deadline = time.monotonic() + 10
    while socket_directory.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not socket_directory.exists(), "the orphaned process removed it and exited"


def test_a_process_that_cannot_listen_fails_fast_and_rows_are_stored_here(
    database: Database, local: CountingIntake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    too_long = tmp_path / ("d" * 120)  # a Unix socket's path holds at most 107 bytes
    too_long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(too_long))
    started_at = time.monotonic()
    intake = IntakeProcess(database.url, local).start()
    try:
        assert time.monotonic() - started_at < intake_process.START_TIMEOUT_SECONDS / 2
        requester, _ = person_in_domain(database)
        assert intake.store(row(requester)) is not None
        assert local.stored_here == 1
    finally:
        intake.close()


def test_a_store_with_a_timeout_gives_up_in_time_when_another_program_holds_sqlite(
    database: Database, intake: IntakeProcess
) -> None:
    """The ack's timeout reaches the process and the fallback: busy in about that long,
    nothing stored, and the same row stores once later."""
    if database.backend != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    requester, _ = person_in_domain(database)
    holder = subprocess.Popen(
        [sys.executable, "-c", SQLITE_HOLDER, str(make_url(database.url).database), "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    began = time.monotonic()
    with pytest.raises(DatabaseBusyError):
        intake.store(row(requester, key="command:T0INTAKE:busy"), write_timeout=1.0)
    assert time.monotonic() - began < 2.0, "neither the process nor the fallback waited out 10 s"
    holder.wait(timeout=30)
    assert counts(database) == (0, 0)
    assert intake.store(row(requester, key="command:T0INTAKE:busy"), write_timeout=1.0)
    assert counts(database) == (1, 1)


SQLITE_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""
