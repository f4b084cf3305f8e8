"""Pulse jobs: start a round at each firing of the pulse schedule, and the periodic check.

Every replica runs them; the database makes each happen once: a scheduled round is keyed
by its cron firing, and the check's steps are claimed row by row
(bot/services/pulses/checks.py).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from bot.runtime.settings import Settings
from bot.services.pulses.checks import run_pulse_checks
from bot.services.pulses.rounds import RoundStart, scheduled_trigger
from bot.slack.pulse_api import start_round_from_slack, upload_chart
from storage.db import SessionFactory

CHECK_INTERVAL_SECONDS = 300


@dataclass
class PulseJobs:
    settings: Settings
    session_factory: SessionFactory
    client: WebClient
    workspace_id: str
    clock: Callable[[], datetime]
    rng: random.Random

    def run_scheduled(self, firing: datetime) -> RoundStart:
        return start_round_from_slack(
            self.session_factory,
            self.client,
            self.workspace_id,
            self.settings,
            self.clock(),
            scheduled_trigger(firing),
            scheduled=True,
            rng=self.rng,
        )

    def run_checks(self) -> None:
        run_pulse_checks(
            self.session_factory,
            self.workspace_id,
            self.settings,
            self.clock,
            self.rng,
            functools.partial(upload_chart, self.client),
        )
