"""The objectives modal: edit, reweight and retire each objective, or add a new one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.slack.blocks.elements import Block, context, plain, section
from bot.slack.blocks.feedback import input_block
from bot.slack.blocks.ids import OBJECTIVES_MODAL

MAX_EDITABLE = 12
NEW = "new"


@dataclass(frozen=True)
class ObjectiveRow:
    id: int
    name: str
    description: str
    weight: float
    keywords: tuple[str, ...]


def field_block(objective_key: str, field: str) -> str:
    return f"objective:{objective_key}:{field}"


def text_input(
    objective_key: str,
    field: str,
    label: str,
    value: str,
    *,
    multiline: bool = False,
    optional: bool = True,
    max_length: int = 150,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": field,
        "max_length": max_length,
        "multiline": multiline,
    }
    if value:
        element["initial_value"] = value[:max_length]
    return input_block(field_block(objective_key, field), label, element, optional=optional)


def weight_input(objective_key: str, value: float | None) -> Block:
    element: Block = {
        "type": "number_input",
        "action_id": "weight",
        "is_decimal_allowed": True,
        "min_value": "0",
        "max_value": "10",
    }
    if value is not None:
        element["initial_value"] = f"{value:g}"
    return input_block(
        field_block(objective_key, "weight"),
        "Weight (0–10)",
        element,
        optional=objective_key == NEW,
    )


def objectives_modal(objectives: Sequence[ObjectiveRow]) -> Block:
    blocks: list[Block] = [
        context(
            "Themes are scored against these objectives, each times its weight. "
            "Weights are relative: 2 counts twice as much as 1."
        )
    ]
    for objective in objectives[:MAX_EDITABLE]:
        key = str(objective.id)
        blocks.extend(
            [
                {"type": "divider"},
                text_input(key, "name", "Name", objective.name, optional=False),
                text_input(
                    key,
                    "description",
                    "Description",
                    objective.description,
                    multiline=True,
                    max_length=1000,
                ),
                text_input(
                    key,
                    "keywords",
                    "Keywords (comma-separated)",
                    ", ".join(objective.keywords),
                    max_length=500,
                ),
                weight_input(key, objective.weight),
                input_block(
                    field_block(key, "retire"),
                    "Retire",
                    {
                        "type": "checkboxes",
                        "action_id": "retire",
                        "options": [{"text": plain("Retire this objective"), "value": "retire"}],
                    },
                    optional=True,
                ),
            ]
        )
    blocks.extend(
        [
            {"type": "divider"},
            section("*Add an objective* (leave empty to add none)"),
            text_input(NEW, "name", "Name", ""),
            text_input(NEW, "description", "Description", "", multiline=True, max_length=1000),
            text_input(NEW, "keywords", "Keywords (comma-separated)", "", max_length=500),
            weight_input(NEW, None),
        ]
    )
    return {
        "type": "modal",
        "callback_id": OBJECTIVES_MODAL,
        "title": plain("Business objectives", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }
