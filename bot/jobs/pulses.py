"""Pulse jobs: start rounds (cron or on demand), remind, close, follow up, attach charts.

Every replica runs them; the database makes each happen once: a scheduled round is keyed
by its cron firing, a reminder or a close is a conditional update only one replica wins,
DMs are outbox messages with unique keys, a chart is claimed per digest run.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.runtime.settings import Settings
from bot.services.followups import queue_followups
from bot.services.pulses.chart import chart_alt_text, trend_chart_png
from bot.services.pulses.delivery import close_rounds, remind
from bot.services.pulses.results import pulse_results
from bot.services.pulses.rounds import PulseConfig, RoundStart, scheduled_trigger
from bot.slack.pulse_api import start_round_from_slack, upload_chart
from storage.db import SessionFactory, unit_of_work
from storage.models import OutboxMessage, PulseChartPost
from storage.repositories import DigestRunRepository
from storage.repositories.base import Repository

logger = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 300


@dataclass
class PulseJobs:
    settings: Settings
    session_factory: SessionFactory
    client: WebClient
    workspace_id: str
    clock: Callable[[], datetime]
    rng: random.Random

    @property
    def config(self) -> PulseConfig:
        return PulseConfig.from_settings(self.settings)

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
        """The periodic check: reminders, closing, follow-ups, the digest's chart."""
        now = self.clock()
        with unit_of_work(self.session_factory) as session:
            reminded = remind(session, self.workspace_id, self.config, now, self.rng)
        with unit_of_work(self.session_factory) as session:
            closed = close_rounds(session, self.workspace_id, now)
        with unit_of_work(self.session_factory) as session:
            followups = queue_followups(
                session, self.workspace_id, now, timedelta(days=self.settings.followup_days)
            )
        if reminded or closed or followups:
            logger.info(
                "pulse checks: %d reminders, rounds closed %s, %d follow-ups",
                reminded,
                closed,
                followups,
            )
        self.attach_chart()

    def attach_chart(self) -> str | None:
        """Post the trend chart in the thread of the latest digest (once per digest)."""
        channel = self.settings.digest_channel
        if not channel:
            return None
        now = self.clock()
        with unit_of_work(self.session_factory) as session:
            run = DigestRunRepository(session, self.workspace_id).last_posted(channel)
            results = pulse_results(session, self.workspace_id, self.settings.pulse_anonymity, now)
            if run is None or not run.posted_ts or results is None:
                return None
            run_id = run.id
            claim, created = Repository(session, self.workspace_id).insert_once(
                PulseChartPost(
                    workspace_id=self.workspace_id, digest_run_id=run_id, claimed_at=now
                ),
                lambda: session.scalar(
                    select(PulseChartPost).where(PulseChartPost.digest_run_id == run_id)
                ),
            )
            if not created:
                return None
            claim_id, thread_ts = claim.id, run.posted_ts
        # The claim is committed before the upload: a crash in between loses this chart
        # (at most once), never posts it twice.
        png = trend_chart_png(results.history)
        file_id = upload_chart(
            self.client, channel, png, chart_alt_text(results.history), thread_ts
        )
        with unit_of_work(self.session_factory) as session:
            claim = session.get(PulseChartPost, claim_id)
            if claim is not None:
                claim.file_id, claim.posted_at = file_id, self.clock()
        return file_id


def chain_hooks(
    *hooks: Callable[[Session, OutboxMessage, dict[str, Any]], None],
) -> Callable[[Session, OutboxMessage, dict[str, Any]], None]:
    """One outbox on_sent hook that runs several, in order, in the same transaction."""

    def run(session: Session, message: OutboxMessage, response: dict[str, Any]) -> None:
        for hook in hooks:
            hook(session, message, response)

    return run
