"""The suite's fixtures come from the plugins in tests/fixtures; this file only loads them."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.fixtures.databases", "tests.fixtures.slack", "tests.fixtures.app"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest test (the replica system test) first, so that the other test
    processes' work overlaps it instead of waiting for it at the end."""
    items.sort(key=lambda item: item.get_closest_marker("restarts_postgres") is None)
