"""The pulse DM's buttons and `/roadmap pulse` through the real bolt app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services.pulses.rounds import start_round
from bot.slack.blocks import pulse as pulse_blocks
from storage.enums import RequestSource
from storage.models import PulseResponse, PulseRound, Request, User
from storage.unit_of_work import unit_of_work
from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import block_action, slash_command
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.pulses.helpers import CONFIG, people

TEAM = ids.TEAM_ID


def open_round(app: RunningApp, closes_in: timedelta = timedelta(days=7)) -> int:
    now = datetime.now(UTC)
    config = CONFIG.__class__(**{**CONFIG.__dict__, "open_for": closes_in})
    with unit_of_work(app.db.sessions, TEAM) as uow:
        started = start_round(
            uow,
            config,
            now - timedelta(minutes=1),
            "test",
            people=[*people(2), person_for(ids.USER_ID)],
            deliver_at=lambda _z, moment, _d: moment,
        )
    assert started.round_id is not None
    return started.round_id


def person_for(slack_id: str):
    from storage.repositories.directory import SlackPerson

    return SlackPerson(slack_id, "alice", "Europe/Berlin", False, False)


def click(app: RunningApp, action_id: str, value: str, name: str) -> dict:
    status, _ = app.send(
        block_action(action_id, value, ids.USER_ID, response_url=app.slack.response_url(name))
    )
    assert status == 200
    [reply] = app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    return reply.params


def test_score_click_replaces_the_dm_with_a_thank_you(running_app: RunningApp) -> None:
    round_id = open_round(running_app)
    reply = click(running_app, f"{pulse_blocks.SCORE_ACTION_PREFIX}4", f"{round_id}:4", "a")
    assert reply["replace_original"] is True
    assert "*4/5*" in all_text(valid_blocks(reply["blocks"]))
    reply = click(running_app, pulse_blocks.SCORE_ACTION_PREFIX + "2", f"{round_id}:2", "b")
    assert "*2/5*" in all_text(reply["blocks"])
    with running_app.db.sessions() as session:
        [answer] = session.scalars(select(PulseResponse)).all()
    assert answer.score == 2  # changed, still one answer


def test_late_click_gets_a_polite_closed_message(running_app: RunningApp) -> None:
    round_id = open_round(running_app, closes_in=timedelta(seconds=30))
    with unit_of_work(running_app.db.sessions) as uow:
        uow.session.get(PulseRound, round_id).closes_at = datetime.now(UTC) - timedelta(seconds=1)  # type: ignore[union-attr]
    reply = click(running_app, f"{pulse_blocks.SCORE_ACTION_PREFIX}5", f"{round_id}:5", "late")
    assert reply["replace_original"] is True
    assert "has closed" in all_text(valid_blocks(reply["blocks"]))
    with running_app.db.sessions() as session:
        assert session.scalars(select(PulseResponse)).all() == []


def test_stop_asking_me_sets_the_preference(running_app: RunningApp) -> None:
    round_id = open_round(running_app)
    reply = click(running_app, pulse_blocks.STOP_ACTION, str(round_id), "stop")
    assert "won't send" in all_text(reply["blocks"])
    with running_app.db.sessions() as session:
        user = session.scalar(select(User).where(User.slack_id == ids.USER_ID))
    assert user is not None
    assert user.pulse_opt_out


def test_comment_becomes_a_request_with_source_pulse_comment(running_app: RunningApp) -> None:
    round_id = open_round(running_app)
    click(running_app, f"{pulse_blocks.SCORE_ACTION_PREFIX}2", f"{round_id}:2", "s")
    from bot.services.pulses import rounds as pulses

    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        pulses.record_comment(
            uow, round_id, ids.USER_ID, "CI builds are too slow", datetime.now(UTC)
        )
    reply = click(running_app, pulse_blocks.LOG_REQUEST_ACTION, str(round_id), "log")
    assert "Logged as request" in all_text(valid_blocks(reply["blocks"]))
    with running_app.db.sessions() as session:
        [request] = session.scalars(select(Request)).all()
    assert request.source == RequestSource.PULSE_COMMENT
    assert request.title == "CI builds are too slow"


def roadmap(app: RunningApp, text: str, user: str, name: str) -> dict:
    status, _ = app.send(
        slash_command("/roadmap", text, user_id=user, response_url=app.slack.response_url(name))
    )
    assert status == 200
    [reply] = app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    return reply.params


def test_pulse_start_is_for_admins_and_reads_the_directory(running_app: RunningApp) -> None:
    refused = roadmap(running_app, "pulse start", ids.USER_ID, "no")
    assert "product managers" in all_text(refused["blocks"])
    for n in range(1, 4):
        running_app.slack.add_user(f"U0PEOPLE{n}", tz="Asia/Tokyo")
    started = roadmap(running_app, "pulse start", ADMIN_ID, "yes")
    assert "Pulse round started" in all_text(valid_blocks(started["blocks"]))
    results = roadmap(running_app, "pulse", ids.USER_ID, "results")
    assert "answered so far" in all_text(valid_blocks(results["blocks"]))
    assert json.dumps(results).count("U0PEOPLE") == 0  # no names in results
    again = all_text(valid_blocks(roadmap(running_app, "pulse start", ADMIN_ID, "again")["blocks"]))
    assert "A pulse round is open until <!date^" in again  # each reader's own time zone
    assert "UTC>" in again  # the fallback


def test_pulse_chart_is_a_png_uploaded_with_files_upload_v2(running_app: RunningApp) -> None:
    open_round(running_app)
    reply = roadmap(running_app, "pulse chart", ids.USER_ID, "chart")
    assert "trend chart" in all_text(reply["blocks"])
    [upload] = running_app.slack.calls("file_upload")
    complete = running_app.slack.last("files.completeUploadExternal")
    assert complete.param("channel_id") == running_app.slack.dm_channel(ids.USER_ID)
    data = running_app.slack.uploaded_bytes(upload.params["file_id"])
    assert data is not None
    assert data.startswith(b"\x89PNG")
