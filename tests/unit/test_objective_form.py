"""The objectives modal's fields, read into changes: block ids the modal did not make are
skipped rather than failing the whole submission, and an id too large is refused clearly."""

from __future__ import annotations

import pytest

from bot.services.errors import InvalidInputError
from bot.slack.blocks.objectives import parse_objectives


def _text(value: str) -> dict[str, dict[str, str]]:
    return {"input": {"type": "plain_text_input", "value": value}}


def test_odd_block_ids_are_skipped() -> None:
    values = {
        "objective:7:name": _text("Ship faster"),
        "objective:7:weight": _text("3"),
        "objective:abc:name": _text("not ours"),
        "objective:²:name": _text("not ours either"),
    }
    [(objective_id, change)] = parse_objectives(values)
    assert (objective_id, change.name, change.weight) == (7, "Ship faster", 3.0)


def test_an_id_too_large_for_its_column_is_refused_as_invalid_input() -> None:
    with pytest.raises(InvalidInputError):
        parse_objectives({"objective:99999999999:name": _text("far too large")})
