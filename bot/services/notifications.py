"""Closing the loop: telling requesters and voters what became of their ask."""

from __future__ import annotations

from bot.services.outbox import SlackPost, queue
from bot.slack.blocks.notices import status_notice_blocks, status_notice_text
from storage.models import Theme, ThemeStatusChange
from storage.unit_of_work import UnitOfWork

STATUS_NOTICE_KIND = "status_notice"


def queue_status_notices(uow: UnitOfWork, theme: Theme, change: ThemeStatusChange) -> int:
    """One DM per requester and voter, stored in the outbox before anything is sent.

    The dedupe key names the status change and the person, so a retry, a crash or a
    second replica can never queue (and so never send) the same notice twice.
    """
    requester_ids = {r.requester_id for r in uow.requests.in_theme(theme.id)}
    people = requester_ids | uow.votes.voter_ids(theme.id)
    users = uow.users
    outbox = uow.outbox
    text = status_notice_text(theme.id, theme.label, change.to_status.value, change.note)
    blocks = status_notice_blocks(text)
    queued = 0
    for user_id in sorted(people):
        user = users.by_id(user_id)
        if user is None or user.is_bot or user.is_deleted:
            continue
        _, created = queue(
            outbox,
            SlackPost(user.slack_id, text, blocks),
            key=f"status:{change.id}:{user.slack_id}",
            kind=STATUS_NOTICE_KIND,
        )
        queued += created
    return queued
