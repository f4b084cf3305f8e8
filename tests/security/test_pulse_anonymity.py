"""Pulse anonymity, played as an attacker: query, answer, query again, compare.

Threshold 5 (the default) unless a test says otherwise. Every surface that shows
something computed from answers is read: `/roadmap pulse`, `/roadmap theme N` and
`/roadmap stats` through the real app, and in process the digest, App Home, the theme's
score breakdown, and the CSV, JSON and workspace exports. Nothing individual may be
derivable from one reading or from the difference of two.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.data import roadmap_csv, roadmap_json
from bot.services.digest import build_digest
from bot.services.followups import answer_followup, comment_followup, queue_followups
from bot.services.home import home_view
from bot.services.kpis import compute_kpis
from bot.services.pulses import rounds as pulses
from bot.services.pulses.delivery import close_rounds
from bot.services.roadmap.ranking import build_roadmap
from bot.services.roadmap.theme_details import theme_details
from bot.services.workspace.file import WorkspaceFile
from bot.slack.blocks.digest import digest_blocks
from bot.slack.blocks.home import home_tab
from bot.slack.blocks.pulse import SCORE_ACTION_PREFIX
from bot.slack.blocks.roadmap import stats_blocks
from bot.slack.blocks.theme import theme_detail_blocks
from storage.enums import RequestSource, ThemeStatus
from storage.models import Request, Theme
from storage.repositories import UserRepository
from storage.repositories.directory import SlackPerson
from storage.unit_of_work import unit_of_work
from tests.e2e.cli import run_here
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import block_action, slash_command
from tests.fixtures.app import ADMIN_ID, RunningApp, serve_app
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.app.seed import TEAM, seed_workspace
from tests.integration.pulses.helpers import CONFIG

K = 5
# Every answerer complains about the CI theme ("Remote build cache for CI").
COMMENT = "the remote build cache is still far too slow ({n})"
ROUND_AVERAGE = re.compile(r"\*\d\.\d\d\*/5")


@dataclass
class Round:
    round_id: int
    started: datetime
    people: list[str]


def answerer(n: int) -> str:
    return f"U0ANSWR{n:03d}"


def start_round(
    db: Database, count: int, started: datetime, domains: dict[int, str] | None = None
) -> Round:
    """A round asking ``count`` people (open for 7 days from ``started``)."""
    people = [SlackPerson(answerer(n), f"person {n}", "UTC", False, False) for n in range(count)]
    with unit_of_work(db.sessions, TEAM) as uow:
        for n, name in (domains or {}).items():
            domain = uow.domains.by_name(name)
            assert domain is not None
            uow.users.get_or_create(answerer(n)).domain_id = domain.id
    with unit_of_work(db.sessions, TEAM) as uow:
        begun = pulses.start_round(
            uow,
            CONFIG,
            started,
            f"attack:{started.isoformat()}",
            people=people,
            deliver_at=lambda _zone, moment, _deadline: moment,
        )
        assert begun.round_id is not None
    return Round(begun.round_id, started, [p.slack_id for p in people])


def answer(db: Database, pulse_round: Round, n: int, score: int, comment: bool = True) -> None:
    at = pulse_round.started + timedelta(hours=1, minutes=n)
    with unit_of_work(db.sessions, TEAM) as uow:
        pulses.record_score(uow, pulse_round.round_id, answerer(n), score, at)
        if comment:
            pulses.record_comment(uow, pulse_round.round_id, answerer(n), COMMENT.format(n=n), at)


def slack_reads(app: RunningApp, text: str, name: str) -> str:
    status, _ = app.send(
        slash_command("/roadmap", text, user_id=ADMIN_ID, response_url=app.slack.response_url(name))
    )
    assert status == 200
    [reply] = app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    return all_text(valid_blocks(reply.params["blocks"]))


def theme_surfaces(db: Database, theme_id: int, at: datetime) -> dict[str, str]:
    """What shows a theme's score: its detail view, the CSV and JSON exports."""
    with unit_of_work(db.sessions, TEAM) as uow:
        details = theme_details(uow, theme_id, at)
        entries = build_roadmap(uow, at, active_only=False)
    return {
        "theme": all_text(valid_blocks(theme_detail_blocks(details))),
        "csv": roadmap_csv(entries),
        "json": roadmap_json(entries),
    }


def pulse_surfaces(db: Database, at: datetime) -> dict[str, str]:
    """What shows pulse results in process: the digest, App Home (admin), stats."""
    with unit_of_work(db.sessions, TEAM) as uow:
        digest = digest_blocks(build_digest(uow, at, pulse_threshold=K))
        home = home_tab(home_view(uow, ADMIN_ID, at, pulse_threshold=K))
        stats = stats_blocks(compute_kpis(uow, at - timedelta(days=30), at), 30)
    return {
        "digest": json.dumps(valid_blocks(digest), ensure_ascii=False),
        "home": json.dumps(valid_blocks(home["blocks"]), ensure_ascii=False),
        "stats": all_text(valid_blocks(stats)),
    }


def assert_no_pulse_figure(text: str) -> None:
    assert not ROUND_AVERAGE.search(text), text
    assert "eNPS" not in text
    assert "By domain" not in text
    assert "█" not in text
    assert not re.search(r"[1-9]\d* pulse mention", text), text
    assert "far too slow" not in text  # no comment
    assert not re.search(r"satisfaction \d\.\d/5", text), text


@pytest.fixture
def seeded(running_app: RunningApp) -> int:
    return seed_workspace(running_app.db).ci_theme


def test_four_answers_show_nothing_anywhere_open_or_closed(
    running_app: RunningApp, seeded: int
) -> None:
    db, now = running_app.db, datetime.now(UTC)
    pulse_round = start_round(db, 8, now - timedelta(days=8))
    before = theme_surfaces(db, seeded, now)
    for n in range(4):
        answer(db, pulse_round, n, 1)
    with unit_of_work(db.sessions, TEAM) as uow:
        close_rounds(uow, now)
    # The theme's score, why line and breakdown are those with no pulse data at all.
    assert theme_surfaces(db, seeded, now) == before
    for text in pulse_surfaces(db, now).values():
        assert_no_pulse_figure(text)
    for verb in ("pulse", f"theme {seeded}", "stats", ""):
        shown = slack_reads(running_app, verb, f"q-{verb.replace(' ', '-') or 'top'}")
        assert_no_pulse_figure(shown)
    assert re.search(r"\b4 of \d+ answered", slack_reads(running_app, "pulse", "count"))


def test_an_open_round_shows_only_how_many_answered_however_many_answer(
    running_app: RunningApp, seeded: int
) -> None:
    db, now = running_app.db, datetime.now(UTC)
    pulse_round = start_round(db, 10, now - timedelta(hours=2))
    before = theme_surfaces(db, seeded, now)
    readings = []
    for n, score in enumerate([1, 2, 5, 4, 1, 3, 5]):
        answer(db, pulse_round, n, score)
        readings.append(slack_reads(running_app, "pulse", f"open-{n}"))
    for n, shown in enumerate(readings):
        assert_no_pulse_figure(shown)
        assert re.search(rf"\b{n + 1} of \d+ answered so far", shown)
    # Changing an answer while open moves nothing but the clock.
    with unit_of_work(db.sessions, TEAM) as uow:
        pulses.record_score(uow, pulse_round.round_id, answerer(0), 5, now)
    assert slack_reads(running_app, "pulse", "changed") == readings[-1]
    assert theme_surfaces(db, seeded, now) == before
    for text in pulse_surfaces(db, now).values():
        assert_no_pulse_figure(text)
    assert_no_pulse_figure(slack_reads(running_app, f"theme {seeded}", "theme-open"))


def test_closed_round_shows_the_aggregate_and_nothing_moves_it_afterwards(
    running_app: RunningApp, seeded: int
) -> None:
    db, now = running_app.db, datetime.now(UTC)
    domains = {n: ("ci" if n < 5 else "deploys") for n in range(12)}
    pulse_round = start_round(db, 12, now - timedelta(days=8), domains)
    for n, score in enumerate([1, 2, 2, 1, 3, 4, 5, 4, 4, 5]):
        answer(db, pulse_round, n, score, comment=False)
    first = slack_reads(running_app, "pulse", "closed-1")
    assert ROUND_AVERAGE.search(first)
    assert "By domain" in first
    # A late answer and a changed answer are refused...
    for n, score in ((10, 1), (0, 5)):
        with pytest.raises(pulses.RoundClosedError), unit_of_work(db.sessions, TEAM) as uow:
            pulses.record_score(uow, pulse_round.round_id, answerer(n), score, now)
    # ...and moving someone to another domain after the close moves no published figure.
    with unit_of_work(db.sessions, TEAM) as uow:
        deploys = uow.domains.by_name("deploys")
        assert deploys is not None
        user = uow.users.by_slack_id(answerer(0))
        assert user is not None
        user.domain_id = deploys.id
    assert slack_reads(running_app, "pulse", "closed-2") == first


def test_a_theme_score_moves_only_with_published_figures_never_one_authors_score(
    running_app: RunningApp, seeded: int
) -> None:
    """A theme's key terms drift; a comment that starts matching must not give away
    its author's score by the difference it makes to the satisfaction component."""
    db, now = running_app.db, datetime.now(UTC)
    pulse_round = start_round(db, 8, now - timedelta(days=8))
    for n in range(5):
        answer(db, pulse_round, n, 1)
    with unit_of_work(db.sessions, TEAM) as uow:
        pulses.record_score(uow, pulse_round.round_id, answerer(5), 5, pulse_round.started)
        pulses.record_comment(
            uow,
            pulse_round.round_id,
            answerer(5),
            "flaky grpc tests",
            now - timedelta(days=7, hours=20),
        )

    def implied_mood() -> tuple[int, float]:
        with unit_of_work(db.sessions, TEAM) as uow:
            [entry] = [e for e in build_roadmap(uow, now) if e.theme_id == seeded]
        [part] = [c for c in entry.components if c.name == "satisfaction"]
        mentions = int(part.detail.split()[0])
        reach = mentions / (mentions + 3)  # saturate(mentions, 3), docs/scoring.md
        return mentions, 1 - 2 * part.value / reach  # solve for the mood

    five, mood_five = implied_mood()
    with unit_of_work(db.sessions) as uow:
        theme = uow.session.get(Theme, seeded)
        assert theme is not None
        theme.top_terms = ["build cache", "grpc tests"]
    six, mood_six = implied_mood()
    assert (five, six) == (5, 6)
    assert mood_six == pytest.approx(mood_five, abs=1e-4)  # the sixth's 5 is not visible


@pytest.fixture
def shipped_to_many(running_app: RunningApp, seeded: int) -> tuple[int, list[int], datetime]:
    """The CI theme asked for by 7 people and shipped; the follow-ups queued."""
    db = running_app.db
    shipped = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    with unit_of_work(db.sessions, TEAM) as uow:
        for n in range(7):
            user = uow.users.get_or_create(answerer(n))
            uow.session.add(
                Request(
                    workspace_id=TEAM,
                    title=f"remote build cache please ({n})",
                    body="",
                    requester_id=user.id,
                    source=RequestSource.COMMAND,
                    idempotency_key=f"attack-followup:{n}",
                    theme_id=seeded,
                    created_at=shipped - timedelta(days=30),
                )
            )
        themes = uow.themes
        theme = themes.by_id(seeded)
        assert theme is not None
        themes.change_status(theme, ThemeStatus.SHIPPED, ADMIN_ID, "live", at=shipped)
    asked_at = shipped + timedelta(days=14, hours=1)
    with unit_of_work(db.sessions, TEAM) as uow:
        queue_followups(uow, asked_at, timedelta(days=14))
    with db.sessions() as session:
        from storage.models import ShipFollowup

        rows = session.scalars(select(ShipFollowup).order_by(ShipFollowup.id)).all()
        by_person = {UserRepository(session, TEAM).by_id(r.user_id).slack_id: r.id for r in rows}  # type: ignore[union-attr]
    return seeded, [by_person[answerer(n)] for n in range(7)], asked_at


def followup_shown(db: Database, theme_id: int, at: datetime) -> str:
    with unit_of_work(db.sessions, TEAM) as uow:
        details = theme_detail_blocks(theme_details(uow, theme_id, at))
        digest = digest_blocks(
            build_digest(uow, at, since=at - timedelta(days=60), pulse_threshold=K)
        )
    return all_text(valid_blocks(details)) + json.dumps(valid_blocks(digest), ensure_ascii=False)


def test_followups_show_no_count_below_the_threshold_or_before_they_close(
    running_app: RunningApp, shipped_to_many: tuple[int, list[int], datetime]
) -> None:
    db = running_app.db
    theme_id, followup_ids, asked_at = shipped_to_many
    answering = asked_at + timedelta(days=1)
    readings = [followup_shown(db, theme_id, answering)]
    for n, choice in enumerate(["no", "yes", "partly", "no", "yes"]):
        with unit_of_work(db.sessions, TEAM) as uow:
            answer_followup(uow, followup_ids[n], answerer(n), choice, answering)
            comment_followup(uow, followup_ids[n], answerer(n), f"said {n}", answering)
        readings.append(followup_shown(db, theme_id, answering))
    # While the question is open, nothing moves however many answer: not a count, not a
    # comment, not a request a "no" would have opened in its author's name.
    assert all(reading == readings[0] for reading in readings)
    assert "Did it meet the need" not in readings[-1]
    assert "Still needed after" not in readings[-1]
    closed = asked_at + timedelta(days=8)
    with pytest.raises(Exception, match="closed"), unit_of_work(db.sessions, TEAM) as uow:
        answer_followup(uow, followup_ids[5], answerer(5), "no", closed)
    shown = followup_shown(db, theme_id, closed)
    assert "Did it meet the need? 2 yes · 1 partly · 2 no" in shown
    assert "said 3" in shown


def test_followups_of_four_people_never_show(
    running_app: RunningApp, shipped_to_many: tuple[int, list[int], datetime]
) -> None:
    db = running_app.db
    theme_id, followup_ids, asked_at = shipped_to_many
    for n in range(4):
        with unit_of_work(db.sessions, TEAM) as uow:
            answer_followup(uow, followup_ids[n], answerer(n), "no", asked_at)
            comment_followup(uow, followup_ids[n], answerer(n), f"said {n}", asked_at)
    shown = followup_shown(db, theme_id, asked_at + timedelta(days=60))
    assert "Did it meet the need" not in shown
    assert "said " not in shown


def test_answer_buttons_are_logged_without_the_answer(
    served_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    pulse_round = start_round(served_app.db, 1, datetime.now(UTC) - timedelta(hours=1))
    action = f"{SCORE_ACTION_PREFIX}4"
    status, _ = served_app.send(
        block_action(
            action,
            f"{pulse_round.round_id}:4",
            answerer(0),
            response_url=served_app.slack.response_url("score"),
        )
    )
    assert status == 200
    served_app.slack.wait_for("response_url", where=lambda c: c.path.endswith("/score"))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "block_actions pulse_score" in logged
    assert action not in logged


@pytest.fixture
def strict_app(slack: FakeSlackAPI, sqlite_database: Database) -> Iterator[RunningApp]:
    yield from serve_app(slack, sqlite_database, pulse_anonymity=8)


def test_the_configured_threshold_holds_for_stats_and_results(strict_app: RunningApp) -> None:
    seed_workspace(strict_app.db)
    pulse_round = start_round(strict_app.db, 10, datetime.now(UTC) - timedelta(days=8))
    for n in range(6):
        answer(strict_app.db, pulse_round, n, 2)
    for verb in ("stats", "pulse", ""):
        assert_no_pulse_figure(slack_reads(strict_app, verb, f"strict-{verb or 'top'}"))


def export(db: Database, tmp_path: Path, *flags: str) -> tuple[WorkspaceFile, str]:
    out = tmp_path / f"export{len(flags)}.json"
    done = run_here(
        "export",
        "--format",
        "workspace",
        "--output",
        str(out),
        *flags,
        cwd=tmp_path,
        DATABASE_URL=db.url,
    )
    assert done.returncode == 0, done.stderr
    return WorkspaceFile.model_validate_json(out.read_bytes()), done.stderr


def test_workspace_export_has_no_individual_answers_without_the_operator_flag(
    running_app: RunningApp, seeded: int, tmp_path: Path
) -> None:
    db = running_app.db
    pulse_round = start_round(db, 8, datetime.now(UTC) - timedelta(days=8))
    for n, score in enumerate([1, 2, 3, 4, 5, 1]):
        answer(db, pulse_round, n, score)
    plain, warned = export(db, tmp_path)
    [record] = plain.pulse_rounds
    assert record.responses == []
    assert "far too slow" not in plain.model_dump_json()
    assert "individual" not in warned
    assert record.results is not None
    assert record.results.whole is not None
    assert record.results.whole.answers == 6  # the aggregate a closed round shows
    full, warned = export(db, tmp_path, "--include-individual-answers")
    assert sorted(a.score for a in full.pulse_rounds[0].responses) == [1, 1, 2, 3, 4, 5]
    assert "pulse answers" in " ".join(warned.split())
    # Both files import cleanly into a fresh database.
    for n, data in enumerate((plain, full)):
        path = tmp_path / f"in{n}.json"
        path.write_text(data.model_dump_json())
        imported = run_here(
            "import", str(path), cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / f'fresh{n}.db'}"
        )
        assert imported.returncode == 0, imported.stderr


def test_the_individual_answers_flag_is_refused_outside_workspace_exports(
    running_app: RunningApp, tmp_path: Path
) -> None:
    for fmt in ("json", "csv"):
        done = run_here(
            "export",
            "--format",
            fmt,
            "--include-individual-answers",
            cwd=tmp_path,
            DATABASE_URL=running_app.db.url,
        )
        assert done.returncode != 0
        assert "only with --format workspace" in done.stderr
