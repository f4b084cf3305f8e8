"""`pulseboard import` and `pulseboard export`."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    configured_scoring,
    database_or_fail,
    settings_or_fail,
    stderr,
    stdout,
    workspace_unit,
)
from bot.cli.outcome_export import moment, outcome_cell, outcome_record
from bot.cli.spreadsheet import FormulaSafeWriter
from bot.services.digest_views import ObjectiveKpiView, ProductKpis, TimeToMarketFigures
from bot.services.errors import UserFacingError
from bot.services.kpis import compute_kpis
from bot.services.objective_kpis import objective_kpi_stats
from bot.services.pulses.export import INDIVIDUAL_ANSWERS_WARNING, without_individual_answers
from bot.services.roadmap.outcomes import with_outcomes
from bot.services.roadmap.ranking import build_roadmap
from bot.services.roadmap.views import Delivery, RoadmapEntry
from bot.services.workspace.file import WorkspaceFile, WorkspaceFileError, read_file_bytes
from bot.services.workspace.transfer import export_workspace, import_workspace
from storage.unit_of_work import unit_of_work


def run_import(args: argparse.Namespace) -> int:
    """Load the file, all of it or (on any problem) nothing, with a one-line error."""
    settings = settings_or_fail()
    try:
        data = WorkspaceFile.model_validate_json(read_file_bytes(args.file, args.max_mb))
    except WorkspaceFileError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        more = error.error_count() - 1
        raise CommandError(
            f"{args.file} is not a workspace file: {where}: {first['msg']}"
            + (f" (and {more} more problems)" if more else ""),
            EXIT_USAGE,
        ) from None
    sessions = database_or_fail(settings.database_url, create=True)
    scoring = configured_scoring(settings)
    try:
        with unit_of_work(sessions, data.workspace.id) as uow:
            report = import_workspace(uow, data, scoring)
    except WorkspaceFileError as error:
        raise CommandError(f"{args.file}: {error}; nothing was imported", EXIT_USAGE) from None
    except SQLAlchemyError as error:
        raise CommandError(
            f"the database refused the import ({_first_line(error)}); nothing was imported"
        ) from None
    stdout.print(
        f"Imported workspace {report.workspace_id}: {report.requests} new requests "
        f"({report.requests_skipped} already there), {report.votes} votes, "
        f"{report.pulse_answers} pulse answers; {report.regroup.themes} themes.",
        highlight=False,
    )
    return EXIT_OK


def _first_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0][:200]}" if text else type(cause).__name__


def run_export(args: argparse.Namespace) -> int:
    if args.include_individual_answers and args.format != "workspace":
        raise CommandError(
            "--include-individual-answers goes only with --format workspace", EXIT_USAGE
        )
    settings = settings_or_fail()
    now = datetime.now(UTC)
    with workspace_unit(settings, args.workspace) as uow:
        if args.format == "workspace":
            try:
                exported = export_workspace(uow)
            except UserFacingError as error:
                raise CommandError(str(error)) from None
            if args.include_individual_answers:
                stderr.print(INDIVIDUAL_ANSWERS_WARNING, highlight=False)
            else:
                exported = without_individual_answers(uow, exported, settings.pulse_anonymity, now)
            text = exported.model_dump_json(indent=2)
        elif args.format == "stats":
            since = now - timedelta(days=args.days)
            kpis = compute_kpis(uow, since, now, settings.pulse_anonymity)
            objectives = objective_kpi_stats(
                uow, since, now, configured_scoring(settings), settings.pulse_anonymity
            )
            text = stats_json(kpis, args.days, now, objectives)
        else:
            scoring = configured_scoring(settings)
            entries = build_roadmap(
                uow, now, scoring, active_only=False, anonymity=settings.pulse_anonymity
            )
            entries = with_outcomes(uow, entries, now, settings.pulse_anonymity, scoring)
            text = roadmap_csv(entries) if args.format == "csv" else roadmap_json(entries)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        stderr.print(f"Wrote {args.format} to {args.output}", highlight=False)
    else:
        print(text)
    return EXIT_OK


def entry_record(entry: RoadmapEntry) -> dict[str, Any]:
    return {
        "position": entry.position,
        "theme_id": entry.theme_id,
        "label": entry.label,
        "status": entry.status,
        "score": round(entry.score, 4),
        "why": entry.why,
        "requesters": entry.requesters,
        "voters": entry.voters,
        "backers": entry.backers,
        "domains": list(entry.domains),
        "objectives": [{"name": n, "strength": s} for n, s in entry.objectives],
        "effort": entry.effort,
        "time_to_market": delivery_record(entry.delivery),
        "drivers": list(entry.drivers),
        "did_it_help": outcome_record(entry.outcome),
        "breakdown": [
            {
                "component": c.name,
                "value": round(c.value, 4),
                "weight": c.weight,
                "contribution": round(c.contribution, 4),
                "detail": c.detail,
            }
            for c in entry.components
        ],
    }


def stats_json(
    kpis: ProductKpis,
    days: int,
    now: datetime,
    objectives: Sequence[ObjectiveKpiView] = (),
) -> str:
    """`/roadmap stats` as JSON: time-to-market overall and per domain, with the period
    before, the period's activity, and each objective's KPI."""

    def market(figures: TimeToMarketFigures) -> dict[str, Any]:
        return {
            name: round(value, 2) if isinstance(value, float) else value
            for name, value in asdict(figures).items()
        } | {"change_in_days": _rounded(figures.change_in_days)}

    record = {
        "period_days": days,
        "until": moment(now),
        "requests_logged": kpis.requests_this_period,
        "themes_shipped": kpis.themes_shipped_this_period,
        "time_to_market": market(kpis.time_to_market.overall),
        "time_to_market_by_domain": {
            name: market(figures) for name, figures in kpis.time_to_market.by_domain
        },
        "satisfaction": kpis.satisfaction,
        "satisfaction_answers": kpis.satisfaction_answers,
        "objectives": [
            {
                "objective": view.objective,
                "kpi": view.kpi.name,
                "unit": view.kpi.unit,
                "direction": view.kpi.direction,
                "target": view.kpi.target,
                "latest": view.latest,
                "latest_at": moment(view.latest_at),
                "at_period_start": view.previous,
                "change": _rounded(view.change),
                "verdict": view.verdict,
                "themes_serving": [theme_id for theme_id, _ in view.serving],
            }
            for view in objectives
        ],
    }
    return json.dumps(record, ensure_ascii=False, indent=2)


def _rounded(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def delivery_record(delivery: Delivery | None) -> dict[str, Any]:
    """A theme's time to market; null where it has not happened or no linked item tells."""
    delivery = delivery or Delivery(None, None, None)
    return {
        "first_asked_at": moment(delivery.first_asked_at),
        "work_started_at": moment(delivery.work_started_at),
        "shipped_at": moment(delivery.shipped_at),
        "days_to_start": _rounded(delivery.days_to_start),
        "days_in_work": _rounded(delivery.days_in_work),
        "days_to_ship": _rounded(delivery.days_to_ship),
    }


def roadmap_json(entries: list[RoadmapEntry]) -> str:
    return json.dumps([entry_record(e) for e in entries], ensure_ascii=False, indent=2)


TIME_TO_MARKET_COLUMNS = (
    "first_asked_at",
    "work_started_at",
    "shipped_at",
    "days_to_start",
    "days_in_work",
    "days_to_ship",
)


def roadmap_csv(entries: list[RoadmapEntry]) -> str:
    """The ranking as CSV; every text cell is safe to open in a spreadsheet (and None is
    an empty cell)."""
    components = sorted({c.name for e in entries for c in e.components})
    out = io.StringIO()
    writer = FormulaSafeWriter(out)
    writer.writerow(
        [
            "position",
            "theme_id",
            "label",
            "status",
            "score",
            "why",
            "requesters",
            "voters",
            "domains",
            "objectives",
            "effort",
            *TIME_TO_MARKET_COLUMNS,
            "drivers",
            "did_it_help",
            *(f"{name}_contribution" for name in components),
        ]
    )
    for entry in entries:
        contributions = {c.name: round(c.contribution, 4) for c in entry.components}
        writer.writerow(
            [
                entry.position,
                entry.theme_id,
                entry.label,
                entry.status,
                round(entry.score, 4),
                entry.why,
                entry.requesters,
                entry.voters,
                ";".join(entry.domains),
                ";".join(f"{n} ({s})" for n, s in entry.objectives),
                entry.effort or "",
                *(delivery_record(entry.delivery)[c] for c in TIME_TO_MARKET_COLUMNS),
                ";".join(entry.drivers),
                outcome_cell(entry.outcome),
                *(contributions.get(name, "") for name in components),
            ]
        )
    return out.getvalue().rstrip("\n")
