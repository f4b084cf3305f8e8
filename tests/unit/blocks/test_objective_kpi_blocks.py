"""The objectives' KPIs in Block Kit: the digest's "Objectives" section and `/roadmap
stats` (latest value, change read with the KPI's direction, distance to target, themes
serving it), and the KPI fields of the Objectives modal, read back with their errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from slack_sdk.models.views import View

from bot.cli.terminal import print_digest
from bot.services.digest_views import (
    DigestView,
    ObjectiveKpiView,
    ProductKpis,
    TimeToMarket,
    TimeToMarketFigures,
)
from bot.services.roadmap.views import KpiDefinition, ObjectiveSummary
from bot.slack.blocks.digest import MAX_BLOCKS, digest_blocks
from bot.slack.blocks.objective_kpis import number, objective_kpi_line
from bot.slack.blocks.objectives import (
    MAX_EDITABLE,
    ObjectiveFieldError,
    objectives_modal,
    parse_objectives,
)
from bot.slack.blocks.roadmap import stats_blocks
from tests.integration.app.checks import all_text, valid_blocks, valid_view

NOW = datetime(2026, 5, 4, 9, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)
LEAD = KpiDefinition("Lead time", "days", "down", 3.0)
TEAMS = KpiDefinition("Teams onboarded", "teams", "up", 20.0)
METRICS = ProductKpis(
    TimeToMarket(TimeToMarketFigures(0, None, None, None, 0, 0, None)), 3, 0, None, 0
)


def kpi_view(
    kpi: KpiDefinition, latest: float | None, previous: float | None, **more: object
) -> ObjectiveKpiView:
    values: dict = {
        "objective": "Ship faster" if kpi is LEAD else "Adoption",
        "kpi": kpi,
        "latest": latest,
        "latest_at": NOW - timedelta(days=1) if latest is not None else None,
        "previous": previous,
        "period_start": SINCE,
    }
    return ObjectiveKpiView(**(values | more))


def test_lines_read_the_change_with_the_direction() -> None:
    lower = objective_kpi_line(
        kpi_view(LEAD, 4.2, 5.0, serving=((12, "Remote build cache"),)), "since the last digest"
    )
    assert "*Ship faster* — Lead time: *4.2 days*" in lower
    assert "↓ 0.8 days since the last digest, *better*" in lower
    assert "1.2 days to target 3 days" in lower
    assert "Served by #12 Remote build cache" in lower
    fewer = objective_kpi_line(kpi_view(TEAMS, 9, 12), "in 30 days")
    assert "↓ 3 teams in 30 days, *worse*" in fewer
    met = objective_kpi_line(kpi_view(TEAMS, 21, 21), "since the last digest")
    assert "unchanged since the last digest" in met
    assert "target 20 teams met" in met
    stale = objective_kpi_line(kpi_view(LEAD, 4, 4, latest_at=SINCE - timedelta(days=3)), "x")
    assert "no new value since <!date^" in stale
    assert "no value yet" in objective_kpi_line(kpi_view(LEAD, None, None), "x")
    assert [number(v) for v in (1234.5, 0.125, 3.0, -0.001)] == ["1,234.5", "0.12", "3", "0"]


def test_user_text_is_escaped() -> None:
    odd = ObjectiveKpiView(
        "<!channel> & co", KpiDefinition("<@U1>", "<b>", "up", None), 1.0, NOW, None
    )
    line = objective_kpi_line(odd, "x")
    assert "<!channel>" not in line
    assert "<@U1>" not in line


def digest(objectives: tuple[ObjectiveKpiView, ...]) -> DigestView:
    return DigestView(
        title="Platform roadmap",
        period_label="27 Apr – 4 May 2026",
        entries=(),
        total_themes=0,
        shipped=(),
        planned=(),
        kpis=METRICS,
        generated_at=NOW,
        since=SINCE,
        objectives=objectives,
    )


def test_the_digest_has_an_objectives_section_only_when_one_is_measured() -> None:
    assert "Objectives" not in all_text(digest_blocks(digest(())))
    many = tuple(
        kpi_view(LEAD if i % 2 else TEAMS, i, i + 1, objective=f"Objective {i}") for i in range(8)
    )
    blocks = valid_blocks(digest_blocks(digest(many)))
    assert len(blocks) <= MAX_BLOCKS
    text = all_text(blocks)
    assert "*Objectives*" in text
    assert "Objective 4" in text
    assert "Objective 5" not in text
    assert "and 3 more" in text


def test_stats_list_the_objectives() -> None:
    blocks = valid_blocks(stats_blocks(METRICS, 30, (kpi_view(LEAD, 4.2, 5.0),)))
    assert "↓ 0.8 days in 30 days, *better*" in all_text(blocks)
    assert "Objectives" not in all_text(valid_blocks(stats_blocks(METRICS, 30)))


def test_the_modal_shows_each_kpi_and_fits_slack_limits() -> None:
    objectives = [
        ObjectiveSummary(i, f"Objective {i}", "", 1.0, (), LEAD if i == 1 else None)
        for i in range(1, MAX_EDITABLE + 3)
    ]
    modal = valid_view(objectives_modal(objectives))
    assert len(modal["blocks"]) <= 100
    View(**modal).validate_json()
    fields = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert fields["objective:1:kpi_name"]["initial_value"] == "Lead time"
    assert fields["objective:1:kpi_unit"]["initial_value"] == "days"
    assert fields["objective:1:kpi_direction"]["initial_option"]["value"] == "down"
    assert fields["objective:1:kpi_target"]["initial_value"] == "3"
    assert "initial_option" not in fields["objective:2:kpi_direction"]
    assert "objective:new:kpi_name" in fields


def state(
    name: str = "", unit: str = "", direction: str | None = None, target: str | None = None
) -> dict:
    return {
        "objective:4:name": {"name": {"type": "plain_text_input", "value": "Ship faster"}},
        "objective:4:kpi_name": {"kpi_name": {"type": "plain_text_input", "value": name or None}},
        "objective:4:kpi_unit": {"kpi_unit": {"type": "plain_text_input", "value": unit or None}},
        "objective:4:kpi_direction": {
            "kpi_direction": {
                "type": "static_select",
                "selected_option": {"value": direction} if direction else None,
            }
        },
        "objective:4:kpi_target": {"kpi_target": {"type": "number_input", "value": target}},
    }


def test_the_modal_reads_a_kpi_back() -> None:
    [(objective_id, change)] = parse_objectives(state("Lead time", "days", "down", "2.5"))
    assert objective_id == 4
    assert change.kpi == KpiDefinition("Lead time", "days", "down", 2.5)
    [(_, cleared)] = parse_objectives(state())
    assert cleared.kpi is None


@pytest.mark.parametrize(
    ("fields", "block", "message"),
    [
        ({"name": "Lead time"}, "objective:4:kpi_direction", "which way is better"),
        ({"unit": "days"}, "objective:4:kpi_name", "Name the KPI"),
        (
            {"name": "Lead time", "direction": "up", "target": "soon"},
            "objective:4:kpi_target",
            "Use a number",
        ),
        (
            {"name": "Lead time", "direction": "up", "target": "nan"},
            "objective:4:kpi_target",
            "Use a number",
        ),
    ],
)
def test_the_modal_tells_what_is_wrong_on_the_field(fields: dict, block: str, message: str) -> None:
    with pytest.raises(ObjectiveFieldError) as refused:
        parse_objectives(state(**fields))
    assert refused.value.block_id == block
    assert message in refused.value.message


def test_the_terminal_digest_lists_them_in_plain_text() -> None:
    console = Console(record=True, width=200)
    odd = kpi_view(LEAD, 4.2, 5.0, objective="R&D <fast>", serving=((12, "Remote cache"),))
    print_digest(digest((odd,)), console)
    shown = console.export_text()
    assert "Objectives" in shown
    assert "• R&D <fast> — Lead time: 4.2 days · ↓ 0.8 days since the last digest, better" in shown
    assert "Served by #12 Remote cache" in shown
