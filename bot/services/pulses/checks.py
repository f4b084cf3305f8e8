"""The periodic pulse check: reminders, closing rounds, ship follow-ups, the digest's chart.

Each step commits on its own before the next begins, so the chart's upload to Slack holds
no transaction open.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.runtime.settings import Settings
from bot.services.followups import queue_followups
from bot.services.pulses.delivery import close_rounds, remind
from bot.services.pulses.digest_chart import UploadChart, attach_chart_to_digest
from bot.services.pulses.rounds import PulseConfig
from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work

logger = logging.getLogger(__name__)


def run_pulse_checks(
    session_factory: SessionFactory,
    workspace_id: str,
    settings: Settings,
    clock: Callable[[], datetime],
    rng: random.Random,
    upload_chart: UploadChart,
) -> None:
    """Remind, close, queue follow-ups, then attach the trend chart to the latest digest."""
    config = PulseConfig.from_settings(settings)
    now = clock()
    with unit_of_work(session_factory, workspace_id) as uow:
        reminded = remind(uow, config, now, rng)
    with unit_of_work(session_factory, workspace_id) as uow:
        closed = close_rounds(uow, now)
    with unit_of_work(session_factory, workspace_id) as uow:
        followups = queue_followups(uow, now, timedelta(days=settings.followup_days))
    if reminded or closed or followups:
        logger.info(
            "pulse checks: %d reminders, rounds closed %s, %d follow-ups",
            reminded,
            closed,
            followups,
        )
    attach_chart_to_digest(
        session_factory,
        workspace_id,
        settings.digest_channel,
        settings.pulse_anonymity,
        clock,
        upload_chart,
    )
