"""Drivers in the workspace file: drivers always travel, driver answers only in a file
with individual answers; import → export gives them back (domain at answer time kept);
and the bundled sample carries enough answers for the drivers' chart."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.sample import load_sample
from bot.services.pulses.export import without_individual_answers
from bot.services.workspace.file import WorkspaceFile
from bot.services.workspace.transfer import export_workspace, import_workspace
from storage.models import DriverAnswer
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WS = "T0DRIVERS1"
START = datetime(2026, 9, 1, 8, tzinfo=UTC)
PEOPLE = [f"U0PERSON{n:02d}" for n in range(6)]


def document() -> dict:
    def given(user: str, driver: str, kind: str, value: int, minutes: int) -> dict:
        at = START + timedelta(minutes=minutes)
        domain = "ci" if user in PEOPLE[:3] else "data"
        return {
            "user": user,
            "driver": driver,
            "kind": kind,
            "value": value,
            "domain": domain,
            "answered_at": at.isoformat(),
        }

    return {
        "workspace": {"id": WS, "name": "Drivers"},
        "users": [{"id": u, "name": u} for u in PEOPLE],
        "domains": [{"name": "ci"}, {"name": "data"}],
        "drivers": [
            {"key": "build_speed", "name": "Build speed", "description": "Fast builds."},
            {"key": "docs", "name": "Docs", "description": "Good docs.", "active": False},
        ],
        "pulse_rounds": [
            {
                "started_at": START.isoformat(),
                "closes_at": (START + timedelta(days=7)).isoformat(),
                "question": "How well does the platform help you ship?",
                "asked": PEOPLE,
                "responses": [
                    {"user": u, "score": 3, "answered_at": START.isoformat()} for u in PEOPLE
                ],
                "driver_answers": [
                    given(u, "build_speed", "satisfaction", 1 + n % 5, n)
                    for n, u in enumerate(PEOPLE)
                ]
                + [given(PEOPLE[0], "docs", "importance", 4, 30)],
            }
        ],
    }


def exported(db: Database, *, individual: bool) -> dict:
    with unit_of_work(db.sessions, WS) as uow:
        data = export_workspace(uow)
        if not individual:
            data = without_individual_answers(uow, data, 5, START + timedelta(days=30))
        return json.loads(data.model_dump_json())


def test_drivers_and_their_answers_round_trip(database: Database) -> None:
    original = WorkspaceFile.model_validate(document())
    with unit_of_work(database.sessions) as uow:
        import_workspace(uow, original)
    with unit_of_work(database.sessions) as uow:
        import_workspace(uow, original)  # twice: nothing new
    with database.sessions() as session:
        assert session.query(DriverAnswer).count() == 7
    back = exported(database, individual=True)
    assert back["drivers"] == [
        {"key": d.key, "name": d.name, "description": d.description, "active": d.active}
        for d in original.drivers
    ]
    expected = [json.loads(a.model_dump_json()) for a in original.pulse_rounds[0].driver_answers]
    assert back["pulse_rounds"][0]["driver_answers"] == expected


def test_without_individual_answers_the_drivers_travel_but_no_answer(database: Database) -> None:
    with unit_of_work(database.sessions) as uow:
        import_workspace(uow, WorkspaceFile.model_validate(document()))
    shared = exported(database, individual=False)
    assert [d["key"] for d in shared["drivers"]] == ["build_speed", "docs"]
    assert all(r["driver_answers"] == [] for r in shared["pulse_rounds"])
    assert '"satisfaction"' not in json.dumps(shared)


def test_answers_name_known_people_drivers_and_domains() -> None:
    broken = document()
    broken["pulse_rounds"][0]["driver_answers"][0]["driver"] = "nope"
    with pytest.raises(ValueError, match="unknown user or driver"):
        WorkspaceFile.model_validate(broken)
    broken = document()
    broken["drivers"].append(broken["drivers"][0])
    with pytest.raises(ValueError, match="driver keys are not unique"):
        WorkspaceFile.model_validate(broken)


def test_the_sample_has_drivers_and_answers_for_a_chart() -> None:
    sample = load_sample()
    keys = {d.key for d in sample.drivers}
    assert len(keys) == 6
    closed = [r for r in sample.pulse_rounds if r.driver_answers]
    assert len(closed) >= 2
    for pulse_round in closed:
        counts = Counter((a.driver, a.kind) for a in pulse_round.driver_answers)
        for key in keys:  # every driver, both kinds, from at least five people a round
            assert counts[(key, "satisfaction")] >= 5
            assert counts[(key, "importance")] >= 5
    domains = {a.domain for r in closed for a in r.driver_answers}
    assert len(domains) >= 5
