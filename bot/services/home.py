"""What a person sees on the App Home tab."""

from __future__ import annotations

from datetime import datetime

from bot.runtime.settings import Settings
from bot.services.home_views import HomeView, MyRequest, VotedTheme
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD
from bot.services.pulses.results import pulse_results
from bot.services.roadmap.ranking import build_roadmap
from scoring import ScoringConfig
from storage.unit_of_work import UnitOfWork

MY_REQUESTS_SHOWN = 10
TOP_THEMES_SHOWN = 5


def home_view(
    uow: UnitOfWork,
    user_slack_id: str,
    now: datetime,
    config: ScoringConfig | None = None,
    pulse_threshold: int | None = None,
    anonymity: int = DEFAULT_THRESHOLD,
) -> HomeView:
    """``pulse_threshold`` is given for admins only: they also see the pulse results.
    ``anonymity``: the pulse threshold, for everyone's view of theme scores."""
    themes = uow.themes
    mine = my_requests(uow, user_slack_id)
    # by theme id: votes on themes since merged into one show it once
    voted: dict[int, VotedTheme] = {}
    user = uow.users.by_slack_id(user_slack_id)
    if user is not None:
        for theme_id in uow.votes.theme_ids_voted_by(user.id):
            theme = themes.resolve(theme_id)
            if theme is not None:
                voted.setdefault(theme.id, VotedTheme(theme.id, theme.label, theme.status.value))
    top = build_roadmap(uow, now, config, anonymity=anonymity)[:TOP_THEMES_SHOWN]
    pulse = pulse_results(uow, pulse_threshold, now) if pulse_threshold is not None else None
    return HomeView(
        mine[:MY_REQUESTS_SHOWN],
        max(0, len(mine) - MY_REQUESTS_SHOWN),
        tuple(voted.values()),
        tuple(top),
        pulse,
        domains=tuple((d.id, d.name) for d in uow.domains.active()),
        my_domain=user.domain_id if user is not None else None,
    )


def my_requests(uow: UnitOfWork, user_slack_id: str) -> tuple[MyRequest, ...]:
    """The person's requests, newest first, with the theme and status each one is in."""
    themes = uow.themes
    found = []
    for request in uow.requests.by_requester(user_slack_id):
        theme = themes.resolve(request.theme_id) if request.theme_id else None
        found.append(
            MyRequest(
                id=request.id,
                title=request.title,
                theme_label=theme.label if theme else None,
                status=theme.status.value if theme else "open",
                withdrawn=request.withdrawn_at is not None,
                theme_id=theme.id if theme else None,
            )
        )
    return tuple(found)


def admin_threshold(settings: Settings, user_slack_id: str) -> int | None:
    """The anonymity threshold if this person is an admin (who sees pulse results)."""
    return settings.pulse_anonymity if settings.is_admin(user_slack_id) else None
