from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage.models import PulseInvitation, PulseResponse, PulseRound
from storage.repositories.base import Repository


class PulseRepository(Repository):
    def start_round(self, question: str, started_at: datetime, closes_at: datetime) -> PulseRound:
        pulse_round = PulseRound(
            workspace_id=self.workspace_id,
            question=question,
            started_at=started_at,
            closes_at=closes_at,
        )
        self.session.add(pulse_round)
        self.session.flush()
        return pulse_round

    def invite_once(self, round_id: int, user_id: int, scheduled_for: datetime) -> bool:
        _, created = self.insert_once(
            PulseInvitation(round_id=round_id, user_id=user_id, scheduled_for=scheduled_for),
            lambda: self.session.scalar(
                select(PulseInvitation).where(
                    PulseInvitation.round_id == round_id, PulseInvitation.user_id == user_id
                )
            ),
        )
        return created

    def record_answer(
        self,
        round_id: int,
        user_id: int,
        score: int,
        answered_at: datetime,
        enps: int | None = None,
        comment: str | None = None,
    ) -> PulseResponse:
        """Store or change a user's answer for the round (one answer per user)."""
        response = self.session.scalar(
            select(PulseResponse).where(
                PulseResponse.round_id == round_id, PulseResponse.user_id == user_id
            )
        )
        if response is None:
            response = PulseResponse(
                round_id=round_id, user_id=user_id, score=score, answered_at=answered_at
            )
            self.session.add(response)
        response.score = score
        response.enps = enps
        response.comment = comment
        response.updated_at = answered_at
        self.session.flush()
        return response

    def rounds(self) -> list[PulseRound]:
        return list(
            self.session.scalars(
                select(PulseRound)
                .where(PulseRound.workspace_id == self.workspace_id)
                .order_by(PulseRound.started_at)
            )
        )

    def responses(self, round_id: int) -> list[PulseResponse]:
        return list(
            self.session.scalars(select(PulseResponse).where(PulseResponse.round_id == round_id))
        )

    def invitations(self, round_id: int) -> list[PulseInvitation]:
        return list(
            self.session.scalars(
                select(PulseInvitation)
                .where(PulseInvitation.round_id == round_id)
                .order_by(PulseInvitation.id)
            )
        )

    def invited_count(self, round_id: int) -> int:
        return (
            self.session.scalar(
                select(func.count(PulseInvitation.id)).where(PulseInvitation.round_id == round_id)
            )
            or 0
        )
