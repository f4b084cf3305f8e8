"""Calling Slack where a failure must not lose data: the data is stored first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


def send_safely(what: str, send: Callable[[], Any]) -> None:
    """Run one Slack call; a failure (after the client's own retries) is logged, not raised.

    Data is always stored before a reply is attempted, so a lost reply loses no data.
    """
    try:
        send()
    except (SlackApiError, OSError) as error:
        logger.warning("could not send %s: %s", what, error)
