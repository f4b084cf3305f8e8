"""The audit log, read back: every PM decision with who made it, when, and from what to what."""

from __future__ import annotations

from typing import Any

from bot.services.roadmap.admin import Actor
from bot.services.roadmap.views import TRACKER_NAMES, AuditLine
from storage.models import AuditEntry
from storage.unit_of_work import UnitOfWork

DEFAULT_SHOWN = 20
MAX_SHOWN = 100


def recent_changes(uow: UnitOfWork, actor: Actor, limit: int = DEFAULT_SHOWN) -> list[AuditLine]:
    """The latest ``limit`` changes, newest first (admins only: notes may be internal)."""
    actor.require_admin()
    entries = uow.audit.recent(min(max(limit, 1), MAX_SHOWN))
    return [AuditLine(entry.at, entry.actor, describe(entry)) for entry in entries]


def describe(entry: AuditEntry) -> str:
    """The change in words; an action this version does not know is shown as recorded."""
    details: dict[str, Any] = entry.details or {}
    target = entry.target_id
    if entry.action == "theme.status":
        note = f" — {details['note']}" if details.get("note") else ""
        return f"#{target}: status {_word(details.get('from'))} → {_word(details.get('to'))}{note}"
    if entry.action == "theme.merge":
        moved = len(details.get("requests", []))
        return f"#{target} merged into #{details.get('into')} ({moved} requests moved)"
    if entry.action == "request.split":
        return (
            f"request {target} split from #{details.get('from_theme')} "
            f"into #{details.get('to_theme')} “{details.get('label', '')}”"
        )
    if entry.action == "theme.effort":
        return f"#{target}: effort {details.get('from') or 'none'} → {details.get('to')}"
    if entry.action in ("theme.link", "theme.unlink"):
        verb = "linked to" if entry.action == "theme.link" else "unlinked from"
        tracker = TRACKER_NAMES.get(str(details.get("tracker")), details.get("tracker"))
        return f"#{target} {verb} {tracker} {details.get('item')}"
    if entry.action == "theme.rename":
        return f"#{target} renamed “{details.get('from')}” → “{details.get('to')}”"
    if entry.action.startswith("objective."):
        return _objective(entry.action.removeprefix("objective."), details)
    if entry.action.startswith("domain."):
        return _domain(entry.action.removeprefix("domain."), details)
    return f"{entry.action} {entry.target_type} {target} {details}"


def _objective(verb: str, details: dict[str, Any]) -> str:
    name = details.get("name", "")
    now = f"weight {details.get('weight')}, keywords {', '.join(details.get('keywords', []))}"
    before = details.get("previous")
    if "kpi" in details and (
        details["kpi"] is not None or (isinstance(before, dict) and before.get("kpi"))
    ):
        now += f", KPI {_kpi(details['kpi'])}"
    if verb == "edit" and isinstance(before, dict):
        was = f"“{before.get('name')}”, weight {before.get('weight')}"
        if before.get("kpi") != details.get("kpi", before.get("kpi")):
            was += f", KPI {_kpi(before.get('kpi'))}"
        return f"objective “{name}” edited: was {was}; now {now}"
    words = {"add": "added", "edit": "edited", "retire": "retired"}
    return f"objective “{name}” {words.get(verb, verb)} ({now})"


def _kpi(kpi: object) -> str:
    """A KPI as the audit log kept it (objective_kpis.kpi_record), in a few words."""
    if not isinstance(kpi, dict):
        return "none"
    better = "higher" if kpi.get("direction") == "up" else "lower"
    target = kpi.get("target")
    unit = f" {kpi['unit']}" if kpi.get("unit") else ""
    aim = f", target {target:g}{unit}" if isinstance(target, int | float) else ""
    return f"{kpi.get('name')} ({better} is better{aim})"


def _domain(verb: str, details: dict[str, Any]) -> str:
    name = details.get("name", "")
    before, after = details.get("from") or {}, details.get("to") or {}
    changed = [
        f"{field.replace('_', ' ')} {before.get(field) or 'none'} → {after.get(field) or 'none'}"
        for field in ("name", "owner", "digest_channel")
        if before and before.get(field) != after.get(field)
    ]
    if verb == "add":
        settings = [
            f"{f.replace('_', ' ')} {after[f]}" for f in ("owner", "digest_channel") if after.get(f)
        ]
        return f"domain “{name}” added" + (f" ({', '.join(settings)})" if settings else "")
    words = {"edit": "edited", "retire": "retired", "restore": "restored"}
    return f"domain “{name}” {words.get(verb, verb)}" + (
        f": {'; '.join(changed)}" if changed else ""
    )


def _word(status: object) -> str:
    return str(status).replace("_", " ") if status else "none"
