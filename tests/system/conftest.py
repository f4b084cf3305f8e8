"""System tests: several `pulseboard serve --http` replicas on one PostgreSQL, under load.

They need a PostgreSQL server (``PULSEBOARD_TEST_POSTGRES_URL``); without it the whole
folder is skipped with the reason below, rather than failing on a missing database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.databases import POSTGRES_ENV, postgres_url

SYSTEM_DIR = Path(__file__).resolve().parent
SKIP_REASON = (
    f"system tests skipped: they run replicas on PostgreSQL; set {POSTGRES_ENV} "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run them"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "system: several serve replicas on PostgreSQL under load (minutes)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test of this folder when PostgreSQL is not configured.

    The hook sees the items of the whole session, so it only touches this folder's.
    """
    if postgres_url() is not None:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if SYSTEM_DIR in item.path.resolve().parents:
            item.add_marker(skip)
