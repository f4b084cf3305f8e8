"""The app tests' fixtures (the bolt app on loopback against the fake Slack), reused."""

from tests.integration.app.conftest import running_app, slack

__all__ = ["running_app", "slack"]
