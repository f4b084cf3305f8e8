"""`pulseboard kpi record` and `pulseboard kpi import`: values of the objectives' KPIs.

Both go through the service every way in goes through (bot/services/objective_kpis.py),
so a refusal reads the same here, in a CSV and over HTTP; nothing is stored on one.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    settings_or_fail,
    stdout,
    workspace_unit,
)
from bot.services.objective_kpis import (
    KpiInputError,
    KpiMeasurement,
    RecordedKpis,
    read_kpi_csv,
    record_kpi_values,
)
from bot.services.workspace.file import WorkspaceFileError, read_file_bytes

MAX_CSV_MEGABYTES = 16


def run_record(args: argparse.Namespace) -> int:
    measurement = KpiMeasurement(args.objective, args.value, args.at)
    report = _record(args.workspace, [measurement], "cli")
    stdout.print(_summary(report, "value"), highlight=False, markup=False)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    try:
        raw = read_file_bytes(args.file, MAX_CSV_MEGABYTES)
    except WorkspaceFileError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{args.file} is not UTF-8 text", EXIT_USAGE) from None
    try:
        rows = read_kpi_csv(text)
    except KpiInputError as error:
        raise CommandError(f"{args.file}: {error}; nothing was imported", EXIT_USAGE) from None
    report = _record(args.workspace, rows, "csv", f"{args.file}: ")
    stdout.print(_summary(report, "row"), highlight=False, markup=False)
    return EXIT_OK


def _record(
    workspace: str | None, measurements: list[KpiMeasurement], source: str, prefix: str = ""
) -> RecordedKpis:
    try:
        with workspace_unit(settings_or_fail(), workspace) as uow:
            return record_kpi_values(uow, measurements, source, datetime.now(UTC))
    except KpiInputError as error:
        stored = "; nothing was imported" if source == "csv" else "; nothing was recorded"
        raise CommandError(f"{prefix}{error}{stored}", EXIT_USAGE) from None


def _summary(report: RecordedKpis, noun: str) -> str:
    objectives = ", ".join(f"“{name}”" for name in report.objectives)
    stored = f"{report.stored} {noun if report.stored == 1 else noun + 's'}"
    line = f"Recorded {stored} for {objectives}"
    if report.already_there:
        line += f" ({report.already_there} already recorded, left as they were)"
    return line + "."
