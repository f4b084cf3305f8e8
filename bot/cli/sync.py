"""`pulseboard sync`: read every linked item's state from its tracker now.

What the scheduled ``tracker_sync`` job does, once, in this process (no lease: an operator
asked for it). A tracker left rate-limited by an earlier run is skipped until its limit
lifts, as the job would.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    database_or_fail,
    settings_or_fail,
    stdout,
)
from bot.runtime.trackers import item_readers
from bot.services.roadmap.following import FollowPolicy
from bot.services.roadmap.sync import configured_names, sync_linked_items


def run(args: argparse.Namespace) -> int:
    settings = settings_or_fail()
    readers = item_readers(settings)
    if not readers:
        raise CommandError(
            "no tracker token is configured: set PULSEBOARD_GITHUB_TOKEN, PULSEBOARD_JIRA_URL "
            "with PULSEBOARD_JIRA_TOKEN, or PULSEBOARD_LINEAR_TOKEN (see the README)",
            EXIT_USAGE,
        )
    sessions = database_or_fail(settings.database_url)
    stdout.print(f"Reading linked items from {configured_names(readers)}…", highlight=False)
    report = sync_linked_items(
        sessions,
        readers,
        lambda: datetime.now(UTC),
        policy=FollowPolicy.from_settings(settings),
    )
    for tracker in report.trackers:
        style = "red" if tracker.failed else "yellow" if tracker.limited_until else None
        stdout.print(tracker.summary(), style=style, markup=False, highlight=False)
        for note in tracker.notes:
            stdout.print(f"  {note}", markup=False, highlight=False)
    return EXIT_ERROR if report.all_failed else EXIT_OK
