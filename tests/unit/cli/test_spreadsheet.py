"""CSV exports: a cell a person typed never becomes a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pytest

from bot.cli.data import roadmap_csv
from bot.cli.spreadsheet import spreadsheet_cell
from bot.services.roadmap.views import RoadmapEntry
from scoring.models import ScoreComponent

FORMULAS = [
    '=HYPERLINK("https://evil.example","docs")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("typed", FORMULAS)
def test_text_that_starts_like_a_formula_is_prefixed(typed: str) -> None:
    assert spreadsheet_cell(typed) == "'" + typed


@pytest.mark.parametrize("typed", ["CI cache", "", "a=b", "1-2", "'quoted"])
def test_other_text_is_kept_as_typed(typed: str) -> None:
    assert spreadsheet_cell(typed) == typed


def test_numbers_we_compute_stay_numbers_and_text_that_looks_numeric_does_not() -> None:
    assert spreadsheet_cell(-0.0375) == -0.0375
    assert spreadsheet_cell(-3) == -3
    assert spreadsheet_cell("-3") == "'-3"
    assert spreadsheet_cell(True) == "True"
    assert spreadsheet_cell(float("-inf")) == "'-inf"
    assert spreadsheet_cell(None) == ""


def entry(label: str, *, domain: str, objective: str, effort: str, why: str) -> RoadmapEntry:
    return RoadmapEntry(
        theme_id=7,
        position=1,
        label=label,
        status="open",
        score=-0.25,
        why=why,
        trend="new",
        requesters=2,
        voters=0,
        domains=(domain,),
        objectives=((objective, "strong"),),
        effort=effort,
        components=(ScoreComponent("demand", 0.5, 1.0, -0.125, "2 requesters"),),
    )


def test_the_roadmap_csv_neutralises_every_text_cell() -> None:
    rows = list(
        csv.reader(
            io.StringIO(
                roadmap_csv(
                    [
                        entry(
                            FORMULAS[0],
                            domain=FORMULAS[1],
                            objective=FORMULAS[2],
                            effort="@M",
                            why=FORMULAS[4],
                        )
                    ]
                )
            )
        )
    )
    header, row = rows
    cells = dict(zip(header, row, strict=True))
    assert cells["label"] == "'" + FORMULAS[0]
    assert cells["domains"] == "'" + FORMULAS[1]
    assert cells["objectives"].startswith("'-2+3")
    assert cells["effort"] == "'@M"
    assert cells["why"] == "'" + FORMULAS[4]
    assert cells["score"] == "-0.25"
    assert cells["demand_contribution"] == "-0.125"
    text_cells = [v for k, v in cells.items() if k not in {"score", "demand_contribution"}]
    assert not [v for v in text_cells if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
