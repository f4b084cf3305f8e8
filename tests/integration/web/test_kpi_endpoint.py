"""`POST /kpis`: signed values of the objectives' KPIs are stored; a bad or stale
signature is refused with 401 and a bad value with 400, nothing stored either way; no
secret, no endpoint (404); the HTTP edge's body limit holds."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from slack_bolt import App
from sqlalchemy import select

from bot.runtime.http_server import WSGIApp, make_wsgi_app
from bot.runtime.settings import Settings
from bot.runtime.web.kpi_endpoint import KPI_PATH, kpi_endpoint, kpi_handlers, signature_of
from bot.runtime.web.limits import MAX_BODY_BYTES
from bot.services.roadmap.admin import Actor, save_objective
from bot.services.roadmap.views import KpiDefinition, ObjectiveInput
from storage.models import KpiValue
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

SECRET = "kpi-secret-for-tests"
WS = "T0KPIHTTP1"
ADMIN = "U0KPIADMIN"
NOW = datetime(2026, 5, 4, 9, tzinfo=UTC)


def router(db: Database, hooks: dict[str, Any] | None = None) -> WSGIApp:
    if hooks is None:
        hooks = {KPI_PATH: kpi_endpoint(SecretStr(SECRET), db.sessions, lambda: NOW)}
    slack = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)
    return make_wsgi_app(slack, webhooks=hooks)


def seed(db: Database) -> None:
    actor = Actor(WS, ADMIN, frozenset({ADMIN}))
    with unit_of_work(db.sessions, WS) as uow:
        uow.users.add_missing([ADMIN])
        kpi = KpiDefinition("Lead time", "days", "down", 3.0)
        save_objective(uow, actor, ObjectiveInput("Ship faster", "", 1.0, (), kpi=kpi))


def post(
    app: WSGIApp,
    payload: Any,
    *,
    secret: str = SECRET,
    sent_at: datetime = NOW,
    signature: str | None = None,
) -> tuple[str, dict[str, Any]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = str(int(sent_at.timestamp()))
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": KPI_PATH,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_PULSEBOARD_TIMESTAMP": timestamp,
        "HTTP_X_PULSEBOARD_SIGNATURE": (
            signature if signature is not None else signature_of(secret.encode(), timestamp, body)
        ),
    }
    statuses: list[str] = []
    answer = b"".join(app(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0], json.loads(answer)


def values(db: Database) -> list[tuple[float, datetime, str]]:
    with db.sessions() as session:
        rows = session.scalars(select(KpiValue).order_by(KpiValue.measured_at))
        return [(r.value, r.measured_at, r.source) for r in rows]


def item(value: Any = 4.5, at: str | None = "2026-05-01T09:00:00Z", **extra: Any) -> dict:
    return {"workspace": WS, "objective": "Ship faster", "value": value, "measured_at": at} | extra


def test_signed_values_are_stored_once(database: Database) -> None:
    seed(database)
    app = router(database)
    assert post(app, item()) == ("200 OK", {"ok": True, "stored": 1, "already_recorded": 0})
    batch = [item(), item(3.5, "2026-05-03T09:00:00+02:00"), item(2, None)]
    assert post(app, batch) == ("200 OK", {"ok": True, "stored": 2, "already_recorded": 1})
    assert values(database) == [
        (4.5, datetime(2026, 5, 1, 9, tzinfo=UTC), "http"),
        (3.5, datetime(2026, 5, 3, 7, tzinfo=UTC), "http"),
        (2.0, NOW, "http"),
    ]


def test_a_bad_signature_is_refused_with_nothing_stored(database: Database) -> None:
    seed(database)
    app = router(database)
    assert post(app, item(), secret="guessed")[0] == "401 Unauthorized"
    assert post(app, item(), signature="sha256=" + "0" * 64)[0] == "401 Unauthorized"
    assert post(app, item(), signature="")[0] == "401 Unauthorized"
    # the timestamp is signed: a captured body re-sent with a new timestamp fails
    body = json.dumps(item()).encode()
    old = signature_of(SECRET.encode(), str(int((NOW - timedelta(hours=1)).timestamp())), body)
    assert post(app, body, signature=old)[0] == "401 Unauthorized"
    assert values(database) == []


def test_a_stale_or_early_timestamp_is_refused(database: Database) -> None:
    seed(database)
    app = router(database)
    stale = post(app, item(), sent_at=NOW - timedelta(minutes=6))
    assert stale == ("401 Unauthorized", {"error": "stale timestamp"})
    assert post(app, item(), sent_at=NOW + timedelta(minutes=6))[0] == "401 Unauthorized"
    assert post(app, item(), sent_at=NOW - timedelta(minutes=4))[0] == "200 OK"


def test_bad_input_is_refused_with_400_and_nothing_stored(database: Database) -> None:
    seed(database)
    app = router(database)
    cases: list[tuple[Any, str]] = [
        (b"{not json", "malformed"),
        ([], "no values"),
        ("a string", "not an object"),
        (item(value="4.5"), "not a JSON number"),
        (item(value=True), "not a JSON number"),
        ({"workspace": WS, "value": 1}, "objective is missing"),
        (item(workspace="T0NOBODY01"), "unknown workspace"),
        (item(objective="Revenue"), "there is no objective “Revenue”"),
        (item(at="2026-05-01T09:00:00"), "has no time zone"),
        (item(at="2027-01-01T00:00:00Z"), "in the future"),
        ([item(), item(1, "2026-05-02T00:00:00Z", objective="Cost")], "item 2:"),
    ]
    for payload, said in cases:
        status, answer = post(app, payload)
        assert status == "400 Bad Request", payload
        assert said in answer["error"], (payload, answer)
    nan = b'{"workspace": "%s", "objective": "Ship faster", "value": NaN}' % WS.encode()
    assert post(app, nan) == (
        "400 Bad Request",
        {"error": "the value: the value must be a finite number (not NaN or infinity)"},
    )
    assert values(database) == []


def test_without_the_secret_there_is_no_endpoint(database: Database) -> None:
    seed(database)
    assert kpi_handlers(Settings(), database.sessions) == {}
    app = router(database, kpi_handlers(Settings(), database.sessions))
    assert post(app, item())[0] == "404 Not Found"
    configured = kpi_handlers(Settings(kpi_secret=SecretStr(SECRET)), database.sessions)
    assert list(configured) == [KPI_PATH]


def test_the_body_limit_holds(database: Database) -> None:
    seed(database)
    app = router(database)
    huge = json.dumps([item()] * (MAX_BODY_BYTES // 50)).encode()
    assert len(huge) > MAX_BODY_BYTES
    assert post(app, huge)[0] == "413 Payload Too Large"
    assert values(database) == []
