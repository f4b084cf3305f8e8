"""Driver blocks: a DM without drivers is as before, one with them stays short and one
click per question, names are escaped, and the admin list and modal are valid Block Kit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.services.driver_views import IMPORTANCE, SATISFACTION, DriverQuestion, DriverSummary
from bot.services.pulses.views import AnswerView
from bot.slack.blocks import drivers, pulse

BUILD = DriverQuestion(7, "Build <!here> speed", "Builds are fast & green.", ask_importance=True)
DOCS = DriverQuestion(8, "Docs", "I find the docs I need.", satisfaction=2)


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for block in blocks:
        Block.parse(block).validate_json()
    return blocks


def answer_rows(blocks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        b["block_id"]: b["elements"]
        for b in blocks
        if b["type"] == "actions" and b.get("block_id", "").startswith("driver_")
    }


def test_a_dm_without_drivers_is_unchanged() -> None:
    assert pulse.pulse_dm_blocks(3, "Q?", 5, drivers=()) == pulse.pulse_dm_blocks(3, "Q?", 5)
    assert drivers.driver_question_blocks(3, ()) == []


def test_driver_questions_are_one_click_with_importance_only_when_due() -> None:
    blocks = valid(pulse.pulse_dm_blocks(3, "Q?", 5, drivers=(BUILD, DOCS)))
    rows = answer_rows(blocks)
    assert set(rows) == {"driver_7_satisfaction", "driver_7_importance", "driver_8_satisfaction"}
    for elements in rows.values():
        assert [e["text"]["text"] for e in elements] == ["1", "2", "3", "4", "5"]
    assert rows["driver_7_importance"][0]["value"] == "3:7:1"
    assert [e.get("style") for e in rows["driver_8_satisfaction"]][1] == "primary"
    assert "&lt;!here&gt;" in str(blocks)
    assert "&amp;" in str(blocks)
    assert len(blocks) <= 12  # the main question, two drivers, the notes: still short


def test_the_thank_you_shows_the_driver_choices() -> None:
    answer = AnswerView(3, "Q?", 4, None, None, None, datetime(2026, 3, 9, tzinfo=UTC), (DOCS,))
    rows = answer_rows(valid(pulse.thank_you_blocks(answer)))
    assert [e.get("style") for e in rows["driver_8_satisfaction"]] == [
        None,
        "primary",
        None,
        None,
        None,
    ]


def test_button_values_and_kinds_read_back() -> None:
    assert drivers.parse_driver_value("3:7:5") == (3, 7, 5)
    for bad in (None, "", "3:7", "3:7:x", "3:7:5:1", "-1:7:5"):
        assert drivers.parse_driver_value(bad) is None
    assert drivers.kind_of("driver_satisfaction_4") == SATISFACTION
    assert drivers.kind_of("driver_importance_1") == IMPORTANCE
    assert drivers.kind_of("pulse_score_4") is None


def test_admin_list_and_modal_are_valid() -> None:
    listed = [
        DriverSummary(1, "build_speed", "Build speed", "Fast builds.", True),
        DriverSummary(2, "docs", "Docs <b>", "", False),
    ]
    text = str(valid(drivers.drivers_blocks(listed)))
    assert "retired" in text
    assert "Add a driver" in text
    for shown in (None, listed[0], listed[1]):
        modal = drivers.driver_modal(shown)
        View(**modal).validate_json()
    values = {
        "name": {"name": {"value": "Docs"}},
        "description": {"description": {"value": "I find them."}},
        "retired": {"retired": {"selected_options": [{"value": "yes"}]}},
    }
    parsed = drivers.parse_driver(values)
    assert (parsed.name, parsed.description, parsed.retired) == ("Docs", "I find them.", True)
