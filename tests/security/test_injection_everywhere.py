"""Every message kind the app sends, with mention and link injection in every field a
person (or an admin, or the Slack directory) controls, escaped in ``text`` and blocks.

One hostile workspace: domain names, user names, objective names and descriptions, theme
labels, request titles and bodies, a status note, pulse question and comments, follow-up
comments all carry the corpus. The test then produces each outbox kind (status notices,
ship follow-ups, pulse DMs and reminders, digests) and each direct answer (command
replies, the placement reply, modals, App Home, buttons' answers, thread notes, updates
after a comment form, error answers), checks that nothing unescaped reached anything
that Slack renders, and validates every payload with slack_sdk's Block Kit models.

The kinds are enumerated: a new outbox kind (a ``*_KIND`` constant in ``bot``) or a new
Slack method that carries a message fails here until this test produces it.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import select

import bot
from bot.services.digest_posting import queue_digests
from bot.services.followups import queue_followups
from bot.services.pulses import rounds as pulses
from bot.services.pulses.delivery import remind
from bot.services.pulses.rounds import PulseConfig, start_round
from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.following import FollowMode, FollowPolicy
from bot.services.roadmap.links import Tracker, record_item_state
from bot.slack.blocks import pulse as pulse_blocks
from bot.slack.blocks.followup import ANSWER_ACTION_PREFIX
from bot.slack.blocks.followup import COMMENT_BLOCK as FOLLOWUP_COMMENT_BLOCK
from bot.slack.blocks.followup import COMMENT_INPUT as FOLLOWUP_COMMENT_INPUT
from bot.slack.blocks.followup import COMMENT_MODAL as FOLLOWUP_COMMENT_MODAL
from bot.slack.blocks.ids import THEME_DETAILS_ACTION, VOTE_ACTION
from storage.enums import RequestSource
from storage.models import OutboxMessage, ShipFollowup
from storage.repositories import (
    UserRepository,
)
from storage.repositories.directory import SlackPerson
from storage.unit_of_work import unit_of_work
from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import (
    block_action,
    event_callback,
    message_action,
    slash_command,
    view_submission,
)
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.pulses.helpers import CONFIG
from tests.security.test_requests import INJECTION, assert_escaped

TEAM = ids.TEAM_ID
# For columns too short for the whole corpus (domain names are 80 characters).
SHORT = "<!channel> <@U0PMADMIN1> <https://evil.example|x>"
DOMAIN = f"ci {SHORT}"[:80]
DOMAIN_CHANNEL = "C0DOMAIN01"
DIGEST_CHANNEL = "C0DIGEST01"
ASKER = "U0BOB00001"
PEOPLE = [f"U0PERSON{n:02d}" for n in range(1, 7)]
QUESTION = f"How well does {SHORT} help?"

OUTBOX_KINDS = {
    "digest",
    "status_notice",
    "ship_followup",
    "pulse",
    "pulse_reminder",
    "status_proposal",
    "item_wont_ship",
}
# Web API methods (and response URLs) that carry a message, modal or Home view.
MESSAGE_METHODS = {"chat.postMessage", "chat.update", "views.open", "views.publish"}


def test_every_outbox_kind_is_known_here() -> None:
    """A new ``*_KIND`` constant in ``bot`` must be produced by the test below."""
    declared = set()
    for module_info in pkgutil.walk_packages(bot.__path__, "bot."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if name.endswith("_KIND") and isinstance(value, str):
                declared.add(value)
    assert declared == OUTBOX_KINDS


def test_every_message_kind_escapes_user_text(running_app: RunningApp) -> None:
    app = replace(
        running_app, settings=running_app.settings.model_copy(update={"digest_channel": None})
    )
    theme_id, request_id = hostile_workspace(app)
    answers: list[str] = []
    answers += commands(app, theme_id, request_id)
    answers += buttons_and_forms(app, theme_id)
    linked_items_moved(app, theme_id)
    followups_answered(app, theme_id)
    pulse_round_answered(app)
    digests(app)

    assert outbox_kinds(app) == OUTBOX_KINDS
    assert message_methods(app) == MESSAGE_METHODS
    assert app.slack.calls("response_url")
    validate_every_payload(app)
    assert_escaped(app, answers)


# --- the hostile workspace ------------------------------------------------------------


def hostile_workspace(app: RunningApp) -> tuple[int, int]:
    with unit_of_work(app.db.sessions, TEAM) as uow:
        domains = uow.domains
        domain = domains.add(DOMAIN, INJECTION)
        domain.digest_channel = DOMAIN_CHANNEL
        uow.objectives.add(INJECTION[:150], f"ship sooner {INJECTION}", 0.6, ["cache", "ci"])
        users = uow.users
        for slack_id in [ids.USER_ID, ASKER, *PEOPLE]:
            users.get_or_create(slack_id, INJECTION).domain_id = domain.id
        theme_id = uow.themes.add(INJECTION).id
    request_ids = []
    for number, asker in enumerate([ASKER, ids.USER_ID, PEOPLE[0]]):
        with unit_of_work(app.db.sessions, TEAM) as uow:
            logged = log_request(
                uow,
                NewRequest(
                    requester_slack_id=asker,
                    text=f"CI cache {INJECTION}"[:150],
                    body=f"builds are slow {INJECTION}",
                    source=RequestSource.COMMAND,
                    idempotency_key=f"hostile:{number}",
                    domain=DOMAIN,
                ),
            )
            request = uow.requests.by_id(logged.id)
            assert request is not None
            request.theme_id = theme_id
            request_ids.append(logged.id)
    return theme_id, request_ids[0]


def linked_items_moved(app: RunningApp, theme_id: int) -> None:
    """The PM's DMs about linked items: a status they call for, an item that won't ship."""
    policy = FollowPolicy(FollowMode.CONFIRM, frozenset({ADMIN_ID}))
    with unit_of_work(app.db.sessions, TEAM) as uow:
        for number in (1, 2):
            url = f"https://github.com/acme/ci/issues/{number}"
            uow.links.add_once(theme_id, "github", f"acme/ci#{number}", url, ADMIN_ID)
    with unit_of_work(app.db.sessions) as uow:
        record_item_state(uow, Tracker.GITHUB, "acme/ci#1", "in_progress", policy=policy)
        record_item_state(uow, Tracker.GITHUB, "acme/ci#2", "not_planned", policy=policy)


# --- direct answers -------------------------------------------------------------------


def commands(app: RunningApp, theme_id: int, request_id: int) -> list[str]:
    """Slash commands, each answered in its ack or through its response URL."""
    answers = []
    status, body = app.send(
        slash_command(
            "/feedback", f"CI cache {INJECTION}", response_url=app.slack.response_url("fb")
        )
    )
    assert status == 200
    answers.append(body)
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith("/fb"))
    for text, user in [
        ("", ids.USER_ID),
        (f"theme {theme_id}", ids.USER_ID),
        ("mine", ids.USER_ID),
        ("stats", ids.USER_ID),
        (f"theme {SHORT}", ids.USER_ID),
        (f"status {theme_id} {SHORT}", ADMIN_ID),
        (f"status {theme_id} planned {INJECTION}", ADMIN_ID),
        (f"effort {theme_id} M", ADMIN_ID),
        (f"split {request_id} {INJECTION}", ADMIN_ID),
        (f"{SHORT} now", ids.USER_ID),
    ]:
        answers.append(roadmap(app, text, user))
    app.send(slash_command("/roadmap", "objectives", user_id=ADMIN_ID))
    app.slack.wait_for("views.open")
    return answers


def roadmap(app: RunningApp, text: str, user: str) -> str:
    name = f"roadmap-{len(app.slack.calls('response_url'))}"
    status, body = app.send(
        slash_command("/roadmap", text, user_id=user, response_url=app.slack.response_url(name))
    )
    assert status == 200
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    return body


def buttons_and_forms(app: RunningApp, theme_id: int) -> list[str]:
    answers = []
    for action_id in (VOTE_ACTION, THEME_DETAILS_ACTION):
        name = f"button-{action_id}"
        app.send(block_action(action_id, str(theme_id), response_url=app.slack.response_url(name)))
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/button-{VOTE_ACTION}"))
    app.slack.wait_for("views.open", count=2)
    app.send(
        message_action(
            "log_feature_request",
            {"text": f"Please add {INJECTION}", "user": ASKER, "ts": "1700000000.000100"},
        )
    )
    app.slack.wait_for("views.open", count=3)
    status, body = app.send(
        view_submission(
            "feedback_modal",
            {
                "title": {"title_input": {"type": "plain_text_input", "value": INJECTION[:150]}},
                "details": {"details_input": {"type": "plain_text_input", "value": INJECTION}},
                "domain": {
                    "domain_input": {
                        "type": "static_select",
                        "selected_option": {"value": DOMAIN},
                    }
                },
                "tell_thread": {
                    "tell_thread_input": {
                        "type": "checkboxes",
                        "selected_options": [{"value": "yes"}],
                    }
                },
            },
            private_metadata=json.dumps(
                {
                    "source": "shortcut",
                    "requester": ASKER,
                    "channel": ids.CHANNEL_ID,
                    "message_ts": "1700000000.000100",
                }
            ),
        )
    )
    assert status == 200
    answers.append(body)
    app.slack.wait_for("chat.postMessage", where=lambda c: "thread_ts" in c.params)
    app.send(event_callback({"type": "app_home_opened", "user": ids.USER_ID, "tab": "home"}))
    app.slack.wait_for("views.publish")
    return answers


def followups_answered(app: RunningApp, theme_id: int) -> None:
    """Ship the theme (with a hostile note), ask the follow-up, answer it with a comment."""
    roadmap(app, f"status {theme_id} shipped {INJECTION}", ADMIN_ID)
    later = datetime.now(UTC) + timedelta(days=15)
    with unit_of_work(app.db.sessions, TEAM) as uow:
        assert queue_followups(uow, later, timedelta(days=14))
    with app.db.sessions() as session:
        followup_id = session.scalars(select(ShipFollowup.id)).first()
        asked = UserRepository(session, TEAM).by_id(
            session.get(ShipFollowup, followup_id).user_id  # type: ignore[union-attr]
        )
    assert followup_id is not None
    assert asked is not None
    name = "followup-answer"
    app.send(
        block_action(
            f"{ANSWER_ACTION_PREFIX}no",
            f"{followup_id}:no",
            user_id=asked.slack_id,
            response_url=app.slack.response_url(name),
        )
    )
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    updates = len(app.slack.calls("chat.update"))
    status, _ = app.send(
        view_submission(
            FOLLOWUP_COMMENT_MODAL,
            {
                FOLLOWUP_COMMENT_BLOCK: {
                    FOLLOWUP_COMMENT_INPUT: {"type": "plain_text_input", "value": INJECTION}
                }
            },
            user_id=asked.slack_id,
            private_metadata=json.dumps({"followup": followup_id, "channel": "D1", "ts": "1.2"}),
        )
    )
    assert status == 200
    app.slack.wait_for("chat.update", count=updates + 1)


def pulse_round_answered(app: RunningApp) -> None:
    """A round with a hostile question, answers and comments, a reminder, the results."""
    config = PulseConfig(**{**CONFIG.__dict__, "question": QUESTION})
    now = datetime.now(UTC)
    directory = [SlackPerson(p, INJECTION, "Europe/Berlin", False, False) for p in PEOPLE]
    directory.append(SlackPerson(ids.USER_ID, INJECTION, "Europe/Berlin", False, False))
    with unit_of_work(app.db.sessions, TEAM) as uow:
        started = start_round(
            uow,
            config,
            now - timedelta(minutes=1),
            "hostile",
            people=directory,
            deliver_at=lambda _zone, moment, _deadline: moment,
        )
    round_id = started.round_id
    assert round_id is not None
    for person in PEOPLE[:5]:
        with unit_of_work(app.db.sessions, TEAM) as uow:
            pulses.record_score(uow, round_id, person, 2, now)
            pulses.record_comment(uow, round_id, person, INJECTION, now)
    name = "pulse-score"
    app.send(
        block_action(
            f"{pulse_blocks.SCORE_ACTION_PREFIX}3",
            f"{round_id}:3",
            response_url=app.slack.response_url(name),
        )
    )
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    updates = len(app.slack.calls("chat.update"))
    app.send(
        view_submission(
            pulse_blocks.COMMENT_MODAL,
            {
                pulse_blocks.COMMENT_BLOCK: {
                    pulse_blocks.COMMENT_INPUT: {"type": "plain_text_input", "value": INJECTION}
                }
            },
            private_metadata=json.dumps({"round": round_id, "channel": "D2", "ts": "3.4"}),
        )
    )
    app.slack.wait_for("chat.update", count=updates + 1)
    with unit_of_work(app.db.sessions, TEAM) as uow:
        assert remind(uow, config, now + timedelta(days=3), random.Random(1))
    roadmap(app, "pulse", ADMIN_ID)


def digests(app: RunningApp) -> None:
    settings = app.settings.model_copy(update={"digest_channel": DIGEST_CHANNEL})
    now = datetime.now(UTC)
    outcomes = queue_digests(app.db.sessions, TEAM, settings, now, now)
    assert {o.channel for o in outcomes if o.queued} == {DIGEST_CHANNEL, DOMAIN_CHANNEL}


# --- what was sent --------------------------------------------------------------------


def message_methods(app: RunningApp) -> set[str]:
    """The Web API methods the app called with a message, a modal or a Home view."""
    return {
        c.method
        for c in app.slack.calls()
        if c.method != "response_url" and {"text", "blocks", "view"} & set(c.params)
    }


def outbox_kinds(app: RunningApp) -> set[str]:
    with app.db.sessions() as session:
        return set(session.scalars(select(OutboxMessage.kind)))


def validate_every_payload(app: RunningApp) -> None:
    with app.db.sessions() as session:
        queued = [m.payload["args"] for m in session.scalars(select(OutboxMessage))]
    sent = [c.params for c in app.slack.calls() if c.method in MESSAGE_METHODS]
    sent += [c.params for c in app.slack.calls("response_url")]
    for params in queued + sent:
        validate_payload(params)


def validate_payload(params: dict[str, Any]) -> None:
    view = params.get("view")
    if isinstance(view, str):
        view = json.loads(view)
    if view is not None:
        View(**view).validate_json()
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in [*(blocks or []), *((view or {}).get("blocks") or [])]:
        Block.parse(block).validate_json()
