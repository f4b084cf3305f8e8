"""Objective KPIs: the measured value that tells whether a business objective is met.

Not the product KPIs of bot/services/kpis.py (requests, time to market, satisfaction):
these are the workspace's own figures (lead time, cost per build, …), one per objective,
defined by an admin in the Objectives modal and sent in from outside by
`pulseboard kpi record`, `pulseboard kpi import FILE.csv` or a signed `POST /kpis`. All
three go through :func:`record_kpi_values`, so they refuse the same things with the same
words, and store all of a batch or nothing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from bot.services.digest_views import ObjectiveKpiView
from bot.services.errors import UserFacingError
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD
from bot.services.roadmap.ranking import build_roadmap
from bot.services.roadmap.views import KpiDefinition, RoadmapEntry
from bot.services.workspace.limits import EARLIEST
from scoring import ScoringConfig
from storage.models import Objective
from storage.repositories.objective_kpis import KpiValueToAdd
from storage.unit_of_work import UnitOfWork

DIRECTIONS = ("up", "down")
SOURCES = ("cli", "csv", "http")
#: A measuring clock may run a little ahead of ours; past this a time is a mistake.
FUTURE_SKEW = timedelta(minutes=5)
CSV_COLUMNS = ("objective", "value", "measured_at")
MAX_NAME_CHARS = 150
MAX_UNIT_CHARS = 40
#: themes shown as serving an objective
SERVING_SHOWN = 3


class KpiInputError(UserFacingError):
    """A KPI definition or value is refused; the message says which one and why."""


@dataclass(frozen=True)
class KpiMeasurement:
    """One value as it arrived, not yet checked: ``value`` a number or its text,
    ``measured_at`` an aware datetime, an ISO-8601 text, or None for now. ``where``
    names it in a refusal ("line 4", "item 2")."""

    objective: str
    value: object
    measured_at: object = None
    where: str = ""


@dataclass(frozen=True)
class RecordedKpis:
    #: values stored now
    stored: int
    #: values already there (the same objective and instant): left as they were
    already_there: int
    #: the objectives the values were for, in the order first met
    objectives: tuple[str, ...]


def parse_kpi_number(raw: object) -> float:
    """A finite number, from a JSON number or its text ("1.5", "-3", "2e3")."""
    if isinstance(raw, bool):
        raise KpiInputError(f"{raw!r} is not a number")
    if isinstance(raw, int | float):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            raise KpiInputError(f"{raw.strip()[:40]!r} is not a number") from None
    else:
        raise KpiInputError("the value is not a number")
    if not math.isfinite(number):
        raise KpiInputError("the value must be a finite number (not NaN or infinity)")
    return number


def parse_measured_at(raw: object, now: datetime) -> datetime:
    """When a value was measured: ``now`` for None, else an aware datetime or ISO-8601
    text with an offset or Z. A time without a zone is refused rather than guessed."""
    if raw is None or raw == "":
        return now
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise KpiInputError(
                f"{raw.strip()[:40]!r} is not an ISO-8601 time (e.g. 2026-03-02T09:00:00Z)"
            ) from None
    else:
        raise KpiInputError("measured_at is not an ISO-8601 time")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise KpiInputError(
            f"{moment.isoformat()} has no time zone: add Z (UTC) or an offset such as +02:00"
        )
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = EARLIEST - timedelta(days=1)
    if moment < EARLIEST:
        # a backup (the workspace file) takes no time before this
        raise KpiInputError(f"{raw} is before {EARLIEST:%Y}")
    if moment > now + FUTURE_SKEW:
        raise KpiInputError(f"{moment:%Y-%m-%d %H:%M} UTC is in the future")
    return moment


def check_kpi_definition(
    name: str, unit: str = "", direction: str | None = None, target: object = None
) -> KpiDefinition | None:
    """A KPI as an admin gave it; None when it has no name (the objective is not
    measured). The direction is required with a name; the target must be a number."""
    name = " ".join(name.split())
    unit = " ".join(unit.split())
    if not name:
        if unit or direction or target not in (None, ""):
            raise KpiInputError("Name the KPI, or leave its unit, direction and target empty.")
        return None
    if len(name) > MAX_NAME_CHARS:
        raise KpiInputError(f"Keep a KPI's name under {MAX_NAME_CHARS} characters.")
    if len(unit) > MAX_UNIT_CHARS:
        raise KpiInputError(f"Keep a KPI's unit under {MAX_UNIT_CHARS} characters.")
    if direction not in DIRECTIONS:
        raise KpiInputError("Say which way is better for the KPI: up or down.")
    goal = None if target in (None, "") else parse_kpi_number(target)
    return KpiDefinition(name, unit, direction, goal)


def kpi_of(objective: Objective) -> KpiDefinition | None:
    if not objective.kpi_name or objective.kpi_direction not in DIRECTIONS:
        return None
    return KpiDefinition(
        objective.kpi_name, objective.kpi_unit or "", objective.kpi_direction, objective.kpi_target
    )


def set_kpi(objective: Objective, kpi: KpiDefinition | None) -> None:
    objective.kpi_name = kpi.name if kpi else None
    objective.kpi_unit = (kpi.unit or None) if kpi else None
    objective.kpi_direction = kpi.direction if kpi else None
    objective.kpi_target = kpi.target if kpi else None


def kpi_record(kpi: KpiDefinition | None) -> dict[str, object] | None:
    """The KPI as the audit log keeps it."""
    return asdict(kpi) if kpi else None


def record_kpi_values(
    uow: UnitOfWork, measurements: Sequence[KpiMeasurement], source: str, now: datetime
) -> RecordedKpis:
    """Check every value, then store them all; a refusal (KpiInputError, naming the
    first bad one by its ``where``) stores none.

    A value for an objective and instant that already has one changes nothing, so
    sending the same values again (a re-imported file, a retried request) is harmless.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown KPI source {source!r}")
    if not measurements:
        raise KpiInputError("No values to record.")
    objectives = {o.name: o for o in uow.objectives.list_active()}
    checked: list[KpiValueToAdd] = []
    names: list[str] = []
    for measurement in measurements:
        try:
            objective = _measured_objective(objectives, measurement.objective)
            number = parse_kpi_number(measurement.value)
            moment = parse_measured_at(measurement.measured_at, now)
        except KpiInputError as error:
            where = f"{measurement.where}: " if measurement.where else ""
            raise KpiInputError(f"{where}{error}") from None
        checked.append(KpiValueToAdd(objective.id, number, moment, source))
        names.append(objective.name)
    stored = uow.kpi_values.add_all_once(checked)
    return RecordedKpis(stored, len(checked) - stored, tuple(dict.fromkeys(names)))


def _measured_objective(objectives: dict[str, Objective], name: object) -> Objective:
    wanted = " ".join(str(name or "").split())
    if not wanted:
        raise KpiInputError("the objective is missing")
    objective = objectives.get(wanted) or next(
        (o for o in objectives.values() if o.name.casefold() == wanted.casefold()), None
    )
    if objective is None:
        measured = sorted(name for name, o in objectives.items() if kpi_of(o) is not None)
        known = (
            f"measured ones: {', '.join(f'“{name}”' for name in measured)}"
            if measured
            else "no objective has a KPI yet"
        )
        raise KpiInputError(f"there is no objective “{wanted[:150]}” ({known})")
    if kpi_of(objective) is None:
        raise KpiInputError(
            f"objective “{objective.name}” has no KPI: an admin defines one in "
            "`/roadmap objectives`"
        )
    return objective


def read_kpi_csv(text: str) -> list[KpiMeasurement]:
    """The rows of a CSV with the header ``objective,value,measured_at``, each named by
    its line; a missing column or an empty file is refused."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise KpiInputError("the file is empty: its first line is objective,value,measured_at")
    columns = [column.strip().lower() for column in header]
    missing = [column for column in CSV_COLUMNS if column not in columns]
    if missing:
        raise KpiInputError(
            f"line 1: the header lacks {', '.join(missing)} (expected objective,value,measured_at)"
        )
    at = {column: columns.index(column) for column in CSV_COLUMNS}
    rows: list[KpiMeasurement] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            where = f"line {reader.line_num}"
            if len(row) < len(columns):
                raise KpiInputError(f"{where}: {len(row)} columns, the header has {len(columns)}")
            moment = row[at["measured_at"]].strip()
            if not moment:
                raise KpiInputError(f"{where}: measured_at is empty (a file's values need a time)")
            rows.append(KpiMeasurement(row[at["objective"]], row[at["value"]], moment, where))
    except csv.Error as error:
        raise KpiInputError(f"line {reader.line_num}: {error}") from None
    if not rows:
        raise KpiInputError("the file has a header and no values")
    return rows


def objective_kpi_views(
    uow: UnitOfWork,
    since: datetime,
    now: datetime,
    roadmap: Sequence[RoadmapEntry] = (),
    domain_id: int | None = None,
) -> tuple[ObjectiveKpiView, ...]:
    """Each active objective with a KPI: its latest value (as of ``now``), the value it had
    at ``since`` (for the change over the period), and the best-ranked themes of
    ``roadmap`` that serve it. Heaviest objectives first; for a domain, the objectives of
    the whole workspace and its own (those its roadmap is weighed against)."""
    values = uow.kpi_values
    views: list[ObjectiveKpiView] = []
    for objective in uow.objectives.list_active():
        kpi = kpi_of(objective)
        if kpi is None or (domain_id is not None and objective.domain_id not in (None, domain_id)):
            continue
        latest = values.latest_at_or_before(objective.id, now)
        before = values.latest_at_or_before(objective.id, since)
        serving = tuple(
            (entry.theme_id, entry.label)
            for entry in roadmap
            if any(name == objective.name for name, _strength in entry.objectives)
        )[:SERVING_SHOWN]
        views.append(
            ObjectiveKpiView(
                objective=objective.name,
                kpi=kpi,
                latest=latest.value if latest else None,
                latest_at=latest.measured_at if latest else None,
                previous=before.value if before else None,
                serving=serving,
                period_start=since,
            )
        )
    return tuple(views)


def objective_kpi_stats(
    uow: UnitOfWork,
    since: datetime,
    now: datetime,
    config: ScoringConfig | None = None,
    anonymity: int = DEFAULT_THRESHOLD,
) -> tuple[ObjectiveKpiView, ...]:
    """The objectives' KPIs over a period, with the ranked themes serving each (for
    `/roadmap stats`, which has no roadmap at hand); the roadmap is built only when an
    objective has a KPI."""
    if not any(kpi_of(o) for o in uow.objectives.list_active()):
        return ()
    roadmap = build_roadmap(uow, now, config, anonymity=anonymity)
    return objective_kpi_views(uow, since, now, roadmap)
