"""`POST /kpis`: values of the objectives' KPIs, sent by a measuring system.

The body is one JSON object ``{"workspace", "objective", "value", "measured_at"}`` or a
list of them (``measured_at`` ISO-8601 with Z or an offset; absent: now). Its sender signs
it: ``X-Pulseboard-Timestamp`` is the time in unix seconds and
``X-Pulseboard-Signature`` is ``sha256=`` and the hex HMAC-SHA256, with
PULSEBOARD_KPI_SECRET, of ``"{timestamp}.{body}"``. The timestamp is signed so that a
captured request cannot be replayed later: one outside ±5 minutes of our clock is refused.
The signature is compared in constant time, before the body is read as JSON.

Answers: 401 (bad or stale signature) and 400 (a value refused, naming the item) with
nothing stored; 200 with how many values were stored. Without the secret there is no
endpoint (404). The body's size is bounded by the HTTP edge (bot/runtime/web/limits.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from bot.runtime.settings import Settings
from bot.runtime.web.webhooks import WebhookHandler
from bot.services.objective_kpis import KpiInputError, KpiMeasurement, record_kpi_values
from storage.db import SessionFactory
from storage.models import utcnow
from storage.unit_of_work import unit_of_work

KPI_PATH = "/kpis"
SIGNATURE_HEADER = "HTTP_X_PULSEBOARD_SIGNATURE"
TIMESTAMP_HEADER = "HTTP_X_PULSEBOARD_TIMESTAMP"
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_ITEMS = 1000

Clock = Callable[[], datetime]


def kpi_handlers(settings: Settings, sessions: SessionFactory) -> dict[str, WebhookHandler]:
    """`POST /kpis` when PULSEBOARD_KPI_SECRET is set; nothing (so 404) otherwise."""
    if settings.kpi_secret is None:
        return {}
    return {KPI_PATH: kpi_endpoint(settings.kpi_secret, sessions)}


def signature_of(key: bytes, timestamp: str, body: bytes) -> str:
    """What a sender puts in X-Pulseboard-Signature."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(key, signed, hashlib.sha256).hexdigest()


def kpi_endpoint(
    secret: SecretStr, sessions: SessionFactory, now: Clock = utcnow
) -> WebhookHandler:
    key = secret.get_secret_value().encode()

    def handle(body: bytes, environ: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        moment = now()
        timestamp = str(environ.get(TIMESTAMP_HEADER, "")).strip()
        given = str(environ.get(SIGNATURE_HEADER, "")).strip()
        if not hmac.compare_digest(given.encode(), signature_of(key, timestamp, body).encode()):
            return "401 Unauthorized", {"error": "invalid signature"}
        if not _fresh(timestamp, moment):
            return "401 Unauthorized", {"error": "stale timestamp"}
        try:
            measurements = _measurements(json.loads(body))
        except (ValueError, TypeError) as error:
            return "400 Bad Request", {"error": f"malformed: {error}"[:300]}
        try:
            with unit_of_work(sessions) as deployment:
                known = set(deployment.workspace_ids())
                stored = already = 0
                for workspace, items in measurements.items():
                    if workspace not in known:
                        raise KpiInputError(f"{items[0].where}: unknown workspace {workspace!r}")
                    report = record_kpi_values(
                        deployment.for_workspace(workspace), items, "http", moment
                    )
                    stored += report.stored
                    already += report.already_there
        except KpiInputError as error:
            return "400 Bad Request", {"error": str(error)[:500]}
        return "200 OK", {"ok": True, "stored": stored, "already_recorded": already}

    return handle


def _fresh(timestamp: str, moment: datetime) -> bool:
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    sent = datetime.fromtimestamp(int(timestamp), UTC)
    return abs(moment - sent) <= MAX_CLOCK_SKEW


def _measurements(payload: Any) -> dict[str, list[KpiMeasurement]]:
    """The body's values by workspace; ValueError/TypeError when its shape is wrong."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise ValueError("no values")
    if len(items) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} values a request")
    by_workspace: dict[str, list[KpiMeasurement]] = defaultdict(list)
    for number, item in enumerate(items, start=1):
        where = f"item {number}" if isinstance(payload, list) else "the value"
        if not isinstance(item, dict):
            raise TypeError(f"{where} is not an object")
        workspace, objective = item.get("workspace"), item.get("objective")
        if not isinstance(workspace, str) or not workspace:
            raise ValueError(f"{where}: workspace is missing")
        if not isinstance(objective, str) or not objective:
            raise ValueError(f"{where}: objective is missing")
        if "value" not in item:
            raise ValueError(f"{where}: value is missing")
        value = item["value"]
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{where}: value is not a JSON number")
        measured_at = item.get("measured_at")
        if measured_at is not None and not isinstance(measured_at, str):
            raise ValueError(f"{where}: measured_at is not an ISO-8601 text")
        by_workspace[workspace].append(KpiMeasurement(objective, value, measured_at, where))
    return by_workspace
