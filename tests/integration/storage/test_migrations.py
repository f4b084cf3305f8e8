"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage import migrate
from storage.db import make_engine
from storage.models import Base
from tests.fixtures.databases import Database


def test_upgrade_builds_every_table_and_is_current(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert migrate.is_current(database.engine)


def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrade_twice_changes_nothing(database: Database) -> None:
    before = migrate.current_revision(database.engine)
    migrate.upgrade(database.engine)
    assert migrate.current_revision(database.engine) == before == migrate.head_revision()


def test_upgrade_of_empty_postgres_schema(empty_postgres_url: str) -> None:
    engine = make_engine(empty_postgres_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
