"""A platform PM's week, over HTTP against the real app and a fake Slack (issue 16).

Domains are set up from Slack, people pick theirs and ask, the Monday digest groups the
asks, the PM splits, merges, renames, sizes and plans themes, someone gives +1, and a
week later the digest, App Home, `/roadmap audit` and the workspace export all say
exactly what the PM did — with the theme ids the commands took.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.cli import main as pulseboard
from bot.jobs.outbox import Pace
from bot.jobs.scheduler import Jobs
from bot.runtime.settings import Settings
from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import block_action, slash_command, view_submission
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import all_text, open_home, roadmap_reply, valid_blocks

CHANNEL = "C0ROADMAP1"
CI_CHANNEL = "C0CIDIGEST"
VOTER = "U0VOTER001"
#: (person, domain, ask)
ASKS = [
    ("U0DEV00001", "ci", "one-click rollback to the previous release"),
    ("U0DEV00002", "ci", "undo a bad deploy with one click"),
    ("U0DEV00003", "data", "self-service kafka topics without a ticket"),
    ("U0DEV00004", "data", "let me create kafka topics myself"),
    ("U0DEV00005", "ci", "remote build cache so CI stops rebuilding everything"),
]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def answer(app: RunningApp, text: str, user: str = ADMIN_ID) -> str:
    """`/roadmap <text>`: the ephemeral answer sent after the ack, as text."""
    return roadmap_reply(app, text, user)


def add_domain(app: RunningApp, name: str, channel: str | None) -> None:
    state = {
        "name": {"name": {"type": "plain_text_input", "value": name}},
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": channel}},
    }
    status, body = app.send(view_submission("domain_modal", state, user_id=ADMIN_ID))
    assert (status, body) == (200, "")  # the bot is in the channel: no warning


def pick_domain(app: RunningApp, user: str, domain: str) -> None:
    [picker] = [
        b["accessory"]
        for b in open_home(app, user)["blocks"]
        if b.get("accessory", {}).get("action_id") == "my_domain"
    ]
    [option] = [o for o in picker["options"] if o["text"]["text"] == domain]
    before = len(app.slack.calls("views.publish"))
    click = block_action(
        "my_domain",
        user_id=user,
        action_type="static_select",
        action={"selected_option": option},
        view={"id": "V0HOME", "type": "home"},
    )
    assert app.send(click)[0] == 200
    app.slack.wait_for("views.publish", count=before + 1)


def ask(app: RunningApp, user: str, text: str) -> int:
    """`/feedback <text>`; the request's number, once it has been placed in a theme."""
    name = f"ask-{user}"
    request = slash_command(
        "/feedback", text, user_id=user, response_url=app.slack.response_url(name)
    )
    status, body = app.send(request)
    assert status == 200
    logged = re.search(r"request \*?(\d+)", json.loads(body)["text"])
    assert logged is not None, body
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(name))
    return int(logged.group(1))


def theme_of(app: RunningApp, user: str) -> int:
    """The theme id `/roadmap mine` shows for the person's one request."""
    found = re.search(r"theme #(\d+)", answer(app, "mine", user))
    assert found is not None
    return int(found.group(1))


def digest(app: RunningApp, clock: Clock) -> str:
    settings = Settings(
        digest_channel=CHANNEL,
        digest_schedule="0 9 * * mon",
        database_url=app.db.url,
        admins=frozenset({ADMIN_ID}),
    )
    client = WebClient(token="xoxb-test", base_url=app.slack.url, timeout=5)
    jobs = Jobs(settings, app.db.sessions, client, ids.TEAM_ID, clock, Pace(0.0, 0.0))
    assert any(outcome.queued for outcome in jobs.run_digest())
    while jobs.sender.drain_once().claimed:
        pass
    posts = [c for c in app.slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    return all_text(valid_blocks(posts[-1].param("blocks")))


def test_a_pm_week_ends_with_every_decision_shown_and_exported(
    served_app: RunningApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = served_app
    bot = app.slack.workspace.identity.bot_user_id
    app.slack.workspace.channel_members[CI_CHANNEL] = [bot]

    add_domain(app, "ci", CI_CHANNEL)
    add_domain(app, "data", None)
    assert "digest in" in answer(app, "domains")
    for user, domain, _ in ASKS:
        pick_domain(app, user, domain)
    requests = {user: ask(app, user, text) for user, _, text in ASKS}
    monday = Clock(datetime.now(UTC))
    first = digest(app, monday)
    assert "people back it" in first

    rollback, kafka = theme_of(app, "U0DEV00001"), theme_of(app, "U0DEV00003")
    assert f"#{rollback} " in first
    assert f"#{kafka} " in first
    split = answer(app, f"split {requests['U0DEV00002']} Undo a deploy")
    undo = int(re.findall(r"#(\d+)", split)[-1])
    assert undo not in (rollback, kafka)
    assert "merged into" in answer(app, f"merge {undo} {rollback}")
    assert "already merged" in answer(app, f"merge {undo} {rollback}")
    assert "is now called" in answer(app, f"rename {kafka} Self-service Kafka topics")
    assert "effort is now M" in answer(app, f"effort {kafka} M")
    assert "is now planned" in answer(app, f"status {rollback} planned next sprint")
    backers = re.search(
        rf"#{kafka} Self-service Kafka topics[^\n]*\n[^\n]*\n(\d+) people back it",
        answer(app, ""),
    )
    assert backers is not None
    voted = block_action(
        "vote_theme", str(kafka), user_id=VOTER, response_url=app.slack.response_url("vote")
    )
    assert app.send(voted)[0] == 200
    [reply] = app.slack.wait_for("response_url", where=lambda c: c.path.endswith("/vote"))
    assert f"{int(backers.group(1)) + 1} people back it now" in all_text(
        valid_blocks(reply.param("blocks"))
    )

    monday.now += timedelta(days=7)
    second = digest(app, monday)
    assert f"#{kafka} Self-service Kafka topics" in second
    assert f"{int(backers.group(1)) + 1} people back it" in second
    assert "effort M" in second
    assert f"#{rollback} " in second
    assert f"*Newly planned*\n• *#{rollback} " in second
    assert "— next sprint" in second
    assert f"#{undo} " not in second  # merged: its requests are counted under #rollback
    assert theme_of(app, "U0DEV00002") == rollback  # the re-grouping kept the merge

    log = answer(app, "audit")
    for done in (
        f"#{rollback}: status open → planned — next sprint",
        f"#{kafka}: effort none → M",
        "“Self-service Kafka topics”",
        f"#{undo} merged into #{rollback}",
        f"request {requests['U0DEV00002']} split from",
        "domain “ci”",
    ):
        assert done in log, done

    shown = all_text(open_home(app, "U0DEV00001")["blocks"])
    assert f"theme *#{rollback} " in shown
    assert "planned" in shown

    monkeypatch.setenv("DATABASE_URL", app.db.url)
    monkeypatch.chdir(tmp_path)
    assert pulseboard(["export", "--format", "workspace", "--output", "out.json"]) == 0
    exported = json.loads((tmp_path / "out.json").read_text())
    actions = [entry["action"] for entry in exported["audit"]]
    for action in ("domain.add", "request.split", "theme.merge", "theme.rename", "theme.effort"):
        assert action in actions
    assert actions.count("theme.status") == 1
    assert {d["name"]: d["digest_channel"] for d in exported["domains"]} == {
        "ci": CI_CHANNEL,
        "data": None,
    }
    assert [c["status"] for c in exported["status_changes"]] == ["planned"]
