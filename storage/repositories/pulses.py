"""Pulse rounds, who was asked, and their answers.

Every write that two replicas (or a Slack retry) could race on is decided by the
database: a round by its unique trigger key, an invitation by (round, user), an answer by
(round, user), a reminder or a close by a conditional update that only one caller wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from storage.enums import OutboxStatus
from storage.models import (
    Domain,
    OutboxMessage,
    PulseInvitation,
    PulseResponse,
    PulseRound,
    User,
)
from storage.repositories.base import Repository, update_rows


@dataclass(frozen=True)
class AnswerRow:
    """An answer with its author's domain name, and never the author."""

    domain: str | None
    score: int
    enps: int | None
    comment: str | None


@dataclass(frozen=True)
class AnswerToAdd:
    """An imported answer; its fields are columns of ``pulse_responses`` (see add_answers)."""

    user_id: int
    score: int
    answered_at: datetime
    enps: int | None = None
    comment: str | None = None


class PulseRepository(Repository):
    def start_round(self, question: str, started_at: datetime, closes_at: datetime) -> PulseRound:
        """A new round without a trigger key (as an import starts one)."""
        pulse_round, _ = self.start_round_once(question, started_at, closes_at, None)
        return pulse_round

    def start_round_once(
        self, question: str, started_at: datetime, closes_at: datetime, trigger_key: str | None
    ) -> tuple[PulseRound, bool]:
        """A new round, unless one with ``trigger_key`` exists; return (round, created)."""
        pulse_round = PulseRound(
            workspace_id=self.workspace_id,
            question=question,
            started_at=started_at,
            closes_at=closes_at,
            trigger_key=trigger_key,
        )
        if trigger_key is None:
            return self.add_row(pulse_round), True
        return self.insert_once(
            pulse_round,
            lambda: self.session.scalar(
                select(PulseRound).where(PulseRound.trigger_key == trigger_key)
            ),
        )

    def by_trigger_key(self, trigger_key: str) -> PulseRound | None:
        return self.first_of(PulseRound, PulseRound.trigger_key == trigger_key)

    def by_id(self, round_id: int) -> PulseRound | None:
        return self.row_by_id(PulseRound, round_id)

    def latest(self) -> PulseRound | None:
        return self.first_of(
            PulseRound, order_by=[PulseRound.started_at.desc(), PulseRound.id.desc()]
        )

    def invite_once(self, round_id: int, user_id: int, scheduled_for: datetime) -> bool:
        user = self.session.get(User, user_id)
        _, created = self.insert_once(
            PulseInvitation(
                round_id=round_id,
                user_id=user_id,
                domain_id=user.domain_id if user is not None else None,
                scheduled_for=scheduled_for,
            ),
            lambda: self.invitation(round_id, user_id),
        )
        return created

    def invite_all(self, round_id: int, scheduled: Sequence[tuple[int, datetime]]) -> None:
        """Invite many people to a round created in this same transaction.

        No other transaction can know the new round yet, so no insert can conflict and one
        bulk insert does (10,000 savepoints would not). Each keeps the person's domain now.
        """
        rows = self.session.execute(
            select(User.id, User.domain_id).where(User.workspace_id == self.workspace_id)
        )
        domains: dict[int, int | None] = {int(row[0]): row[1] for row in rows}
        self.session.add_all(
            PulseInvitation(
                round_id=round_id, user_id=user_id, domain_id=domains.get(user_id), scheduled_for=at
            )
            for user_id, at in scheduled
        )
        self.session.flush()

    def add_answers(self, round_id: int, answers: Sequence[AnswerToAdd]) -> None:
        """Store the answers of a round created in this same transaction (an import): no
        other can conflict, so one bulk insert, as for :meth:`invite_all`. One answer per
        person: ``answers`` must not name anyone twice."""
        self.session.add_all(
            PulseResponse(round_id=round_id, updated_at=answer.answered_at, **asdict(answer))
            for answer in answers
        )
        self.session.flush()

    def invitation(self, round_id: int, user_id: int) -> PulseInvitation | None:
        return self.session.scalar(
            select(PulseInvitation).where(
                PulseInvitation.round_id == round_id, PulseInvitation.user_id == user_id
            )
        )

    def invited_user_ids(self, round_id: int) -> set[int]:
        return set(
            self.session.scalars(
                select(PulseInvitation.user_id).where(PulseInvitation.round_id == round_id)
            )
        )

    def mark_sent(self, round_id: int, slack_id: str, at: datetime) -> None:
        user_id = select(User.id).where(
            User.workspace_id == self.workspace_id, User.slack_id == slack_id
        )
        update_rows(
            self.session,
            PulseInvitation,
            PulseInvitation.round_id == round_id,
            PulseInvitation.user_id.in_(user_id.scalar_subquery()),
            PulseInvitation.sent_at.is_(None),
            sent_at=at,
        )

    def record_answer(
        self,
        round_id: int,
        user_id: int,
        score: int,
        answered_at: datetime,
        enps: int | None = None,
        comment: str | None = None,
    ) -> PulseResponse:
        """Store or change a user's answer for the round (one answer per user).

        The answer keeps the domain its author is in now, so moving domain later does not
        move a closed round's per-domain figures.
        """
        user = self.session.get(User, user_id)
        domain_id = user.domain_id if user is not None else None
        response = self.response(round_id, user_id)
        if response is None:
            response, created = self.insert_once(
                PulseResponse(
                    round_id=round_id,
                    user_id=user_id,
                    domain_id=domain_id,
                    score=score,
                    enps=enps,
                    comment=comment,
                    answered_at=answered_at,
                    updated_at=answered_at,
                ),
                lambda: self.response(round_id, user_id),
            )
            if created:
                return response
        response.domain_id = domain_id
        response.score = score
        response.enps = enps
        response.comment = comment
        response.updated_at = answered_at
        self.session.flush()
        return response

    def response(self, round_id: int, user_id: int) -> PulseResponse | None:
        return self.session.scalar(
            select(PulseResponse).where(
                PulseResponse.round_id == round_id, PulseResponse.user_id == user_id
            )
        )

    def rounds(self) -> list[PulseRound]:
        return self.rows_of(PulseRound, order_by=[PulseRound.started_at, PulseRound.id])

    def responses(self, round_id: int) -> list[PulseResponse]:
        """In the order they were given (an export lists them so; without ORDER BY,
        PostgreSQL returns rows in whatever order its pages hold them)."""
        return list(
            self.session.scalars(
                select(PulseResponse)
                .where(PulseResponse.round_id == round_id)
                .order_by(PulseResponse.id)
            )
        )

    def invitations(self, round_id: int) -> list[PulseInvitation]:
        return list(
            self.session.scalars(
                select(PulseInvitation)
                .where(PulseInvitation.round_id == round_id)
                .order_by(PulseInvitation.id)
            )
        )

    # --- results: answers by domain, never by person ---------------------------------

    def answer_rows(self, round_id: int) -> list[AnswerRow]:
        rows = self.session.execute(
            select(Domain.name, PulseResponse.score, PulseResponse.enps, PulseResponse.comment)
            .select_from(PulseResponse)
            .outerjoin(Domain, Domain.id == PulseResponse.domain_id)
            .where(PulseResponse.round_id == round_id)
        )
        return [AnswerRow(domain, score, enps, comment) for domain, score, enps, comment in rows]

    def answered_count(self, round_id: int) -> int:
        return (
            self.session.scalar(
                select(func.count(PulseResponse.id)).where(PulseResponse.round_id == round_id)
            )
            or 0
        )

    def asked_by_domain(self, round_id: int) -> dict[str | None, int]:
        rows = self.session.execute(
            select(Domain.name, func.count(PulseInvitation.id))
            .select_from(PulseInvitation)
            .outerjoin(Domain, Domain.id == PulseInvitation.domain_id)
            .where(PulseInvitation.round_id == round_id)
            .group_by(Domain.name)
        )
        return {domain: int(count) for domain, count in rows}

    def comments_of_rounds(self, round_ids: set[int]) -> list[tuple[int, int, str]]:
        """(round id, author's user id, comment) of the rounds' answers with a comment.

        No score: what a comment's author answered never leaves with the comment.
        """
        if not round_ids:
            return []
        rows = self.session.execute(
            select(PulseResponse.round_id, PulseResponse.user_id, PulseResponse.comment)
            .where(PulseResponse.round_id.in_(round_ids), PulseResponse.comment.is_not(None))
            .order_by(PulseResponse.round_id, PulseResponse.id)
        )
        return [(round_id, user_id, comment) for round_id, user_id, comment in rows if comment]

    # --- reminders and closing ------------------------------------------------------

    def open_rounds(self, now: datetime) -> list[PulseRound]:
        return self._unclosed_rounds(PulseRound.closes_at > now)

    def due_reminders(self, round_id: int, scheduled_before: datetime) -> list[tuple[int, User]]:
        """(invitation id, user) of people asked before then who have not answered yet."""
        answered = select(PulseResponse.user_id).where(PulseResponse.round_id == round_id)
        rows = self.session.execute(
            select(PulseInvitation.id, User)
            .join(User, User.id == PulseInvitation.user_id)
            .where(
                PulseInvitation.round_id == round_id,
                PulseInvitation.scheduled_for <= scheduled_before,
                PulseInvitation.reminded_at.is_(None),
                PulseInvitation.user_id.not_in(answered),
            )
            .order_by(PulseInvitation.id)
        )
        return [(invitation_id, user) for invitation_id, user in rows]

    def claim_reminder(self, invitation_id: int, now: datetime) -> bool:
        """Mark the reminder as ours to send; False when another replica has it."""
        claimed = update_rows(
            self.session,
            PulseInvitation,
            PulseInvitation.id == invitation_id,
            PulseInvitation.reminded_at.is_(None),
            reminded_at=now,
        )
        return claimed == 1

    def rounds_to_close(self, now: datetime) -> list[PulseRound]:
        return self._unclosed_rounds(PulseRound.closes_at <= now)

    def _unclosed_rounds(self, closes: ColumnElement[bool]) -> list[PulseRound]:
        return self.rows_of(PulseRound, PulseRound.closed_at.is_(None), closes)

    def claim_close(self, round_id: int, now: datetime) -> bool:
        claimed = update_rows(
            self.session,
            PulseRound,
            PulseRound.id == round_id,
            PulseRound.closed_at.is_(None),
            closed_at=now,
        )
        return claimed == 1

    def cancel_unsent(self, key_prefix: str, reason: str) -> int:
        """Drop pulse DMs still waiting in the outbox (the round closed before their time).

        Only unclaimed messages: one a sender holds may be on its way to Slack already.
        """
        return update_rows(
            self.session,
            OutboxMessage,
            OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.claimed_by.is_(None),
            status=OutboxStatus.FAILED,
            last_error=reason,
        )


def pulse_dm_rows(
    workspace_id: str, messages: Sequence[tuple[str, str, str, dict[str, Any], datetime]]
) -> list[OutboxMessage]:
    """Outbox rows for a new round's DMs: (dedupe key, kind, channel, payload, not_before).

    For a round created in the same transaction the keys (which name the new round) are
    new, so they can be added in bulk; the unique key still guards against any mistake.
    """
    return [
        OutboxMessage(
            workspace_id=workspace_id,
            dedupe_key=key,
            kind=kind,
            channel=channel,
            payload=payload,
            next_attempt_at=not_before,
        )
        for key, kind, channel, payload, not_before in messages
    ]
