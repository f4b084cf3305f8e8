"""Driver questions through the real bolt app: a signed click on a driver's 1–5 is one
click, re-renders the DM with the choice, can be changed, and is refused politely once
the round closed; the info-level log names the button without the answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.driver_views import IMPORTANCE, SATISFACTION
from bot.services.pulses.anonymity import DRIVER_SATISFACTION_PREFIX, SCORE_ACTION_PREFIX
from bot.services.pulses.rounds import start_round
from bot.slack.blocks.drivers import PREFIXES
from storage.models import DriverAnswer, OutboxMessage, PulseRound
from storage.repositories.directory import SlackPerson
from storage.unit_of_work import unit_of_work
from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import block_action
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.pulses.helpers import CONFIG, people

TEAM = ids.TEAM_ID


def open_round(app: RunningApp) -> tuple[int, list[dict[str, Any]]]:
    """A round open now with the test user asked; their DM's blocks."""
    now = datetime.now(UTC) - timedelta(minutes=1)
    me = SlackPerson(ids.USER_ID, "alice", "Europe/Berlin", False, False)
    with unit_of_work(app.db.sessions, TEAM) as uow:
        started = start_round(
            uow, CONFIG, now, "drivers", people=[*people(2), me], deliver_at=lambda *a: a[1]
        )
    assert started.round_id is not None
    with app.db.sessions() as session:
        dm = session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"pulse:{started.round_id}:{ids.USER_ID}"
            )
        )
    assert dm is not None
    return started.round_id, valid_blocks(dm.payload["args"]["blocks"])


def driver_button(blocks: list[dict[str, Any]], kind: str, n: int) -> dict[str, Any]:
    """The first driver's button ``n`` of ``kind`` in a DM."""
    return next(
        element
        for block in blocks
        if block["type"] == "actions" and str(block.get("block_id", "")).endswith(f"_{kind}")
        for element in block["elements"]
        if element["action_id"] == f"{PREFIXES[kind]}{n}"
    )


def click(app: RunningApp, button: dict[str, Any], name: str) -> dict[str, Any]:
    request = block_action(
        button["action_id"], button["value"], ids.USER_ID, response_url=app.slack.response_url(name)
    )
    status, _ = app.send(request)
    assert status == 200
    [reply] = app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    return reply.params


def chosen(blocks: list[dict[str, Any]], kind: str) -> list[str]:
    return [
        element["text"]["text"]
        for block in blocks
        if block["type"] == "actions" and str(block.get("block_id", "")).endswith(f"_{kind}")
        for element in block["elements"]
        if element.get("style") == "primary"
    ]


def answers(app: RunningApp) -> list[DriverAnswer]:
    with app.db.sessions() as session:
        return list(session.scalars(select(DriverAnswer).order_by(DriverAnswer.id)))


def test_a_driver_click_is_recorded_and_shown_and_can_change(running_app: RunningApp) -> None:
    round_id, dm = open_round(running_app)
    reply = click(running_app, driver_button(dm, SATISFACTION, 2), "first")
    assert reply["replace_original"] is True
    shown = valid_blocks(reply["blocks"])
    assert chosen(shown, SATISFACTION) == ["2"]
    assert "One click is enough" in all_text(shown)  # main question not answered: still asked
    [row] = answers(running_app)
    assert (row.round_id, row.kind, row.value) == (round_id, SATISFACTION, 2)

    click(running_app, driver_button(dm, IMPORTANCE, 5), "importance")
    reply = click(running_app, driver_button(dm, SATISFACTION, 4), "changed")
    shown = valid_blocks(reply["blocks"])
    assert chosen(shown, SATISFACTION) == ["4"]
    assert chosen(shown, IMPORTANCE) == ["5"]
    assert sorted((a.kind, a.value) for a in answers(running_app)) == [
        (IMPORTANCE, 5),
        (SATISFACTION, 4),
    ]


def test_the_thank_you_keeps_the_driver_questions(running_app: RunningApp) -> None:
    round_id, dm = open_round(running_app)
    score = {"action_id": f"{SCORE_ACTION_PREFIX}3", "value": f"{round_id}:3"}
    thanks = valid_blocks(click(running_app, score, "score")["blocks"])
    assert "*3/5*" in all_text(thanks)
    assert (
        driver_button(thanks, SATISFACTION, 1)["value"]
        == driver_button(dm, SATISFACTION, 1)["value"]
    )
    reply = valid_blocks(click(running_app, driver_button(thanks, SATISFACTION, 1), "d")["blocks"])
    assert "*3/5*" in all_text(reply)  # still the thank-you, now with the driver's choice
    assert chosen(reply, SATISFACTION) == ["1"]


def test_a_driver_click_after_the_round_closed_is_refused_politely(
    running_app: RunningApp,
) -> None:
    round_id, dm = open_round(running_app)
    with unit_of_work(running_app.db.sessions) as uow:
        uow.session.get(PulseRound, round_id).closes_at = datetime.now(UTC) - timedelta(seconds=1)  # type: ignore[union-attr]
    reply = click(running_app, driver_button(dm, SATISFACTION, 5), "late")
    assert reply["replace_original"] is True
    assert "has closed" in all_text(valid_blocks(reply["blocks"]))
    assert answers(running_app) == []


def test_driver_buttons_are_logged_without_the_answer(
    served_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _, dm = open_round(served_app)
    button = driver_button(dm, SATISFACTION, 4)
    click(served_app, button, "logged")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert DRIVER_SATISFACTION_PREFIX.rstrip("_") in logged
    assert button["action_id"] not in logged
