"""Time-to-market on a worked example (issue 17, part 4): per theme first ask → work
started (its first linked item in progress) → shipped; per period the medians overall and
per domain against the period before; a theme shipped without a link has no start."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.cli.data import delivery_record, stats_json
from bot.services.kpis import compute_kpis
from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.admin import Actor, set_theme_status
from bot.services.roadmap.following import FollowMode, FollowPolicy
from bot.services.roadmap.links import Tracker, Trackers, link_theme, record_item_state
from bot.services.roadmap.ranking import build_roadmap
from bot.slack.blocks.roadmap import stats_blocks
from storage.enums import RequestSource, ThemeStatus
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

TEAM = "T0MARKET01"
PM = "U0PMADMIN1"
T0 = datetime(2026, 9, 1, 9, tzinfo=UTC)
NOW = T0 + timedelta(days=60)
SINCE = NOW - timedelta(days=30)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def shipped_theme(
    db: Database, label: str, domain: str, asked: float, shipped: float, started: float | None
) -> int:
    """A theme asked for on day ``asked`` by ``domain``, shipped on day ``shipped``, its
    linked item in progress from day ``started`` (None: never linked)."""
    with unit_of_work(db.sessions, TEAM) as uow:
        found = {d.name: d for d in uow.domains.list_all()}
        owner = found.get(domain) or uow.domains.add(domain, domain)
        theme = uow.themes.add(label)
        for n in range(2):
            logged = log_request(
                uow,
                NewRequest(
                    requester_slack_id=f"U0{label[:3].upper()}{n:05d}",
                    text=f"{label} please, request {n}",
                    source=RequestSource.COMMAND,
                    idempotency_key=f"{label}:{n}",
                    created_at=day(asked + n),
                ),
            )
            request = uow.requests.by_id(logged.id)
            assert request is not None
            request.theme_id, request.domain_id = theme.id, owner.id
        theme_id = theme.id
    if started is not None:
        url = f"https://github.com/acme/{label.split()[0].lower()}/issues/1"
        with unit_of_work(db.sessions, TEAM) as uow:
            link_theme(uow, Actor(TEAM, PM, frozenset({PM})), theme_id, url, Trackers("github.com"))
        with unit_of_work(db.sessions) as uow:
            item = f"acme/{label.split()[0].lower()}#1"
            policy = FollowPolicy(FollowMode.CONFIRM, frozenset({PM}))
            record_item_state(
                uow, Tracker.GITHUB, item, "in_progress", policy=policy, now=day(started)
            )
    with unit_of_work(db.sessions, TEAM) as uow:
        theme = uow.themes.resolve(theme_id)
        assert theme is not None
        set_theme_status(uow, PM, theme, ThemeStatus.SHIPPED, "")
        theme.status_changed_at = day(shipped)
    return theme_id


def test_time_to_market_worked_example(database: Database) -> None:
    # this period (days 30–60): A (ci) asked day 1, started day 31, shipped day 41;
    # B (deploys) asked day 20, never linked, shipped day 50. The period before: C (ci)
    # asked day -30, shipped day 20.
    a = shipped_theme(database, "Artifacts cache", "ci", asked=1, shipped=41, started=31)
    shipped_theme(database, "Blue-green deploys", "deploys", asked=20, shipped=50, started=None)
    shipped_theme(database, "Cached builds", "ci", asked=-30, shipped=20, started=None)

    with unit_of_work(database.sessions, TEAM) as uow:
        kpis = compute_kpis(uow, SINCE, NOW)
        entries = {e.theme_id: e for e in build_roadmap(uow, NOW, active_only=False)}
    overall = kpis.time_to_market.overall
    assert (overall.shipped, overall.previous_shipped) == (2, 1)
    assert overall.median_days_to_ship == 35  # (40 + 30) / 2
    assert overall.previous_median_days_to_ship == 50
    assert overall.change_in_days == -15
    assert (overall.median_days_to_start, overall.median_days_in_work) == (30, 10)
    assert overall.started_known == 1
    by_domain = dict(kpis.time_to_market.by_domain)
    assert (by_domain["ci"].median_days_to_ship, by_domain["ci"].change_in_days) == (40, -10)
    assert (by_domain["deploys"].median_days_to_ship, by_domain["deploys"].shipped) == (30, 1)

    text = "\n".join(b["text"]["text"] for b in stats_blocks(kpis, 30))
    assert (
        "• Time to market: median 35 days from first ask to shipped "
        "(15 days faster than the 30 days before), 2 themes" in text
    )
    assert (
        "• Work started a median 30 days after the first ask, then shipped in 10 days "
        "(1 of 2 had a linked item)" in text
    )
    assert "• 1 theme shipped without a linked item in progress" in text
    assert "• By domain: ci 40 days (1 theme), deploys 30 days (1 theme)" in text

    assert delivery_record(entries[a].delivery) == {
        "first_asked_at": "2026-09-02T09:00:00Z",
        "work_started_at": "2026-10-02T09:00:00Z",
        "shipped_at": "2026-10-12T09:00:00Z",
        "days_to_start": 30.0,
        "days_in_work": 10.0,
        "days_to_ship": 40.0,
    }
    exported = json.loads(stats_json(kpis, 30, NOW))
    assert exported["time_to_market"]["median_days_to_ship"] == 35
    assert exported["time_to_market"]["change_in_days"] == -15
    assert exported["time_to_market_by_domain"]["deploys"]["previous_shipped"] == 0


def test_nothing_shipped_says_so(database: Database) -> None:
    with unit_of_work(database.sessions, TEAM) as uow:
        kpis = compute_kpis(uow, SINCE, NOW)
    text = "\n".join(b["text"]["text"] for b in stats_blocks(kpis, 30))
    assert "• Time to market: no theme shipped in the last 30 days" in text
