"""+1s: one per person per theme, a second press takes it back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.services.errors import NotAllowedError, NotFoundError
from bot.services.vote_views import VoteOutcome, VoteResult
from storage.models import Theme
from storage.repositories import (
    DeliveryRepository,
    RequestRepository,
    ThemeRepository,
    UserRepository,
    VoteRepository,
)


def live_theme(session: Session, workspace_id: str, theme_id: int) -> Theme:
    """The theme standing for ``theme_id`` now (a merged theme leads to its target)."""
    theme = ThemeRepository(session, workspace_id).resolve(theme_id)
    if theme is None:
        raise NotFoundError("That theme no longer exists, so there is nothing to vote for.")
    return theme


def toggle_vote(
    session: Session, workspace_id: str, voter_slack_id: str, theme_id: int, delivery_key: str
) -> VoteResult:
    """Add the voter's +1, or take it back if they gave one; a retried delivery does nothing."""
    theme = live_theme(session, workspace_id, theme_id)
    if not DeliveryRepository(session, workspace_id).first_time(delivery_key):
        return result(session, workspace_id, theme, VoteOutcome.ALREADY_HANDLED)
    voter = UserRepository(session, workspace_id).get_or_create(voter_slack_id)
    if is_requester(session, workspace_id, theme.id, voter.id):
        return result(session, workspace_id, theme, VoteOutcome.OWN_REQUEST)
    votes = VoteRepository(session, workspace_id)
    existing = votes.find(voter.id, theme_id=theme.id)
    if existing is not None:
        votes.remove(existing)
        return result(session, workspace_id, theme, VoteOutcome.REMOVED)
    votes.add_once(voter.id, theme_id=theme.id)
    return result(session, workspace_id, theme, VoteOutcome.ADDED)


def vote_instead(
    session: Session, workspace_id: str, user_slack_id: str, request_id: int, theme_id: int
) -> VoteResult:
    """Withdraw the user's new request and back an existing theme instead (idempotent)."""
    theme = live_theme(session, workspace_id, theme_id)
    user = UserRepository(session, workspace_id).get_or_create(user_slack_id)
    requests = RequestRepository(session, workspace_id)
    request = requests.by_id(request_id)
    if request is None:
        raise NotFoundError(f"Request {request_id} does not exist.")
    if user.id not in (request.requester_id, request.logged_by_id):
        raise NotAllowedError(f"Only the person who logged request {request_id} can withdraw it.")
    if request.withdrawn_at is None:
        requests.withdraw(request)
    if is_requester(session, workspace_id, theme.id, user.id):
        return result(session, workspace_id, theme, VoteOutcome.OWN_REQUEST)
    _, created = VoteRepository(session, workspace_id).add_once(user.id, theme_id=theme.id)
    outcome = VoteOutcome.ADDED if created else VoteOutcome.ALREADY_HANDLED
    return result(session, workspace_id, theme, outcome)


def is_requester(session: Session, workspace_id: str, theme_id: int, user_id: int) -> bool:
    return any(
        r.requester_id == user_id
        for r in RequestRepository(session, workspace_id).in_theme(theme_id)
    )


def backer_count(session: Session, workspace_id: str, theme_id: int) -> int:
    """Who asked (live requests) or gave +1, each person once (RoadmapEntry.backers)."""
    requests = RequestRepository(session, workspace_id).in_theme(theme_id)
    voters = VoteRepository(session, workspace_id).voter_ids(theme_id)
    return len({request.requester_id for request in requests} | voters)


def result(session: Session, workspace_id: str, theme: Theme, outcome: VoteOutcome) -> VoteResult:
    return VoteResult(outcome, theme.id, theme.label, backer_count(session, workspace_id, theme.id))
