"""The trackers' clients, without a database: state mappings, the GitHub API address, the
polling settings, rate-limit headers, and a redirect to another host never gets the token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from bot.runtime.settings import Settings, SettingsError, load_settings
from bot.runtime.trackers import item_readers
from bot.runtime.trackers.github import GitHubReader, api_url
from bot.runtime.trackers.http import Answer, epoch, retry_after
from bot.runtime.web.webhooks import jira_fields_state
from bot.services.roadmap.sync import TrackerReadError

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("category", "resolution", "state"),
    [
        ("new", None, "open"),
        ("indeterminate", None, "in_progress"),
        ("done", "Done", "done"),
        ("done", None, "done"),
        ("done", "Won't Do", "not_planned"),
        ("done", "Won’t Fix", "not_planned"),
        ("done", "Duplicate", "not_planned"),
        ("done", "Cannot Reproduce", "not_planned"),
        ("indeterminate", "Duplicate", "in_progress"),
    ],
)
def test_jira_status_categories_and_resolutions(
    category: str, resolution: str | None, state: str
) -> None:
    fields = {
        "status": {"statusCategory": {"key": category}},
        "resolution": {"name": resolution} if resolution else None,
    }
    assert jira_fields_state(fields) == state


@pytest.mark.parametrize(
    ("site", "override", "api"),
    [
        ("https://github.com", None, "https://api.github.com"),
        ("https://git.acme.example", None, "https://git.acme.example/api/v3"),
        (
            "https://github.com",
            "https://gh-proxy.acme.example/api",
            "https://gh-proxy.acme.example/api",
        ),
    ],
)
def test_the_github_api_is_derived_from_the_site(site: str, override: str | None, api: str) -> None:
    assert api_url(Settings(github_url=site, github_api_url=override)) == api


def test_only_trackers_with_a_token_are_polled() -> None:
    assert item_readers(Settings(github_webhook_secret=SecretStr("hook"))) == []
    readers = item_readers(
        Settings(
            github_token=SecretStr("ghp"),
            jira_token=SecretStr("jira"),  # no site URL: not polled
            linear_token=SecretStr("lin"),
        )
    )
    assert [r.tracker.value for r in readers] == ["github", "linear"]


def test_polling_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSEBOARD_TRACKER_SYNC_CRON", "every 15 minutes")
    with pytest.raises(SettingsError, match="PULSEBOARD_TRACKER_SYNC_CRON"):
        load_settings()
    monkeypatch.setenv("PULSEBOARD_TRACKER_SYNC_CRON", "*/5 * * * *")
    monkeypatch.setenv("PULSEBOARD_LINEAR_API_URL", "api.linear.app/graphql")
    with pytest.raises(SettingsError, match="PULSEBOARD_LINEAR_API_URL"):
        load_settings()
    monkeypatch.setenv("PULSEBOARD_LINEAR_API_URL", "http://127.0.0.1:1/graphql/")
    settings = load_settings()
    assert settings.linear_api_url == "http://127.0.0.1:1/graphql"
    assert settings.tracker_sync_cron == "*/5 * * * *"


def test_rate_limit_headers() -> None:
    def answer(**headers: str) -> Answer:
        return Answer(429, {k.replace("_", "-"): v for k, v in headers.items()}, b"")

    assert retry_after(answer(retry_after="120"), NOW) == NOW + timedelta(minutes=2)
    assert retry_after(answer(retry_after="Fri, 04 Dec 2026 14:30:00 GMT"), NOW) == NOW.replace(
        minute=30
    )
    assert retry_after(answer(retry_after="soon"), NOW) is None
    assert retry_after(answer(), NOW) is None
    assert epoch("1796392800") == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert epoch("1796392800000", millis=True) == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert epoch(None) is None


class _Redirects(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]
    target: str

    def do_GET(self) -> None:
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        if self.path.startswith("/repos/"):
            self.send_response(301)
            self.send_header("Location", self.target + "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def redirecting_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
    port = server.server_address[1]
    # the same server under another name is another origin
    handler = type("Handler", (_Redirects,), {"seen": seen, "target": f"http://localhost:{port}"})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_redirect_to_another_host_is_not_followed(
    redirecting_server: tuple[str, list[dict[str, str]]],
) -> None:
    base, seen = redirecting_server
    reader = GitHubReader(base, SecretStr("ghp-never-forwarded"))
    with pytest.raises(TrackerReadError, match="GitHub answered 301"):
        reader.read_state("acme/ci#1")
    assert len(seen) == 1
    assert seen[0]["authorization"] == "Bearer ghp-never-forwarded"
