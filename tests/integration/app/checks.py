"""Helpers for app tests: Block Kit validation and reading what the app stored."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import func, select

from storage.models import Request, Vote
from tests.fakes.slack_requests import event_callback, slash_command
from tests.fixtures.app import RunningApp
from tests.fixtures.databases import Database


def valid_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every block validates with slack_sdk's models (Slack's own limits)."""
    assert blocks, "no blocks"
    for block in blocks:
        Block.parse(block).validate_json()
    return blocks


def valid_view(view: dict[str, Any]) -> dict[str, Any]:
    View(**view).validate_json()
    valid_blocks(view["blocks"])
    return view


def all_text(blocks: list[dict[str, Any]]) -> str:
    """The visible text of some blocks, joined (for asserting on what a person reads)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"mrkdwn", "plain_text"} and "text" in node:
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(parts)


def count_requests(db: Database, live_only: bool = False) -> int:
    with db.sessions() as session:
        query = select(func.count(Request.id))
        if live_only:
            query = query.where(Request.withdrawn_at.is_(None))
        return session.scalar(query) or 0


def count_votes(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count(Vote.id))) or 0


def requests(db: Database) -> list[Request]:
    with db.sessions() as session:
        return list(session.scalars(select(Request).order_by(Request.id)))


def open_home(app: RunningApp, user: str) -> dict[str, Any]:
    """Open the person's App Home tab; the view the app published for it, validated."""
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME0001",
        "tab": "home",
        "event_ts": "1700000000.000100",
    }
    before = len(app.slack.calls("views.publish"))
    assert app.send(event_callback(event))[0] == 200
    call = app.slack.wait_for("views.publish", count=before + 1)[-1]
    assert call.params["user_id"] == user
    return valid_view(call.param("view"))


def roadmap_reply(app: RunningApp, text: str, user: str) -> str:
    """`/roadmap <text>` as ``user``: the text of the answer sent after the ack."""
    name = f"{user}-{len(app.slack.calls('response_url'))}"
    request = slash_command(
        "/roadmap", text, user_id=user, response_url=app.slack.response_url(name)
    )
    assert app.send(request)[0] == 200
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(name))
    [reply] = app.slack.responses(name)
    return all_text(valid_blocks(reply.param("blocks")))
