"""SQLite writers wait their turn in a queue (storage/sqlite_writer.py), not in SQLite's
busy handler: with SQLite's own busy timeout at zero, concurrent writers from threads and
from another process still all succeed."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine, event, func, select

from storage.db import make_engine, make_session_factory
from storage.enums import RequestSource
from storage.models import Request
from storage.sqlite_writer import WriterLock
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WRITES_PER_THREAD = 40
THREADS = 6

CHILD = """
import sys
from sqlalchemy import event
from storage.db import make_engine, make_session_factory
from storage.unit_of_work import unit_of_work
from storage.enums import RequestSource
from storage.repositories import RequestRepository, UserRepository
engine = make_engine(sys.argv[1])
event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=0"))
sessions = make_session_factory(engine)
for number in range(int(sys.argv[2])):
    with unit_of_work(sessions, "T0W") as uow:
        user = uow.users.ref("U0CHILD")
        uow.requests.log_once(
            idempotency_key=f"child:{number}", title="from the other process",
            requester_id=user.id, source=RequestSource.COMMAND,
        )
"""


def without_busy_timeout(engine: Engine) -> Engine:
    event.listen(
        engine, "connect", lambda connection, _r: connection.execute("PRAGMA busy_timeout=0")
    )
    return engine


def write_many(database_url: str, engine: Engine, tag: str) -> list[BaseException]:
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []

    def writer(thread: int) -> None:
        try:
            for number in range(WRITES_PER_THREAD):
                with unit_of_work(sessions, "T0W") as uow:
                    user = uow.users.ref(f"U0W{thread}")
                    uow.requests.log_once(
                        idempotency_key=f"{tag}:{thread}:{number}",
                        title="a write",
                        requester_id=user.id,
                        source=RequestSource.COMMAND,
                    )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count(Request.id))) or 0)


def test_threads_and_another_process_write_without_busy_errors(
    sqlite_database: Database,
) -> None:
    engine = without_busy_timeout(make_engine(sqlite_database.url))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, sqlite_database.url, str(WRITES_PER_THREAD * 2)],
        cwd=Path(__file__).resolve().parents[3],
        stderr=subprocess.PIPE,
        text=True,
    )
    errors = write_many(sqlite_database.url, engine, "thread")
    _, child_errors = child.communicate(timeout=120)
    assert errors == []
    assert child.returncode == 0, child_errors
    assert count(engine) == THREADS * WRITES_PER_THREAD + WRITES_PER_THREAD * 2
    engine.dispose()


def test_the_writer_lock_is_reentrant_and_can_be_given_back_by_another_thread(
    tmp_path: Path,
) -> None:
    lock = WriterLock(tmp_path / "x.db-writer.lock", timeout=0.2)
    assert lock.acquire()
    assert lock.acquire()  # the same holder again: no deadlock
    lock.release()
    other = WriterLock(tmp_path / "x.db-writer.lock", timeout=0.05)
    assert not other.acquire()  # the file lock is still held
    returned = threading.Thread(target=lock.release)
    returned.start()
    returned.join()
    assert other.acquire()
    other.release()


def test_a_failed_write_gives_the_lock_back(sqlite_database: Database) -> None:
    engine = without_busy_timeout(make_engine(sqlite_database.url))
    sessions = make_session_factory(engine)
    try:
        with unit_of_work(sessions, "T0W") as uow:
            user = uow.users.ref("U0FAIL")
            uow.session.flush()
            raise RuntimeError(f"after writing user {user.id}")
    except RuntimeError:
        pass
    assert write_many(sqlite_database.url, engine, "after-failure") == []
    engine.dispose()
