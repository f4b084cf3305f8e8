"""Posting the weekly digest: one per channel and period, through the outbox.

Claiming (channel, period) and queueing the message happen in one transaction, and the
period is the scheduled firing, so a restart, a second replica, a manual re-run or a
catch-up after downtime finds the claim and posts nothing more. When it runs is the
scheduler's business (bot/jobs/scheduler.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.runtime.settings import Settings
from bot.services.digest import DEFAULT_PERIOD, build_digest, previous_positions, shown_theme_ids
from bot.services.outbox import SlackPost, queue
from bot.services.periods import period_key
from bot.services.themes.regroup import regroup
from bot.slack.blocks.digest import digest_blocks, digest_text
from scoring import ScoringConfig
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.unit_of_work import UnitOfWork, unit_of_work

logger = logging.getLogger(__name__)

DIGEST_KIND = "digest"


@dataclass(frozen=True)
class DigestTarget:
    channel: str
    title: str
    domain_id: int | None = None


@dataclass(frozen=True)
class DigestOutcome:
    channel: str
    period: str
    queued: bool


def digest_targets(uow: UnitOfWork, settings: Settings) -> list[DigestTarget]:
    """The global digest channel, and each domain that has a digest channel of its own."""
    targets = []
    if settings.digest_channel:
        targets.append(DigestTarget(settings.digest_channel, "Platform roadmap"))
    for domain in uow.domains.with_digest_channel():
        assert domain.digest_channel is not None
        targets.append(DigestTarget(domain.digest_channel, f"Roadmap · {domain.name}", domain.id))
    return targets


def queue_digests(
    session_factory: SessionFactory,
    workspace_id: str,
    settings: Settings,
    firing: datetime,
    now: datetime,
    config: ScoringConfig | None = None,
) -> list[DigestOutcome]:
    """Queue this period's digest for every target not yet claimed; return what happened."""
    period = period_key(firing)
    regroup_once(session_factory, workspace_id, period, config)
    with unit_of_work(session_factory, workspace_id) as uow:
        targets = digest_targets(uow, settings)
    outcomes = []
    for target in targets:
        with unit_of_work(session_factory, workspace_id) as uow:
            queued = queue_one(uow, settings, target, period, firing, now, config)
        outcomes.append(DigestOutcome(target.channel, period, queued))
        logger.info(
            "digest %s for %s: %s",
            period,
            target.channel,
            "queued" if queued else "already claimed",
        )
    return outcomes


def regroup_once(
    session_factory: SessionFactory,
    workspace_id: str,
    period: str,
    config: ScoringConfig | None = None,
) -> None:
    """Re-cluster before the period's digests, in one replica only.

    The period's key and the new grouping commit together: a replica that loses the race
    waits for the winner's commit (the unique key) and then finds the work done.
    """
    with unit_of_work(session_factory, workspace_id) as uow:
        if not uow.deliveries.claim(f"regroup:{period}"):
            return
        report = regroup(uow, config)
    logger.info(
        "regrouped %d requests into %d themes (%d new) before the %s digest",
        report.requests,
        report.themes,
        report.new_themes,
        period,
    )


def queue_one(
    uow: UnitOfWork,
    settings: Settings,
    target: DigestTarget,
    period: str,
    firing: datetime,
    now: datetime,
    config: ScoringConfig | None = None,
) -> bool:
    """Claim the target's digest for ``period`` and queue it, in the caller's transaction;
    False when the period was claimed already."""
    runs = uow.digests
    run = runs.claim(target.channel, period, at=now)
    if run is None:
        return False
    previous = runs.previous(target.channel, run)
    since = previous.started_at if previous else firing - DEFAULT_PERIOD
    view = build_digest(
        uow,
        now,
        top=settings.digest_size,
        since=since,
        previous_positions=previous_positions(previous.ranking) if previous else None,
        title=target.title,
        domain_id=target.domain_id,
        pulse_threshold=settings.pulse_anonymity,
        config=config,
    )
    run.ranking = {"positions": view.positions()}
    uow.themes.mark_labels_shown(shown_theme_ids(view), now)
    post = SlackPost(target.channel, digest_text(view), digest_blocks(view), unfurl_links=False)
    queue(
        uow.outbox,
        post,
        key=f"digest:{uow.workspace_id}:{target.channel}:{period}",
        kind=DIGEST_KIND,
        extra={"digest_run_id": run.id},
    )
    return True


def record_posted(uow: UnitOfWork, message: OutboxMessage, response: dict[str, Any]) -> None:
    """After a digest is sent: remember its ts (for threads and the audit trail)."""
    run_id = message.payload.get("digest_run_id")
    if run_id is None:
        return
    runs = uow.for_workspace(message.workspace_id).digests
    run = runs.by_id(int(run_id))
    if run is not None:
        runs.mark_posted(run, str(response.get("ts", "")), run.ranking)
