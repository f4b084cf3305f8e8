"""The app fixtures of tests/integration/app, for the HTTP edge's tests."""

from tests.integration.app.conftest import running_app, slack

__all__ = ["running_app", "slack"]
