"""+1 buttons: one vote per person per theme, toggles, merges, own requests, retries."""

from __future__ import annotations

import re

from storage.models import utcnow
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_requests import block_action, slash_command
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import all_text, count_requests, count_votes, valid_blocks
from tests.integration.app.seed import ASKERS, seed_workspace

VOTER = "U0VOTER001"


def press(app: RunningApp, theme_id: int | str, user: str = VOTER):
    request = block_action(
        "vote_theme", str(theme_id), user_id=user, response_url=app.slack.response_url(user)
    )
    assert app.send(request)[0] == 200
    return request


def answers(app: RunningApp, user: str = VOTER, count: int = 1) -> list[str]:
    app.slack.wait_for("response_url", count=count, where=lambda c: c.path.endswith(f"/{user}"))
    return [all_text(valid_blocks(c.param("blocks"))) for c in app.slack.responses(user)]


def test_press_adds_and_press_again_removes(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    press(running_app, seeded.ci_theme)
    assert "You back" in answers(running_app)[-1]
    assert count_votes(running_app.db) == 1
    press(running_app, seeded.ci_theme)
    assert "taken back" in answers(running_app, count=2)[-1]
    assert count_votes(running_app.db) == 0


def test_a_retried_press_counts_once(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    request = press(running_app, seeded.ci_theme)
    running_app.slack.wait_for("response_url")
    assert running_app.send(request.with_retry(1))[0] == 200
    running_app.slack.wait_for("response_url", count=2)
    assert count_votes(running_app.db) == 1


def test_voting_for_your_own_request_is_a_kind_no_op(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    press(running_app, seeded.ci_theme, user=ASKERS[0])
    assert "already counts you" in answers(running_app, user=ASKERS[0])[-1]
    assert count_votes(running_app.db) == 0


def test_a_vote_for_a_merged_theme_goes_to_its_target(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    with unit_of_work(running_app.db.sessions, "T0PULSE01") as uow:
        theme = uow.themes.by_id(seeded.rollback_theme)
        assert theme is not None
        theme.merged_into_id = seeded.ci_theme
    press(running_app, seeded.rollback_theme)
    answers(running_app)
    with running_app.db.sessions() as session:
        from storage.models import Vote

        [vote] = session.query(Vote).all()
        assert vote.theme_id == seeded.ci_theme


def test_a_vote_for_a_deleted_or_unknown_theme_changes_nothing(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    with unit_of_work(running_app.db.sessions, "T0PULSE01") as uow:
        theme = uow.themes.by_id(seeded.rollback_theme)
        assert theme is not None
        theme.deleted_at = utcnow()
    press(running_app, seeded.rollback_theme)
    assert "no longer exists" in answers(running_app)[-1]
    press(running_app, "not-a-number")
    assert "does not point at a theme" in answers(running_app, count=2)[-1]
    assert count_votes(running_app.db) == 0


def test_plus_one_instead_withdraws_the_new_request_and_votes(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    from tests.fakes.slack_requests import slash_command

    running_app.send(
        slash_command(
            "/feedback",
            "we need a rollback button for deploys",
            user_id=VOTER,
            response_url=running_app.slack.response_url(),
        )
    )
    running_app.slack.wait_for("response_url")
    live_before = count_requests(running_app.db, live_only=True)
    with running_app.db.sessions() as session:
        from sqlalchemy import func, select

        from storage.models import Request

        newest = session.scalar(select(func.max(Request.id)))
    instead = block_action(
        "vote_instead",
        f"{newest}:{seeded.rollback_theme}",
        user_id=VOTER,
        response_url=running_app.slack.response_url(VOTER),
    )
    running_app.send(instead)
    text = answers(running_app)[-1]
    assert f"Request {newest} is withdrawn" in text
    assert count_requests(running_app.db, live_only=True) == live_before - 1
    assert count_votes(running_app.db) == 1
    running_app.send(
        block_action(
            "vote_instead",
            f"{newest}:{seeded.rollback_theme}",
            user_id="U0STRANGER",
            response_url=running_app.slack.response_url("x"),
        )
    )
    running_app.slack.wait_for("response_url", where=lambda c: c.path.endswith("/x"))
    assert "Only the person" in all_text(running_app.slack.responses("x")[-1].param("blocks"))


def test_the_reply_and_the_roadmap_count_backers_alike(running_app: RunningApp) -> None:
    """One count everywhere: who asked or gave +1, each person once; +1 and its take-back
    move it by exactly one."""
    seeded = seed_workspace(running_app.db)
    before = roadmap_backers(running_app, seeded.ci_theme)
    press(running_app, seeded.ci_theme)
    added = answers(running_app)[-1]
    assert f"{before + 1} people back it now" in added
    assert roadmap_backers(running_app, seeded.ci_theme) == before + 1
    press(running_app, seeded.ci_theme)
    removed = answers(running_app, count=2)[-1]
    assert f"{before} people back it now" in removed
    assert roadmap_backers(running_app, seeded.ci_theme) == before


def roadmap_backers(app: RunningApp, theme_id: int) -> int:
    """The backers `/roadmap` shows for a theme, read as a PM reads them."""
    name = f"roadmap-{len(app.slack.calls('response_url'))}"
    command = slash_command(
        "/roadmap", "", user_id=VOTER, response_url=app.slack.response_url(name)
    )
    assert app.send(command)[0] == 200
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(name))
    [answer] = app.slack.responses(name)
    shown = all_text(valid_blocks(answer.param("blocks")))
    found = re.search(rf"#{theme_id} [^\n]*\n[^\n]*\n(\d+) (?:people back|person backs) it", shown)
    assert found is not None, shown
    return int(found.group(1))
