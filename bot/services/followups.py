"""Did what shipped meet the need? One DM per requester, some time after a theme ships.

Asked once per (shipment, requester): the follow-up row is unique on that pair and the DM
is an outbox message keyed by it. A "no" opens a follow-up request linked to the answer
(and withdraws it again if the answer changes), so an unmet need goes back into the
collect → theme → score pipeline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks.followup import followup_dm_blocks, followup_dm_text
from bot.services.errors import NotAllowedError, NotFoundError, UserFacingError
from bot.services.requests import NewRequest, log_request
from storage.enums import RequestSource
from storage.models import ShipFollowup, Theme
from storage.repositories import OutboxRepository, RequestRepository, UserRepository
from storage.repositories.followups import FollowupRepository

FOLLOWUP_KIND = "ship_followup"
ANSWERS = ("yes", "partly", "no")
# Shipments older than the delay plus this are not asked about (e.g. on first install).
ASK_HORIZON = timedelta(days=30)
MAX_COMMENT_CHARS = 2000
COMMENTS_SHOWN = 5


def followup_key(status_change_id: int, slack_id: str) -> str:
    return f"followup:{status_change_id}:{slack_id}"


def queue_followups(session: Session, workspace_id: str, now: datetime, delay: timedelta) -> int:
    """Queue the question for every shipment that is ``delay`` old; returns how many."""
    repo = FollowupRepository(session, workspace_id)
    outbox = OutboxRepository(session, workspace_id)
    queued = 0
    for change in repo.shipments_due(now - delay, now - delay - ASK_HORIZON):
        theme = session.get(Theme, change.theme_id)
        assert theme is not None
        for user in repo.requesters(change.theme_id):
            if user.is_bot or user.is_deleted or user.pulse_opt_out:
                continue
            followup, created = repo.ask_once(change.theme_id, change.id, user.id, now)
            if not created:
                continue
            outbox.enqueue_once(
                dedupe_key=followup_key(change.id, user.slack_id),
                kind=FOLLOWUP_KIND,
                channel=user.slack_id,
                payload={
                    "method": "chat.postMessage",
                    "args": {
                        "channel": user.slack_id,
                        "text": followup_dm_text(theme.label),
                        "blocks": followup_dm_blocks(followup.id, theme.label),
                    },
                },
            )
            queued += 1
    return queued


@dataclass(frozen=True)
class FollowupView:
    followup_id: int
    theme_id: int
    theme_label: str
    answer: str
    comment: str | None
    request_id: int | None


def _own_followup(
    session: Session, workspace_id: str, followup_id: int, slack_id: str
) -> ShipFollowup:
    followup = FollowupRepository(session, workspace_id).by_id(followup_id)
    if followup is None:
        raise NotFoundError("That question does not exist any more.")
    user = UserRepository(session, workspace_id).by_slack_id(slack_id)
    if user is None or user.id != followup.user_id:
        raise NotAllowedError("This question was sent to someone else.")
    return followup


def _view(session: Session, followup: ShipFollowup) -> FollowupView:
    theme = session.get(Theme, followup.theme_id)
    return FollowupView(
        followup.id,
        followup.theme_id,
        theme.label if theme else "",
        followup.answer or "",
        followup.comment,
        followup.followup_request_id,
    )


def answer_followup(
    session: Session,
    workspace_id: str,
    followup_id: int,
    slack_id: str,
    answer: str,
    now: datetime,
) -> FollowupView:
    if answer not in ANSWERS:
        raise UserFacingError("Answer yes, partly or no.")
    followup = _own_followup(session, workspace_id, followup_id, slack_id)
    followup.answer = answer
    followup.answered_at = now
    requests = RequestRepository(session, workspace_id)
    if answer == "no":
        theme = session.get(Theme, followup.theme_id)
        label = theme.label if theme else f"theme #{followup.theme_id}"
        logged = log_request(
            session,
            NewRequest(
                workspace_id=workspace_id,
                requester_slack_id=slack_id,
                text=f"Still needed after “{label}” shipped",
                body=followup.comment or f"Follow-up of theme #{followup.theme_id}.",
                source=RequestSource.PULSE_COMMENT,
                idempotency_key=f"followup:{followup.id}",
                created_at=now,
            ),
        )
        followup.followup_request_id = logged.id
        request = requests.by_id(logged.id)
        if request is not None and request.withdrawn_at is not None:
            request.withdrawn_at = None
    elif followup.followup_request_id is not None:
        request = requests.by_id(followup.followup_request_id)
        if request is not None and request.withdrawn_at is None:
            requests.withdraw(request, now)
    session.flush()
    return _view(session, followup)


def comment_followup(
    session: Session,
    workspace_id: str,
    followup_id: int,
    slack_id: str,
    comment: str,
    now: datetime,
) -> FollowupView:
    text = comment.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise UserFacingError(f"Please keep the comment under {MAX_COMMENT_CHARS:,} characters.")
    followup = _own_followup(session, workspace_id, followup_id, slack_id)
    if followup.answer is None:
        raise UserFacingError("Answer yes, partly or no first.")
    followup.comment = text or None
    if followup.followup_request_id is not None and text:
        request = RequestRepository(session, workspace_id).by_id(followup.followup_request_id)
        if request is not None:
            request.body = text
    session.flush()
    return _view(session, followup)


@dataclass(frozen=True)
class FollowupSummary:
    """What requesters said after a theme shipped: counts and comments, never names."""

    yes: int
    partly: int
    no: int
    comments: tuple[str, ...]

    @property
    def answers(self) -> int:
        return self.yes + self.partly + self.no


def followup_summaries(
    session: Session, workspace_id: str, theme_ids: set[int]
) -> dict[int, FollowupSummary]:
    rows = FollowupRepository(session, workspace_id).answered_for_themes(theme_ids)
    by_theme: dict[int, list[ShipFollowup]] = {}
    for row in rows:
        by_theme.setdefault(row.theme_id, []).append(row)
    summaries = {}
    for theme_id, answered in by_theme.items():
        counts = Counter(r.answer for r in answered)
        comments = sorted(r.comment for r in answered if r.comment)
        summaries[theme_id] = FollowupSummary(
            counts["yes"], counts["partly"], counts["no"], tuple(comments[:COMMENTS_SHOWN])
        )
    return summaries
