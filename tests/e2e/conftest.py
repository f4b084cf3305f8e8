"""The e2e tests' shared sample database: imported once per test process, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.sample import load_sample
from storage.db import make_engine
from tests.e2e.cli import run_here


@pytest.fixture(scope="session")
def sample_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the bundled sample imported by `pulseboard import` (words-only
    themes, as the tests' commands run), for the tests that start from an imported sample
    rather than test the import."""
    folder = tmp_path_factory.mktemp("sample-database")
    sample = folder / "sample.json"
    sample.write_text(load_sample().model_dump_json())
    path = folder / "sample.db"
    imported = run_here("import", str(sample), cwd=folder, DATABASE_URL=f"sqlite:///{path}")
    assert imported.returncode == 0, imported.stderr
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sample_sqlite_url(tmp_path: Path, sample_database_template: Path) -> str:
    """A copy of the imported sample for one test, as a DATABASE_URL."""
    path = tmp_path / "pb.db"
    shutil.copyfile(sample_database_template, path)
    return f"sqlite:///{path}"
