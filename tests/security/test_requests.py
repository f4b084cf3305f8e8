"""Hostile requests: each is answered cleanly, and nothing is stored or changed.

Forged and stale signatures, replays, a non-admin trying every admin action, mention and
link injection in every field a person types, oversized and malformed bodies, unknown
ids. The injection tests collect everything the app sent (HTTP answers, Web API calls,
response URLs, the outbox) and check that no mention or link survived unescaped.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Objective, OutboxMessage
from tests.fakes.slack_requests import (
    SignedRequest,
    block_action,
    event_callback,
    message_action,
    slash_command,
    view_submission,
)
from tests.fakes.slack_signing import FORM, JSON, sign
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import count_requests
from tests.integration.app.seed import seed_workspace
from tests.integration.app.test_roadmap import OUTSIDER, objectives_state, roadmap, snapshot

FIVE_MINUTES = 300
# A mention of everyone, a user mention, a user group, a disguised link, and a channel.
INJECTION = (
    "<!channel> <!here|here> <@U0PMADMIN1> <!subteam^S0123|devs> "
    "<https://evil.example|docs> <#C0123>"
)
RAW_MARKERS = ("<!channel>", "<!here", "<@U0PMADMIN1>", "<!subteam", "<https://evil", "<#C0123>")


def everything_sent(app: RunningApp, answers: list[str]) -> str:
    """Every answer body, Web API call, response-URL post and queued outbox message."""
    with app.db.sessions() as session:
        outbox = [m.payload for m in session.scalars(select(OutboxMessage))]
    calls = [c.params for c in app.slack.calls()]
    return json.dumps([answers, calls, outbox])


def assert_escaped(app: RunningApp, answers: list[str]) -> None:
    sent = json.loads(everything_sent(app, answers))
    leaked = sorted(set(unescaped(sent)))
    assert not leaked, "unescaped in what the app sent:\n" + "\n".join(leaked)


# Data Slack never renders: a text input's ``initial_value`` is shown as typed (plain text,
# never parsed for mentions), so an admin sees the name they saved; button and option
# ``value``s and a view's ``private_metadata`` come back to the app and are never shown.
NOT_RENDERED = frozenset({"initial_value", "value", "private_metadata"})


def rendered_strings(node: Any) -> list[str]:
    """Every string Slack may parse for mentions and links: mrkdwn, a message's ``text``
    fallback, and anything unlabelled. A ``plain_text`` object is shown as typed (Slack
    parses no mentions or links there), so its text is not one of them."""
    if isinstance(node, dict):
        if node.get("type") == "plain_text":
            return []
        return [s for k, v in node.items() if k not in NOT_RENDERED for s in rendered_strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in rendered_strings(v)]
    return [node] if isinstance(node, str) else []


def unescaped(node: Any, where: str = "") -> list[str]:
    """Where in ``node`` a raw mention or link is left for Slack to render, and which."""
    if isinstance(node, dict):
        if node.get("type") == "plain_text":
            return []
        return [
            found
            for k, v in node.items()
            if k not in NOT_RENDERED
            for found in unescaped(v, f"{where}.{k}")
        ]
    if isinstance(node, list):
        return [found for i, v in enumerate(node) for found in unescaped(v, f"{where}[{i}]")]
    if isinstance(node, str) and node.lstrip().startswith(("{", "[")):
        try:
            return unescaped(json.loads(node), f"{where}<json>")
        except ValueError:
            pass
    if isinstance(node, str):
        markers = [m for m in RAW_MARKERS if m in node]
        return [f"{where}: {' '.join(markers)} in {node[:160]!r}"] if markers else []
    return []


# --- signatures, timestamps, replays ------------------------------------------------


def test_bad_and_missing_signatures_are_refused(running_app: RunningApp) -> None:
    request = slash_command("/feedback", "sneaky")
    unsigned = replace(
        request,
        headers={
            k: v
            for k, v in request.headers.items()
            if k not in {"X-Slack-Signature", "X-Slack-Request-Timestamp"}
        },
    )
    no_signature = replace(
        request, headers={k: v for k, v in request.headers.items() if k != "X-Slack-Signature"}
    )
    garbage = replace(request, headers={**request.headers, "X-Slack-Signature": "v0=zz"})
    for forged in (request.with_bad_signature(), unsigned, no_signature, garbage):
        assert running_app.send(forged)[0] == 401
    assert count_requests(running_app.db) == 0


@pytest.mark.parametrize("age", [FIVE_MINUTES + 5, 3600, -(FIVE_MINUTES + 5)])
def test_stale_or_future_timestamps_are_refused(running_app: RunningApp, age: int) -> None:
    stale = slash_command("/feedback", "old news", timestamp=int(time.time()) - age)
    assert running_app.send(stale)[0] == 401
    assert count_requests(running_app.db) == 0


def test_a_replay_outside_the_window_is_refused(running_app: RunningApp) -> None:
    captured = slash_command(
        "/feedback", "faster CI", timestamp=int(time.time()) - FIVE_MINUTES - 1
    )
    assert running_app.send(captured)[0] == 401
    assert running_app.send(captured.with_retry(1))[0] == 401
    assert count_requests(running_app.db) == 0


def test_a_replay_inside_the_window_is_stored_once(running_app: RunningApp) -> None:
    request = slash_command("/feedback", "faster CI", trigger_id="77.88.99")
    for _ in range(3):
        assert running_app.send(request)[0] == 200
    assert count_requests(running_app.db) == 1


def test_a_signature_over_another_body_is_refused(running_app: RunningApp) -> None:
    genuine = slash_command("/feedback", "harmless")
    swapped = replace(genuine, body=genuine.body.replace("harmless", "swapped"))
    assert running_app.send(swapped)[0] == 401
    assert count_requests(running_app.db) == 0


# --- a non-admin forging every admin action ------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "status {ci} shipped",
        "status {ci} declined not needed",
        "merge {ci} {rollback}",
        "split {request}",
        "split {request} New label",
        "effort {ci} XL",
        "objectives",
        "pulse start",
    ],
)
def test_a_non_admin_cannot_run_any_admin_command(running_app: RunningApp, command: str) -> None:
    seeded = seed_workspace(running_app.db)
    before = snapshot(running_app)
    text = roadmap(
        running_app,
        command.format(
            ci=seeded.ci_theme, rollback=seeded.rollback_theme, request=seeded.ci_requests[0]
        ),
    )
    assert "Only the platform's product managers" in text
    assert snapshot(running_app) == before
    assert running_app.slack.calls("views.open") == []


def test_a_non_admin_cannot_submit_a_forged_objectives_modal(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    before = objectives(running_app)
    forged = view_submission(
        "objectives_modal", objectives_state("10", retire=True, new_name="Hack"), user_id=OUTSIDER
    )
    status, body = running_app.send(forged)
    assert status == 200
    assert json.loads(body)["response_action"] == "errors"
    assert objectives(running_app) == before


def objectives(app: RunningApp) -> list[tuple[Any, ...]]:
    with app.db.sessions() as session:
        return [
            (o.id, o.name, o.weight, o.active)
            for o in session.scalars(select(Objective).order_by(Objective.id))
        ]


# --- mention and link injection in every field a person types ------------------------


def test_injection_in_feedback_text_is_escaped(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    status, body = running_app.send(
        slash_command(
            "/feedback", f"CI cache {INJECTION}", response_url=running_app.slack.response_url()
        )
    )
    assert status == 200
    running_app.slack.wait_for("response_url")
    answers = [body, roadmap(running_app, "", user=ADMIN_ID), roadmap(running_app, "mine")]
    assert_escaped(running_app, answers)


def test_injection_in_the_modal_title_and_details_is_escaped(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    status, body = running_app.send(
        view_submission(
            "feedback_modal",
            {
                "title": {"title_input": {"type": "plain_text_input", "value": INJECTION[:150]}},
                "details": {"details_input": {"type": "plain_text_input", "value": INJECTION}},
            },
        )
    )
    assert status == 200
    assert count_requests(running_app.db) == 6
    answers = [body, roadmap(running_app, ""), roadmap(running_app, "mine")]
    assert_escaped(running_app, answers)


def test_injection_in_a_shortcut_message_is_escaped(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    status, body = running_app.send(
        message_action(
            "log_feature_request",
            {"text": f"Please add {INJECTION}", "user": "U0BOB00001", "ts": "1700000000.000100"},
        )
    )
    assert status == 200
    [opened] = running_app.slack.wait_for("views.open")
    # The modal prefills inputs (plain text, never rendered as mrkdwn); check what renders.
    shown = [b for b in opened.param("view")["blocks"] if b.get("type") != "input"]
    assert not [m for m in RAW_MARKERS if m in json.dumps(shown)]
    assert body == ""


def test_injection_in_objective_names_and_status_notes_is_escaped(
    running_app: RunningApp,
) -> None:
    seeded = seed_workspace(running_app.db)
    admin_edit = view_submission(
        "objectives_modal", objectives_state("3", new_name=INJECTION[:80]), user_id=ADMIN_ID
    )
    assert running_app.send(admin_edit) == (200, "")
    answers = [
        roadmap(running_app, f"status {seeded.ci_theme} declined {INJECTION}", user=ADMIN_ID),
        roadmap(running_app, f"theme {seeded.ci_theme}"),
        roadmap(running_app, ""),
    ]
    running_app.send(slash_command("/roadmap", "objectives", user_id=ADMIN_ID))
    running_app.slack.wait_for("views.open")
    running_app.send(event_callback({"type": "app_home_opened", "user": ADMIN_ID, "tab": "home"}))
    running_app.slack.wait_for("views.publish")
    with running_app.db.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all(), "no status notices queued"
    assert_escaped(running_app, answers)


# --- bodies: oversized, malformed, unknown ids ---------------------------------------


def test_a_body_over_one_megabyte_is_refused(served_app: RunningApp) -> None:
    big = slash_command("/feedback", "x" * 1_000_001)
    try:
        status = served_app.send(big)[0]
    except OSError:  # refused before the upload finished: the server closed the socket
        status = 413
    assert status == 413
    assert count_requests(served_app.db) == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", JSON),
        ("[]", JSON),
        ('{"type": "event_callback"}', JSON),
        ("", JSON),
        ("payload=%7Bbroken", FORM),
        ("payload=%7B%7D", FORM),
        ("payload=%5B1%2C2%5D", FORM),
        ("command=%2Ffeedback", FORM),
        ("%%%=&&&", FORM),
        ("", FORM),
        ("\x00\xff binary", "application/octet-stream"),
    ],
)
def test_malformed_bodies_are_answered_cleanly(
    served_app: RunningApp, body: str, content_type: str
) -> None:
    status, _ = served_app.send(sign(body, content_type))
    assert status in {200, 400, 401, 404}, status
    assert count_requests(served_app.db) == 0


@pytest.mark.parametrize(
    "request_factory",
    [
        lambda: block_action("no_such_action", "1"),
        lambda: block_action("vote_theme", "not-a-number"),
        lambda: block_action("vote_theme", "999999"),
        lambda: block_action("theme_details", "-1"),
        lambda: view_submission("no_such_modal", {}),
        lambda: message_action("no_such_shortcut", {"text": "x", "user": "U1", "ts": "1.2"}),
        lambda: slash_command("/no-such-command", "x"),
        lambda: event_callback({"type": "no_such_event"}),
    ],
)
def test_unknown_ids_are_answered_cleanly(running_app: RunningApp, request_factory: Any) -> None:
    seed_workspace(running_app.db)
    before = snapshot(running_app)
    request: SignedRequest = request_factory()
    status, _ = running_app.send(request)
    assert status in {200, 404}, status
    assert snapshot(running_app) == before
