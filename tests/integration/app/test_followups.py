"""Did it meet the need? Asked once per requester after shipping; answers show on the theme."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services.digest import build_digest
from bot.services.followups import queue_followups
from bot.services.roadmap.theme_details import theme_details
from bot.slack.blocks.digest import digest_blocks
from bot.slack.blocks.theme import theme_detail_blocks
from storage.enums import RequestSource, ThemeStatus
from storage.models import OutboxMessage, Request, ShipFollowup
from storage.repositories import UserRepository
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_requests import block_action
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.app.seed import ASKERS, TEAM, seed_workspace

SHIPPED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
DELAY = timedelta(days=14)


def ship(app: RunningApp, theme_id: int) -> None:
    with unit_of_work(app.db.sessions, TEAM) as uow:
        themes = uow.themes
        theme = themes.by_id(theme_id)
        assert theme is not None
        voter = uow.users.get_or_create("U0VOTER001")
        uow.votes.add_once(voter.id, theme_id=theme_id)
        themes.change_status(theme, ThemeStatus.SHIPPED, "U0PMADMIN1", "live", at=SHIPPED_AT)


def followups(app: RunningApp) -> dict[str, ShipFollowup]:
    with app.db.sessions() as session:
        rows = session.scalars(select(ShipFollowup)).all()
        return {UserRepository(session, TEAM).by_id(r.user_id).slack_id: r for r in rows}


def answer(app: RunningApp, followup_id: int, choice: str, user: str) -> str:
    name = f"{user}-{choice}-{len(app.slack.calls('response_url'))}"
    app.send(
        block_action(
            f"followup_answer_{choice}",
            f"{followup_id}:{choice}",
            user_id=user,
            response_url=app.slack.response_url(name),
        )
    )
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(name))
    return all_text(valid_blocks(app.slack.responses(name)[-1].param("blocks")))


def test_each_requester_is_asked_once_when_the_delay_has_passed(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    ship(running_app, seeded.ci_theme)
    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        assert queue_followups(uow, SHIPPED_AT + DELAY - timedelta(hours=1), DELAY) == 0
    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        assert queue_followups(uow, SHIPPED_AT + DELAY + timedelta(hours=1), DELAY) == 3
    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        assert queue_followups(uow, SHIPPED_AT + DELAY + timedelta(hours=2), DELAY) == 0
    with running_app.db.sessions() as session:
        asked = sorted(m.channel for m in session.scalars(select(OutboxMessage)))
    assert asked == sorted(ASKERS)
    assert "U0VOTER001" not in asked


def reopen(app: RunningApp, followup_id: int, user: str) -> str:
    name = f"{user}-reopen-{len(app.slack.calls('response_url'))}"
    app.send(
        block_action(
            "followup_reopen",
            str(followup_id),
            user_id=user,
            response_url=app.slack.response_url(name),
        )
    )
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(name))
    return all_text(valid_blocks(app.slack.responses(name)[-1].param("blocks")))


def test_a_no_can_reopen_a_linked_request_and_answers_show_on_the_theme_once_closed(
    running_app: RunningApp,
) -> None:
    seeded = seed_workspace(running_app.db)
    ship(running_app, seeded.ci_theme)
    # The app's clock is real: keep the question open while the test clicks.
    open_for = datetime.now(UTC) - SHIPPED_AT + timedelta(days=1)
    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        queue_followups(uow, SHIPPED_AT + DELAY + timedelta(hours=1), DELAY, open_for)
    closed = SHIPPED_AT + DELAY + open_for + timedelta(days=1)
    asked = followups(running_app)
    assert "You said *Yes*" in answer(running_app, asked[ASKERS[0]].id, "yes", ASKERS[0])
    reply = answer(running_app, asked[ASKERS[1]].id, "no", ASKERS[1])
    assert "You said *No*" in reply
    assert "Put it back on the roadmap" in reply
    with running_app.db.sessions() as session:
        # A "no" alone opens no request: a request carries its author's name.
        assert (
            session.scalars(
                select(Request).where(Request.source == RequestSource.PULSE_COMMENT)
            ).all()
            == []
        )
    assert "back on the roadmap as request" in reopen(running_app, asked[ASKERS[1]].id, ASKERS[1])
    assert "someone else" in answer(running_app, asked[ASKERS[2]].id, "no", ASKERS[0])
    with running_app.db.sessions() as session:
        reopened = session.scalars(
            select(Request).where(Request.source == RequestSource.PULSE_COMMENT)
        ).all()
        assert len(reopened) == 1
        assert reopened[0].withdrawn_at is None
        assert reopened[0].requester.slack_id == ASKERS[1]
    answer(running_app, asked[ASKERS[1]].id, "partly", ASKERS[1])
    with running_app.db.sessions() as session:
        [reopened_after] = session.scalars(
            select(Request).where(Request.source == RequestSource.PULSE_COMMENT)
        ).all()
        assert reopened_after.withdrawn_at is not None
    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        details = theme_details(uow, seeded.ci_theme, closed, anonymity=3)
        shown = all_text(valid_blocks(theme_detail_blocks(details)))
        assert "Did it meet the need?" not in shown  # two people answered, fewer than 3
    answer(running_app, asked[ASKERS[2]].id, "no", ASKERS[2])
    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        details = theme_details(uow, seeded.ci_theme, closed, anonymity=3)
        shown = all_text(valid_blocks(theme_detail_blocks(details)))
        assert "Did it meet the need? 1 yes · 1 partly · 1 no" in shown
        digest = build_digest(uow, closed, since=SHIPPED_AT - timedelta(days=1), pulse_threshold=3)
        text = json.dumps(valid_blocks(digest_blocks(digest)), ensure_ascii=False)
        assert "Shipped since last digest" in text
        assert "Did it meet the need? 1 yes · 1 partly · 1 no" in text


def test_a_reopen_button_with_an_odd_value_gets_a_clean_answer(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    for n, value in enumerate(["²", "-1", "abc", ""]):
        name = f"odd-reopen-{n}"
        status, _ = running_app.send(
            block_action(
                "followup_reopen", value, response_url=running_app.slack.response_url(name)
            )
        )
        assert status == 200
        running_app.slack.wait_for("response_url", where=lambda c, name=name: c.path.endswith(name))
        [answer] = running_app.slack.responses(name)
        assert "does not point at a question" in all_text(valid_blocks(answer.param("blocks")))
