"""Did what shipped meet the need? One DM per requester, some time after a theme ships.

Asked once per (shipment, requester): the follow-up row is unique on that pair and the DM
is an outbox message keyed by it. The question stays open for ``FOLLOWUP_OPEN_FOR``;
answers and comments are taken until then, and a shipment's counts and comments show only
after it closed and only with at least the anonymity threshold of distinct people
(bot/services/pulses/anonymity.py), so they never move one answer at a time.

After a "no" the person may put their need back on the roadmap: a follow-up request in
their name, linked to the answer (withdrawn again if the answer changes), so an unmet need
goes back into the collect → theme → score pipeline. It is their choice, because a
request carries its author's name and would otherwise give the "no" away.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.services.errors import NotAllowedError, NotFoundError, UserFacingError
from bot.services.followup_views import FollowupSummary, FollowupView
from bot.services.outbox import SlackPost, queue
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD, releasable_blocks, released
from bot.services.requests import NewRequest, log_request
from bot.slack.blocks.followup import followup_dm_blocks, followup_dm_text
from storage.enums import RequestSource
from storage.models import ShipFollowup, Theme
from storage.unit_of_work import UnitOfWork

FOLLOWUP_KIND = "ship_followup"
ANSWERS = ("yes", "partly", "no")
# Shipments older than the delay plus this are not asked about (e.g. on first install).
ASK_HORIZON = timedelta(days=30)
MAX_COMMENT_CHARS = 2000
COMMENTS_SHOWN = 5
# How long a follow-up question takes answers (its counts show only after).
FOLLOWUP_OPEN_FOR = timedelta(days=7)


class FollowupClosedError(UserFacingError):
    """An answer to a follow-up question that has closed."""

    def __init__(self) -> None:
        super().__init__(
            "This question has closed — thank you! If it still does not meet your need, "
            "`/feedback` puts it back on the roadmap."
        )


def queue_followups(
    uow: UnitOfWork,
    now: datetime,
    delay: timedelta,
    open_for: timedelta = FOLLOWUP_OPEN_FOR,
) -> int:
    """Queue the question for every shipment that is ``delay`` old; returns how many."""
    repo = uow.followups
    outbox = uow.outbox
    queued = 0
    for change in repo.shipments_due(now - delay, now - delay - ASK_HORIZON):
        theme = uow.session.get(Theme, change.theme_id)
        assert theme is not None
        for user in repo.requesters(change.theme_id):
            if user.is_bot or user.is_deleted or user.pulse_opt_out:
                continue
            followup, created = repo.ask_once(
                change.theme_id, change.id, user.id, now, now + open_for
            )
            if not created:
                continue
            post = SlackPost(
                user.slack_id,
                followup_dm_text(theme.id, theme.label),
                followup_dm_blocks(followup.id, theme.id, theme.label),
            )
            queue(outbox, post, key=f"followup:{change.id}:{user.slack_id}", kind=FOLLOWUP_KIND)
            queued += 1
    return queued


def _own_followup(uow: UnitOfWork, followup_id: int, slack_id: str, now: datetime) -> ShipFollowup:
    """The person's own question, while it is open."""
    followup = uow.followups.by_id(followup_id)
    if followup is None:
        raise NotFoundError("That question does not exist any more.")
    user = uow.users.by_slack_id(slack_id)
    if user is None or user.id != followup.user_id:
        raise NotAllowedError("This question was sent to someone else.")
    if released(None, followup.closes_at, now):
        raise FollowupClosedError()
    return followup


def _view(uow: UnitOfWork, followup: ShipFollowup) -> FollowupView:
    theme = uow.session.get(Theme, followup.theme_id)
    return FollowupView(
        followup.id,
        followup.theme_id,
        theme.label if theme else "",
        followup.answer or "",
        followup.comment,
        followup.followup_request_id,
    )


def answer_followup(
    uow: UnitOfWork,
    followup_id: int,
    slack_id: str,
    answer: str,
    now: datetime,
) -> FollowupView:
    """Record (or change) the answer. A "no" opens no request by itself (see
    :func:`reopen_as_request`); a request opened after an earlier "no" is withdrawn while
    the answer is something else, and comes back with a "no"."""
    if answer not in ANSWERS:
        raise UserFacingError("Answer yes, partly or no.")
    followup = _own_followup(uow, followup_id, slack_id, now)
    followup.answer = answer
    followup.answered_at = now
    requests = uow.requests
    if followup.followup_request_id is not None:
        request = requests.by_id(followup.followup_request_id)
        if request is not None and answer == "no":
            request.withdrawn_at = None
        elif request is not None and request.withdrawn_at is None:
            requests.withdraw(request, now)
    uow.session.flush()
    return _view(uow, followup)


def reopen_as_request(
    uow: UnitOfWork, followup_id: int, slack_id: str, now: datetime
) -> FollowupView:
    """After a "no", the person puts their need back on the roadmap, in their own name."""
    followup = _own_followup(uow, followup_id, slack_id, now)
    if followup.answer != "no":
        raise UserFacingError("Answer “no” first; then it can go back on the roadmap.")
    theme = uow.session.get(Theme, followup.theme_id)
    label = theme.label if theme else f"theme #{followup.theme_id}"
    logged = log_request(
        uow,
        NewRequest(
            requester_slack_id=slack_id,
            text=f"Still needed after “{label}” shipped",
            body=followup.comment or f"Follow-up of theme #{followup.theme_id}.",
            source=RequestSource.PULSE_COMMENT,
            idempotency_key=f"followup:{followup.id}",
            created_at=now,
        ),
    )
    followup.followup_request_id = logged.id
    request = uow.requests.by_id(logged.id)
    if request is not None and request.withdrawn_at is not None:
        request.withdrawn_at = None
    uow.session.flush()
    return _view(uow, followup)


def comment_followup(
    uow: UnitOfWork,
    followup_id: int,
    slack_id: str,
    comment: str,
    now: datetime,
) -> FollowupView:
    text = comment.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise UserFacingError(f"Please keep the comment under {MAX_COMMENT_CHARS:,} characters.")
    followup = _own_followup(uow, followup_id, slack_id, now)
    if followup.answer is None:
        raise UserFacingError("Answer yes, partly or no first.")
    followup.comment = text or None
    if followup.followup_request_id is not None and text:
        request = uow.requests.by_id(followup.followup_request_id)
        if request is not None:
            request.body = text
    uow.session.flush()
    return _view(uow, followup)


def followup_summaries(
    uow: UnitOfWork,
    theme_ids: set[int],
    now: datetime,
    k: int = DEFAULT_THRESHOLD,
) -> dict[int, FollowupSummary]:
    """What may be shown per theme: only shipments whose question has closed and that
    at least ``k`` distinct people answered; a theme with none shows nothing."""
    rows = uow.followups.answered_for_themes(theme_ids)
    closed = [r for r in rows if released(None, r.closes_at, now)]
    people: dict[int, set[int]] = {}
    for row in closed:
        people.setdefault(row.status_change_id, set()).add(row.user_id)
    shown = releasable_blocks(people, k)
    by_theme: dict[int, list[ShipFollowup]] = {}
    for row in closed:
        if row.status_change_id in shown:
            by_theme.setdefault(row.theme_id, []).append(row)
    summaries = {}
    for theme_id, answered in by_theme.items():
        counts = Counter(r.answer for r in answered)
        comments = sorted(r.comment for r in answered if r.comment)
        summaries[theme_id] = FollowupSummary(
            counts["yes"], counts["partly"], counts["no"], tuple(comments[:COMMENTS_SHOWN])
        )
    return summaries
