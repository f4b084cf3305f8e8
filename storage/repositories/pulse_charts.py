"""The pulse trend chart posted in a digest's thread: one per digest run.

The unique digest run id is the claim, so of replicas racing to attach the chart to the
same digest one posts it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import PulseChartPost
from storage.repositories.base import Repository


class PulseChartRepository(Repository):
    def claim(self, digest_run_id: int, at: datetime) -> int | None:
        """Claim the chart of the digest run; the claim's id, or None if it was taken."""
        claim, created = self.insert_once(
            PulseChartPost(
                workspace_id=self.workspace_id, digest_run_id=digest_run_id, claimed_at=at
            ),
            lambda: self.session.scalar(
                select(PulseChartPost).where(PulseChartPost.digest_run_id == digest_run_id)
            ),
        )
        return claim.id if created else None

    def record_posted(self, claim_id: int, file_id: str | None, at: datetime) -> None:
        """The chart of the claim went up (as ``file_id``, when Slack named it)."""
        claim = self.session.get(PulseChartPost, claim_id)
        if claim is not None:
            claim.file_id, claim.posted_at = file_id, at
