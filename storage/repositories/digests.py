from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from storage.enums import DigestRunStatus
from storage.models import DigestRun, utcnow
from storage.repositories.base import Repository


class DigestRunRepository(Repository):
    def claim(self, channel: str, period: str, at: datetime | None = None) -> DigestRun | None:
        """Claim the digest of (channel, period); None if another run holds it already."""
        run, created = self.insert_once(
            DigestRun(
                workspace_id=self.workspace_id,
                channel=channel,
                period=period,
                started_at=at or utcnow(),
            ),
            lambda: self.find(channel, period),
        )
        return run if created else None

    def find(self, channel: str, period: str) -> DigestRun | None:
        return self.first_of(DigestRun, DigestRun.channel == channel, DigestRun.period == period)

    def mark_posted(self, run: DigestRun, ts: str, ranking: dict[str, Any]) -> None:
        run.status = DigestRunStatus.POSTED
        run.posted_ts = ts
        run.posted_at = utcnow()
        run.ranking = ranking
        self.session.flush()

    def previous(self, channel: str, run: DigestRun) -> DigestRun | None:
        """The run for this channel before ``run`` (posted or still being sent)."""
        return self._newest(channel, DigestRun.id != run.id, DigestRun.started_at <= run.started_at)

    def latest(self, channel: str) -> DigestRun | None:
        """The newest run for the channel, posted or still being sent."""
        return self._newest(channel)

    def _newest(self, channel: str, *where: ColumnElement[bool]) -> DigestRun | None:
        """The channel's latest started run that matches ``where``."""
        return self.first_of(
            DigestRun,
            DigestRun.channel == channel,
            *where,
            order_by=[DigestRun.started_at.desc(), DigestRun.id.desc()],
        )

    def by_id(self, run_id: int) -> DigestRun | None:
        return self.session.get(DigestRun, run_id)

    def last_posted(self, channel: str) -> DigestRun | None:
        return self.first_of(
            DigestRun,
            DigestRun.channel == channel,
            DigestRun.status == DigestRunStatus.POSTED,
            order_by=[DigestRun.posted_at.desc()],
        )
