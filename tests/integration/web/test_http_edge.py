"""The HTTP edge: readiness, metrics, body limits and one structured log line a request."""

from __future__ import annotations

import json
import logging
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from slack_bolt import App

from bot.runtime.http_server import make_wsgi_app
from bot.runtime.logs import JsonFormatter, RedactTokens
from bot.runtime.web.health import ReadinessCheck
from storage.db import make_engine
from tests.fakes.slack_requests import slash_command
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import count_requests


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def raw_post(base: str, head: str, body: bytes) -> str:
    """Send bytes as they are (a lying or missing Content-Length); the status line back."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(head.encode() + b"\r\n\r\n" + body)
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return reply.split(b"\r\n", 1)[0].decode()


def test_readyz_checks_the_database_and_its_schema(tmp_path: Path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    state = ReadinessCheck(empty)()
    assert not state.ready
    assert "migrations not current" in state.reason
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert "unreachable" in ReadinessCheck(gone)().reason
    empty.dispose()
    gone.dispose()


def test_readyz_answers_503_until_ready(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    wsgi = make_wsgi_app(
        App(signing_secret="x", token="xoxb-x", token_verification_enabled=False),
        readiness=ReadinessCheck(engine),
    )
    statuses: list[str] = []
    body = b"".join(
        wsgi(
            {"REQUEST_METHOD": "GET", "PATH_INFO": "/readyz"},
            lambda status, _headers: statuses.append(status),
        )
    )
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(body)["ready"] is False
    engine.dispose()


def test_metrics_report_requests_and_the_queues(served_app: RunningApp) -> None:
    served_app.send(slash_command("/feedback", "faster CI"))
    status, text = get(f"{served_app.url}/metrics")
    assert status == 200
    assert 'pulseboard_request_seconds_count{kind="command",status="200"}' in text
    samples = dict(
        line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    for queue in ("outbox", "placement_queue"):
        assert float(samples[f"pulseboard_{queue}_depth"]) >= 0
        assert float(samples[f"pulseboard_{queue}_oldest_age_seconds"]) >= 0
    assert float(samples["pulseboard_outbox_depth"]) == 0


def test_readyz_and_healthz_over_http(served_app: RunningApp) -> None:
    assert get(f"{served_app.url}/healthz")[0] == 200
    assert get(f"{served_app.url}/readyz")[0] == 200


@pytest.mark.parametrize(
    "content_length",
    ["2000000", "-1", "abc"],
)
def test_a_declared_length_over_the_limit_or_malformed_is_refused(
    served_app: RunningApp, content_length: str
) -> None:
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {content_length}"
    )
    status_line = raw_post(served_app.url, head, b"{}")
    assert " 413 " in status_line
    assert count_requests(served_app.db) == 0


def test_a_body_without_content_length_is_treated_as_empty_and_refused(
    served_app: RunningApp,
) -> None:
    request = slash_command("/feedback", "no length")
    head = "POST /slack/events HTTP/1.0\r\nHost: 127.0.0.1\r\n" + "\r\n".join(
        f"{k}: {v}" for k, v in request.headers.items()
    )
    status_line = raw_post(served_app.url, head, request.body.encode())
    assert " 401 " in status_line  # the signature covers the body bolt sees: none
    assert count_requests(served_app.db) == 0


def test_a_short_content_length_never_reads_past_it(served_app: RunningApp) -> None:
    request = slash_command("/feedback", "lying length")
    headers = {**request.headers, "Content-Length": "10"}
    head = "POST /slack/events HTTP/1.0\r\nHost: 127.0.0.1\r\n" + "\r\n".join(
        f"{k}: {v}" for k, v in headers.items() if k.lower() != "content-length"
    )
    head += "\r\nContent-Length: 10"
    status_line = raw_post(served_app.url, head, request.body.encode())
    assert " 401 " in status_line
    assert count_requests(served_app.db) == 0


def test_one_json_log_line_per_request_without_text(
    served_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pulseboard.http")
    served_app.send(slash_command("/feedback", "secret roadmap idea", trigger_id="9.8.7"))
    [record] = [r for r in caplog.records if r.name == "pulseboard.http"]
    line = json.loads(JsonFormatter().format(record))
    assert line["status"] == 200
    assert line["kind"] == "command"
    assert line["target"] == "/feedback"
    assert line["slack_request_id"] == "9.8.7"
    assert line["latency_ms"] >= 0
    assert "secret roadmap idea" not in json.dumps(line)


def test_tokens_are_masked_in_any_log_line() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, "f", 1, "bad token %s", ("xoxb-123-456-abcdef",), None
    )
    RedactTokens().filter(record)
    assert "abcdef" not in record.getMessage()
    assert "xoxb-***" in record.getMessage()
