"""App Home: my requests, themes I backed, the top of the ranking, and a way to ask."""

from __future__ import annotations

from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import block_action
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import all_text, open_home, valid_view
from tests.integration.app.seed import ASKERS, seed_workspace


def test_home_shows_my_requests_and_the_top_themes(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    view = open_home(running_app, ASKERS[0])
    text = all_text(view["blocks"])
    assert "Your requests" in text
    assert "CI builds are way too slow" in text
    assert "Top of the roadmap" in text
    assert any(b.get("accessory", {}).get("action_id") == "vote_theme" for b in view["blocks"])
    assert any(
        e.get("action_id") == "open_feedback_modal"
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )


def test_voting_from_home_refreshes_it(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    running_app.send(
        block_action("vote_theme", str(seeded.ci_theme), user_id=ids.USER_ID, view={"type": "home"})
    )
    call = running_app.slack.wait_for("views.publish")[-1]
    text = all_text(valid_view(call.param("view"))["blocks"])
    assert "Themes you backed" in text
    assert "None yet" not in text.split("Themes you backed")[1].split("Top of the roadmap")[0]


def test_admins_also_see_the_pulse_results(running_app: RunningApp) -> None:
    from datetime import UTC, datetime, timedelta

    from storage.unit_of_work import unit_of_work
    from tests.fixtures.app import ADMIN_ID

    seed_workspace(running_app.db)
    started = datetime.now(UTC) - timedelta(days=10)
    with unit_of_work(running_app.db.sessions, "T0PULSE01") as uow:
        pulses = uow.pulses
        pulse_round = pulses.start_round(
            "How well does the platform help you ship?", started, started + timedelta(days=7)
        )
        for number in range(6):
            user = uow.users.get_or_create(f"U0ANSWER{number:02d}")
            pulses.invite_once(pulse_round.id, user.id, started)
            pulses.record_answer(pulse_round.id, user.id, 4, started + timedelta(hours=1))
    admin_view = all_text(open_home(running_app, ADMIN_ID)["blocks"])
    assert "Developer satisfaction" in admin_view
    running_app.slack.reset()
    assert "Developer satisfaction" not in all_text(open_home(running_app, ASKERS[1])["blocks"])
