"""Pulse jobs: start rounds (cron or on demand), remind, close, follow up, attach charts.

Every replica runs them; the database makes each happen once: a scheduled round is keyed
by its cron firing, a reminder or a close is a conditional update only one replica wins,
DMs are outbox messages with unique keys, a chart is claimed per digest run.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.runtime.settings import Settings
from bot.services.followups import queue_followups
from bot.services.periods import period_key
from bot.services.pulses.chart import chart_alt_text, trend_chart_png
from bot.services.pulses.delivery import close_rounds, remind
from bot.services.pulses.results import pulse_results
from bot.services.pulses.rounds import (
    PulseConfig,
    RoundStart,
    in_working_window,
    start_round,
    started_already,
    why_not_start,
)
from storage.db import SessionFactory, unit_of_work
from storage.models import OutboxMessage, PulseChartPost
from storage.repositories import DigestRunRepository
from storage.repositories.base import Repository
from storage.repositories.directory import SlackPerson

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
CHECK_INTERVAL_SECONDS = 300


def slack_pages(call: Callable[..., Any], key: str, **params: Any) -> Iterator[Any]:
    """Every item of a cursor-paginated Web API list."""
    cursor = None
    while True:
        page = call(**params, limit=PAGE_SIZE, **({"cursor": cursor} if cursor else {}))
        yield from page.get(key) or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def fetch_people(client: WebClient) -> list[SlackPerson]:
    """The workspace directory (users.list): names, time zones, bots, deactivated."""
    return [
        SlackPerson(
            slack_id=str(member["id"]),
            name=str(member.get("real_name") or member.get("name") or ""),
            tz=member.get("tz") or None,
            is_bot=bool(member.get("is_bot")) or bool(member.get("is_app_user")),
            is_deleted=bool(member.get("deleted")),
        )
        for member in slack_pages(client.users_list, "members")
    ]


def fetch_audience(client: WebClient, sources: tuple[str, ...]) -> set[str] | None:
    """Slack ids in the configured channels (C…, G…) and user groups (S…); None: everyone."""
    if not sources:
        return None
    members: set[str] = set()
    for source in sources:
        if source.startswith("S"):
            members.update(client.usergroups_users_list(usergroup=source).get("users") or [])
        else:
            members.update(slack_pages(client.conversations_members, "members", channel=source))
    return members


def start_round_from_slack(
    session_factory: SessionFactory,
    client: WebClient,
    workspace_id: str,
    settings: Settings,
    now: datetime,
    trigger_key: str,
    *,
    scheduled: bool,
    rng: random.Random | None = None,
) -> RoundStart:
    """Refresh the directory and audience from Slack, then start the round."""
    config = PulseConfig.from_settings(settings)
    with unit_of_work(session_factory) as session:
        earlier = started_already(session, workspace_id, trigger_key)
        reason = why_not_start(session, workspace_id, config, now, scheduled)
    if earlier is not None:
        return earlier
    if reason is not None:
        return RoundStart(None, False, 0, reason)
    people = fetch_people(client)
    audience = fetch_audience(client, settings.pulse_audience)
    deliver = in_working_window(config.window, rng or random.Random())
    with unit_of_work(session_factory) as session:
        started = start_round(
            session,
            workspace_id,
            config,
            now,
            trigger_key,
            people=people,
            audience=audience,
            deliver_at=deliver,
            scheduled=scheduled,
        )
    logger.info("pulse round %s: %s", trigger_key, started)
    return started


def scheduled_trigger(firing: datetime) -> str:
    return f"schedule:{period_key(firing)}"


def upload_chart(
    client: WebClient, channel: str, png: bytes, alt_text: str, thread_ts: str | None = None
) -> str | None:
    """Upload the chart with the files upload v2 API; returns the file id."""
    kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
    uploaded = client.files_upload_v2(
        channel=channel,
        content=png,
        filename="pulse-trend.png",
        title="Developer satisfaction trend",
        alt_txt=alt_text,
        **kwargs,
    )
    file = uploaded.get("file") or {}
    return str(file.get("id")) if file.get("id") else None


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
