"""Drivers through the real bolt app: `/roadmap pulse` with the drivers section and the
quadrant in words, `/roadmap pulse chart` with both PNGs, `/roadmap tie|untie N <driver>`
for admins only, and `/roadmap theme N` naming the tied driver in the breakdown."""

from __future__ import annotations

from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import slash_command
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.pulses.driver_seed import DriverSeed, day

TEAM = ids.TEAM_ID


def roadmap(app: RunningApp, text: str, user: str, name: str) -> str:
    status, _ = app.send(
        slash_command("/roadmap", text, user_id=user, response_url=app.slack.response_url(name))
    )
    assert status == 200
    [reply] = app.slack.wait_for("response_url", where=lambda c: c.path.endswith(f"/{name}"))
    return all_text(valid_blocks(reply.params["blocks"]))


def seed(app: RunningApp) -> int:
    seeded = DriverSeed(app.db, TEAM)
    build = seeded.driver("build_speed", "build speed", "How fast CI builds run")
    docs = seeded.driver("docs", "documentation", "Docs for the platform", 1)
    first = seeded.round(day(0))
    seeded.answers(first, build, {n: 1 + n % 2 for n in range(10)})  # 1,2: all unsatisfied
    seeded.answers(first, docs, dict.fromkeys(range(10), 4))
    seeded.answers(first, build, dict.fromkeys(range(10), 5), "importance")
    seeded.answers(first, docs, dict.fromkeys(range(10), 3), "importance")
    return seeded.theme("Remote build cache", [40, 41], day(1))


def test_pulse_shows_drivers_and_the_quadrant(running_app: RunningApp) -> None:
    seed(running_app)
    text = roadmap(running_app, "pulse", ids.USER_ID, "pulse")
    assert "Drivers of developer experience" in text
    assert "Important and unsatisfied: build speed (100% unsatisfied, ranks most important)" in (
        text
    )
    reply = roadmap(running_app, "pulse chart", ids.USER_ID, "chart")
    assert "charts by DM" in reply
    uploads = running_app.slack.calls("file_upload")
    assert len(uploads) == 2
    for upload in uploads:
        data = running_app.slack.uploaded_bytes(upload.params["file_id"])
        assert data is not None
        assert data.startswith(b"\x89PNG")


def test_tie_is_for_admins_and_shows_in_the_breakdown(running_app: RunningApp) -> None:
    theme_id = seed(running_app)
    refused = roadmap(running_app, f"tie {theme_id} build_speed", ids.USER_ID, "no")
    assert "product managers" in refused
    unknown = roadmap(running_app, f"tie {theme_id} nope", ADMIN_ID, "unknown")
    assert "There is no driver `nope`" in unknown
    tied = roadmap(running_app, f"tie {theme_id} build_speed", ADMIN_ID, "tie")
    assert "now addresses “build speed”" in tied
    shown = roadmap(running_app, f"theme {theme_id}", ADMIN_ID, "theme")
    assert "drivers: 1.00 × 0.15 = *0.15*" in shown
    assert "addresses 'build speed', where 100% are unsatisfied" in shown
    assert "Addresses drivers: build_speed" in shown
    untied = roadmap(running_app, f"untie {theme_id} build_speed", ADMIN_ID, "untie")
    assert "no longer addresses" in untied
    assert "Addresses drivers" not in roadmap(running_app, f"theme {theme_id}", ADMIN_ID, "again")
