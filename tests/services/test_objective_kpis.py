"""Objective KPIs (issue 18 part 5): an admin defines an objective's KPI (audited), values
arrive through one service that refuses unknown objectives, objectives without a KPI,
non-numbers, NaN/infinity and times in the future with nothing stored, a batch is all or
nothing and idempotent, and the change over a period reads the KPI's direction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.services.objective_kpis import (
    FUTURE_SKEW,
    KpiInputError,
    KpiMeasurement,
    check_kpi_definition,
    objective_kpi_views,
    read_kpi_csv,
    record_kpi_values,
)
from bot.services.roadmap.admin import Actor, save_objective
from bot.services.roadmap.audit import recent_changes
from bot.services.roadmap.views import KpiDefinition, ObjectiveInput
from bot.services.workspace.file import WorkspaceFile
from storage.models import AuditEntry, KpiValue, Objective
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

WS = "T0KPIS0001"
ADMIN = "U0KPIADMIN"
ACTOR = Actor(WS, ADMIN, frozenset({ADMIN}))
NOW = datetime(2026, 5, 4, 9, tzinfo=UTC)
LEAD_TIME = KpiDefinition("Lead time", "days", "down", 3.0)
TEAMS = KpiDefinition("Teams onboarded", "teams", "up", 20.0)


def seed(db: Database) -> dict[str, int]:
    """Three objectives: two measured (one lower is better, one higher), one not."""
    with unit_of_work(db.sessions, WS) as uow:
        uow.users.add_missing([ADMIN])
        for name, kpi in (("Ship faster", LEAD_TIME), ("Adoption", TEAMS), ("Cost", None)):
            save_objective(uow, ACTOR, ObjectiveInput(name, "", 1.0, (), kpi=kpi))
        return {o.name: o.id for o in uow.objectives.list_all()}


def stored(db: Database) -> list[tuple[int, float, datetime, str]]:
    with db.sessions() as session:
        rows = session.scalars(select(KpiValue).order_by(KpiValue.measured_at, KpiValue.id))
        return [(r.objective_id, r.value, r.measured_at, r.source) for r in rows]


def record(db: Database, objective: str, value: object, at: object = None) -> None:
    with unit_of_work(db.sessions, WS) as uow:
        record_kpi_values(uow, [KpiMeasurement(objective, value, at)], "cli", NOW)


def test_values_are_recorded_once_and_read_back_with_their_direction(
    database: Database,
) -> None:
    ids = seed(database)
    record(database, "Ship faster", "5.5", "2026-04-20T09:00:00Z")
    record(database, "ship faster", 4, "2026-05-01T11:00:00+02:00")  # case and offset
    record(database, "Adoption", 12.0, "2026-04-20T09:00:00Z")
    record(database, "Adoption", "9", "2026-05-02T09:00:00Z")
    with unit_of_work(database.sessions, WS) as uow:  # the same instant again: no change
        again = record_kpi_values(
            uow, [KpiMeasurement("Ship faster", 99, "2026-05-01T09:00:00Z")], "http", NOW
        )
    assert (again.stored, again.already_there) == (0, 1)
    assert [row for row in stored(database) if row[0] == ids["Ship faster"]][1] == (
        ids["Ship faster"],
        4.0,
        datetime(2026, 5, 1, 9, tzinfo=UTC),
        "cli",
    )
    with unit_of_work(database.sessions, WS) as uow:
        views = {v.objective: v for v in objective_kpi_views(uow, NOW - timedelta(days=7), NOW)}
    assert set(views) == {"Ship faster", "Adoption"}  # "Cost" has no KPI
    lead, teams = views["Ship faster"], views["Adoption"]
    assert (lead.latest, lead.previous, lead.change, lead.verdict) == (4.0, 5.5, -1.5, "better")
    assert lead.to_target == 1.0  # 4 days, aiming for 3 or less
    assert (teams.latest, teams.previous, teams.verdict) == (9.0, 12.0, "worse")
    assert teams.to_target == 11.0
    assert lead.measured_in_period


def test_a_period_without_a_new_value_says_so(database: Database) -> None:
    seed(database)
    record(database, "Adoption", 21, "2026-04-01T09:00:00Z")
    with unit_of_work(database.sessions, WS) as uow:
        [teams] = [
            v
            for v in objective_kpi_views(uow, NOW - timedelta(days=7), NOW)
            if v.objective == "Adoption"
        ]
    assert not teams.measured_in_period
    assert teams.verdict == "unchanged"
    assert teams.to_target is not None
    assert teams.to_target <= 0


@pytest.mark.parametrize(
    ("objective", "value", "at", "message"),
    [
        (
            "Revenue",
            1,
            None,
            "there is no objective “Revenue” (measured ones: “Adoption”, “Ship faster”)",
        ),
        ("Cost", 1, None, "objective “Cost” has no KPI"),
        ("Ship faster", "fast", None, "'fast' is not a number"),
        ("Ship faster", True, None, "True is not a number"),
        ("Ship faster", "nan", None, "finite number"),
        ("Ship faster", float("inf"), None, "finite number"),
        ("Ship faster", 1, "2026-05-04T09:06:00Z", "is in the future"),
        ("Ship faster", 1, "2026-05-04T09:00:00", "has no time zone"),
        ("Ship faster", 1, "last tuesday", "is not an ISO-8601 time"),
        ("Ship faster", 1, "1969-12-31T23:00:00Z", "is before 1970"),
        ("Ship faster", 1, "0001-01-01T00:00:00+05:00", "is before 1970"),
        ("", 1, None, "the objective is missing"),
    ],
)
def test_refusals_say_why_and_store_nothing(
    database: Database, objective: str, value: object, at: str | None, message: str
) -> None:
    seed(database)
    with pytest.raises(KpiInputError) as refused:
        record(database, objective, value, at)
    assert message in str(refused.value)
    assert stored(database) == []


def test_a_clock_a_little_ahead_is_accepted(database: Database) -> None:
    seed(database)
    record(database, "Ship faster", 2, (NOW + FUTURE_SKEW).isoformat())
    assert len(stored(database)) == 1


def test_a_batch_is_all_or_nothing_and_names_the_bad_one(database: Database) -> None:
    seed(database)
    batch = [
        KpiMeasurement("Ship faster", 5, "2026-04-01T00:00:00Z", "line 2"),
        KpiMeasurement("Adoption", "x", "2026-04-01T00:00:00Z", "line 3"),
    ]
    with (
        pytest.raises(KpiInputError, match=r"^line 3: 'x' is not a number"),
        unit_of_work(database.sessions, WS) as uow,
    ):
        record_kpi_values(uow, batch, "csv", NOW)
    assert stored(database) == []


def test_csv_rows_are_read_with_their_line_numbers() -> None:
    text = "\ufeffobjective,value,measured_at\nShip faster,4.5,2026-04-01T00:00:00Z\n\n"
    text += '"Adoption",12,2026-04-02T00:00:00+01:00\n'
    rows = read_kpi_csv(text)
    assert [(r.objective, r.value, r.where) for r in rows] == [
        ("Ship faster", "4.5", "line 2"),
        ("Adoption", "12", "line 4"),
    ]
    with pytest.raises(KpiInputError, match="line 1: the header lacks measured_at"):
        read_kpi_csv("objective,value\nShip faster,1\n")
    with pytest.raises(KpiInputError, match="line 3: measured_at is empty"):
        read_kpi_csv("objective,value,measured_at\nA,1,2026-04-01T00:00:00Z\nA,2,\n")
    with pytest.raises(KpiInputError, match="empty"):
        read_kpi_csv("")


def test_a_kpi_needs_a_direction_and_a_numeric_target() -> None:
    assert check_kpi_definition("") is None
    assert check_kpi_definition(" Lead  time ", "days", "down", "3") == KpiDefinition(
        "Lead time", "days", "down", 3.0
    )
    with pytest.raises(KpiInputError, match="which way is better"):
        check_kpi_definition("Lead time", "days", None)
    with pytest.raises(KpiInputError, match="not a number"):
        check_kpi_definition("Lead time", "days", "up", "soon")
    with pytest.raises(KpiInputError, match="Name the KPI"):
        check_kpi_definition("", "days", "up")


def test_defining_changing_and_removing_a_kpi_is_audited(database: Database) -> None:
    ids = seed(database)
    faster = KpiDefinition("Lead time", "days", "down", 2.0)
    with unit_of_work(database.sessions, WS) as uow:
        result = save_objective(
            uow, ACTOR, ObjectiveInput("Ship faster", "", 1.0, (), kpi=faster), ids["Ship faster"]
        )
        assert "KPI Lead time" in result.message
        save_objective(uow, ACTOR, ObjectiveInput("Adoption", "", 1.0, ()), ids["Adoption"])
    with database.sessions() as session:
        objective = session.get(Objective, ids["Ship faster"])
        assert objective is not None
        assert (objective.kpi_name, objective.kpi_direction, objective.kpi_target) == (
            "Lead time",
            "down",
            2.0,
        )
        removed = session.get(Objective, ids["Adoption"])
        assert removed is not None
        assert removed.kpi_name is None
        edits = session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "objective.edit")
        )
        assert edits == 2
    with unit_of_work(database.sessions, WS) as uow:
        lines = [line.summary for line in recent_changes(uow, ACTOR)]
    assert any("KPI Lead time (lower is better, target 2 days)" in line for line in lines)
    assert any("was “Adoption”" in line and "KPI Teams onboarded" in line for line in lines)
    with pytest.raises(KpiInputError), unit_of_work(database.sessions, WS) as uow:
        save_objective(
            uow,
            ACTOR,
            ObjectiveInput("Cost", "", 1.0, (), kpi=KpiDefinition("Spend", "$", "sideways")),
            ids["Cost"],
        )


def test_a_workspace_file_refuses_values_of_an_unmeasured_objective() -> None:
    document = {
        "workspace": {"id": WS},
        "objectives": [
            {"name": "Ship faster", "weight": 1, "kpi_name": "Lead time", "kpi_direction": "down"},
            {"name": "Cost", "weight": 1},
        ],
        "kpi_values": [{"objective": "Cost", "value": 1, "measured_at": "2026-04-01T00:00:00Z"}],
    }
    with pytest.raises(ValidationError, match="objective 'Cost' has no KPI here"):
        WorkspaceFile.model_validate(document)
    no_direction = {"name": "Ship faster", "weight": 1, "kpi_name": "Lead time"}
    with pytest.raises(ValidationError, match="a KPI needs kpi_direction"):
        WorkspaceFile.model_validate({"workspace": {"id": WS}, "objectives": [no_direction]})
    nan = document | {
        "kpi_values": [
            {"objective": "Ship faster", "value": "nan", "measured_at": "2026-04-01T00:00:00Z"}
        ]
    }
    with pytest.raises(ValidationError, match="finite number"):
        WorkspaceFile.model_validate(nan)


def test_a_domain_sees_the_workspace_objectives_and_its_own(database: Database) -> None:
    seed(database)
    with unit_of_work(database.sessions, WS) as uow:
        ci, deploys = uow.domains.add("ci", ""), uow.domains.add("deploys", "")
        adoption = uow.objectives.by_name("Adoption")
        assert adoption is not None
        adoption.domain_id = deploys.id
        everyone = [v.objective for v in objective_kpi_views(uow, NOW, NOW)]
        for_ci = [v.objective for v in objective_kpi_views(uow, NOW, NOW, domain_id=ci.id)]
        mine = [v.objective for v in objective_kpi_views(uow, NOW, NOW, domain_id=deploys.id)]
    assert sorted(everyone) == ["Adoption", "Ship faster"]
    assert for_ci == ["Ship faster"]
    assert sorted(mine) == ["Adoption", "Ship faster"]
