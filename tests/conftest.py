"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

PostgreSQL tests run when ``PULSEBOARD_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it);
they use a schema of their own, created for the session and dropped after it, so they
never touch other data in that database.

The tests run in several processes (pytest-xdist) that share one PostgreSQL server. A
test that uses it holds a shared file lock while it runs; the system test, which
restarts the server, holds the lock exclusively while it does, so no other test meets
the restart.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from storage import migrate
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.models import Base

try:
    import fcntl
except ImportError:  # Windows: tests run in one process there (no server restart to fear)
    fcntl = None  # type: ignore[assignment]

POSTGRES_ENV = "PULSEBOARD_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = (
    f"PostgreSQL tests skipped: set {POSTGRES_ENV} "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run them"
)


POSTGRES_LOCK_PATH = Path(tempfile.gettempdir()) / "pulseboard-tests-postgres.lock"
POSTGRES_FIXTURES = frozenset({"postgres_schema_url", "empty_postgres_url", "postgres_database"})


@dataclass(frozen=True)
class Database:
    url: str
    engine: Engine
    sessions: SessionFactory

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def url_with_schema(url: str, schema: str) -> str:
    """The same server and database, with ``schema`` first on the search path."""
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@contextmanager
def postgres_lock(*, exclusive: bool) -> Iterator[None]:
    """Share the PostgreSQL server with the other test processes, or have it alone."""
    if fcntl is None:
        yield
        return
    with POSTGRES_LOCK_PATH.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _shares_postgres(request: pytest.FixtureRequest) -> Iterator[None]:
    uses_postgres = request.node.get_closest_marker("postgres") is not None or bool(
        POSTGRES_FIXTURES & set(request.fixturenames)
    )
    restarts = request.node.get_closest_marker("restarts_postgres") is not None
    if postgres_url() is None or not uses_postgres or restarts:
        yield
        return
    with postgres_lock(exclusive=False):
        yield


def fresh_schema(url: str) -> Iterator[str]:
    """Create a schema of our own for one test session, and drop it afterwards."""
    schema = f"pulseboard_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with postgres_lock(exclusive=False), admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with postgres_lock(exclusive=False), admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A migrated PostgreSQL schema for this test session, as a URL."""
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    for schema in fresh_schema(url):
        schema_url = url_with_schema(url, schema)
        engine = make_engine(schema_url)
        with postgres_lock(exclusive=False):
            migrate.upgrade(engine)
        engine.dispose()
        yield schema_url


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """An empty PostgreSQL schema (no tables) for one test, as a URL."""
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    for schema in fresh_schema(url):
        yield url_with_schema(url, schema)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Database]:
    """A fresh, migrated database for one test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "pulseboard.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    engine = make_engine(url)
    if request.param == "postgresql":
        truncate_all(engine)
    yield Database(url=url, engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def postgres_database(postgres_schema_url: str) -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database, for what only PostgreSQL does (SKIP LOCKED)."""
    engine = make_engine(postgres_schema_url)
    truncate_all(engine)
    yield Database(url=postgres_schema_url, engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A fresh SQLite database, for tests about the app rather than the storage backend."""
    path = tmp_path / "pulseboard.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield Database(url=url, engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest test (the replica system test) first, so that the other test
    processes' work overlaps it instead of waiting for it at the end."""
    items.sort(key=lambda item: item.get_closest_marker("restarts_postgres") is None)
