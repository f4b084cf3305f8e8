"""+1s: one per person per theme, a second press takes it back."""

from __future__ import annotations

from bot.services.errors import NotAllowedError, NotFoundError
from bot.services.vote_views import VoteOutcome, VoteResult
from storage.models import Theme
from storage.unit_of_work import UnitOfWork


def live_theme(uow: UnitOfWork, theme_id: int) -> Theme:
    """The theme standing for ``theme_id`` now (a merged theme leads to its target)."""
    theme = uow.themes.resolve(theme_id)
    if theme is None:
        raise NotFoundError("That theme no longer exists, so there is nothing to vote for.")
    return theme


def toggle_vote(
    uow: UnitOfWork, voter_slack_id: str, theme_id: int, delivery_key: str
) -> VoteResult:
    """Add the voter's +1, or take it back if they gave one; a retried delivery does nothing."""
    theme = live_theme(uow, theme_id)
    if not uow.deliveries.claim(delivery_key):
        return result(uow, theme, VoteOutcome.ALREADY_HANDLED)
    voter = uow.users.get_or_create(voter_slack_id)
    if is_requester(uow, theme.id, voter.id):
        return result(uow, theme, VoteOutcome.OWN_REQUEST)
    existing = uow.votes.find(voter.id, theme_id=theme.id)
    if existing is not None:
        uow.votes.remove(existing)
        return result(uow, theme, VoteOutcome.REMOVED)
    uow.votes.add_once(voter.id, theme_id=theme.id)
    return result(uow, theme, VoteOutcome.ADDED)


def vote_instead(uow: UnitOfWork, user_slack_id: str, request_id: int, theme_id: int) -> VoteResult:
    """Withdraw the user's new request and back an existing theme instead (idempotent)."""
    theme = live_theme(uow, theme_id)
    user = uow.users.get_or_create(user_slack_id)
    request = uow.requests.by_id(request_id)
    if request is None:
        raise NotFoundError(f"Request {request_id} does not exist.")
    if user.id not in (request.requester_id, request.logged_by_id):
        raise NotAllowedError(f"Only the person who logged request {request_id} can withdraw it.")
    if request.withdrawn_at is None:
        uow.requests.withdraw(request)
    if is_requester(uow, theme.id, user.id):
        return result(uow, theme, VoteOutcome.OWN_REQUEST)
    _, created = uow.votes.add_once(user.id, theme_id=theme.id)
    outcome = VoteOutcome.ADDED if created else VoteOutcome.ALREADY_HANDLED
    return result(uow, theme, outcome)


def is_requester(uow: UnitOfWork, theme_id: int, user_id: int) -> bool:
    return any(r.requester_id == user_id for r in uow.requests.in_theme(theme_id))


def backer_count(uow: UnitOfWork, theme_id: int) -> int:
    """Who asked (live requests) or gave +1, each person once (RoadmapEntry.backers)."""
    requests = uow.requests.in_theme(theme_id)
    return len({request.requester_id for request in requests} | uow.votes.voter_ids(theme_id))


def result(uow: UnitOfWork, theme: Theme, outcome: VoteOutcome) -> VoteResult:
    return VoteResult(outcome, theme.id, theme.label, backer_count(uow, theme.id))
