"""Closing the loop: a status change reaches every requester and voter once, via the outbox."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.jobs.outbox import OutboxSender, Pace
from bot.services.outbox_hooks import AFTER_SENT
from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.admin import Actor, change_status
from storage.enums import RequestSource, ThemeStatus
from storage.repositories.queue_depths import QueueDepths
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, valid_blocks

TEAM = "T0PULSE01"
PM = "U0PMADMIN1"


def test_every_requester_and_voter_hears_once_even_with_429_and_500(
    database: Database,
) -> None:
    with unit_of_work(database.sessions, TEAM) as uow:
        theme = uow.themes.add("Preview environments per PR")
        theme_id = theme.id
    for number, asker in enumerate(["U0ASK00001", "U0ASK00002", "U0ASK00001"]):
        with unit_of_work(database.sessions, TEAM) as uow:
            logged = log_request(
                uow,
                NewRequest(
                    requester_slack_id=asker,
                    text=f"preview envs please {number}",
                    source=RequestSource.COMMAND,
                    idempotency_key=f"k{number}",
                ),
            )
            request = uow.requests.by_id(logged.id)
            assert request is not None
            request.theme_id = theme_id
    with unit_of_work(database.sessions, TEAM) as uow:
        for voter in ["U0FAN00001", "U0ASK00002"]:
            user = uow.users.get_or_create(voter)
            uow.votes.add_once(user.id, theme_id=theme_id)
    with unit_of_work(database.sessions, TEAM) as uow:
        result = change_status(
            uow,
            Actor(TEAM, PM, {PM}),
            theme_id,
            ThemeStatus.DECLINED,
            "we are moving to ephemeral clusters instead",
        )
        assert result.notices_queued == 3
    with unit_of_work(database.sessions, TEAM) as uow:
        again = change_status(uow, Actor(TEAM, PM, {PM}), theme_id, ThemeStatus.DECLINED)
        assert again.notices_queued == 0
    with FakeSlackAPI() as slack:
        slack.fail_next("chat.postMessage", status=429, retry_after=0)
        slack.fail_next("chat.postMessage", status=500)
        client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5)
        sender = OutboxSender(
            database.sessions,
            client,
            after_sent=AFTER_SENT,
            pace=Pace(global_interval=0.0, channel_interval=0.0),
            sleep=lambda _: None,
            jitter=lambda: 0.0,
        )
        for _ in range(20):
            sender.drain_once()
            with database.sessions() as session:
                if QueueDepths(session).outbox().waiting == 0:
                    break
            _advance_retries(database)
        people = ["U0ASK00001", "U0ASK00002", "U0FAN00001"]
        for person in people:
            [notice] = slack.workspace.posted(slack.dm_channel(person))
            text = all_text(valid_blocks(notice["blocks"]))
            assert "declined" in text
            assert "Why: we are moving to ephemeral clusters instead" in text
        assert len(slack.calls("chat.postMessage")) == len(people) + 2


def _advance_retries(database: Database) -> None:
    """Make every pending message due now (instead of waiting out the backoff)."""
    from sqlalchemy import update

    from storage.models import OutboxMessage, utcnow

    with unit_of_work(database.sessions) as uow:
        uow.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
