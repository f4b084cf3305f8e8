"""The objectives modal: edit, reweight and retire each objective, or add a new one, and
give each a measured KPI (name, unit, which way is better, target); and its submitted
fields read back into one change per objective."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bot.services.roadmap.views import KpiDefinition, ObjectiveInput, ObjectiveSummary
from bot.slack.blocks.elements import Block, context, input_block, option, plain, section
from bot.slack.blocks.ids import OBJECTIVES_MODAL
from bot.slack.validation import whole_number

#: Slack's limit for a modal's blocks.
MAX_MODAL_BLOCKS = 100
#: An objective's blocks: divider, name, description, keywords, weight, the KPI's four
#: fields, retire (the new one: a heading instead of retire).
BLOCKS_PER_OBJECTIVE = 10
#: As many objectives as fit beside the intro line and the new objective's blocks.
MAX_EDITABLE = (MAX_MODAL_BLOCKS - 1 - BLOCKS_PER_OBJECTIVE) // BLOCKS_PER_OBJECTIVE
NEW = "new"
WEIGHT_RANGE = "Use a number from 0 to 10."
DIRECTION_WORDS = {"up": "Higher is better", "down": "Lower is better"}
NEEDS_DIRECTION = "Say which way is better for the KPI."
NEEDS_KPI_NAME = "Name the KPI, or leave its unit, direction and target empty."


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


def kpi_inputs(objective_key: str, kpi: KpiDefinition | None) -> list[Block]:
    """The KPI's four fields, each optional: no name, no KPI."""
    direction: Block = {
        "type": "static_select",
        "action_id": "kpi_direction",
        "placeholder": plain("Which way is better?"),
        "options": [option(words, d) for d, words in DIRECTION_WORDS.items()],
    }
    target: Block = {"type": "number_input", "action_id": "kpi_target", "is_decimal_allowed": True}
    if kpi is not None:
        if kpi.direction in DIRECTION_WORDS:
            direction["initial_option"] = option(DIRECTION_WORDS[kpi.direction], kpi.direction)
        if kpi.target is not None:
            target["initial_value"] = f"{kpi.target:g}"
    return [
        text_input(
            objective_key, "kpi_name", "KPI measured (e.g. Lead time)", kpi.name if kpi else ""
        ),
        text_input(
            objective_key,
            "kpi_unit",
            "KPI unit (e.g. days)",
            kpi.unit if kpi else "",
            max_length=40,
        ),
        input_block(
            field_block(objective_key, "kpi_direction"), "KPI direction", direction, optional=True
        ),
        input_block(field_block(objective_key, "kpi_target"), "KPI target", target, optional=True),
    ]


def objectives_modal(objectives: Sequence[ObjectiveSummary]) -> Block:
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
                *kpi_inputs(key, objective.kpi),
                input_block(
                    field_block(key, "retire"),
                    "Retire",
                    {
                        "type": "checkboxes",
                        "action_id": "retire",
                        "options": [option("Retire this objective", "retire")],
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
            *kpi_inputs(NEW, None),
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


class ObjectiveFieldError(Exception):
    """One field of the submitted modal is wrong: told on that field."""

    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


def first_field(values: dict[str, Any]) -> str:
    """Where an error about the whole submission is shown."""
    return next(iter(values), field_block(NEW, "name"))


def parse_objectives(values: dict[str, Any]) -> list[tuple[int | None, ObjectiveInput]]:
    """Read the modal's fields into one change per objective (None id: the new one)."""
    edits: list[tuple[int | None, ObjectiveInput]] = []
    for key, state in objective_fields(values).items():
        name = typed(state, "name").strip()
        if key == NEW and not name:
            continue
        if not name:
            raise ObjectiveFieldError(field_block(key, "name"), "An objective needs a name.")
        keywords = tuple(k.strip() for k in typed(state, "keywords").split(",") if k.strip())
        retire = bool(state.get("retire", {}).get("selected_options"))
        change = ObjectiveInput(
            name,
            typed(state, "description"),
            read_weight(key, typed(state, "weight")),
            keywords,
            active=not retire,
            kpi=read_kpi(key, state),
        )
        edits.append((None if key == NEW else whole_number(key), change))
    return edits


def objective_fields(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each objective's fields by its key (its id, or NEW), from the modal's block ids."""
    fields: dict[str, dict[str, Any]] = {}
    for block_id, inner in values.items():
        parts = block_id.split(":")
        if len(parts) != 3 or parts[0] != "objective":
            continue
        _, key, field = parts
        if key != NEW and whole_number(key) is None:
            continue  # not a block of ours: the modal names each objective by its id
        state: dict[str, Any] = next(iter(inner.values()), {})
        fields.setdefault(key, {})[field] = state
    return fields


def typed(state: dict[str, Any], field: str) -> str:
    """What was typed in one of an objective's fields ("" for nothing)."""
    return state.get(field, {}).get("value") or ""


def read_kpi(key: str, state: dict[str, Any]) -> KpiDefinition | None:
    """The KPI's fields: None when it has no name; a name needs a direction."""
    name = " ".join(typed(state, "kpi_name").split())
    unit = " ".join(typed(state, "kpi_unit").split())
    selected = state.get("kpi_direction", {}).get("selected_option") or {}
    direction = selected.get("value")
    raw_target = typed(state, "kpi_target")
    if not name:
        if unit or direction or raw_target:
            raise ObjectiveFieldError(field_block(key, "kpi_name"), NEEDS_KPI_NAME)
        return None
    if direction not in DIRECTION_WORDS:
        raise ObjectiveFieldError(field_block(key, "kpi_direction"), NEEDS_DIRECTION)
    try:
        target = float(raw_target) if raw_target else None
    except ValueError:
        raise ObjectiveFieldError(field_block(key, "kpi_target"), "Use a number.") from None
    if target is not None and not math.isfinite(target):
        raise ObjectiveFieldError(field_block(key, "kpi_target"), "Use a number.")
    return KpiDefinition(name, unit, direction, target)


def read_weight(key: str, raw: str) -> float:
    try:
        weight = float(raw) if raw else 1.0
    except ValueError:
        raise ObjectiveFieldError(field_block(key, "weight"), WEIGHT_RANGE) from None
    if not 0 <= weight <= 10:
        raise ObjectiveFieldError(field_block(key, "weight"), WEIGHT_RANGE)
    return weight
