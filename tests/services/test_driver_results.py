"""Driver results on a worked example (issue 18 parts 2–4): per driver satisfaction,
importance, gap and change per domain; the quadrant; a PM's tie and untie (audited,
locking the theme) and suggestions by meaning; the drivers component in the breakdown and
the exports; did it help? on `/roadmap theme N`, in the digest and in the JSON export;
the quadrant chart in the digest's thread."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import cast

import pytest
from rich.console import Console

from bot.cli.data import roadmap_csv, roadmap_json
from bot.cli.demo import DemoDatabase, write_driver_chart
from bot.services.digest import build_digest
from bot.services.errors import NotAllowedError, NotFoundError
from bot.services.pulses.digest_chart import attach_chart_to_digest
from bot.services.pulses.driver_results import driver_results
from bot.services.pulses.driver_views import quadrant_words
from bot.services.roadmap.admin import Actor
from bot.services.roadmap.driver_admin import tie_driver, untie_driver
from bot.services.roadmap.outcomes import with_outcomes
from bot.services.roadmap.ranking import build_roadmap
from bot.services.roadmap.theme_details import theme_details
from bot.services.workspace.transfer import ImportReport
from bot.slack.blocks.digest import digest_blocks
from bot.slack.blocks.driver_results import driver_results_blocks
from bot.slack.blocks.theme import theme_detail_blocks
from scoring import ScoringConfig, ThemeConfig
from storage.models import Theme
from storage.unit_of_work import unit_of_work
from tests.fakes.embedder import CountingEmbedder
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.pulses.driver_seed import PM, TEAM, DriverSeed, day

K = 5
NOW = day(40)
ADMIN = Actor(TEAM, PM, frozenset({PM}))
PLATFORM = range(7)  # people 0–6
DATA = range(7, 12)  # people 7–11


class World:
    def __init__(self, db: Database) -> None:
        seed = DriverSeed(db)
        self.db = db
        self.build = seed.driver("build_speed", "build speed", "How fast CI builds run", 0)
        self.docs = seed.driver("docs", "documentation", "Docs for the platform", 1)
        platform, data = seed.domain("platform"), seed.domain("data")
        self.rounds = [seed.round(day(0)), seed.round(day(14)), seed.round(day(28))]
        # build speed: platform unhappy, then happier after the cache shipped (day 8)
        satisfaction = [
            (dict.fromkeys(PLATFORM, 1), dict.fromkeys(DATA, 3)),
            (dict.fromkeys(PLATFORM, 2), dict.fromkeys(DATA, 3)),
            (dict.fromkeys(PLATFORM, 4), dict.fromkeys(DATA, 2)),
        ]
        for round_id, (mine, theirs) in zip(self.rounds, satisfaction, strict=True):
            seed.answers(round_id, self.build, mine, domain_id=platform)
            seed.answers(round_id, self.build, theirs, domain_id=data)
            seed.answers(round_id, self.docs, dict.fromkeys(range(12), 4), domain_id=None)
        # importance, asked once: build 5 (platform) and 4 (data); docs 2
        seed.answers(self.rounds[0], self.build, dict.fromkeys(PLATFORM, 5), "importance", platform)
        seed.answers(self.rounds[0], self.build, dict.fromkeys(DATA, 4), "importance", data)
        seed.answers(self.rounds[0], self.docs, dict.fromkeys(range(12), 2), "importance")
        self.cache = seed.theme("Remote build cache", list(PLATFORM), day(1), platform)
        self.wifi = seed.theme("Office wifi", [20, 21], day(1))
        seed.ship(self.cache, day(8))


@pytest.fixture
def world(database: Database) -> World:
    return World(database)


def test_results_per_driver_with_domains_change_and_gap(world: World) -> None:
    with unit_of_work(world.db.sessions, TEAM) as uow:
        results = driver_results(uow, K, NOW)
    assert results is not None
    assert results.round_id == world.rounds[2]
    build, docs = results.drivers
    # round 3: platform 7 × 4, data 5 × 2 → mean 38/12, 5 of 12 unsatisfied
    assert build.satisfaction == pytest.approx(38 / 12)
    assert build.unsatisfied == pytest.approx(5 / 12)
    # importance: 7 × 5 + 5 × 4 = 55 / 12
    assert build.importance == pytest.approx(55 / 12)
    assert build.gap == pytest.approx(55 / 12 / 5 * 5 / 12)
    assert build.change == pytest.approx(38 / 12 - (7 * 2 + 5 * 3) / 12)
    assert build.importance_rank == 1
    assert docs.importance_rank == 2
    domains = {d.domain: d for d in build.domains}
    assert set(domains) == {"platform", "data"}
    assert domains["platform"].satisfaction == 4
    assert domains["platform"].change == pytest.approx(2.0)
    assert domains["data"].unsatisfied == 1.0
    # round 3: build 3.2 ≥ 3, not in the quadrant; docs is satisfied
    assert quadrant_words(results) == "Important and unsatisfied: none this round."
    text = all_text(valid_blocks(driver_results_blocks(results)))
    assert "*build speed*: satisfaction *3.2*/5, 42% unsatisfied" in text


def test_the_quadrant_names_the_sore_driver(world: World) -> None:
    with unit_of_work(world.db.sessions, TEAM) as uow:
        results = driver_results(uow, K, day(27))  # round 2 is the latest closed
    assert results is not None
    assert results.round_id == world.rounds[1]
    # round 2: platform 7 × 2, data 5 × 3 → 29/12 = 2.4, 7 of 12 unsatisfied
    assert quadrant_words(results) == (
        "Important and unsatisfied: build speed (58% unsatisfied, ranks most important)"
    )


def test_an_open_round_shows_only_counts(database: Database) -> None:
    seed = DriverSeed(database)
    build = seed.driver("build_speed", "build speed")
    open_round = seed.round(day(0), closed=False)
    seed.answers(open_round, build, dict.fromkeys(range(8), 1))
    with unit_of_work(database.sessions, TEAM) as uow:
        results = driver_results(uow, K, day(2))
    assert results is not None
    assert results.is_open
    assert results.drivers[0].satisfaction is None
    text = all_text(valid_blocks(driver_results_blocks(results)))
    assert "8 people answered so far" in text


def test_a_pm_ties_and_unties_audited_and_locking(world: World) -> None:
    with unit_of_work(world.db.sessions, TEAM) as uow:
        with pytest.raises(NotAllowedError):
            tie_driver(uow, Actor(TEAM, "U0SOMEONE", frozenset({PM})), world.wifi, "docs")
        with pytest.raises(NotFoundError):
            tie_driver(uow, ADMIN, world.wifi, "nope")
        said = tie_driver(uow, ADMIN, world.wifi, "build_speed", invocation="k1")
        assert "now addresses “build speed”" in said.message
        again = tie_driver(uow, ADMIN, world.wifi, "build_speed", invocation="k1")
        assert again.replayed
        theme = uow.session.get(Theme, world.wifi)
        assert theme is not None
        assert theme.locked
    with unit_of_work(world.db.sessions, TEAM) as uow:
        [entry] = [e for e in build_roadmap(uow, NOW, anonymity=K) if e.theme_id == world.wifi]
        part = next(c for c in entry.components if c.name == "drivers")
        assert part.value == pytest.approx(55 / 12 / 5 * 5 / 12, abs=1e-6)
        assert entry.drivers == ("build_speed",)
        assert "addresses 'build speed', where 42% are unsatisfied" in entry.why
        untie_driver(uow, ADMIN, world.wifi, "build_speed")
        actions = [a.action for a in uow.audit.oldest_first()]
        assert actions[-2:] == ["theme.driver_tie", "theme.driver_untie"]
    with unit_of_work(world.db.sessions, TEAM) as uow:
        [entry] = [e for e in build_roadmap(uow, NOW, anonymity=K) if e.theme_id == world.wifi]
        assert "drivers" not in [c.name for c in entry.components]


def test_suggested_by_meaning_and_a_pm_untie_wins(world: World) -> None:
    config = ScoringConfig(themes=ThemeConfig(embedder=CountingEmbedder()))
    seed = DriverSeed(world.db)
    builds = seed.theme("How fast CI builds run", [30, 31, 32], day(30))

    def tied() -> tuple[str, ...]:
        with unit_of_work(world.db.sessions, TEAM) as uow:
            entries = build_roadmap(uow, NOW, config, anonymity=K)
        return next(e for e in entries if e.theme_id == builds).drivers

    assert tied() == ("build_speed",)
    with unit_of_work(world.db.sessions, TEAM) as uow:
        untie_driver(uow, ADMIN, builds, "build_speed")
    assert tied() == ()
    with unit_of_work(world.db.sessions, TEAM) as uow:
        tie_driver(uow, ADMIN, builds, "docs")
    assert tied() == ("docs",)


def test_did_it_help_on_the_theme_in_the_digest_and_the_export(world: World) -> None:
    with unit_of_work(world.db.sessions, TEAM) as uow:
        tie_driver(uow, ADMIN, world.cache, "build_speed")
    with unit_of_work(world.db.sessions, TEAM) as uow:
        details = theme_details(uow, world.cache, NOW, anonymity=K)
        entries = with_outcomes(
            uow, build_roadmap(uow, NOW, active_only=False, anonymity=K), NOW, K
        )
        digest = build_digest(uow, NOW, since=day(33), pulse_threshold=K)
        earlier = build_digest(uow, day(33), since=day(26), pulse_threshold=K)
    outcome = details.outcome
    assert outcome is not None
    assert outcome.before_round == day(0)
    assert outcome.after_round == day(28)
    [found] = outcome.drivers
    groups = {s.group: s for s in found.shifts}
    assert set(groups) == {"its requesters", "platform"}
    assert groups["its requesters"].before == 1
    assert groups["its requesters"].after == 4
    text = all_text(valid_blocks(theme_detail_blocks(details)))
    assert "*Did it help?*" in text
    assert "build speed: its requesters 1.0 → 4.0 (+3.0; unsatisfied 100% → 0%)" in text
    record = next(r for r in json.loads(roadmap_json(entries)) if r["theme_id"] == world.cache)
    assert record["did_it_help"]["drivers"][0]["groups"][0]["after"] == 4.0
    assert "did_it_help" in roadmap_csv(entries).splitlines()[0]
    # the after round closed on day 35: the digest of day 40 says so, the one before not
    assert [n.theme_id for n in digest.helped] == [world.cache]
    assert earlier.helped == ()
    digest_text = all_text(valid_blocks(digest_blocks(digest)))
    assert "Did it help?" in digest_text
    assert "its requesters 1.0 → 4.0" in digest_text


def test_no_tie_no_before_after(world: World) -> None:
    with unit_of_work(world.db.sessions, TEAM) as uow:
        details = theme_details(uow, world.cache, NOW, anonymity=K)
    assert details.outcome is not None
    assert details.outcome.drivers == ()
    assert "not tied to a driver" in details.outcome.note


def test_the_quadrant_chart_rides_in_the_digest_thread(world: World) -> None:
    with unit_of_work(world.db.sessions, TEAM) as uow:
        run = uow.digests.claim("C0DIGEST", "2026-W28", NOW)
        assert run is not None
        uow.digests.mark_posted(run, "1700000000.000100", {})
    uploads: list[tuple[str, bytes, str]] = []

    def upload(
        channel: str,
        png: bytes,
        alt_text: str,
        thread_ts: str | None = None,
        *,
        filename: str = "pulse-trend.png",
        title: str = "",
    ) -> str | None:
        assert thread_ts == "1700000000.000100"
        uploads.append((filename, png, alt_text))
        return f"F{len(uploads)}"

    def clock() -> object:
        return NOW + timedelta(hours=1)

    attach_chart_to_digest(world.db.sessions, TEAM, "C0DIGEST", K, clock, upload)  # type: ignore[arg-type]
    attach_chart_to_digest(world.db.sessions, TEAM, "C0DIGEST", K, clock, upload)  # type: ignore[arg-type]
    assert [name for name, _, _ in uploads] == ["pulse-trend.png", "pulse-drivers.png"]
    assert uploads[1][1].startswith(b"\x89PNG")
    assert uploads[1][2].startswith("Important and unsatisfied: none this round.")


def demo_of(db: Database, tmp_path: Path) -> DemoDatabase:
    report = cast(ImportReport, None)  # the chart step reads the database only
    return DemoDatabase(
        tmp_path / "demo.db", db.sessions, TEAM, "Demo", NOW, report, ScoringConfig()
    )


def test_the_demo_writes_the_quadrant_png(world: World, tmp_path: Path) -> None:
    out = StringIO()
    written = write_driver_chart(
        demo_of(world.db, tmp_path), tmp_path / "q.png", Console(file=out, width=200)
    )
    assert written == tmp_path / "q.png"
    assert written.read_bytes().startswith(b"\x89PNG")
    assert "Driver quadrant chart (PNG)" in out.getvalue()


def test_the_demo_skips_the_chart_without_driver_answers(
    database: Database, tmp_path: Path
) -> None:
    out = StringIO()
    written = write_driver_chart(
        demo_of(database, tmp_path), tmp_path / "q.png", Console(file=out, width=200)
    )
    assert written is None
    assert not (tmp_path / "q.png").exists()
    assert "Driver chart skipped: the sample has no driver answers to draw." in out.getvalue()
