"""Did it help? in the roadmap exports: a JSON record and a CSV cell per shipped theme,
with only the figures the anonymity rules let show (bot/services/roadmap/outcomes.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.services.pulses.driver_views import Outcome


def moment(value: datetime | None) -> str | None:
    """A moment as the exports write it: ISO-8601 in UTC, with Z; null stays null."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def outcome_record(outcome: Outcome | None) -> dict[str, Any] | None:
    """Did it help? as `/roadmap theme N` shows it (only figures the anonymity rules let
    show); null for a theme that has not shipped."""
    if outcome is None:
        return None
    return {
        "before_round": moment(outcome.before_round),
        "after_round": moment(outcome.after_round),
        "drivers": [
            {
                "driver": found.driver,
                "groups": [
                    {
                        "group": s.group,
                        "before": round(s.before, 2),
                        "after": round(s.after, 2),
                        "unsatisfied_before": round(s.unsatisfied_before, 3),
                        "unsatisfied_after": round(s.unsatisfied_after, 3),
                        "people_before": s.people_before,
                        "people_after": s.people_after,
                    }
                    for s in found.shifts
                ],
            }
            for found in outcome.drivers
        ],
        "note": outcome.note,
    }


def outcome_cell(outcome: Outcome | None) -> str:
    """Did it help? in one cell: "build speed: its requesters 2.1→3.4 (7/8 people); …"."""
    if outcome is None:
        return ""
    if not outcome.drivers:
        return outcome.note
    return "; ".join(
        f"{found.driver}: "
        + ", ".join(
            f"{s.group} {s.before:.1f}→{s.after:.1f} ({s.people_before}/{s.people_after} people)"
            for s in found.shifts
        )
        for found in outcome.drivers
    )
