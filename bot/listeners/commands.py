"""Slash commands: /feedback and /roadmap."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App

from bot.blocks.digest import digest_blocks
from bot.blocks.replies import (
    FEEDBACK_HELP,
    ROADMAP_HELP,
    error_blocks,
    logged_blocks,
    text_blocks,
)
from bot.deps import Deps
from bot.services.digest import build_digest
from bot.services.errors import UserFacingError
from bot.services.requests import NewRequest, log_request
from storage.db import unit_of_work
from storage.enums import RequestSource

logger = logging.getLogger(__name__)

HELP_WORDS = {"help", "-h", "--help", "?"}


def register(app: App, deps: Deps) -> None:
    @app.command("/feedback")
    def feedback(ack: Ack, command: dict[str, Any]) -> None:
        text = command.get("text", "")
        if text.strip().lower() in HELP_WORDS or not text.strip():
            ack(response_type="ephemeral", blocks=text_blocks(FEEDBACK_HELP), text="/feedback help")
            return
        new = NewRequest(
            workspace_id=command["team_id"],
            requester_slack_id=command["user_id"],
            text=text,
            source=RequestSource.COMMAND,
            idempotency_key=f"command:{command['team_id']}:{command['trigger_id']}",
        )
        try:
            with unit_of_work(deps.session_factory) as session:
                logged = log_request(session, new)
        except UserFacingError as error:
            ack(response_type="ephemeral", blocks=error_blocks(str(error)), text=str(error))
            return
        ack(
            response_type="ephemeral",
            blocks=logged_blocks(logged.id, logged.title),
            text=f"Logged as #{logged.id}",
        )

    @app.command("/roadmap")
    def roadmap(ack: Ack, command: dict[str, Any]) -> None:
        text = command.get("text", "").strip().lower()
        if text in HELP_WORDS:
            ack(response_type="ephemeral", blocks=text_blocks(ROADMAP_HELP), text="/roadmap help")
            return
        with unit_of_work(deps.session_factory) as session:
            view = build_digest(
                session, command["team_id"], datetime.now(UTC), top=deps.settings.digest_size
            )
        ack(response_type="ephemeral", blocks=digest_blocks(view), text="Platform roadmap")
