"""Everything that runs on a clock: the digest, pulse and tracker sync schedules (cron),
the pulse check and the digest catch-up (intervals), and the outbox sender (a thread).

A job is a schedule, a lease and one call to a service (bot/services), which decides what
happens. Every replica runs the same jobs; the database decides which replica's firing
posts (leases, digest claims) and which sends a message (outbox claims), so nothing runs
twice.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.jobs.lease import JOB_LEASE_TTL, leased
from bot.jobs.outbox import OutboxSender, Pace
from bot.jobs.schedule import Schedule
from bot.runtime.settings import Settings
from bot.runtime.trackers import item_readers
from bot.services.digest_posting import DigestOutcome, queue_digests
from bot.services.outbox_hooks import AFTER_SENT
from bot.services.pulses.checks import run_pulse_checks
from bot.services.pulses.rounds import scheduled_trigger
from bot.services.roadmap.following import FollowPolicy
from bot.services.roadmap.sync import ItemReader, SyncReport, sync_linked_items
from bot.services.scoring_config import scoring_config
from bot.slack.pulse_api import start_round_from_slack, upload_chart
from storage.db import SessionFactory
from storage.models import utcnow

logger = logging.getLogger(__name__)


#: Pulse rounds are keyed by their cron firing and the check's steps are claimed row by
#: row (bot/services/pulses/checks.py), so every replica may run both.
CHECK_INTERVAL_SECONDS = 300

#: How often every replica checks for a digest firing that did not post (the database was
#: down, or the replica holding the firing died): within the grace window it is posted late,
#: once; the (channel, period) key makes a check after a successful firing a no-op.
CATCH_UP_INTERVAL_SECONDS = 600


class Jobs:
    def __init__(
        self,
        settings: Settings,
        session_factory: SessionFactory,
        client: WebClient,
        workspace_id: str,
        clock: Callable[[], datetime] = utcnow,
        pace: Pace | None = None,
        trackers: Sequence[ItemReader] | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.workspace_id = workspace_id
        self.clock = clock
        self.scoring = scoring_config(settings)
        self.digest_schedule = Schedule(settings.digest_schedule, settings.zone)
        self.grace = timedelta(hours=settings.digest_grace_hours)
        self.sender = OutboxSender(session_factory, client, after_sent=AFTER_SENT, pace=pace)
        self.pulse_schedule = Schedule(settings.pulse_schedule, settings.zone)
        self.client = client
        self.rng = random.Random()
        #: The trackers polled for linked items' states (those with a token set).
        self.trackers = list(item_readers(settings) if trackers is None else trackers)
        self.tracker_sync_schedule = Schedule(settings.tracker_sync_cron, settings.zone)
        self._stop = threading.Event()
        self._sender_thread: threading.Thread | None = None
        self._scheduler = BackgroundScheduler(timezone=settings.zone)

    def run_digest(self) -> list[DigestOutcome]:
        """Queue the digest of the current period (a no-op if it was queued already)."""
        now = self.clock()
        firing = self.digest_schedule.latest_firing(now)
        if firing is None:
            return []
        return queue_digests(
            self.session_factory, self.workspace_id, self.settings, firing, now, self.scoring
        )

    def run_pulse(self) -> None:
        """Start this firing's pulse round (skipped within the minimum gap, or when open)."""
        firing = self.pulse_schedule.latest_firing(self.clock())
        if firing is not None:
            start_round_from_slack(
                self.session_factory,
                self.client,
                self.workspace_id,
                self.settings,
                self.clock(),
                scheduled_trigger(firing),
                scheduled=True,
                rng=self.rng,
            )

    def check_pulses(self) -> None:
        """The periodic pulse check (bot/services/pulses/checks.py)."""
        run_pulse_checks(
            self.session_factory,
            self.workspace_id,
            self.settings,
            self.clock,
            self.rng,
            functools.partial(upload_chart, self.client),
        )

    def run_tracker_sync(self) -> SyncReport:
        """Read every linked item's state from its tracker (for trackers with no webhook)."""
        return sync_linked_items(
            self.session_factory,
            self.trackers,
            self.clock,
            policy=FollowPolicy.from_settings(self.settings),
        )

    def catch_up(self) -> list[DigestOutcome]:
        """A firing missed within the grace window is run once, late (on start and every
        ``CATCH_UP_INTERVAL_SECONDS``)."""
        now = self.clock()
        firing = self.digest_schedule.missed_within(now, self.grace)
        if firing is None:
            return []
        logger.info("catching up the digest due at %s", firing.isoformat())
        return queue_digests(
            self.session_factory, self.workspace_id, self.settings, firing, now, self.scoring
        )

    def start(self) -> None:
        grace = int(self.grace.total_seconds()) or None
        self._add("digest", self.run_digest, self.digest_schedule.trigger, misfire_grace_time=grace)
        self._add("pulse", self.run_pulse, self.pulse_schedule.trigger, misfire_grace_time=grace)
        self._add("pulse_checks", self.check_pulses, "interval", seconds=CHECK_INTERVAL_SECONDS)
        self._add("digest_catch_up", self.catch_up, "interval", seconds=CATCH_UP_INTERVAL_SECONDS)
        if self.trackers:
            self._add("tracker_sync", self.run_tracker_sync, self.tracker_sync_schedule.trigger)
        self._scheduler.start()
        self.catch_up()
        self._sender_thread = threading.Thread(
            target=self.sender.run_forever,
            args=(self._stop,),
            name="pulseboard-outbox",
            daemon=True,
        )
        self._sender_thread.start()

    def _add(self, name: str, job: Callable[[], object], trigger: object, **when: Any) -> None:
        """Schedule ``job`` under ``name``, its id and its lease's: each firing runs once, in
        one replica, and firings missed while it ran collapse into one."""
        self._scheduler.add_job(
            leased(self.session_factory, name, JOB_LEASE_TTL, job),
            trigger,
            id=name,
            coalesce=True,
            max_instances=1,
            **when,
        )

    def shutdown(self) -> None:
        """Stop taking new work and let the running job and the current send finish."""
        self._stop.set()
        self._scheduler.shutdown(wait=True)
        if self._sender_thread is not None:
            self._sender_thread.join(timeout=30)
