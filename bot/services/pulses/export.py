"""What a workspace export may carry of pulse answers.

By default an export holds no individual answer: each pulse round keeps who was asked
and, once it has closed, the figures `/roadmap pulse` would show (the anonymity rules of
bot/services/pulses/anonymity.py applied), with no per-person score, eNPS, comment or
driver answer. The operator flag `export --format workspace --include-individual-answers`
keeps each person's answers (the main question's and the drivers'), for moving a
workspace to another database; that file is as sensitive as the database itself.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.pulses.results import round_result
from bot.services.pulses.views import Figures, RoundFigures
from bot.services.workspace.file import (
    PulseFiguresRecord,
    PulseResultsRecord,
    PulseRoundRecord,
    WorkspaceFile,
)
from storage.unit_of_work import UnitOfWork

INDIVIDUAL_ANSWERS_WARNING = (
    "warning: this export contains each person's pulse answers and comments, which "
    "Pulseboard otherwise never shows to anyone; keep the file as private as the database "
    "and delete it once imported"
)


def figures_record(figures: Figures) -> PulseFiguresRecord:
    return PulseFiguresRecord(
        answers=figures.answers,
        asked=figures.asked,
        average=figures.average,
        distribution=list(figures.distribution) if figures.distribution else None,
        enps=figures.enps,
        enps_answers=figures.enps_answers if figures.enps is not None else 0,
    )


def results_record(figures: RoundFigures) -> PulseResultsRecord:
    return PulseResultsRecord(
        answered=figures.answered,
        asked=figures.asked,
        whole=figures_record(figures.whole) if figures.whole is not None else None,
        domains={name: figures_record(f) for name, f in figures.groups.items()},
        withheld_domains=figures.withheld_groups,
    )


def without_individual_answers(
    uow: UnitOfWork, exported: WorkspaceFile, k: int, now: datetime
) -> WorkspaceFile:
    """The export with each round's answers replaced by its published results."""
    by_start = {r.started_at: r for r in uow.pulses.rounds()}
    rounds: list[PulseRoundRecord] = []
    for record in exported.pulse_rounds:
        pulse_round = by_start.get(record.started_at)
        results = None
        if pulse_round is not None:
            results = results_record(round_result(uow, pulse_round, k, now).figures)
        update: dict[str, object] = {"responses": [], "results": results, "driver_answers": []}
        rounds.append(record.model_copy(update=update))
    return exported.model_copy(update={"pulse_rounds": rounds})
