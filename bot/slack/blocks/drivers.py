"""Drivers: their questions in a pulse DM (one click each), the admin's list with Edit and
Add, and the one-driver modal with its fields read back.

A driver button's ``value`` is ``"round:driver:answer"``, so a click is self-contained;
its action id says the kind (satisfaction or importance) and, like the main score's,
ends with the answer, which the info-level log drops (bot/services/pulses/anonymity.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.services.driver_views import (
    IMPORTANCE,
    SATISFACTION,
    DriverInput,
    DriverQuestion,
    DriverSummary,
)
from bot.services.pulses.anonymity import DRIVER_IMPORTANCE_PREFIX, DRIVER_SATISFACTION_PREFIX
from bot.slack.blocks.elements import (
    AdminList,
    Block,
    admin_list_blocks,
    context,
    form_modal,
    input_block,
    one_to_five,
    plain,
    retire_checkbox,
    section,
)
from bot.slack.blocks.ids import DRIVER_ADD_ACTION, DRIVER_EDIT_ACTION, DRIVERS_MODAL
from bot.slack.blocks.text import safe
from bot.slack.state import own_field
from bot.slack.validation import whole_number

PREFIXES = {SATISFACTION: DRIVER_SATISFACTION_PREFIX, IMPORTANCE: DRIVER_IMPORTANCE_PREFIX}
DRIVERS_LEAD = "_Optional, one click each:_ how is it going with…"
SATISFACTION_HINT = "1 = painful · 5 = great"
IMPORTANCE_PROMPT = "How much does it matter to you? (asked once a quarter) 1 = hardly · 5 = a lot"
NAME, DESCRIPTION, RETIRED = "name", "description", "retired"


# --- in the pulse DM --------------------------------------------------------------------


def kind_of(action_id: str) -> str | None:
    """The answer kind a driver button's action id stands for."""
    return next((kind for kind, p in PREFIXES.items() if action_id.startswith(p)), None)


def parse_driver_value(value: str | None) -> tuple[int, int, int] | None:
    """``"round:driver:answer"`` back into ints; None when malformed."""
    parts = (value or "").split(":")
    numbers = [whole_number(part) for part in parts]
    if len(parts) != 3 or any(n is None for n in numbers):
        return None
    round_id, driver_id, answer = (int(n) for n in numbers if n is not None)
    return round_id, driver_id, answer


def answer_buttons(round_id: int, question: DriverQuestion, kind: str) -> Block:
    chosen = question.satisfaction if kind == SATISFACTION else question.importance
    driver_id = question.driver_id
    return one_to_five(
        PREFIXES[kind], f"{round_id}:{driver_id}", chosen, f"driver_{driver_id}_{kind}"
    )


def driver_question_blocks(round_id: int, drivers: Sequence[DriverQuestion]) -> list[Block]:
    """The DM's driver questions: per driver, its satisfaction buttons and, when due, the
    importance buttons under them (nothing when there are no drivers)."""
    if not drivers:
        return []
    blocks: list[Block] = [context(DRIVERS_LEAD)]
    for question in drivers:
        blocks.append(
            section(
                f"*{safe(question.name, 80)}* — {safe(question.description, 300)}\n"
                f"_{SATISFACTION_HINT}_"
            )
        )
        blocks.append(answer_buttons(round_id, question, SATISFACTION))
        if question.ask_importance:
            blocks.append(context(IMPORTANCE_PROMPT))
            blocks.append(answer_buttons(round_id, question, IMPORTANCE))
    return blocks


# --- the admin's list and modal -----------------------------------------------------------


DRIVERS = AdminList(
    intro="*Drivers* — what shapes developers' days. Each pulse DM asks about two of the "
    "active ones in turn (satisfaction, and once a quarter how much it matters).",
    empty="No drivers: pulses ask only the main question.",
    edit_action=DRIVER_EDIT_ACTION,
    add_label="Add a driver",
    add_action=DRIVER_ADD_ACTION,
)


def drivers_blocks(drivers: Sequence[DriverSummary]) -> list[Block]:
    """`/roadmap drivers`: each driver with Edit, and Add."""
    return admin_list_blocks(DRIVERS, [(driver.id, driver_line(driver)) for driver in drivers])


def driver_line(driver: DriverSummary) -> str:
    line = f"*{safe(driver.name, 80)}*" + (" · _retired_" if not driver.active else "")
    if driver.description:
        line += f"\n{safe(driver.description, 300)}"
    return line


def driver_modal(driver: DriverSummary | None) -> Block:
    """One driver's fields (None: a new one); private_metadata carries its id."""
    name: Block = {"type": "plain_text_input", "action_id": NAME, "max_length": 80}
    description: Block = {
        "type": "plain_text_input",
        "action_id": DESCRIPTION,
        "multiline": True,
        "max_length": 300,
        "placeholder": plain("What a developer lives through, e.g. “I can find the docs I need.”"),
    }
    if driver is not None:
        name["initial_value"] = driver.name
        if driver.description:
            description["initial_value"] = driver.description
    retired = driver is not None and not driver.active
    retire = retire_checkbox(RETIRED, "Retired: no longer asked, answers kept", retired)
    return form_modal(
        DRIVERS_MODAL,
        "Driver" if driver else "New driver",
        {"driver_id": driver.id} if driver else {},
        [
            input_block(NAME, "Name", name),
            input_block(DESCRIPTION, "Description, as the person experiences it", description),
            input_block(RETIRED, "Retire", retire, optional=True),
        ],
    )


def parse_driver(values: dict[str, dict[str, Any]]) -> DriverInput:
    """The submitted modal's fields (``view.state.values``) as a driver change."""
    return DriverInput(
        name=own_field(values, NAME).get("value") or "",
        description=own_field(values, DESCRIPTION).get("value") or "",
        retired=bool(own_field(values, RETIRED).get("selected_options")),
    )
