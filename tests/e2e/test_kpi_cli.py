"""`pulseboard kpi record` and `pulseboard kpi import` end to end (in this process): values
are stored and counted, a re-import changes nothing, and a refusal names what is wrong
(the line of a CSV) with nothing stored and exit code 2."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.services.roadmap.admin import Actor, save_objective
from bot.services.roadmap.views import KpiDefinition, ObjectiveInput
from storage.models import KpiValue
from storage.unit_of_work import unit_of_work
from tests.e2e.cli import run_here
from tests.fixtures.databases import Database

WS = "T0KPICLI01"
ADMIN = "U0KPIADMIN"


def seed(db: Database) -> None:
    actor = Actor(WS, ADMIN, frozenset({ADMIN}))
    with unit_of_work(db.sessions, WS) as uow:
        uow.users.add_missing([ADMIN])
        lead = KpiDefinition("Lead time", "days", "down", 3.0)
        save_objective(uow, actor, ObjectiveInput("Ship faster", "", 1.0, (), kpi=lead))
        teams = KpiDefinition("Teams onboarded", "teams", "up", 20.0)
        save_objective(uow, actor, ObjectiveInput("Adoption", "", 1.0, (), kpi=teams))


def kpi(db: Database, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_here("kpi", *args, cwd=tmp_path, DATABASE_URL=db.url)


def stored(db: Database) -> list[tuple[float, datetime, str]]:
    with db.sessions() as session:
        rows = session.scalars(select(KpiValue).order_by(KpiValue.measured_at, KpiValue.value))
        return [(r.value, r.measured_at, r.source) for r in rows]


def test_kpi_record_stores_a_value_now_or_at_a_time(database: Database, tmp_path: Path) -> None:
    seed(database)
    at = kpi(
        database, tmp_path, "record", "--objective", "Ship faster", "--value", "4.5",
        "--at", "2026-05-01T11:00:00+02:00",
    )  # fmt: skip
    assert at.returncode == 0, at.stderr
    assert "Recorded 1 value for “Ship faster”." in at.stdout
    before = datetime.now(UTC)
    now = kpi(
        database, tmp_path, "record", "--objective", "Adoption", "--value", "12",
        "--workspace", WS,
    )  # fmt: skip
    assert now.returncode == 0, now.stderr
    [first, second] = stored(database)
    assert first == (4.5, datetime(2026, 5, 1, 9, tzinfo=UTC), "cli")
    assert second[0] == 12.0
    assert before - timedelta(seconds=1) <= second[1] <= datetime.now(UTC)


def test_kpi_record_refuses_clearly_and_stores_nothing(database: Database, tmp_path: Path) -> None:
    seed(database)
    cases = [
        (("--objective", "Revenue", "--value", "1"), "there is no objective “Revenue”"),
        (("--objective", "Ship faster", "--value", "soon"), "'soon' is not a number"),
        (("--objective", "Ship faster", "--value", "inf"), "finite number"),
        (
            ("--objective", "Ship faster", "--value", "1", "--at", "2026-05-01T09:00:00"),
            "has no time zone: add Z (UTC) or an offset",
        ),
        (("--objective", "Ship faster", "--value", "1", "--at", "2999-01-01T00:00:00Z"), "future"),
        (("--objective", "Ship faster", "--value", "1", "--workspace", "T0OTHER001"), "no data"),
    ]
    for args, said in cases:
        done = kpi(database, tmp_path, "record", *args)
        assert done.returncode != 0, args
        assert said in done.stderr, (args, done.stderr)
    assert kpi(database, tmp_path, "record", "--objective", "Ship faster").returncode == 2
    assert stored(database) == []


def test_kpi_import_is_all_or_nothing_and_idempotent(database: Database, tmp_path: Path) -> None:
    seed(database)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "objective,value,measured_at\n"
        "Ship faster,5,2026-04-01T09:00:00Z\n"
        "Adoption,lots,2026-04-01T09:00:00Z\n",
        encoding="utf-8",
    )
    refused = kpi(database, tmp_path, "import", str(bad))
    assert refused.returncode == 2
    assert "line 3: 'lots' is not a number; nothing was imported" in refused.stderr
    assert stored(database) == []
    good = tmp_path / "kpis.csv"
    good.write_text(
        "objective,value,measured_at\n"
        "Ship faster,5,2026-04-01T09:00:00Z\n"
        "Ship faster,4.2,2026-04-08T09:00:00Z\n"
        "Adoption,9,2026-04-08T09:00:00+00:00\n",
        encoding="utf-8",
    )
    first = kpi(database, tmp_path, "import", str(good))
    assert first.returncode == 0, first.stderr
    assert "Recorded 3 rows for “Ship faster”, “Adoption”." in first.stdout
    again = kpi(database, tmp_path, "import", str(good))
    assert again.returncode == 0, again.stderr
    assert "Recorded 0 rows" in again.stdout
    assert "3 already recorded" in again.stdout
    assert [(value, source) for value, _at, source in stored(database)] == [
        (5.0, "csv"),
        (4.2, "csv"),
        (9.0, "csv"),
    ]
    missing = kpi(database, tmp_path, "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr


def test_export_stats_carries_each_objectives_kpi(database: Database, tmp_path: Path) -> None:
    seed(database)
    now = datetime.now(UTC)
    for value, days_ago in ((6.0, 40), (4.0, 1)):
        at = (now - timedelta(days=days_ago)).isoformat()
        args = ("record", "--objective", "Ship faster", "--value", str(value), "--at", at)
        assert kpi(database, tmp_path, *args).returncode == 0
    done = run_here("export", "--format", "stats", cwd=tmp_path, DATABASE_URL=database.url)
    assert done.returncode == 0, done.stderr
    exported = json.loads(done.stdout)
    by_name = {o["objective"]: o for o in exported["objectives"]}
    ship = by_name["Ship faster"]
    assert (ship["latest"], ship["at_period_start"], ship["change"]) == (4.0, 6.0, -2.0)
    assert (ship["verdict"], ship["unit"], ship["target"]) == ("better", "days", 3.0)
    assert by_name["Adoption"]["latest"] is None
    assert exported["period_days"] == 30
    assert exported["time_to_market"]["shipped"] == 0
